import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  type Logger,
  listTables,
  type PipelineConfig,
  SqlSyncError,
  StateStore,
  type StaticTableConfig,
  type TableConfig,
  toSqlSyncError,
  withRetry,
} from '@sync/core';
import {
  lakeTableDir,
  openSource,
  recoverLake,
  staticTableHandler,
  type TableKind,
  type UnitContext,
  type UnitResult,
} from '@sync/handlers';
import { newRunId } from './run-id.js';
import type { RunSummary, TableSummary } from './run-summary.js';

/** Which tables a run covers; both filters together narrow further. Defaults to all. */
export interface RunOptions {
  /** `schema.table` ids (case-insensitive) to run. */
  readonly tableNames?: readonly string[];
  /** Table kinds to run. */
  readonly tableTypes?: readonly TableKind[];
  readonly signal?: AbortSignal;
}

/** Collaborators passed in, so tests and embedders choose them. */
export interface PipelineDeps {
  readonly logger: Logger;
  /** Defaults to `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Runs the configured tables: plan → extract to staging → validate → publish → state, per table.
 * A table's failure is reported in the summary and does not stop the others.
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

  /** The tables a run with these options covers, in config order. */
  selectTables(options: RunOptions = {}): TableConfig[] {
    const names = options.tableNames?.map((n) => n.toLowerCase());
    const selected = listTables(this.#config).filter(
      (t) =>
        (names === undefined || names.includes(t.id.toLowerCase())) &&
        (options.tableTypes === undefined || options.tableTypes.includes(t.kind)),
    );
    for (const name of names ?? []) {
      if (!listTables(this.#config).some((t) => t.id.toLowerCase() === name)) {
        throw new SqlSyncError('USAGE', `--table ${name}: no such table in the config`);
      }
    }
    return selected;
  }

  async run(options: RunOptions = {}): Promise<RunSummary> {
    const started = performance.now();
    const runId = newRunId(this.#now());
    const lakeRoot = this.#config.state.parquetDirectory;
    const tables = this.selectTables(options);
    const logger = this.#logger.child({ run_id: runId });
    const base = {
      run_id: runId,
      pipeline_name: this.#config.pipelineName,
      lake_root: lakeRoot,
    };
    if (tables.length === 0) {
      return {
        ...base,
        status: 'nothing_to_do',
        tables_processed: 0,
        tables_failed: 0,
        total_records: 0,
        total_duration_seconds: 0,
        tables: [],
      };
    }
    // A crash in an earlier run may have left a publish half done: finish or roll it back first.
    await recoverLake(lakeRoot);
    const source = await withRetry(() => openSource(this.#config.database), {
      attempts: this.#config.processing.retryAttempts + 1,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onRetry: (error, attempt, delayMs) =>
        logger.warn({ err: error, attempt, delayMs }, 'connect failed; retrying'),
    });
    const state = new StateStore(this.#config.state.stateDirectory, {
      backupBeforeWrite: this.#config.state.backupStateBeforeRun,
    });
    const ctx: UnitContext = {
      config: this.#config,
      source,
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    };
    const summaries: TableSummary[] = [];
    try {
      for (const table of tables) {
        summaries.push(await this.#runTable(table, runId, ctx, state));
      }
    } finally {
      await source.close();
      await rm(join(lakeRoot, '_sqlsync', 'staging', runId), { recursive: true, force: true }).catch(
        () => undefined,
      );
    }
    const failed = summaries.filter((s) => s.status === 'failed').length;
    return {
      ...base,
      status: failed === 0 ? 'ok' : 'failed',
      tables_processed: summaries.length - failed,
      tables_failed: failed,
      total_records: summaries.reduce((n, s) => n + s.rows, 0),
      total_duration_seconds: round((performance.now() - started) / 1000),
      tables: summaries,
    };
  }

  async #runTable(
    table: TableConfig,
    runId: string,
    ctx: UnitContext,
    state: StateStore,
  ): Promise<TableSummary> {
    const started = performance.now();
    const lakePath = lakeTableDir(this.#config.state.parquetDirectory, table);
    const empty = {
      table: table.id,
      kind: table.kind,
      lake_path: lakePath,
      rows: 0,
      bytes: 0,
      files: [],
      units: [],
      dropped_sub_microsecond_values: 0,
    };
    try {
      if (table.kind !== 'static') {
        throw new SqlSyncError(
          'USAGE',
          `${table.id}: ${table.kind} tables are not implemented in this version of sqlsync yet; only static_tables run`,
          { context: { table: table.id } },
        );
      }
      const results = await this.#runStatic(table, runId, ctx, state);
      return {
        ...empty,
        status: 'ok',
        rows: results.reduce((n, r) => n + r.rows, 0),
        bytes: results.reduce((n, r) => n + r.bytes, 0),
        files: results.flatMap((r) => r.files.map((f) => join(lakePath, f.slice(f.lastIndexOf('/') + 1)))),
        units: results.map((r) => ({ id: r.unitId, reason: 'full reload', rows: r.rows })),
        dropped_sub_microsecond_values: results.reduce((n, r) => n + r.droppedSubMicrosecondValues, 0),
        duration_seconds: round((performance.now() - started) / 1000),
      };
    } catch (error) {
      const failure = toSqlSyncError(error, 'INTERNAL', { table: table.id });
      ctx.logger.error({ err: failure, table: table.id }, 'table failed');
      return {
        ...empty,
        status: 'failed',
        duration_seconds: round((performance.now() - started) / 1000),
        error: failure.toJSON(),
      };
    }
  }

  async #runStatic(
    table: StaticTableConfig,
    runId: string,
    ctx: UnitContext,
    state: StateStore,
  ): Promise<UnitResult[]> {
    const run = { runId, lakeRoot: this.#config.state.parquetDirectory };
    const results: UnitResult[] = [];
    for (const unit of staticTableHandler.plan(table, run)) {
      const result = await withRetry(
        async () => {
          await rm(unit.stagingDir, { recursive: true, force: true });
          return staticTableHandler.run(table, unit, ctx);
        },
        {
          attempts: this.#config.processing.retryAttempts + 1,
          ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
          onRetry: (error, attempt, delayMs) =>
            ctx.logger.warn({ err: error, unit: unit.id, attempt, delayMs }, 'unit failed; retrying'),
        },
      );
      const tableState = await staticTableHandler.commit(table, unit, result, { ...run, now: this.#now() });
      await state.write(table.id, tableState);
      results.push(result);
    }
    return results;
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
