import { type SCDTableConfig, type StateCodec, z } from '@sync/core';
import type { LastModifiedType } from '@sync/extract-mssql';
import { lakeTableDir } from './lake-paths.js';
import type { ScdSnapshot, ScdTableState } from './scd-plan.js';
import { lakeFileRows, lakeFiles, lastWrite } from './state-lake-files.js';
import type { StateRebuild } from './state-rebuild.js';
import type { RunInfo } from './table-handler.js';

/**
 * An SCD2 table's state, version 1 (see {@link ScdTableState}): checked on every read.
 *
 * @example
 * await store.read(table.id, scdStateCodec) // ScdTableState, or STATE_CORRUPT
 */
export const scdStateCodec: StateCodec<ScdTableState> = {
  kind: 'scd',
  version: 1,
  schema: z.object({
    version: z.literal(1),
    tableId: z.string(),
    lastRunId: z.string(),
    lastLoadedAt: z.string(),
    watermark: z.string().nullable(),
    lastModifiedType: z.string().regex(/^(date|smalldatetime|datetime|datetime2\([0-7]\))$/),
    bucketCount: z.number().int().min(1).max(1024),
    businessKey: z.array(z.string()).min(1),
    versions: z.number().int().min(0),
  }) as unknown as z.ZodType<ScdTableState>,
};

/**
 * Whether `text` is style 121 of `type` (what `source.watermark` returns for it): a watermark
 * recorded for another type of the column cannot be compared with it.
 *
 * @example
 * watermarkFits('2024-01-01 10:00:00.003', 'datetime') // true
 * watermarkFits('2024-01-01 10:00:00.003', 'datetime2(7)') // false
 */
export function watermarkFits(text: string, type: LastModifiedType): boolean {
  const date = '\\d{4}-\\d{2}-\\d{2}';
  if (type === 'date') {
    return new RegExp(`^${date}$`).test(text);
  }
  const digits = type === 'smalldatetime' || type === 'datetime' ? 3 : Number(type.slice(10, 11));
  return new RegExp(`^${date} \\d{2}:\\d{2}:\\d{2}${digits === 0 ? '' : `\\.\\d{${digits}}`}$`).test(text);
}

/**
 * An SCD2 table's state rebuilt from its bucket files' metadata: bucket count and business key
 * (which must agree across files), and the MINIMUM of the watermarks the files recorded
 * (`sqlsync.scd.watermark`) — a bucket untouched by the later runs keeps an earlier run's, so the
 * minimum may re-read rows already merged (an identical version read again changes nothing), but
 * never skips one. A file with no watermark (an empty source then), disagreeing files, or a
 * watermark that is not text of the column's type now give a full read.
 *
 * @example
 * const { state, found, chose } = await rebuildScdState(table, snapshot, run);
 * state?.watermark // '2024-03-01 08:00:00.0000000'
 */
export async function rebuildScdState(
  table: SCDTableConfig,
  snapshot: ScdSnapshot,
  run: RunInfo,
): Promise<StateRebuild<ScdTableState>> {
  const dir = lakeTableDir(run.lakeRoot, table);
  const files = (await lakeFiles(dir)).filter((f) => f.subdir.startsWith('bucket='));
  if (files.length === 0) {
    return {
      state: undefined,
      found: `no bucket file in ${dir}`,
      chose: 'no state: a full read (first load)',
    };
  }
  const counts = new Set(files.map((f) => f.metadata['sqlsync.scd.bucket_count']));
  const keys = new Set(files.map((f) => f.metadata['sqlsync.scd.business_key']));
  const watermarks = files.map((f) => f.metadata['sqlsync.scd.watermark'] ?? '');
  const buckets = new Set(files.map((f) => f.subdir)).size;
  const [count] = [...counts];
  const [key] = [...keys];
  const minimum = [...watermarks].sort()[0] ?? '';
  const found = `${files.length} files in ${buckets} buckets; bucket_count ${[...counts].join('/')}, business key ${[...keys].join('/')}, watermarks ${[
    ...new Set(watermarks),
  ]
    .sort()
    .map((w) => (w === '' ? '(none)' : w))
    .join(', ')}`;
  if (counts.size !== 1 || keys.size !== 1 || count === undefined || key === undefined) {
    return {
      state: undefined,
      found,
      chose: 'no state: the files disagree on bucket count or business key, so a full read',
    };
  }
  const businessKey = safeKey(key);
  const bucketCount = Number(count);
  if (businessKey === undefined || !Number.isInteger(bucketCount)) {
    return {
      state: undefined,
      found,
      chose: 'no state: unreadable bucket count or business key, so a full read',
    };
  }
  const fits = minimum !== '' && watermarkFits(minimum, snapshot.lastModifiedType);
  const state: ScdTableState = {
    version: 1,
    tableId: table.id,
    ...lastWrite(files, run.now),
    watermark: fits ? minimum : null,
    lastModifiedType: snapshot.lastModifiedType,
    bucketCount,
    businessKey,
    versions: lakeFileRows(files),
  };
  return {
    state,
    found,
    chose: fits
      ? `the minimum watermark ${minimum}: rows changed after it less lookback_minutes are read again and merged (idempotent)`
      : minimum === ''
        ? 'no watermark (a file recorded none): a full read, merged into the history (idempotent)'
        : `no watermark (${minimum} is not ${snapshot.lastModifiedType} text): a full read, merged into the history (idempotent)`,
  };
}

/**
 * What in an SCD2 table's state disagrees with the lake: versions recorded but no bucket file, or
 * bucket files written with another bucket count or business key than the state's.
 *
 * @example
 * await checkScdState(table, state, run) // ['bucket=03: bucket_count 32, the state records 16']
 */
export async function checkScdState(
  table: SCDTableConfig,
  state: ScdTableState,
  run: RunInfo,
): Promise<string[]> {
  const files = (await lakeFiles(lakeTableDir(run.lakeRoot, table))).filter((f) =>
    f.subdir.startsWith('bucket='),
  );
  if (files.length === 0) {
    return state.versions === 0
      ? []
      : [`no bucket file in the lake, the state records ${state.versions} versions`];
  }
  const problems: string[] = [];
  for (const file of files) {
    const count = file.metadata['sqlsync.scd.bucket_count'];
    const key = file.metadata['sqlsync.scd.business_key'];
    if (count !== undefined && count !== String(state.bucketCount)) {
      problems.push(`${file.subdir}: bucket_count ${count}, the state records ${state.bucketCount}`);
    }
    if (key !== undefined && key !== JSON.stringify(state.businessKey)) {
      problems.push(
        `${file.subdir}: business key ${key}, the state records ${JSON.stringify(state.businessKey)}`,
      );
    }
  }
  return problems;
}

function safeKey(text: string): string[] | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.length > 0 && parsed.every((k) => typeof k === 'string')
      ? (parsed as string[])
      : undefined;
  } catch {
    return undefined;
  }
}
