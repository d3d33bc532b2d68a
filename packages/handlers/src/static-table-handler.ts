import { LakeLayout, publishTable } from '@sync/parquet-duckdb';
import { batchOptions, extractToStaging } from './extract-unit.js';
import { lakeTableDir, stagedToPublished } from './lake-paths.js';
import { checkDataQuality } from './quality-checks.js';
import type { TableHandler } from './table-handler.js';
import type { StaticUnit } from './work-unit.js';

/** What sqlsync remembers about a static table between runs. */
export interface StaticTableState {
  readonly version: 1;
  readonly tableId: string;
  readonly lastRunId: string;
  /** ISO instant of the last successful load. */
  readonly lastLoadedAt: string;
  readonly rowCount: number;
}

/**
 * Static (reference) tables: the whole table is one unit, read in full and published by replacing
 * the lake table's directory atomically (`load_strategy: replace`).
 */
export const staticTableHandler: TableHandler<'static', undefined, StaticTableState> = {
  kind: 'static',

  async snapshot() {
    return undefined;
  },

  plan(table, _snapshot, _state, run): StaticUnit[] {
    const lakeDir = lakeTableDir(run.lakeRoot, table);
    return [
      {
        id: table.id,
        tableId: table.id,
        kind: 'static',
        runId: run.runId,
        stagingDir: new LakeLayout(run.lakeRoot).staged(run.runId, lakeDir),
        lakeDir,
        reason: 'full reload (load_strategy replace)',
      },
    ];
  },

  async run(table, unit, ctx) {
    const plan = await ctx.source.describe(table.schemaName, table.tableName, {
      columns: table.columns,
      unsupportedTypes: table.unsupportedTypes,
    });
    const predicate =
      table.customWhereClause === undefined ? undefined : { sql: `(${table.customWhereClause})` };
    const result = await extractToStaging(unit, plan, predicate, ctx, {}, batchOptions(table));
    await checkDataQuality(table, unit, plan, result.files, ctx);
    return result;
  },

  async commit(table, units, results, _snapshot, _state, run) {
    for (const unit of units) {
      await publishTable({
        lakeRoot: run.lakeRoot,
        runId: run.runId,
        targetSchema: table.targetSchema,
        targetTable: table.targetTable,
        stagedDir: unit.stagingDir,
      });
    }
    return {
      version: 1,
      tableId: table.id,
      lastRunId: run.runId,
      lastLoadedAt: run.now.toISOString(),
      rowCount: results.reduce((n, r) => n + r.rows, 0),
    };
  },

  // One unit per table: nothing to run in parallel.
  parallelLimit() {
    return 1;
  },

  lakeDir(table, lakeRoot) {
    return lakeTableDir(lakeRoot, table);
  },

  publishedFiles(unit, stagedFiles) {
    return stagedToPublished(unit, stagedFiles);
  },
};
