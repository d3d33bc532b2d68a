import {
  createLogger,
  type Logger,
  listTables,
  type PipelineConfig,
  SqlSyncError,
  toSqlSyncError,
} from '@sync/core';
import {
  emptyUnitResult,
  handlerFor,
  openSource,
  type SourceConnection,
  type UnitResult,
  type WorkUnit,
} from '@sync/handlers';

/** Everything a unit needs, as plain data: it crosses into a worker thread by structured clone. */
export interface UnitTask {
  readonly config: PipelineConfig;
  readonly unit: WorkUnit;
}

/**
 * Runs units with one source connection per executor (the main thread or one worker), opened on
 * first use and reused for later units.
 */
export class UnitExecutor {
  #source: Promise<SourceConnection> | undefined;
  #logger: Logger | undefined;

  constructor(logger?: Logger) {
    this.#logger = logger;
  }

  /**
   * Runs one unit. Never throws: an error is returned as a serialised record in `error`, so it
   * keeps its code and retryability across threads.
   */
  async run(task: UnitTask, signal?: AbortSignal): Promise<UnitResult> {
    const started = performance.now();
    const { config, unit } = task;
    try {
      const table = listTables(config).find((t) => t.id === unit.tableId);
      if (table === undefined) {
        throw new SqlSyncError('INTERNAL', `unit ${unit.id}: table ${unit.tableId} is not in the config`);
      }
      this.#logger ??= createLogger({ level: config.logLevel, name: 'sqlsync-worker' });
      this.#source ??= openSource(config.database);
      let source: SourceConnection;
      try {
        source = await this.#source;
      } catch (error) {
        this.#source = undefined; // a failed connect is retried with a fresh one
        throw error;
      }
      return await handlerFor(table).run(table, unit, {
        config,
        source,
        logger: this.#logger,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (error) {
      const failure = toSqlSyncError(error, 'INTERNAL', { table: unit.tableId, unit: unit.id });
      if (failure.code === 'SOURCE_CONNECTION' || failure.retryable) {
        // The connection may be broken; the next unit opens a fresh one.
        const broken = this.#source;
        this.#source = undefined;
        void broken?.then((s) => s.close()).catch(() => undefined);
      }
      return emptyUnitResult(unit, { durationMs: performance.now() - started, error: failure.toJSON() });
    }
  }

  async close(): Promise<void> {
    const source = this.#source;
    this.#source = undefined;
    await source?.then((s) => s.close()).catch(() => undefined);
  }
}
