import { readFile } from 'node:fs/promises';
import {
  type Logger,
  newRunId,
  type PipelineConfig,
  readTableLock,
  SqlSyncError,
  StateStore,
  type TableConfig,
  toSqlSyncError,
} from '@sync/core';
import { handlerFor, openRun, stateKeeperFor } from '@sync/handlers';
import { runStateStoreOptions } from '../table-steps.js';
import type { CommandOutcome } from './scale-out-cli.js';

/** The subcommands of `sqlsync state`. */
export const STATE_ACTIONS = ['show', 'rebuild', 'reset'] as const;

/** The parsed command line of `sqlsync state show|rebuild|reset --table T`, with the loaded config. */
export interface StateCommandArgs {
  readonly action: string | undefined;
  readonly config: PipelineConfig;
  /** The tables `--table` selects (`Pipeline.selectTables`); throws `USAGE` for an unknown id. */
  readonly selectTables: () => TableConfig[];
  readonly tableNames: readonly string[];
  readonly logger: Logger;
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const USAGE_CODES = new Set(['USAGE', 'CONFIG_INVALID', 'CONFIG_NOT_FOUND']);

/**
 * Runs `sqlsync state`: `show` prints one table's state file as it is and its health (readable,
 * valid for its kind, consistent with the lake, its backup, who holds its lock; reads only, no
 * database); `rebuild` rebuilds it from the lake's Parquet metadata and the source (as a run heals
 * it) and writes it atomically under the table's lock; `reset` removes it (backed up first), so
 * the next run loads the table as a first load would. One JSON line on stdout, `status` first:
 * `ok` (exit 0), `damaged` (show: the file is unusable or disagrees with the lake; exit 1),
 * `failed` (exit 1, or 2 for a usage or config error).
 *
 * @example
 * const outcome = await stateCommand({ action: 'show', config, selectTables, tableNames: ['sales.Orders'], logger, stdout, stderr });
 */
export async function stateCommand(args: StateCommandArgs): Promise<CommandOutcome> {
  const runId = newRunId();
  try {
    const table = oneTable(args);
    const log = args.logger.child({ run_id: runId, table: table.id });
    const action = args.action as (typeof STATE_ACTIONS)[number];
    const output =
      action === 'show'
        ? await showState(args.config, table, runId)
        : action === 'rebuild'
          ? await rebuildState(args.config, table, runId, log)
          : await resetState(args.config, table, runId, log);
    args.stdout(JSON.stringify(output));
    return output.status === 'ok' ? 'ok' : 'failed';
  } catch (error) {
    const failure = toSqlSyncError(error);
    args.logger.error({ err: failure, run_id: runId }, `sqlsync state ${args.action ?? ''} failed`);
    args.stderr(`sqlsync: ${failure.message}`);
    args.stdout(JSON.stringify({ status: 'failed', error: failure.toJSON() }));
    return USAGE_CODES.has(failure.code) ? 'usage' : 'failed';
  }
}

async function showState(config: PipelineConfig, table: TableConfig, runId: string) {
  const store = new StateStore(config.state.stateDirectory);
  const keeper = stateKeeperFor(table);
  const path = store.pathOf(table.id);
  const raw = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    throw error;
  });
  let file: unknown;
  try {
    file = raw === undefined ? undefined : JSON.parse(raw);
  } catch {
    file = raw;
  }
  const health: Record<string, unknown> = { file: path, exists: raw !== undefined };
  let damaged = false;
  let state: unknown;
  try {
    state = await store.read(table.id, keeper.codec);
    health.valid = raw === undefined ? undefined : true;
  } catch (error) {
    damaged = true;
    health.valid = false;
    health.error = toSqlSyncError(error).toJSON();
  }
  if (state !== undefined) {
    const run = { runId, lakeRoot: config.state.parquetDirectory, now: new Date() };
    const problems = await keeper.check(table, state, run);
    health.consistent = problems.length === 0;
    if (problems.length > 0) {
      health.problems = problems;
      damaged = true;
    }
  }
  try {
    const backup = await store.readBackup(table.id, keeper.codec);
    health.backup = backup === undefined ? 'none' : 'valid';
  } catch (error) {
    health.backup = `unusable: ${toSqlSyncError(error).message}`;
  }
  const lock = await readTableLock(config.state.stateDirectory, table.id);
  return {
    status: damaged ? ('damaged' as const) : ('ok' as const),
    table: table.id,
    kind: table.kind,
    health,
    ...(lock === undefined ? {} : { lock }),
    state: file ?? null,
  };
}

async function rebuildState(config: PipelineConfig, table: TableConfig, runId: string, log: Logger) {
  const store = new StateStore(config.state.stateDirectory, runStateStoreOptions(config, runId, log));
  const resources = await openRun(config);
  try {
    await store.lockTable(table.id);
    const run = { runId, lakeRoot: config.state.parquetDirectory, now: new Date() };
    const snapshot = await handlerFor(table).snapshot(table, resources.context(log));
    const rebuilt = await stateKeeperFor(table).rebuild(table, snapshot, run);
    log.warn(
      { found: rebuilt.found, chose: rebuilt.chose },
      'state rebuilt from the lake (sqlsync state rebuild)',
    );
    let backup: string | undefined;
    if (rebuilt.state === undefined) {
      backup = await store.resetWithBackup(table.id);
    } else {
      await store.write(table.id, rebuilt.state);
    }
    return {
      status: 'ok' as const,
      table: table.id,
      kind: table.kind,
      found: rebuilt.found,
      chose: rebuilt.chose,
      state: rebuilt.state ?? null,
      ...(backup === undefined ? {} : { backup }),
    };
  } finally {
    await store.releaseLocks();
    await resources.close();
  }
}

async function resetState(config: PipelineConfig, table: TableConfig, runId: string, log: Logger) {
  const store = new StateStore(config.state.stateDirectory, runStateStoreOptions(config, runId, log));
  try {
    await store.lockTable(table.id);
    const backup = await store.resetWithBackup(table.id);
    log.warn({ backup }, 'state reset (sqlsync state reset): the next run loads the table as a first load');
    return {
      status: 'ok' as const,
      table: table.id,
      kind: table.kind,
      removed: backup !== undefined,
      ...(backup === undefined ? {} : { backup }),
    };
  } finally {
    await store.releaseLocks();
  }
}

function oneTable(args: StateCommandArgs): TableConfig {
  if (!STATE_ACTIONS.includes(args.action as (typeof STATE_ACTIONS)[number])) {
    throw new SqlSyncError(
      'USAGE',
      `sqlsync state: ${args.action === undefined ? 'an action is required' : `unknown action ${args.action}`}: expected ${STATE_ACTIONS.join(', ')}`,
    );
  }
  if (args.tableNames.length !== 1) {
    throw new SqlSyncError('USAGE', `sqlsync state ${args.action}: exactly one --table ID is required`);
  }
  const [table] = args.selectTables();
  if (table === undefined) {
    throw new SqlSyncError(
      'USAGE',
      `sqlsync state: --table ${args.tableNames[0]}: no such table in the config`,
    );
  }
  return table;
}
