import { type PartitionTableConfig, type StateCodec, z } from '@sync/core';
import { legacyBoundaryMatches } from '@sync/extract-mssql';
import { NULL_PARTITION } from '@sync/parquet-duckdb';
import { lakeTableDir } from './lake-paths.js';
import { fingerprintChanges, type PartitionFingerprint } from './partition-fingerprint.js';
import { exactBoundaries } from './partition-label-migration.js';
import { directoryValue } from './partition-layout.js';
import type { PartitionRecord } from './partition-plan.js';
import type { PartitionSnapshot } from './partition-table-handler.js';
import type { PartitionTableState } from './partition-table-state.js';
import { type LakeFile, lakeFiles, lastWrite } from './state-lake-files.js';
import type { StateRebuild } from './state-rebuild.js';
import type { RunInfo } from './table-handler.js';

const fingerprintSchema = z.object({
  rowCount: z.string(),
  rowHashSum: z.string().nullable().optional(),
  checksum: z.number().nullable().optional(),
  maxModified: z.string().nullable().optional(),
  catalogRows: z.string().optional(),
  lowerBoundary: z.string().nullable().optional(),
  upperBoundary: z.string().nullable().optional(),
});

/**
 * A partition table's state, version 1 (see {@link PartitionTableState}): checked on every read.
 *
 * @example
 * await store.read(table.id, partitionStateCodec) // PartitionTableState, or STATE_CORRUPT
 */
export const partitionStateCodec: StateCodec<PartitionTableState> = {
  kind: 'partition',
  version: 1,
  schema: z.object({
    version: z.literal(1),
    tableId: z.string(),
    lastRunId: z.string(),
    lastLoadedAt: z.string(),
    mode: z.enum(['scheme', 'granularity', 'value']),
    partitioning: z.string(),
    directoryKey: z.string().min(1),
    boundaries: z.array(z.string().nullable()).optional(),
    labels: z.literal('lower-boundary').optional(),
    partitions: z.array(z.object({ value: z.string().nullable(), fingerprint: fingerprintSchema })),
  }) as unknown as z.ZodType<PartitionTableState>,
};

/** A lake partition directory, named by its directory, with what its files' metadata say. */
interface LakePartition {
  readonly directoryKey: string;
  /** The directory's value (its name decoded). */
  readonly value: string | null;
  /**
   * The value the files were written under (`sqlsync.partition`): another one when the directory
   * was renamed since (numbered scheme labels moved to boundary labels).
   */
  readonly writtenValue: string | null;
  /** `undefined`: the files carry none, or disagree. */
  readonly fingerprint: PartitionFingerprint | undefined;
  readonly files: readonly LakeFile[];
}

async function lakePartitions(table: PartitionTableConfig, lakeRoot: string): Promise<LakePartition[]> {
  const bySubdir = new Map<string, LakeFile[]>();
  for (const file of await lakeFiles(lakeTableDir(lakeRoot, table))) {
    if (file.subdir === '') {
      continue;
    }
    bySubdir.set(file.subdir, [...(bySubdir.get(file.subdir) ?? []), file]);
  }
  return [...bySubdir.entries()].map(([subdir, files]) => {
    const written = files[0]?.metadata['sqlsync.partition'] ?? unescapeSegment(subdir);
    const [key, value] = splitDirectory(unescapeSegment(subdir));
    const [, writtenValue] = splitDirectory(written);
    const texts = new Set(files.map((f) => f.metadata['sqlsync.source_fingerprint']));
    const [text] = [...texts];
    let fingerprint: PartitionFingerprint | undefined;
    if (texts.size === 1 && text !== undefined) {
      const parsed = fingerprintSchema.safeParse(safeJson(text));
      fingerprint = parsed.success ? (parsed.data as PartitionFingerprint) : undefined;
    }
    return { directoryKey: key, value, writtenValue, fingerprint, files };
  });
}

/** `%XX` escapes of a lake path segment decoded (`escapePathSegment` escapes single characters). */
function unescapeSegment(segment: string): string {
  return segment.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
}

/** `<key>=<value>` split at its first `=` (escaped in keys); Hive's default partition is `null`. */
function splitDirectory(name: string): [string, string | null] {
  const eq = name.indexOf('=');
  const raw = name.slice(eq + 1);
  return [name.slice(0, eq), raw === NULL_PARTITION ? null : raw];
}

/**
 * A partition table's state rebuilt from the fingerprint every partition file carries
 * (`sqlsync.source_fingerprint`: the source partition's fingerprint the read was planned from, so
 * the file holds at least that data). A partition whose files carry none, or disagree, is left
 * out, so it is re-read; two directory keys in the lake (a layout change cut short) give no state,
 * so everything is re-read. A scheme's boundaries are kept only when every lake partition's
 * recorded boundaries match the source's now; otherwise the plan treats them as changed.
 *
 * @example
 * const { state, found, chose } = await rebuildPartitionState(table, snapshot, run);
 */
export async function rebuildPartitionState(
  table: PartitionTableConfig,
  snapshot: PartitionSnapshot,
  run: RunInfo,
): Promise<StateRebuild<PartitionTableState>> {
  const lake = await lakePartitions(table, run.lakeRoot);
  const files = lake.flatMap((p) => p.files);
  if (lake.length === 0) {
    return {
      state: undefined,
      found: `no partition file in ${lakeTableDir(run.lakeRoot, table)}`,
      chose: 'no state: every partition is read',
    };
  }
  const keys = [...new Set(lake.map((p) => p.directoryKey))];
  if (keys.length !== 1 || keys[0] === undefined) {
    return {
      state: undefined,
      found: `${lake.length} partition directories under ${keys.length} directory keys (${keys.join(', ')})`,
      chose: 'no state: every partition is read and the other layout removed',
    };
  }
  const known = lake.filter(
    (p): p is LakePartition & { fingerprint: PartitionFingerprint } => p.fingerprint !== undefined,
  );
  const unsure = lake
    .filter((p) => p.fingerprint === undefined)
    .map((p) => `${keys[0]}=${p.value ?? NULL_PARTITION}`);
  const order = new Map(snapshot.partitions.map((p, i) => [p.value, i]));
  // Boundaries recorded before boundary labels are rewritten to the exact texts the source has now.
  const partitions: PartitionRecord[] = known
    .map((p) => ({ value: p.value, fingerprint: exactBoundaries(p.fingerprint, snapshot.spec) }))
    .sort(
      (a, b) =>
        (order.get(a.value) ?? Number.MAX_SAFE_INTEGER) - (order.get(b.value) ?? Number.MAX_SAFE_INTEGER),
    );
  let boundaries: readonly (string | null)[] | undefined;
  let boundaryNote = '';
  let labelled = false;
  if (snapshot.spec.mode === 'scheme') {
    const spec = snapshot.spec;
    const now = new Map(snapshot.partitions.map((p) => [p.value, p.fingerprint]));
    const agree = partitions.every((p) => {
      const source = now.get(p.value);
      return (
        source !== undefined &&
        (source.lowerBoundary ?? null) === (p.fingerprint.lowerBoundary ?? null) &&
        (source.upperBoundary ?? null) === (p.fingerprint.upperBoundary ?? null)
      );
    });
    // Directories named by their lower boundary (not numbered ones a later run relabels).
    labelled = partitions.every((p) => p.value === directoryValue(spec, p.fingerprint.lowerBoundary ?? null));
    boundaries = agree ? snapshot.spec.scheme.boundaries : undefined;
    boundaryNote = agree
      ? '; the scheme boundaries the files recorded match the source'
      : '; the scheme boundaries the files recorded differ from the source (treated as changed)';
  }
  const state: PartitionTableState = {
    version: 1,
    tableId: table.id,
    ...lastWrite(files, run.now),
    mode: snapshot.spec.mode,
    partitioning: snapshot.partitioning,
    directoryKey: keys[0],
    ...(boundaries === undefined ? {} : { boundaries }),
    ...(labelled ? { labels: 'lower-boundary' as const } : {}),
    partitions,
  };
  return {
    state,
    found: `${files.length} files in ${lake.length} partition directories (${keys[0]}): ${known.length} with a fingerprint${unsure.length === 0 ? '' : `, ${unsure.length} without a readable one (${unsure.slice(0, 5).join(', ')})`}${boundaryNote}`,
    chose: `the files' fingerprints: a partition is re-read when the source's differs from the one its files were read at${unsure.length === 0 ? '' : '; those without one are re-read'}`,
  };
}

/**
 * What in a partition table's state disagrees with the lake: a partition recorded with rows but no
 * file, or whose files were read at another fingerprint than the state says.
 *
 * @example
 * await checkPartitionState(table, state, run) // ['OrderDate_month=2024-03: no file in the lake']
 */
export async function checkPartitionState(
  table: PartitionTableConfig,
  state: PartitionTableState,
  run: RunInfo,
): Promise<string[]> {
  const listed = (await lakePartitions(table, run.lakeRoot)).filter(
    (p) => p.directoryKey === state.directoryKey,
  );
  const lake = new Map(listed.map((p) => [p.value, p]));
  // A state with numbered labels whose directories were already renamed (a run stopped between the
  // rename and its state write) finds them by the value their files were written under.
  const written = new Map(listed.map((p) => [p.writtenValue, p]));
  const problems: string[] = [];
  for (const recorded of state.partitions) {
    const name = `${state.directoryKey}=${recorded.value ?? NULL_PARTITION}`;
    const found =
      lake.get(recorded.value) ?? (state.labels === undefined ? written.get(recorded.value) : undefined);
    if (found === undefined) {
      if (recorded.fingerprint.rowCount !== '0') {
        problems.push(`${name}: no file in the lake`);
      }
    } else if (found.fingerprint === undefined) {
      problems.push(`${name}: its files carry no readable fingerprint`);
    } else {
      const changes = fingerprintChanges(
        sameBoundaries(found.fingerprint, recorded.fingerprint),
        recorded.fingerprint,
      );
      if (changes.length > 0) {
        problems.push(`${name}: its files were read at another fingerprint (${changes.join(', ')})`);
      }
    }
  }
  return problems;
}

/** The kind of value a boundary text holds, as far as comparing it with an older form needs. */
function boundaryKind(text: string): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    return 'datetime2';
  }
  if (/^\d{2}:\d{2}:\d{2}/.test(text)) {
    return 'time';
  }
  if (/^-?\d+(\.\d+)?$/.test(text)) {
    return 'decimal';
  }
  return /^0x/i.test(text) ? 'binary' : 'nvarchar';
}

/**
 * A lake file's fingerprint with each boundary taken as the state records it when both are the
 * same boundary, the file's in the form states and files held before boundary labels (a file
 * written before the migration keeps its metadata: it was renamed, not re-read).
 */
function sameBoundaries(file: PartitionFingerprint, recorded: PartitionFingerprint): PartitionFingerprint {
  const same = (a: string | null | undefined, b: string | null | undefined): boolean =>
    a === b ||
    (typeof a === 'string' && typeof b === 'string' && legacyBoundaryMatches(a, b, boundaryKind(b)));
  return {
    ...file,
    ...('lowerBoundary' in file && same(file.lowerBoundary, recorded.lowerBoundary)
      ? { lowerBoundary: recorded.lowerBoundary ?? null }
      : {}),
    ...('upperBoundary' in file && same(file.upperBoundary, recorded.upperBoundary)
      ? { upperBoundary: recorded.upperBoundary ?? null }
      : {}),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
