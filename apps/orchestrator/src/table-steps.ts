import { rm } from 'node:fs/promises';
import {
  type Logger,
  type PipelineConfig,
  SqlSyncError,
  StateStore,
  type StateStoreOptions,
  type TableConfig,
  type TableLock,
  toSqlSyncError,
  withRetry,
} from '@sync/core';
import {
  handlerFor,
  openRun,
  type RunInfo,
  type RunResources,
  stateKeeperFor,
  type TableHandler,
  type UnitResult,
  type WorkUnit,
} from '@sync/handlers';
import type { PlanSummary, TableSummary } from './run-summary.js';
import type { UnitRunner } from './unit-pool.js';

/**
 * The steps of one table that `sqlsync run` takes in one process and Airflow takes in three
 * (`sqlsync plan --json`, `sqlsync run --unit`, `sqlsync publish`): both call these, so a table is
 * planned, run and committed the same way whichever drives it.
 */

/** A table once planned: its handler, what it read from the source, the state it was planned from, and its units. */
export interface TablePlan {
  readonly table: TableConfig;
  readonly handler: TableHandler;
  readonly snapshot: unknown;
  readonly state: unknown;
  readonly units: readonly WorkUnit[];
  /** The table's lock, when the run took one (a `sqlsync run`), with how long it waited for it. */
  readonly lock?: TableLock;
  /** How the state was healed before planning (rebuilt from the lake, or the backup taken). */
  readonly healed?: StateHealing;
}

/** What healing a table's state did, as the run summary reports it (snake_case). */
export interface StateHealing {
  /** Why the state needed healing: missing, corrupt (the error), inconsistent (the problems). */
  readonly why: string;
  /** Where the state came from: `backup`, `lake`, or `none` (everything is re-read). */
  readonly source: 'backup' | 'lake' | 'none';
  readonly found?: string;
  readonly chose: string;
}

/**
 * The state store of a run that publishes (`sqlsync run`, `sqlsync publish`): backups per
 * `backup_state_before_run`, leftovers pruned per `state_retention_days`, and each table locked
 * (`lock_timeout_seconds`) from before its state is read until its state is written.
 *
 * @example
 * const store = new StateStore(config.state.stateDirectory, runStateStoreOptions(config, run.runId, logger));
 */
export function runStateStoreOptions(
  config: PipelineConfig,
  runId: string,
  logger: Logger,
): StateStoreOptions {
  return {
    backupBeforeWrite: config.state.backupStateBeforeRun,
    retentionDays: config.state.stateRetentionDays,
    lock: {
      runId,
      timeoutMs: config.state.lockTimeoutSeconds * 1000,
      onEvent: (event) => {
        const holder = `run ${event.holder.runId} (host ${event.holder.host}, pid ${event.holder.pid})`;
        if (event.type === 'waiting') {
          logger.warn(
            { table: event.holder.tableId, holder, timeoutSeconds: config.state.lockTimeoutSeconds },
            'table locked by another run; waiting',
          );
        } else {
          logger.warn({ table: event.holder.tableId, holder, why: event.why }, 'stale table lock taken over');
        }
      },
    },
  };
}

/**
 * Reads a table's state, then asks its handler for a snapshot of the source and the units to run.
 *
 * @example
 * const plan = await planTable(config, table, resources, stateStore, run, logger);
 * plan.units.map((u) => u.id); // ['sales.Orders#OrderDate_month=2024-03']
 */
export async function planTable(
  config: PipelineConfig,
  table: TableConfig,
  resources: RunResources,
  stateStore: StateStore,
  run: RunInfo,
  logger: Logger,
  signal?: AbortSignal,
): Promise<TablePlan> {
  const handler = handlerFor(table);
  // Held from before the state is read until it is written (commitTable), so two runs of a table
  // never plan from one state and publish over each other.
  const lock = await stateStore.lockTable(table.id, signal);
  if (lock !== undefined && lock.waitedFor !== undefined) {
    logger.info(
      { table: table.id, waitedSeconds: roundSeconds(lock.waitedMs / 1000), holder: lock.waitedFor.runId },
      'table lock taken',
    );
  }
  const stored = await readStoredState(config, table, stateStore, logger);
  // The snapshot reads the source (catalog, fingerprints, the table hash): a deadlock or a dropped
  // connection there is as transient as in a unit's read, and is retried the same way.
  const snapshot = await withRetry(
    () => handler.snapshot(table, resources.context(logger, signal)),
    sourceRetry(config, signal, (error, attempt, delayMs) =>
      logger.warn({ err: error, table: table.id, attempt, delayMs }, 'snapshot failed; retrying'),
    ),
  );
  const { state, healed } = await healTableState(config, table, stored, snapshot, run, logger);
  const units = handler.plan(table, snapshot, state, run);
  logger.info(
    {
      table: table.id,
      partitioning: handler.describe?.(snapshot),
      units: units.map((u) => ({ id: u.id, reason: u.reason })),
    },
    'planned',
  );
  return {
    table,
    handler,
    snapshot,
    state,
    units,
    ...(lock === undefined ? {} : { lock }),
    ...(healed === undefined ? {} : { healed }),
  };
}

/**
 * Plans the given tables in order (`planTable` each, on one connection) and lists their units with
 * their reasons, as `sqlsync plan` prints them. A table that cannot be planned is listed with its
 * error and the others are still planned. `onPlanned` sees each plan before it is listed
 * (`sqlsync plan --json` saves it there); `recoverLake` first finishes or rolls back a publish a
 * crash left half done, as a run does.
 *
 * @example
 * const summary = await planTables(config, pipeline.selectTables(), run, logger);
 * summary.tables.flatMap((t) => t.units.map((u) => u.id));
 */
export async function planTables(
  config: PipelineConfig,
  tables: readonly TableConfig[],
  run: RunInfo,
  logger: Logger,
  options: {
    readonly recoverLake?: boolean;
    readonly signal?: AbortSignal;
    readonly onPlanned?: (plan: TablePlan) => Promise<void>;
  } = {},
): Promise<PlanSummary> {
  const planned: PlanSummary['tables'][number][] = [];
  if (tables.length > 0) {
    const resources = await openRun(config, { recoverLake: options.recoverLake === true });
    const stateStore = new StateStore(config.state.stateDirectory);
    try {
      for (const table of tables) {
        try {
          const plan = await planTable(config, table, resources, stateStore, run, logger, options.signal);
          await options.onPlanned?.(plan);
          const partitioning = plan.handler.describe?.(plan.snapshot);
          planned.push({
            table: table.id,
            kind: table.kind,
            ...(partitioning === undefined ? {} : { partitioning }),
            units: plan.units.map((u) => ({ id: u.id, reason: u.reason })),
          });
        } catch (error) {
          const failure = toSqlSyncError(error, 'INTERNAL', { table: table.id });
          logger.error({ err: failure, table: table.id }, 'table could not be planned');
          planned.push({ table: table.id, kind: table.kind, units: [], error: failure.toJSON() });
        }
      }
    } finally {
      await resources.close();
    }
  }
  return {
    status: planned.some((t) => t.error !== undefined) ? 'failed' : 'ok',
    run_id: run.runId,
    pipeline_name: config.pipelineName,
    tables: planned,
  };
}

/** A table's state as read from its file (or its backup), before it is checked against the lake. */
interface StoredState {
  readonly state: unknown;
  /** Why the file could not be used as it is, when it could not. */
  readonly healed?: StateHealing;
}

/**
 * A table's state, checked with its kind's schema (`stateKeeperFor(table).codec`: shape, version,
 * table id) and healed when `state.enable_self_healing` is on: a file that is missing, unreadable,
 * of the wrong shape or another table's is replaced by its backup when that is sound, else rebuilt
 * from the Parquet metadata of the table's lake files; a state that disagrees with the lake
 * (`state.validate_state_consistency`) is rebuilt from the lake. Every step is logged with what it
 * found and what it chose. Deterministic for an unchanged lake, so `sqlsync publish` heals to the
 * state its plan was made from. Without self-healing a damaged or inconsistent state fails the table.
 *
 * @example
 * const state = await readTableState(config, table, new StateStore(dir), logger, { snapshot, run });
 */
export async function readTableState(
  config: PipelineConfig,
  table: TableConfig,
  stateStore: StateStore,
  logger: Logger,
  heal?: { readonly snapshot: unknown; readonly run: RunInfo },
): Promise<unknown> {
  const stored = await readStoredState(config, table, stateStore, logger);
  if (heal === undefined) {
    return stored.state;
  }
  return (await healTableState(config, table, stored, heal.snapshot, heal.run, logger)).state;
}

async function readStoredState(
  config: PipelineConfig,
  table: TableConfig,
  stateStore: StateStore,
  logger: Logger,
): Promise<StoredState> {
  const codec = stateKeeperFor(table).codec;
  try {
    return { state: await stateStore.read(table.id, codec) };
  } catch (error) {
    if (
      !(error instanceof SqlSyncError) ||
      error.code !== 'STATE_CORRUPT' ||
      !config.state.enableSelfHealing
    ) {
      throw error;
    }
    const backup = await stateStore.readBackup(table.id, codec).catch((backupError: unknown) => {
      logger.warn({ err: backupError, table: table.id }, 'state backup is unusable too');
      return undefined;
    });
    if (backup === undefined) {
      // No sound backup: the lake decides (healTableState rebuilds from it).
      logger.warn(
        { err: error, table: table.id, healedFrom: 'the lake (no sound backup)' },
        'state file is corrupt; self-healing',
      );
      return {
        state: undefined,
        healed: { why: `corrupt: ${error.message}`, source: 'none', chose: 'rebuild from the lake' },
      };
    }
    logger.warn(
      { err: error, table: table.id, healedFrom: 'backup' },
      'state file is corrupt; self-healing from its backup',
    );
    return {
      state: backup,
      healed: {
        why: `corrupt: ${error.message}`,
        source: 'backup',
        chose: 'the backup (then checked against the lake)',
      },
    };
  }
}

async function healTableState(
  config: PipelineConfig,
  table: TableConfig,
  stored: StoredState,
  snapshot: unknown,
  run: RunInfo,
  logger: Logger,
): Promise<{ readonly state: unknown; readonly healed?: StateHealing }> {
  const keeper = stateKeeperFor(table);
  let why: string | undefined;
  if (stored.state === undefined) {
    why = stored.healed?.why ?? 'missing';
  } else if (config.state.validateStateConsistency) {
    const problems = await keeper.check(table, stored.state, run);
    if (problems.length > 0) {
      if (!config.state.enableSelfHealing) {
        throw new SqlSyncError(
          'STATE_CORRUPT',
          `${table.id}: the state disagrees with the lake (${problems.slice(0, 5).join('; ')}); turn on state.enable_self_healing to rebuild it from the lake, or run \`sqlsync state rebuild --table ${table.id}\``,
          { context: { table: table.id, configPath: 'state.validate_state_consistency' } },
        );
      }
      why = `inconsistent with the lake: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`;
    }
  }
  if (why === undefined) {
    return stored.healed === undefined
      ? { state: stored.state }
      : { state: stored.state, healed: stored.healed };
  }
  if (!config.state.enableSelfHealing) {
    return { state: undefined }; // missing and not healing: a first load, as always
  }
  const rebuilt = await keeper.rebuild(table, snapshot, run);
  const healed: StateHealing = {
    why,
    source: rebuilt.state === undefined ? 'none' : 'lake',
    found: rebuilt.found,
    chose: rebuilt.chose,
  };
  if (
    why === 'missing' &&
    rebuilt.state === undefined &&
    /^no (partition |bucket )?file/.test(rebuilt.found)
  ) {
    // A first load: nothing to heal, nothing to say.
    return { state: undefined };
  }
  logger.warn(
    { table: table.id, why, found: rebuilt.found, chose: rebuilt.chose },
    'state rebuilt from the lake',
  );
  return { state: rebuilt.state, healed };
}

/**
 * Runs one unit, retried (`processing.retry_attempts`) while its error is transient; its staging
 * directory is cleared before each try, so a retry — in this process or in another Airflow task
 * try — replaces what an earlier one staged.
 *
 * @example
 * const result = await runUnitWithRetry(config, unit, new InlineUnitRunner(), logger, signal);
 */
export function runUnitWithRetry(
  config: PipelineConfig,
  unit: WorkUnit,
  runner: UnitRunner,
  logger: Logger,
  signal?: AbortSignal,
): Promise<UnitResult> {
  return withRetry(
    async () => {
      await rm(unit.stagingDir, { recursive: true, force: true });
      const result = await runner.run({ config, unit }, signal);
      if (result.error !== undefined) {
        throw SqlSyncError.fromJSON(result.error);
      }
      return result;
    },
    sourceRetry(config, signal, (error, attempt, delayMs) =>
      logger.warn(
        { err: error, table: unit.tableId, unit: unit.id, attempt, delayMs },
        'unit failed; retrying',
      ),
    ),
  );
}

/**
 * How a run retries what reads the source (a table's snapshot, a unit): transient errors only, up to
 * `processing.retry_attempts` more tries, the first after `retry_delay_seconds` capped at 1 s.
 */
function sourceRetry(
  config: PipelineConfig,
  signal: AbortSignal | undefined,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void,
): Parameters<typeof withRetry>[1] {
  return {
    attempts: config.processing.retryAttempts + 1,
    baseDelayMs: Math.min(1000, config.processing.retryDelaySeconds * 1000),
    ...(signal === undefined ? {} : { signal }),
    onRetry,
  };
}

/**
 * Publishes a planned table whose units all ran (the handler's `commit`: atomic directory swaps),
 * records the state it returns, and summarises the table. `onPublished` runs between the publish
 * and the state write (`sqlsync publish` records there that the run's table is published, so a
 * retry after a crash in between answers "already published" instead of publishing again).
 * `afterState` runs after the state write, still under the table's lock, and gives the summary
 * returned (the SQL Server destination's load: two runs never load one warehouse table at once).
 *
 * @example
 * const summary = await commitTable(plan, results, stateStore, run, performance.now());
 * summary.files; // the published Parquet files
 */
export async function commitTable(
  plan: TablePlan,
  results: readonly UnitResult[],
  stateStore: StateStore,
  run: RunInfo,
  started: number,
  onPublished?: (summary: TableSummary) => Promise<void>,
  afterState?: (summary: TableSummary) => Promise<TableSummary>,
): Promise<TableSummary> {
  const { table, handler } = plan;
  // Publishing and the state write happen under the table's lock (taken at plan time by a run;
  // here by `sqlsync publish`; a no-op for a store without lock options).
  const lock = plan.lock ?? (await stateStore.lockTable(table.id));
  const state = await handler.commit(table, plan.units, results, plan.snapshot, plan.state, run);
  const partitioning = handler.describe?.(plan.snapshot);
  const summary: TableSummary = {
    table: table.id,
    kind: table.kind,
    status: 'ok',
    rows: results.reduce((n, r) => n + r.rows, 0),
    bytes: results.reduce((n, r) => n + r.bytes, 0),
    lake_path: handler.lakeDir(table, run.lakeRoot),
    files: plan.units.flatMap((u, i) => handler.publishedFiles(u, results[i]?.files ?? [])),
    units: plan.units.map((u, i) => ({ id: u.id, reason: u.reason, rows: results[i]?.rows ?? 0 })),
    dropped_sub_microsecond_values: results.reduce((n, r) => n + r.droppedSubMicrosecondValues, 0),
    duration_seconds: roundSeconds((performance.now() - started) / 1000),
    ...(partitioning === undefined ? {} : { partitioning }),
    ...upsertSummary(results),
    ...scdSummary(results),
    ...readSummary(results),
    ...lockSummary(lock),
    ...(plan.healed === undefined ? {} : { state_healed: healedSummary(plan.healed) }),
  };
  await onPublished?.(summary);
  await stateStore.write(table.id, state);
  try {
    return afterState === undefined ? summary : await afterState(summary);
  } finally {
    await stateStore.unlockTable(table.id);
  }
}

/** How long the table waited for another run's lock, when it had to (none: no field). */
function lockSummary(lock: TableLock | undefined): Pick<TableSummary, 'lock'> {
  if (lock?.waitedFor === undefined) {
    return {};
  }
  const h = lock.waitedFor;
  return {
    lock: {
      waited_seconds: roundSeconds(lock.waitedMs / 1000),
      holder: `run ${h.runId} (host ${h.host}, pid ${h.pid})`,
    },
  };
}

function healedSummary(healed: StateHealing): NonNullable<TableSummary['state_healed']> {
  return {
    why: healed.why,
    source: healed.source,
    ...(healed.found === undefined ? {} : { found: healed.found }),
    chose: healed.chose,
  };
}

/** The upsert counts of a table's units, summed, in the summary's snake_case (none: no field). */
function upsertSummary(results: readonly UnitResult[]): Pick<TableSummary, 'upsert'> {
  const outcomes = results.flatMap((r) => (r.upsert === undefined ? [] : [r.upsert]));
  if (outcomes.length === 0) {
    return {};
  }
  const sum = (field: 'inserted' | 'updated' | 'deleted' | 'unchanged'): number =>
    outcomes.reduce((n, o) => n + o[field], 0);
  const fullRead = outcomes.find((o) => o.fullRead !== undefined)?.fullRead;
  return {
    upsert: {
      inserted: sum('inserted'),
      updated: sum('updated'),
      deleted: sum('deleted'),
      unchanged: sum('unchanged'),
      ...(fullRead === undefined ? {} : { full_read: fullRead }),
    },
  };
}

/**
 * How the table's units read the source — `snapshot`, `read_committed`, or `mixed` when the
 * database's snapshot setting changed during the run — and the READ COMMITTED re-reads they took
 * because the table changed while it was read (no unit read: no field).
 */
function readSummary(results: readonly UnitResult[]): Pick<TableSummary, 'read'> {
  const reads = results.flatMap((r) => (r.read === undefined ? [] : [r.read]));
  const first = reads[0];
  if (first === undefined) {
    return {};
  }
  return {
    read: {
      mode: reads.every((r) => r.mode === first.mode) ? first.mode : 'mixed',
      retries: reads.reduce((n, r) => n + r.retries, 0),
    },
  };
}

/** The SCD2 counts of a table's units, summed, in the summary's snake_case (none: no field). */
function scdSummary(results: readonly UnitResult[]): Pick<TableSummary, 'scd'> {
  const outcomes = results.flatMap((r) => (r.scd === undefined ? [] : [r.scd]));
  if (outcomes.length === 0) {
    return {};
  }
  const sum = (
    field: 'versionsAdded' | 'versionsReplaced' | 'versionsUnchanged' | 'keysDeleted' | 'bucketsRewritten',
  ): number => outcomes.reduce((n, o) => n + o[field], 0);
  return {
    scd: {
      versions_added: sum('versionsAdded'),
      versions_replaced: sum('versionsReplaced'),
      versions_unchanged: sum('versionsUnchanged'),
      keys_deleted: sum('keysDeleted'),
      buckets_rewritten: sum('bucketsRewritten'),
    },
  };
}

/**
 * The summary of a table that failed, logged with its error.
 *
 * @example
 * summaries.push(failedTable(config, table, error, started, logger));
 */
export function failedTable(
  config: PipelineConfig,
  table: TableConfig,
  error: unknown,
  started: number,
  logger: Logger,
): TableSummary {
  const failure = toSqlSyncError(error, 'INTERNAL', { table: table.id });
  logger.error({ err: failure, table: table.id }, 'table failed');
  return {
    table: table.id,
    kind: table.kind,
    status: 'failed',
    rows: 0,
    bytes: 0,
    lake_path: handlerFor(table).lakeDir(table, config.state.parquetDirectory),
    files: [],
    units: [],
    dropped_sub_microsecond_values: 0,
    duration_seconds: roundSeconds((performance.now() - started) / 1000),
    error: failure.toJSON(),
  };
}

/**
 * Seconds to the millisecond, as the summaries print them.
 *
 * @example
 * roundSeconds(2.41749) // 2.417
 */
export function roundSeconds(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
