import {
  type Logger,
  listTables,
  newRunId,
  type PipelineConfig,
  SqlSyncError,
  StateStore,
  type TableConfig,
} from '@sync/core';
import {
  openRun,
  type RunInfo,
  type RunResources,
  type TableKind,
  type UnitResult,
  type WorkUnit,
} from '@sync/handlers';
import { type PipelineStatus, pipelineStatus } from './commands/pipeline-status.js';
import { type ValidationReport, validateTables } from './commands/validate-tables.js';
import { loadDestination } from './destination-step.js';
import { validateDestination } from './destination-validation.js';
import type { RunProgressEvent } from './run-progress.js';
import type { PlanSummary, RunSummary, TableSummary } from './run-summary.js';
import {
  commitTable,
  failedTable,
  planTable,
  planTables,
  roundSeconds,
  runStateStoreOptions,
  runUnitWithRetry,
  type TablePlan,
} from './table-steps.js';
import { InlineUnitRunner, MixedUnitRunner, type UnitRunner } from './unit-pool.js';

/** Which tables a run covers; both filters together narrow further. Defaults to all. */
export interface RunOptions {
  /** `schema.table` ids (case-insensitive) to run. */
  readonly tableNames?: readonly string[];
  /** Table kinds to run. */
  readonly tableTypes?: readonly TableKind[];
  readonly signal?: AbortSignal;
  /** Called as tables are planned, units staged and tables published or failed. Defaults to none. */
  readonly onProgress?: (event: RunProgressEvent) => void;
}

/** Collaborators passed in, so tests and embedders choose them. */
export interface PipelineDeps {
  readonly logger: Logger;
  /** Defaults to `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Runs the configured tables as a DAG: recover → connect → snapshot and plan per table → units on
 * a worker pool (`processing.max_workers` threads; as many units of one table at a time as its
 * handler's `parallelLimit`, `partition_parallel_limit` for a partition table; retried per
 * `processing.retry_attempts`) → validate → publish and record state
 * per table → clean up. A table's failure is reported in the summary and does not stop the others.
 *
 * @example
 * const pipeline = new Pipeline(await loadConfig('sqlsync.yaml'), { logger: createLogger() });
 * const summary = await pipeline.run({ tableTypes: ['static'] });
 * console.log(summary.total_records);
 */
export class Pipeline {
  readonly #config: PipelineConfig;
  readonly #logger: Logger;
  readonly #now: () => Date;

  constructor(config: PipelineConfig, deps: PipelineDeps) {
    this.#config = config;
    this.#logger = deps.logger;
    this.#now = deps.now ?? (() => new Date());
  }

  /**
   * The tables a run with these options covers, in config order; throws `USAGE` for an unknown id.
   *
   * @example
   * pipeline.selectTables({ tableTypes: ['partition'] }).map((t) => t.id) // ['sales.Orders']
   */
  selectTables(options: RunOptions = {}): TableConfig[] {
    const all = listTables(this.#config);
    const names = options.tableNames?.map((n) => n.toLowerCase());
    for (const name of names ?? []) {
      if (!all.some((t) => t.id.toLowerCase() === name)) {
        throw new SqlSyncError('USAGE', `--table ${name}: no such table in the config`);
      }
    }
    return all.filter(
      (t) =>
        (names === undefined || names.includes(t.id.toLowerCase())) &&
        (options.tableTypes === undefined || options.tableTypes.includes(t.kind)),
    );
  }

  /**
   * Runs the selected tables and returns the run summary. A table's failure is in the summary;
   * this throws only when the run cannot start: an unknown table id, a lake that cannot be
   * recovered, a source that cannot be reached after the retries, or an abort while connecting.
   *
   * @example
   * const summary = await pipeline.run({ tableNames: ['sales.Orders'], signal });
   */
  async run(options: RunOptions = {}): Promise<RunSummary> {
    const started = performance.now();
    const run: RunInfo = {
      runId: newRunId(this.#now()),
      lakeRoot: this.#config.state.parquetDirectory,
      now: this.#now(),
    };
    const tables = this.selectTables(options);
    const logger = this.#logger.child({ run_id: run.runId });
    const summaries: TableSummary[] = [];
    if (tables.length > 0) {
      // A crash in an earlier run may have left a publish half done: it is finished or rolled back
      // before anything is planned.
      const resources = await openRun(this.#config, {
        recoverLake: true,
        retry: {
          attempts: this.#config.processing.retryAttempts + 1,
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          onRetry: (error, attempt, delayMs) =>
            logger.warn({ err: error, attempt, delayMs }, 'connect failed; retrying'),
        },
      });
      const stateStore = new StateStore(
        this.#config.state.stateDirectory,
        runStateStoreOptions(this.#config, run.runId, logger),
      );
      let runner: UnitRunner | undefined;
      try {
        const plans: TablePlan[] = [];
        // Every table's lock first, in table-id order (no two runs wait for each other in a cycle).
        await stateStore.lockTables(
          tables.map((t) => t.id),
          options.signal,
        );
        for (const table of tables) {
          const tableStarted = performance.now();
          try {
            const plan = await this.#planTable(table, resources, stateStore, run, logger, options.signal);
            plans.push(plan);
            options.onProgress?.({
              type: 'planned',
              table: table.id,
              kind: table.kind,
              units: plan.units.length,
            });
          } catch (error) {
            summaries.push(this.#failed(table, error, tableStarted, logger));
            options.onProgress?.({ type: 'table', table: table.id, status: 'failed' });
          }
        }
        const unitCount = plans.reduce((n, p) => n + p.units.length, 0);
        const workers = Math.max(1, Math.min(this.#config.processing.maxWorkers, unitCount));
        runner = workers > 1 ? new MixedUnitRunner(workers) : new InlineUnitRunner();
        const activeRunner = runner;
        const limiter = new Semaphore(workers);
        summaries.push(
          ...(await Promise.all(
            plans.map((plan) =>
              this.#runTable(plan, activeRunner, limiter, stateStore, run, logger, options).then(
                (summary) => {
                  options.onProgress?.({
                    type: 'table',
                    table: summary.table,
                    status: summary.status === 'ok' ? 'ok' : 'failed',
                  });
                  return summary;
                },
              ),
            ),
          )),
        );
      } finally {
        // In order, each step whatever the one before did: every table has waited for its units
        // to end (cancelled through their signals, DuckDB writers closed in their own threads), so
        // the worker threads are idle when they are stopped; then the source connections close
        // (bounded: a connection still busy is closed under its request), then staging goes.
        await runner
          ?.close()
          .catch((error: unknown) => logger.warn({ err: error }, 'stopping the workers failed'));
        await resources
          .close()
          .catch((error: unknown) => logger.warn({ err: error }, 'closing the source failed'));
        await resources.removeStaging(run.runId);
        // A table that failed before its state write still holds its lock: released last.
        await stateStore.releaseLocks();
      }
    }
    const ordered = tables.flatMap((t) => summaries.filter((s) => s.table === t.id));
    const failed = ordered.filter((s) => s.status === 'failed').length;
    const rows = ordered.reduce((n, s) => n + s.rows, 0);
    return {
      status: tables.length === 0 ? 'nothing_to_do' : failed === 0 ? 'ok' : 'failed',
      run_id: run.runId,
      pipeline_name: this.#config.pipelineName,
      tables_processed: ordered.length - failed,
      tables_failed: failed,
      total_records: rows,
      total_duration_seconds: roundSeconds((performance.now() - started) / 1000),
      lake_root: run.lakeRoot,
      tables: ordered,
    };
  }

  /**
   * Plans the selected tables without running anything: connects, reads state and the source's
   * fingerprints, and lists the units a run would execute now, with their reasons. Writes nothing.
   *
   * @example
   * const plan = await pipeline.plan();
   * plan.tables.flatMap((t) => t.units.map((u) => u.id));
   */
  async plan(options: RunOptions = {}): Promise<PlanSummary> {
    const run: RunInfo = {
      runId: newRunId(this.#now()),
      lakeRoot: this.#config.state.parquetDirectory,
      now: this.#now(),
    };
    const logger = this.#logger.child({ run_id: run.runId, dry_run: true });
    return planTables(this.#config, this.selectTables(options), run, logger, {
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
  }

  /**
   * Checks the selected tables against the source's catalog, as the original tool's
   * `validate_all_tables`: each table exists, its column types are supported (or skipped per
   * `unsupported_types`), the columns its config names are there, and the login may SELECT from it.
   * With `destination: { type: mssql }`, also each warehouse table: it exists and matches the lake
   * (columns, key, partition function aligned with the source's) or can be created, and the login
   * holds ALTER on it. Writes nothing; an unreachable database is `status: 'failed'`, not thrown.
   *
   * @example
   * const validation = await pipeline.validateAllTables();
   * console.log(`Valid tables: ${validation.valid_tables}/${validation.total_tables}`);
   */
  async validateAllTables(options: RunOptions = {}): Promise<ValidationReport> {
    const tables = this.selectTables(options);
    const report = await validateTables(this.#config, tables, this.#logger, options.signal);
    // With `destination: { type: mssql }`, each warehouse table too (destination-validation.ts).
    return validateDestination(this.#config, tables, report, this.#logger);
  }

  /**
   * Whether the database is reachable and, per selected table, its recorded state (last run, its
   * age, rows), the state file's health and its rows in the lake. Reads only.
   *
   * @example
   * const status = await pipeline.getPipelineStatus();
   * console.log(`Database connected: ${status.database_connected}`);
   */
  getPipelineStatus(options: RunOptions = {}): Promise<PipelineStatus> {
    return pipelineStatus(this.#config, this.selectTables(options), this.#now);
  }

  #planTable(
    table: TableConfig,
    resources: RunResources,
    stateStore: StateStore,
    run: RunInfo,
    logger: Logger,
    signal: AbortSignal | undefined,
  ): Promise<TablePlan> {
    return planTable(this.#config, table, resources, stateStore, run, logger, signal);
  }

  async #runTable(
    plan: TablePlan,
    runner: UnitRunner,
    limiter: Semaphore,
    stateStore: StateStore,
    run: RunInfo,
    logger: Logger,
    options: RunOptions,
  ): Promise<TableSummary> {
    const { signal, onProgress } = options;
    const started = performance.now();
    const { table } = plan;
    const perTable = new Semaphore(plan.handler.parallelLimit(table, this.#config.processing));
    // The first failed unit stops the table's other units; the table waits until every one of them
    // has ended, so nothing is still writing to staging when the run removes it.
    const stopTable = new AbortController();
    const unitSignal = signal === undefined ? stopTable.signal : AbortSignal.any([signal, stopTable.signal]);
    try {
      const settled = await Promise.allSettled(
        plan.units.map((unit) =>
          perTable.use(() =>
            limiter.use(() => {
              unitSignal.throwIfAborted();
              return this.#runUnit(unit, runner, logger, unitSignal).then(
                (result) => {
                  onProgress?.({ type: 'unit', table: table.id, unit: unit.id, rows: result.rows });
                  return result;
                },
                (error: unknown) => {
                  stopTable.abort(error);
                  throw error;
                },
              );
            }),
          ),
        ),
      );
      // A signal wins over the errors it caused; otherwise the first unit's own error is reported.
      signal?.throwIfAborted();
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed !== undefined) {
        throw stopTable.signal.reason ?? failed.reason;
      }
      const results = settled.map((s) => (s as PromiseFulfilledResult<UnitResult>).value);
      // No publish starts once the run is stopped (SIGTERM): the lake keeps the previous run.
      signal?.throwIfAborted();
      // The lake is the system of record: the warehouse is loaded from what was just published,
      // still under the table's lock.
      return await commitTable(plan, results, stateStore, run, started, undefined, (committed) =>
        loadDestination(this.#config, plan, committed, run, logger),
      );
    } catch (error) {
      return this.#failed(table, error, started, logger);
    }
  }

  /** One unit, retried while its error is transient; staging is cleared before each try. */
  #runUnit(
    unit: WorkUnit,
    runner: UnitRunner,
    logger: Logger,
    signal: AbortSignal | undefined,
  ): Promise<UnitResult> {
    return runUnitWithRetry(this.#config, unit, runner, logger, signal);
  }

  #failed(table: TableConfig, error: unknown, started: number, logger: Logger): TableSummary {
    return failedTable(this.#config, table, error, started, logger);
  }
}

/** A counting semaphore: at most `limit` callers inside `use` at once. */
class Semaphore {
  #free: number;
  readonly #waiting: (() => void)[] = [];
  constructor(limit: number) {
    this.#free = Math.max(1, limit);
  }
  async use<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#free > 0) {
      this.#free--;
    } else {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      if (next === undefined) {
        this.#free++;
      } else {
        next();
      }
    }
  }
}
