import { rm } from 'node:fs/promises';
import {
  type Logger,
  type PipelineConfig,
  SqlSyncError,
  StateStore,
  type TableConfig,
  toSqlSyncError,
  withRetry,
} from '@sync/core';
import {
  handlerFor,
  openRun,
  type RunInfo,
  type RunResources,
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
  const state = await readTableState(config, table, stateStore, logger);
  // The snapshot reads the source (catalog, fingerprints, the table hash): a deadlock or a dropped
  // connection there is as transient as in a unit's read, and is retried the same way.
  const snapshot = await withRetry(
    () => handler.snapshot(table, resources.context(logger, signal)),
    sourceRetry(config, signal, (error, attempt, delayMs) =>
      logger.warn({ err: error, table: table.id, attempt, delayMs }, 'snapshot failed; retrying'),
    ),
  );
  const units = handler.plan(table, snapshot, state, run);
  logger.info(
    {
      table: table.id,
      partitioning: handler.describe?.(snapshot),
      units: units.map((u) => ({ id: u.id, reason: u.reason })),
    },
    'planned',
  );
  return { table, handler, snapshot, state, units };
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

/**
 * A table's state. A corrupt state file is healed conservatively when `state.enable_self_healing`
 * is on: the last backup if it is sound, else no state at all — which makes the handler re-read
 * everything (every partition of a partition table) rather than trust a damaged watermark.
 *
 * @example
 * const state = await readTableState(config, table, new StateStore(dir), logger); // undefined: never run
 */
export async function readTableState(
  config: PipelineConfig,
  table: TableConfig,
  stateStore: StateStore,
  logger: Logger,
): Promise<unknown> {
  try {
    return await stateStore.read(table.id);
  } catch (error) {
    if (
      !(error instanceof SqlSyncError) ||
      error.code !== 'STATE_CORRUPT' ||
      !config.state.enableSelfHealing
    ) {
      throw error;
    }
    const backup = await stateStore.readBackup(table.id).catch(() => undefined);
    logger.warn(
      { err: error, table: table.id, healedFrom: backup === undefined ? 'nothing: full re-read' : 'backup' },
      'state file is corrupt; self-healing',
    );
    return backup;
  }
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
): Promise<TableSummary> {
  const { table, handler } = plan;
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
  };
  await onPublished?.(summary);
  await stateStore.write(table.id, state);
  return summary;
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
