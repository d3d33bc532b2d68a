import { type Logger, type PipelineConfig, SqlSyncError, type TableConfig, toSqlSyncError } from '@sync/core';
import { PlanStore } from '../plan-store.js';
import type { RunSummary } from '../run-summary.js';
import { writeAirflowDag } from './airflow-dag.js';
import { planForUnits } from './plan-for-units.js';
import { publishPlanned } from './publish.js';
import { runUnit } from './run-unit.js';

/** How a command ended; `cli-main.ts` maps each to its exit code (`EXIT[outcome]`). */
export type CommandOutcome = 'ok' | 'failed' | 'usage' | 'nothingToDo' | 'interrupted' | 'terminated';

/** The parsed command line of the scale-out commands, with the loaded config. */
export interface ScaleOutArgs {
  /** `plan` (with `--json`), `run` (with `--unit`), `publish` or `airflow-dag`. */
  readonly command: string;
  readonly config: PipelineConfig;
  readonly configFile: string;
  /** The tables `--table`/`--type` select (`Pipeline.selectTables`); throws `USAGE` for an unknown id. */
  readonly selectTables: () => TableConfig[];
  readonly tableNames: readonly string[];
  readonly typesGiven: boolean;
  readonly skipExitCode: boolean;
  readonly unit?: string | undefined;
  readonly runId?: string | undefined;
  readonly out?: string | undefined;
  readonly sqlsyncCommand?: string | undefined;
  readonly dagId?: string | undefined;
  readonly schedule?: string | undefined;
  readonly dagConfig?: string | undefined;
  readonly logger: Logger;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND']);

/**
 * Runs `sqlsync plan --json`, `sqlsync run --unit`, `sqlsync publish` or `sqlsync airflow-dag`:
 * prints the one-line JSON summary last on stdout, and stops on the first SIGINT/SIGTERM as `run`
 * does (nothing is published after it).
 *
 * @example
 * const outcome = await scaleOutCommand({ command: 'publish', runId, tableNames: ['sales.Orders'], … });
 * process.exitCode = EXIT[outcome];
 */
export async function scaleOutCommand(args: ScaleOutArgs): Promise<CommandOutcome> {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stoppedBy = signal;
    args.logger.warn({ signal }, `stopping sqlsync ${args.command}`);
    controller.abort(new SqlSyncError('INTERRUPTED', `interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await dispatch(args, controller.signal);
  } catch (error) {
    const failure = controller.signal.aborted
      ? (controller.signal.reason as SqlSyncError)
      : toSqlSyncError(error);
    args.logger.error({ err: failure }, `sqlsync ${args.command} failed`);
    args.stderr(`sqlsync: ${failure.message}`);
    args.stdout(JSON.stringify({ status: 'failed', error: failure.toJSON() }));
    if (stoppedBy !== undefined) {
      return stoppedBy === 'SIGTERM' ? 'terminated' : 'interrupted';
    }
    return USAGE_CODES.has(failure.code) ? 'usage' : 'failed';
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function dispatch(args: ScaleOutArgs, signal: AbortSignal): Promise<CommandOutcome> {
  const { config, logger } = args;
  const usage = (message: string): never => {
    throw new SqlSyncError('USAGE', `sqlsync ${args.command}: ${message}`);
  };
  if (args.command === 'airflow-dag') {
    const outcome = await writeAirflowDag({
      config,
      configFile: args.configFile,
      ...(args.out === undefined ? {} : { out: args.out }),
      ...(args.dagConfig === undefined ? {} : { configPath: args.dagConfig }),
      ...(args.sqlsyncCommand === undefined ? {} : { sqlsyncCommand: args.sqlsyncCommand }),
      ...(args.dagId === undefined ? {} : { dagId: args.dagId }),
      ...(args.schedule === undefined ? {} : { schedule: args.schedule }),
    });
    if ('source' in outcome) {
      args.stdout(outcome.source);
    } else {
      args.stdout(JSON.stringify({ status: 'ok', dag: outcome.written, tables: outcome.tables }));
    }
    return 'ok';
  }
  if (args.command === 'plan') {
    const plan = await planForUnits({ config, tables: args.selectTables(), logger, signal });
    args.stdout(JSON.stringify(plan));
    if (plan.status !== 'ok') {
      return 'failed';
    }
    return args.skipExitCode && plan.tables.every((t) => t.units.length === 0) ? 'nothingToDo' : 'ok';
  }
  const runId = args.runId ?? usage('--run-id RUN is required (the run_id `sqlsync plan --json` printed)');
  PlanStore.checkRunId(runId);
  if (args.command === 'run') {
    if (args.tableNames.length > 0 || args.typesGiven) {
      usage('--unit runs one unit of a plan; --table and --type do not apply');
    }
    const unitId = args.unit ?? usage('--unit ID is required');
    const summary = await runUnit({ config, runId, unitId, logger, signal });
    args.stdout(JSON.stringify(summary));
    return summary.status === 'ok' ? 'ok' : 'failed';
  }
  if (args.tableNames.length !== 1 || args.typesGiven) {
    usage('exactly one --table ID is required (and no --type)');
  }
  const [table] = args.selectTables();
  if (table === undefined) {
    return usage(`--table ${args.tableNames[0]}: no such table in the config`);
  }
  const { summary } = await publishPlanned({ config, table, runId, logger, signal });
  // Published to the lake; `failed` only when the SQL Server destination's load then failed.
  const ok = summary.status === 'ok';
  const line: RunSummary = {
    status: ok ? 'ok' : 'failed',
    run_id: runId,
    pipeline_name: config.pipelineName,
    tables_processed: 1,
    tables_failed: ok ? 0 : 1,
    total_records: summary.rows,
    total_duration_seconds: summary.duration_seconds,
    lake_root: config.state.parquetDirectory,
    tables: [summary],
  };
  args.stdout(JSON.stringify(line));
  return ok ? 'ok' : 'failed';
}
