import { parseArgs } from 'node:util';
import {
  createLogger,
  type ErrorCode,
  type Logger,
  type LoggerOptions,
  loadConfig,
  type PipelineConfig,
  SqlSyncError,
  toSqlSyncError,
} from '@sync/core';
import { SQLSYNC_VERSION, type TableKind } from '@sync/handlers';
import { configSchemaText } from './commands/config-schema.js';
import { opsCommand } from './commands/ops-cli.js';
import { repairScdCommand } from './commands/repair-scd.js';
import { scaleOutCommand } from './commands/scale-out-cli.js';
import { stateCommand } from './commands/state.js';
import { Pipeline } from './pipeline.js';
import { type ProgressTerminal, startProgress } from './progress-display.js';
import type { RunSummary } from './run-summary.js';

/**
 * Process exit codes of `sqlsync` (Airflow reads them). An interrupted run exits as a shell reports
 * a process stopped by that signal, 128 + its number: not 2, which would read as a bad config.
 */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  nothingToDo: 99,
  /** Stopped by SIGINT (Ctrl-C). */
  interrupted: 130,
  /** Stopped by SIGTERM (Airflow stopping or timing out the task). */
  terminated: 143,
} as const;

/** Error codes that mean the command line or the config is wrong: exit 2, not worth a retry. */
const USAGE_CODES: ReadonlySet<ErrorCode> = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND']);

const USAGE = `Usage: sqlsync <command> [options]

Commands:
  run        Copy the configured tables into the lake
  plan       List the units a run would execute now, with their reasons, as JSON (writes nothing)
  plan --json
             The same, and save the plan under the lake for run --unit and publish (Airflow);
             prints its run_id; with --skip-exit-code, exits 99 when no table has a unit to run
  run --unit ID --run-id RUN
             Run one unit of a saved plan into staging (retry-safe; publishes nothing)
  publish --table ID --run-id RUN
             Publish a planned table once all its units ran (refuses a stale plan)
  airflow-dag [--out FILE] [--dag-config PATH] [--sqlsync-command CMD] [--dag-id ID] [--schedule CRON]
             Write an Airflow DAG running the config's tables (stdout without --out)
  validate   Check every table against the database: exists, column types supported, the columns the
             config names present, SELECT permission; JSON report, exit 1 when a table is invalid
             (--offline: check the config file only, without connecting)
  status     Database reachable?, and per table: last run, its age, state file health, rows in the lake
             (JSON; a table for people when stdout is a terminal); exit 1 when unreachable or damaged
  repair-scd --table ID [--dry-run]
             Check an SCD2 table's history in the lake (one latest version per key, no duplicate,
             overlapping or gapped versions, end dates, buckets) and repair the buckets that break it;
             JSON report of each rule's violations; --dry-run changes nothing and exits 1 when the
             history is invalid. No sqlsync run of the table may run meanwhile
  state show|rebuild|reset --table ID
             show: the table's state file and its health (valid for its kind, consistent with the
             lake, backup, lock holder; exit 1 when damaged); rebuild: rebuild it from the lake's
             Parquet metadata and the source, written atomically; reset: remove it (backed up
             first), so the next run loads the table as a first load. Takes the table's lock
  config-schema
             Print the JSON Schema of the config file (for editors)

Options:
  -c, --config FILE       Config file (YAML or JSON). Required.
  -t, --table ID          Only this table (schema.table); repeatable
      --type KIND         Only tables of this kind: partition, scd or static; repeatable
      --skip-exit-code    Exit 99 instead of 0 when there is nothing to do (Airflow marks the task skipped)
      --no-progress       run: no live progress display (shown only when stderr is a terminal)
      --offline           validate: the config file only
      --dry-run           repair-scd: report only, change no file
  -h, --help              Show this help
  -v, --version           Show the version

Logs are JSON lines on stderr; the last line of stdout is a one-line JSON summary.
Exit codes: 0 ok, 1 failed, 2 bad config or usage, 99 nothing to do (--skip-exit-code),
130 interrupted (SIGINT), 143 terminated (SIGTERM).
Secrets can come from the environment: SQLSYNC_USERNAME, SQLSYNC_PASSWORD, SQLSYNC_SERVER, ...`;

/** What the CLI writes; injected so tests can capture it. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  readonly env: NodeJS.ProcessEnv;
  /** Builds the logger once the config's `log_level` and `log_file` are known. Defaults to `createLogger`. */
  readonly createLogger?: (options: LoggerOptions) => Logger;
  /** stderr when it is a terminal: `run` draws its progress display there. Defaults to none. */
  readonly stderrTerminal?: ProgressTerminal;
  /** Whether stdout is a terminal (`status` then prints a table). Defaults to false. */
  readonly stdoutIsTTY?: boolean;
}

const KINDS: readonly TableKind[] = ['partition', 'scd', 'static'];

/**
 * Runs the `sqlsync` command line and returns the exit code.
 *
 * @example
 * const code = await main(['run', '--config', 'sqlsync.yaml'], { stdout: console.log, stderr: console.error, env: process.env });
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    io.stderr(`sqlsync: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    io.stdout(USAGE);
    return EXIT.ok;
  }
  if (values.version === true) {
    io.stdout(SQLSYNC_VERSION);
    return EXIT.ok;
  }
  const command = positionals[0];
  if (command === 'config-schema') {
    io.stdout(configSchemaText());
    return EXIT.ok;
  }
  if (
    !['run', 'plan', 'validate', 'status', 'publish', 'airflow-dag', 'repair-scd', 'state'].includes(
      command ?? '',
    )
  ) {
    io.stderr(
      `sqlsync: ${command === undefined ? 'a command is required' : `unknown command ${command}`}\n\n${USAGE}`,
    );
    return EXIT.usage;
  }
  if (values.config === undefined) {
    io.stderr(`sqlsync ${command}: --config FILE is required`);
    return EXIT.usage;
  }
  if (values.json === true && command !== 'plan') {
    io.stderr(`sqlsync ${command}: --json applies to plan only`);
    return EXIT.usage;
  }
  if (values['dry-run'] === true && command !== 'repair-scd') {
    io.stderr(`sqlsync ${command}: --dry-run applies to repair-scd only`);
    return EXIT.usage;
  }
  const types = values.type ?? [];
  const badType = types.find((t) => !KINDS.includes(t as TableKind));
  if (badType !== undefined) {
    io.stderr(`sqlsync ${command}: --type ${badType}: expected one of ${KINDS.join(', ')}`);
    return EXIT.usage;
  }

  let config: PipelineConfig;
  try {
    config = await loadConfig(values.config, io.env);
  } catch (error) {
    const failure = toSqlSyncError(error, 'CONFIG_INVALID');
    io.stderr(`sqlsync: ${failure.message}`);
    io.stdout(JSON.stringify({ status: 'config_error', error: failure.message }));
    return EXIT.usage;
  }

  const logger = (io.createLogger ?? createLogger)({
    level: config.logLevel,
    ...(config.logFile === undefined ? {} : { file: config.logFile }),
  });
  for (const warning of config.warnings) {
    logger.warn({ file: values.config, configPath: warning.path }, `${warning.path}: ${warning.message}`);
  }
  const pipeline = new Pipeline(config, { logger });
  const selection = {
    ...(values.table === undefined ? {} : { tableNames: values.table }),
    ...(types.length === 0 ? {} : { tableTypes: types as TableKind[] }),
  };
  if (command === 'validate' || command === 'status') {
    const outcome = await opsCommand({
      command,
      pipeline,
      selection,
      configFile: values.config,
      offline: values.offline === true,
      stdoutIsTTY: io.stdoutIsTTY === true,
      stdout: io.stdout,
      stderr: io.stderr,
    });
    return EXIT[outcome];
  }
  if (command === 'repair-scd') {
    return EXIT[
      await repairScdCommand({
        config,
        selectTables: () => pipeline.selectTables(selection),
        tableNames: values.table ?? [],
        typesGiven: types.length > 0,
        dryRun: values['dry-run'] === true,
        logger,
        stdout: io.stdout,
        stderr: io.stderr,
      })
    ];
  }
  if (command === 'state') {
    return EXIT[
      await stateCommand({
        action: positionals[1],
        config,
        selectTables: () => pipeline.selectTables(selection),
        tableNames: values.table ?? [],
        logger,
        stdout: io.stdout,
        stderr: io.stderr,
      })
    ];
  }
  if (
    command === 'publish' ||
    command === 'airflow-dag' ||
    (command === 'run' && values.unit !== undefined) ||
    (command === 'plan' && values.json === true)
  ) {
    return EXIT[
      await scaleOutCommand({
        command: command as string,
        config,
        configFile: values.config,
        selectTables: () => pipeline.selectTables(selection),
        tableNames: values.table ?? [],
        typesGiven: types.length > 0,
        skipExitCode: values['skip-exit-code'] === true,
        unit: values.unit,
        runId: values['run-id'],
        out: values.out,
        dagConfig: values['dag-config'],
        sqlsyncCommand: values['sqlsync-command'],
        dagId: values['dag-id'],
        schedule: values.schedule,
        logger,
        stdout: io.stdout,
        stderr: io.stderr,
      })
    ];
  }
  if (command === 'plan') {
    try {
      const plan = await pipeline.plan(selection);
      io.stdout(JSON.stringify(plan));
      return plan.status === 'ok' ? EXIT.ok : EXIT.failed;
    } catch (error) {
      const failure = toSqlSyncError(error);
      io.stderr(`sqlsync: ${failure.message}`);
      io.stdout(JSON.stringify({ status: 'failed', error: failure.toJSON() }));
      return USAGE_CODES.has(failure.code) ? EXIT.usage : EXIT.failed;
    }
  }
  // The first SIGINT/SIGTERM stops the run (units are aborted, nothing half-published); a second
  // one finds no listener and ends the process at once, as a signal does by default.
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    stoppedBy = signal;
    logger.warn({ signal }, 'stopping the run');
    controller.abort(new SqlSyncError('INTERRUPTED', `interrupted by ${signal}`));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // On a terminal, a live progress display; the run's own logger then writes through it.
  const progress = startProgress({
    terminal: io.stderrTerminal,
    disabled: values['no-progress'] === true,
    config,
    createLogger: io.createLogger ?? createLogger,
  });
  const runPipeline =
    progress === undefined ? pipeline : new Pipeline(progress.config, { logger: progress.logger });
  let summary: RunSummary;
  try {
    summary = await runPipeline.run({
      ...selection,
      signal: controller.signal,
      ...(progress === undefined ? {} : { onProgress: (event) => progress.display.update(event) }),
    });
  } catch (error) {
    // Once stopped, whatever the run threw on its way out is a consequence of the signal.
    const failure = controller.signal.aborted
      ? (controller.signal.reason as SqlSyncError)
      : toSqlSyncError(error);
    logger.error({ err: failure }, 'run failed');
    io.stderr(`sqlsync: ${failure.message}`);
    io.stdout(JSON.stringify({ status: 'failed', error: failure.toJSON() }));
    return interruptedExit(stoppedBy) ?? (USAGE_CODES.has(failure.code) ? EXIT.usage : EXIT.failed);
  } finally {
    progress?.display.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  const interrupted = interruptedExit(stoppedBy);
  if (interrupted !== undefined) {
    // The tables stopped say so each; the run as a whole failed because of the signal.
    const reason = controller.signal.reason as SqlSyncError;
    io.stdout(JSON.stringify({ ...summary, status: 'failed', error: reason.toJSON() }));
    return interrupted;
  }
  io.stdout(JSON.stringify(summary));
  if (summary.status === 'nothing_to_do') {
    return values['skip-exit-code'] === true ? EXIT.nothingToDo : EXIT.ok;
  }
  return summary.status === 'ok' ? EXIT.ok : EXIT.failed;
}

/** The exit code of a run stopped by `signal`; `undefined` when no signal arrived. */
function interruptedExit(signal: NodeJS.Signals | undefined): number | undefined {
  if (signal === undefined) {
    return undefined;
  }
  return signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      config: { type: 'string', short: 'c' },
      table: { type: 'string', short: 't', multiple: true },
      type: { type: 'string', multiple: true },
      'skip-exit-code': { type: 'boolean' },
      json: { type: 'boolean' },
      offline: { type: 'boolean' },
      'no-progress': { type: 'boolean' },
      'dry-run': { type: 'boolean' },
      unit: { type: 'string' },
      'run-id': { type: 'string' },
      out: { type: 'string' },
      'dag-config': { type: 'string' },
      'sqlsync-command': { type: 'string' },
      'dag-id': { type: 'string' },
      schedule: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}
