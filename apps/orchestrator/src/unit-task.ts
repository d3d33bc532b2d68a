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
  openRun,
  type RunResources,
  type UnitResult,
  type WorkUnit,
} from '@sync/handlers';

/** Everything a unit needs, as plain data: it crosses into a worker thread by structured clone. */
export interface UnitTask {
  readonly config: PipelineConfig;
  readonly unit: WorkUnit;
}

/**
 * Runs units with one set of run resources (one source connection) per executor (the main thread
 * or one worker), opened on first use and reused for later units.
 */
export class UnitExecutor {
  #resources: Promise<RunResources> | undefined;
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
      this.#logger ??= createLogger({
        level: config.logLevel,
        name: 'sqlsync-worker',
        ...(config.logFile === undefined ? {} : { file: config.logFile }),
      });
      if (table.kind !== unit.kind) {
        throw new SqlSyncError(
          'INTERNAL',
          `unit ${unit.id}: a ${unit.kind} unit for ${table.kind} table ${unit.tableId}`,
        );
      }
      this.#resources ??= openRun(config);
      let resources: RunResources;
      try {
        resources = await this.#resources;
      } catch (error) {
        this.#resources = undefined; // a failed connect is retried with a fresh one
        throw error;
      }
      return await handlerFor(table).run(table, unit, resources.context(this.#logger, signal));
    } catch (error) {
      const failure = toSqlSyncError(error, 'INTERNAL', { table: unit.tableId, unit: unit.id });
      if (failure.code === 'SOURCE_CONNECTION' || failure.retryable) {
        // The connection may be broken; the next unit opens a fresh one.
        const broken = this.#resources;
        this.#resources = undefined;
        void broken?.then((r) => r.close()).catch(() => undefined);
      }
      return emptyUnitResult(unit, { durationMs: performance.now() - started, error: failure.toJSON() });
    }
  }

  async close(): Promise<void> {
    const resources = this.#resources;
    this.#resources = undefined;
    await resources?.then((r) => r.close()).catch(() => undefined);
  }
}
