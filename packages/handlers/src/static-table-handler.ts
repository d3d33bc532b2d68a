import type { StaticTableConfig, TableConfig } from '@sync/core';
import { LakeLayout, publishTable } from '@sync/parquet-duckdb';
import { batchOptions, extractToStaging } from './extract-unit.js';
import type { TableHandler } from './table-handler.js';
import type { WorkUnit } from './work-unit.js';

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
 * The published directory of a table in the lake: `<lake>/<target_schema>/<target_table>`.
 *
 * @example
 * lakeTableDir('/data/lake', table) // '/data/lake/warehouse/products'
 */
export function lakeTableDir(
  lakeRoot: string,
  table: Pick<TableConfig, 'targetSchema' | 'targetTable'>,
): string {
  return new LakeLayout(lakeRoot).tableDir(table.targetSchema, table.targetTable);
}

/**
 * Static (reference) tables: the whole table is one unit, read in full and published by replacing
 * the lake table's directory atomically (`load_strategy: replace`).
 */
export const staticTableHandler: TableHandler<StaticTableConfig, undefined, StaticTableState> = {
  async snapshot() {
    return undefined;
  },

  plan(table, _snapshot, _state, run): WorkUnit[] {
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
    return extractToStaging(unit, plan, predicate, ctx, {}, batchOptions(table));
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
};
