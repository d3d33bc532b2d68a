import type { SCDTableConfig, SourceColumn } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import {
  andPredicates,
  type LastModifiedType,
  type RowPredicate,
  watermarkLowerBound,
  watermarkPredicate,
} from '@sync/extract-mssql';
import { LakeLayout } from '@sync/parquet-duckdb';
import { lakeTableDir } from './lake-paths.js';
import type { RunInfo } from './table-handler.js';
import type { ScdUnit } from './work-unit.js';

/**
 * What an SCD2 table's `snapshot` found in the source (JSON: `sqlsync plan --json` saves it).
 *
 * @example
 * snapshot // { businessKey: ['CustomerId'], lastModified: { name: 'LastModified', sqlType: 'datetime2', … },
 *          //   lastModifiedType: 'datetime2(7)', watermark: '2024-03-01 09:15:00.1234567', sourceNow: '2024-03-01 09:20:00.0000000' }
 */
export interface ScdSnapshot {
  /** The business key columns, as the source names them. */
  readonly businessKey: readonly string[];
  /** The last-modified column as the catalog describes it. */
  readonly lastModified: SourceColumn;
  readonly lastModifiedType: LastModifiedType;
  /** `MAX(last_modified)` now, style 121 of the column's type; `null` for an empty table. */
  readonly watermark: string | null;
  /** The server's clock now, in the same type and style. */
  readonly sourceNow: string;
  /** Whether the lake table directory holds any bucket file (a lake deleted by hand is reloaded). */
  readonly lakeHasBuckets: boolean;
}

/**
 * What sqlsync remembers about an SCD2 table between runs.
 *
 * @example
 * state // { version: 1, tableId: 'crm.Customers', lastRunId: 'r7', lastLoadedAt: '2024-03-01T09:20:03.000Z',
 *       //   watermark: '2024-03-01 09:15:00.1234567', lastModifiedType: 'datetime2(7)', bucketCount: 16,
 *       //   businessKey: ['CustomerId'], versions: 200412 }
 */
export interface ScdTableState {
  readonly version: 1;
  readonly tableId: string;
  readonly lastRunId: string;
  /** ISO instant of the last successful run. */
  readonly lastLoadedAt: string;
  /** The watermark the next run reads after (less `lookback_minutes`), to the column's full precision. */
  readonly watermark: string | null;
  readonly lastModifiedType: LastModifiedType;
  /** Fixed at the first load: the lake's buckets are hashed with it. */
  readonly bucketCount: number;
  /** Fixed at the first load: the lake's versions are keyed and bucketed by it. */
  readonly businessKey: readonly string[];
  /** Versions in the lake after the last run. */
  readonly versions: number;
}

/**
 * The one unit of an SCD2 table (pure): a full read when no watermark is recorded (a first load,
 * an empty table), the lake's bucket files are gone, or the last-modified column's type changed;
 * else the rows with
 * `last_modified > watermark − lookback_minutes`. A bucket count or business key other than the
 * recorded one is `CONFIG_INVALID`: the lake is hashed and keyed by them, and sqlsync never
 * re-buckets silently.
 *
 * @example
 * planScdUnit(table, snapshot, state, run)[0].reason
 * // 'rows with LastModified > 2024-03-01 08:45:00.1234567 (watermark 2024-03-01 09:15:00.1234567 less lookback 30 min)'
 */
export function planScdUnit(
  table: SCDTableConfig,
  snapshot: ScdSnapshot,
  state: ScdTableState | undefined,
  run: RunInfo,
): ScdUnit[] {
  checkRecorded(table, snapshot, state);
  const column = snapshot.lastModified.name;
  let readAfter: string | undefined;
  let reason: string;
  if (state === undefined) {
    reason = 'full read (first load)';
  } else if (state.watermark === null) {
    reason = 'full read (no watermark recorded: the table was empty)';
  } else if (state.versions > 0 && !snapshot.lakeHasBuckets) {
    reason = 'full read (the lake table has no bucket file: reloading)';
  } else if (state.lastModifiedType !== snapshot.lastModifiedType) {
    reason = `full read (${column} changed type from ${state.lastModifiedType} to ${snapshot.lastModifiedType})`;
  } else {
    readAfter = watermarkLowerBound(state.watermark, table.lookbackMinutes, snapshot.lastModifiedType);
    reason =
      table.lookbackMinutes === 0
        ? `rows with ${column} > ${readAfter} (the watermark)`
        : `rows with ${column} > ${readAfter} (watermark ${state.watermark} less lookback ${table.lookbackMinutes} min)`;
  }
  // andPredicates parenthesises each side; alone, the clause is the whole WHERE.
  const where: RowPredicate | undefined =
    table.customWhereClause === undefined ? undefined : { sql: table.customWhereClause };
  // The predicate only needs the column's catalog facts, which the snapshot keeps as JSON.
  const after =
    readAfter === undefined
      ? undefined
      : watermarkPredicate(
          {
            schema: {
              schemaName: table.schemaName,
              tableName: table.tableName,
              columns: [snapshot.lastModified],
            },
            columns: [],
          },
          column,
          readAfter,
        );
  const predicate = andPredicates(where, after);
  const lakeDir = lakeTableDir(run.lakeRoot, table);
  return [
    {
      id: table.id,
      tableId: table.id,
      kind: 'scd',
      runId: run.runId,
      stagingDir: new LakeLayout(run.lakeRoot).staged(run.runId, lakeDir),
      lakeDir,
      reason,
      ...(predicate === undefined ? {} : { predicate }),
      scd: {
        bucketCount: table.bucketCount,
        businessKey: snapshot.businessKey,
        lastModifiedColumn: column,
        lastModifiedType: snapshot.lastModifiedType,
        ...(readAfter === undefined ? {} : { readAfter }),
        watermark: snapshot.watermark,
        sourceNow: snapshot.sourceNow,
      },
    },
  ];
}

function checkRecorded(table: SCDTableConfig, snapshot: ScdSnapshot, state: ScdTableState | undefined): void {
  if (state === undefined) {
    return;
  }
  if (state.bucketCount !== table.bucketCount) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `${table.id}: bucket_count is ${table.bucketCount}, but the lake's history was bucketed with ${state.bucketCount} at its first load; set bucket_count back to ${state.bucketCount}, or delete the lake table directory and the table's state file to reload it with ${table.bucketCount}`,
      { context: { table: table.id, configPath: 'bucket_count' } },
    );
  }
  if (JSON.stringify(state.businessKey) !== JSON.stringify(snapshot.businessKey)) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `${table.id}: the business key is (${snapshot.businessKey.join(', ')}), but the lake's history is keyed by (${state.businessKey.join(', ')}); set business_key_columns back, or delete the lake table directory and the table's state file to reload`,
      { context: { table: table.id, configPath: 'business_key_columns' } },
    );
  }
}
