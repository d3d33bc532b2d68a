import { type StateCodec, type StaticTableConfig, z } from '@sync/core';
import { lakeTableDir } from './lake-paths.js';
import { lakeFileRows, lakeFiles } from './state-lake-files.js';
import type { StateRebuild } from './state-rebuild.js';
import type { StaticTableState } from './static-table-handler.js';
import type { RunInfo } from './table-handler.js';

/**
 * A static table's state, version 1 (see {@link StaticTableState}); the change-detection fields
 * are optional, as states written before them lack them.
 *
 * @example
 * await store.read(table.id, staticStateCodec) // StaticTableState, or STATE_CORRUPT
 */
export const staticStateCodec: StateCodec<StaticTableState> = {
  kind: 'static',
  version: 1,
  schema: z.object({
    version: z.literal(1),
    tableId: z.string(),
    lastRunId: z.string(),
    lastLoadedAt: z.string(),
    rowCount: z.number().int().min(0),
    tableHash: z.string().optional(),
    lastFullLoadAt: z.string().optional(),
    loadSignature: z.string().optional(),
    sourceColumns: z.string().optional(),
  }) as unknown as z.ZodType<StaticTableState>,
};

/**
 * A static table's state rebuilt from the lake: none. Its files name the run that wrote them but
 * not the table hash that run saw, so nothing vouches that the lake equals the source now — the
 * conservative choice is a full read, which a static table's every change costs anyway.
 *
 * @example
 * (await rebuildStaticState(table, run)).chose // 'no state: the table is read in full, as on a first load'
 */
export async function rebuildStaticState(
  table: StaticTableConfig,
  run: RunInfo,
): Promise<StateRebuild<StaticTableState>> {
  const files = (await lakeFiles(lakeTableDir(run.lakeRoot, table))).filter((f) => f.subdir === '');
  const runIds = [...new Set(files.map((f) => f.metadata['sqlsync.run_id'] ?? '?'))];
  return {
    state: undefined,
    found:
      files.length === 0
        ? `no file in ${lakeTableDir(run.lakeRoot, table)}`
        : `${files.length} files of run ${runIds.join(', ')}, ${lakeFileRows(files)} rows; their metadata carry no table hash`,
    chose: 'no state: the table is read in full, as on a first load',
  };
}

/**
 * What in a static table's state disagrees with the lake: files written by a run newer than the
 * state's, or rows it recorded that are not the rows the table's files hold (a file lost, or a
 * publish whose state was never written).
 *
 * @example
 * await checkStaticState(table, state, run) // ['the lake holds 99 rows, the state records 100']
 */
export async function checkStaticState(
  table: StaticTableConfig,
  state: StaticTableState,
  run: RunInfo,
): Promise<string[]> {
  const files = (await lakeFiles(lakeTableDir(run.lakeRoot, table))).filter((f) => f.subdir === '');
  if (files.length === 0) {
    return state.rowCount === 0 ? [] : [`no file in the lake, the state records ${state.rowCount} rows`];
  }
  const problems: string[] = [];
  // Run ids sort by time: files newer than the state's run were published by a run whose state was
  // lost (or the state is an older backup), so its table hash cannot vouch for them.
  const newer = [...new Set(files.map((f) => f.metadata['sqlsync.run_id'] ?? ''))].filter(
    (r) => r > state.lastRunId,
  );
  if (newer.length > 0) {
    problems.push(`files of run ${newer.join(', ')}, newer than the state's run ${state.lastRunId}`);
  }
  const rows = lakeFileRows(files);
  if (rows !== state.rowCount) {
    problems.push(`the lake holds ${rows} rows, the state records ${state.rowCount}`);
  }
  return problems;
}
