import { newRunId, SqlSyncError, toSqlSyncError } from '@sync/core';
import {
  checkScdIntegrity,
  recoverJournals,
  repairScdHistory,
  type ScdColumnNames,
  type ScdIntegrityReport,
  type ScdRule,
  type ScdRuleViolations,
} from '@sync/parquet-duckdb';
import { lakeTableDir } from './lake-paths.js';
import { SQLSYNC_VERSION } from './sqlsync-version.js';
import type { TableConfigOf } from './table-kind.js';

/** How `repairScdIntegrity` runs. */
export interface RepairScdOptions {
  /** The lake root (`state.parquet_directory`). */
  readonly lakeRoot: string;
  /**
   * The repair's run id: its staging directory, publish journals and file names
   * (`part-<run_id>-0.parquet`). Must sort after the run ids of the files it replaces, as sqlsync's
   * run ids do (`20261125T120000Z-a1b2c3`). Defaults to a new one of that shape.
   */
  readonly runId?: string;
  /** Report only: read the history, change no file. */
  readonly dryRun: boolean;
  /** Examples listed per rule. Defaults to 10. */
  readonly examplesPerRule?: number;
}

/**
 * What `repairScdIntegrity` found and did, as plain JSON-able data. `violations` are those found
 * before any repair; `bucketsRewritten`, `rowsRemoved` and `rowsChanged` are what the repair did,
 * or in a dry run what it would do.
 *
 * @example
 * const report: ScdRepairReport = {
 *   table: 'crm.Customers', dryRun: true, runId: '20261202T120000Z-a1b2c3', valid: false,
 *   files: 16, rows: 1200, keys: 400,
 *   violations: { overlaps: { count: 1, keys: 1, examples: [...] }, … },
 *   bucketsRewritten: [3], rowsRemoved: 0, rowsChanged: 1,
 * };
 */
export interface ScdRepairReport {
  /** The table's id, `schema.table` of the source. */
  readonly table: string;
  readonly dryRun: boolean;
  readonly runId: string;
  /** Whether the history was valid when read (before any repair). */
  readonly valid: boolean;
  readonly files: number;
  readonly rows: number;
  readonly keys: number;
  readonly violations: Readonly<Record<ScdRule, ScdRuleViolations>>;
  readonly bucketsRewritten: readonly number[];
  readonly rowsRemoved: number;
  readonly rowsChanged: number;
}

/**
 * Checks the SCD2 history of a table in the lake against the integrity rules and, unless
 * `dryRun`, repairs it: the affected buckets are rewritten (duplicates dropped keeping the copy
 * from the newest file, end dates, is-latest and is-deleted recomputed as a run computes them,
 * keys moved to the bucket they hash to) and published one bucket directory at a time through the
 * publish journal. Before repairing, a publish a crashed run left half done is finished or rolled
 * back, as `sqlsync run` does; afterwards the history is read again and must be valid (else
 * `VALIDATION_FAILED`). A dry run changes no file. Needs no source connection.
 *
 * No `sqlsync run` of the table may run meanwhile (nothing locks). The table's state file is left
 * as it is: its watermark still holds, and its version count is the merge's to refresh.
 *
 * @example
 * const report = await repairScdIntegrity(config.scdTables[0], { lakeRoot: config.state.parquetDirectory, dryRun: true });
 * report.violations.overlaps.count; // 1
 * report.bucketsRewritten;          // [3]: what a repair would rewrite
 */
export async function repairScdIntegrity(
  table: TableConfigOf<'scd'>,
  options: RepairScdOptions,
): Promise<ScdRepairReport> {
  const runId = options.runId ?? newRunId();
  const request = {
    tableDir: lakeTableDir(options.lakeRoot, table),
    columns: scdColumnNames(table),
    table: table.id,
    ...(table.businessKeyColumns === undefined ? {} : { businessKey: table.businessKeyColumns }),
    ...(options.examplesPerRule === undefined ? {} : { examplesPerRule: options.examplesPerRule }),
  };
  try {
    if (options.dryRun) {
      const report = await checkScdIntegrity(request);
      return summary(table, runId, true, report, {
        bucketsRewritten: report.repair.bucketsToRewrite,
        rowsRemoved: report.repair.rowsToRemove,
        rowsChanged: report.repair.rowsToChange,
      });
    }
    await recoverJournals(options.lakeRoot);
    const result = await repairScdHistory({
      ...request,
      lakeRoot: options.lakeRoot,
      runId,
      metadata: { 'sqlsync.run_id': runId, 'sqlsync.version': SQLSYNC_VERSION },
    });
    if (result.bucketsRewritten.length > 0) {
      const after = await checkScdIntegrity(request);
      if (!after.valid) {
        const left = Object.entries(after.violations)
          .filter(([, v]) => v.count > 0)
          .map(([rule, v]) => `${rule}: ${v.count}`);
        throw new SqlSyncError(
          'VALIDATION_FAILED',
          `${table.id}: the repaired history still breaks integrity rules (${left.join(', ')})`,
          { context: { table: table.id } },
        );
      }
    }
    return summary(table, runId, false, result.before, result);
  } catch (error) {
    const failure = toSqlSyncError(error, 'INTERNAL', { table: table.id });
    throw failure.context.table === undefined
      ? new SqlSyncError(failure.code, `${table.id}: ${failure.message}`, {
          context: { ...failure.context, table: table.id },
          cause: failure,
        })
      : failure;
  }
}

/**
 * The lake names of a table's four SCD2 columns.
 *
 * @example
 * scdColumnNames(table) // { effectiveDate: 'effective_date', endDate: 'end_date', isLatest: 'IsLatest', isDeleted: 'IsDeleted' }
 */
export function scdColumnNames(table: TableConfigOf<'scd'>): ScdColumnNames {
  return {
    effectiveDate: table.effectiveDateColumn,
    endDate: table.endDateColumn,
    isLatest: table.isLatestColumn,
    isDeleted: table.isDeletedColumn,
  };
}

function summary(
  table: TableConfigOf<'scd'>,
  runId: string,
  dryRun: boolean,
  report: ScdIntegrityReport,
  done: Pick<ScdRepairReport, 'bucketsRewritten' | 'rowsRemoved' | 'rowsChanged'>,
): ScdRepairReport {
  return {
    table: table.id,
    dryRun,
    runId,
    valid: report.valid,
    files: report.files,
    rows: report.rows,
    keys: report.keys,
    violations: report.violations,
    bucketsRewritten: done.bucketsRewritten,
    rowsRemoved: done.rowsRemoved,
    rowsChanged: done.rowsChanged,
  };
}
