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
  openRun,
  type RunResources,
  runUnitConsistently,
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
      const opening = this.#resources;
      let resources: RunResources;
      try {
        resources = await untilAborted(opening, signal);
      } catch (error) {
        if (this.#resources === opening && !signal?.aborted) {
          this.#resources = undefined; // a failed connect is retried with a fresh one
        }
        throw error;
      }
      // Snapshot reads where the source allows them, else READ COMMITTED with bounded re-reads.
      return await runUnitConsistently(table, unit, resources.context(this.#logger, signal));
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

/**
 * `promise`, or the signal's reason as soon as it aborts. A connect cannot be cancelled (a frozen
 * server holds it for `database.connection_timeout`), but the unit must stop at once: the connect
 * goes on and is reused by the executor's next unit, or closed with it.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) {
    return promise;
  }
  if (signal.aborted) {
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Keeps a fault of the SQL Server driver that escapes the driver from ending the thread. tedious
 * raises a few socket failures from its own timers and promise chains, out of any caller's reach
 * (an attention answered on a dying socket; "No event 'socketError' in state 'Final'" when a
 * socket fails under a connection already closed, thrown if that connection has no listener). The
 * request such a fault hits ends by itself — its connection's `end`, or the read's idle timeout —
 * so the fault is reported through `report` and the thread goes on. Anything else still ends the
 * process (or the worker thread) as Node would: its stack on stderr, exit code 1. Install it once
 * per thread; it returns its uninstaller.
 *
 * @example
 * const uninstall = guardDriverFaults((error) => logger.warn({ err: error }, 'source driver fault'));
 */
export function guardDriverFaults(report: (error: Error) => void): () => void {
  const onFault = (error: unknown): void => {
    if (error instanceof Error && isDriverFault(error)) {
      report(error);
      return;
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', onFault);
  process.on('unhandledRejection', onFault);
  return () => {
    process.off('uncaughtException', onFault);
    process.off('unhandledRejection', onFault);
  };
}

/**
 * The JSON log line (newline included) of a driver fault kept from ending a thread, in the shape of
 * sqlsync's log, for the threads whose logger is not at hand where the fault is caught.
 *
 * @example
 * guardDriverFaults((error) => process.stderr.write(driverFaultLogLine(error, 'sqlsync')));
 */
export function driverFaultLogLine(error: Error, name: string): string {
  const record = {
    level: 'warn',
    time: new Date().toISOString(),
    name,
    msg: 'source driver fault outside any request; the request it hit fails by itself',
    err: { type: error.name, message: error.message },
  };
  return `${JSON.stringify(record)}\n`;
}

/** Raised inside the driver's own code (its stack starts there), or its state machine's complaint. */
function isDriverFault(error: Error): boolean {
  const top = error.stack?.split('\n').find((line) => line.trimStart().startsWith('at '));
  return (
    /^No event '\w+' in state '\w+'$/.test(error.message) ||
    (top !== undefined && /[\\/]node_modules[\\/]tedious[\\/]/.test(top))
  );
}
