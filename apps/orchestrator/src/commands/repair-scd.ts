import {
  type Logger,
  newRunId,
  type PipelineConfig,
  SqlSyncError,
  StateStore,
  type TableConfig,
  toSqlSyncError,
} from '@sync/core';
import { repairScdIntegrity } from '@sync/handlers';
import { runStateStoreOptions } from '../table-steps.js';
import type { CommandOutcome } from './scale-out-cli.js';

/** The parsed command line of `sqlsync repair-scd --table T [--dry-run]`, with the loaded config. */
export interface RepairScdArgs {
  readonly config: PipelineConfig;
  /** The tables `--table` selects (`Pipeline.selectTables`); throws `USAGE` for an unknown id. */
  readonly selectTables: () => TableConfig[];
  readonly tableNames: readonly string[];
  readonly typesGiven: boolean;
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND']);

/**
 * Runs `sqlsync repair-scd`: checks one SCD2 table's history in the lake against the integrity
 * rules and, without `--dry-run`, repairs it (`repairScdIntegrity`). Prints the report as the last
 * line of stdout, `status` first: `ok` (valid, or repaired: exit 0), `invalid` (a dry run found
 * violations: exit 1), `failed` (exit 1, or 2 for a usage or config error: an unknown table, a
 * table that is not SCD2, a business key other than the lake's).
 *
 * @example
 * const outcome = await repairScdCommand({ config, selectTables, tableNames: ['crm.Customers'], typesGiven: false, dryRun: true, logger, stdout, stderr });
 * process.exitCode = EXIT[outcome];
 */
export async function repairScdCommand(args: RepairScdArgs): Promise<CommandOutcome> {
  const runId = newRunId();
  try {
    const table = scdTable(args);
    const log = args.logger.child({ run_id: runId, table: table.id });
    log.info({ dry_run: args.dryRun }, 'checking the SCD2 history');
    // A repair rewrites buckets: it takes the table's lock, so no `sqlsync run` publishes meanwhile
    // (it waits up to state.lock_timeout_seconds, like a run). A dry run only reads.
    const store = args.dryRun
      ? undefined
      : new StateStore(args.config.state.stateDirectory, runStateStoreOptions(args.config, runId, log));
    await store?.lockTable(table.id);
    const report = await repairScdIntegrity(table, {
      lakeRoot: args.config.state.parquetDirectory,
      runId,
      dryRun: args.dryRun,
    }).finally(() => store?.releaseLocks());
    const repaired = !args.dryRun && report.bucketsRewritten.length > 0;
    for (const [rule, violations] of Object.entries(report.violations)) {
      if (violations.count > 0) {
        log.warn({ rule, count: violations.count, keys: violations.keys }, `${table.id}: ${rule} violated`);
      }
    }
    if (repaired) {
      log.info(
        {
          buckets: report.bucketsRewritten,
          rows_removed: report.rowsRemoved,
          rows_changed: report.rowsChanged,
        },
        `${table.id}: history repaired`,
      );
    }
    const status = report.valid || repaired ? 'ok' : 'invalid';
    args.stdout(JSON.stringify({ status, ...report }));
    return status === 'ok' ? 'ok' : 'failed';
  } catch (error) {
    const failure = toSqlSyncError(error);
    args.logger.error({ err: failure, run_id: runId }, 'sqlsync repair-scd failed');
    args.stderr(`sqlsync: ${failure.message}`);
    args.stdout(JSON.stringify({ status: 'failed', error: failure.toJSON() }));
    return USAGE_CODES.has(failure.code) ? 'usage' : 'failed';
  }
}

/** The one SCD2 table `--table` names. */
function scdTable(args: RepairScdArgs): TableConfig & { readonly kind: 'scd' } {
  if (args.tableNames.length !== 1 || args.typesGiven) {
    throw new SqlSyncError('USAGE', 'sqlsync repair-scd: exactly one --table ID is required (and no --type)');
  }
  const [table] = args.selectTables();
  if (table === undefined) {
    throw new SqlSyncError(
      'USAGE',
      `sqlsync repair-scd: --table ${args.tableNames[0]}: no such table in the config`,
    );
  }
  if (table.kind !== 'scd') {
    throw new SqlSyncError(
      'USAGE',
      `sqlsync repair-scd: --table ${table.id} is a ${table.kind} table; only SCD2 tables (scd_tables) have a history to repair`,
      { context: { table: table.id } },
    );
  }
  return table;
}
