import { MessageChannel } from 'node:worker_threads';
import { SqlSyncError, toSqlSyncError } from '@sync/core';
import { emptyUnitResult, type UnitResult } from '@sync/handlers';
import { Piscina } from 'piscina';
import { UnitExecutor, type UnitTask } from './unit-task.js';
import type { WorkerUnitTask } from './unit-worker.js';

/** Where units run. */
export interface UnitRunner {
  run(task: UnitTask, signal?: AbortSignal): Promise<UnitResult>;
  close(): Promise<void>;
}

/** Runs units in the calling thread, one connection reused (for a single worker). */
export class InlineUnitRunner implements UnitRunner {
  readonly #executor: UnitExecutor;
  constructor(executor = new UnitExecutor()) {
    this.#executor = executor;
  }
  run(task: UnitTask, signal?: AbortSignal): Promise<UnitResult> {
    return this.#executor.run(task, signal);
  }
  close(): Promise<void> {
    return this.#executor.close();
  }
}

/**
 * Runs units on a piscina pool of `maxWorkers` threads, each with its own SQL Server connection and
 * DuckDB. A worker that crashes fails only the unit it was running.
 *
 * An abort reaches the unit inside its thread (a message on a port handed over with the task): the
 * unit stops through its own signal, cancelling its read and closing its DuckDB writer, and `run`
 * resolves with its result once it has. piscina's own `signal` is not used: it terminates the
 * thread at once, under a DuckDB query, which aborted the process (`Napi::Error`) or left a DuckDB
 * thread waiting forever while Node shut down.
 */
export class ThreadUnitRunner implements UnitRunner {
  readonly #pool: Piscina;
  constructor(maxWorkers: number) {
    this.#pool = new Piscina({
      filename: new URL('./unit-worker.js', import.meta.url).href,
      minThreads: 1,
      maxThreads: maxWorkers,
      idleTimeout: 5_000,
      // A small young generation makes each worker collect its short-lived row garbage early:
      // with the default, two workers peaked ~90 MB higher (bench, 1M and 5M rows).
      resourceLimits: { maxYoungGenerationSizeMb: 8 },
    });
  }
  async run(task: UnitTask, signal?: AbortSignal): Promise<UnitResult> {
    const { port1, port2 } = new MessageChannel();
    const onAbort = (): void => {
      const reason = toSqlSyncError(signal?.reason, 'INTERRUPTED', {
        table: task.unit.tableId,
        unit: task.unit.id,
      });
      port1.postMessage(reason.toJSON());
    };
    if (signal?.aborted === true) {
      onAbort();
    } else {
      signal?.addEventListener('abort', onAbort, { once: true });
    }
    const input: WorkerUnitTask = { task, abort: port2 };
    try {
      return (await this.#pool.run(input, { name: 'runUnit', transferList: [port2] })) as UnitResult;
    } catch (error) {
      const crash = new SqlSyncError(
        'WORKER_CRASHED',
        `unit ${task.unit.id}: worker thread failed: ${(error as Error).message}`,
        // Not retried: a worker that cannot load its module fails the same way every time, and
        // piscina can stall when a replacement worker fails again.
        { context: { table: task.unit.tableId, unit: task.unit.id }, retryable: false, cause: error },
      );
      return emptyUnitResult(task.unit, { error: crash.toJSON() });
    } finally {
      signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
  }
  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}

/**
 * Runs one unit at a time in the calling thread and the others on a pool of `maxWorkers - 1`
 * threads. The calling thread only waits while units run, and each worker thread costs a V8 heap
 * and its own copy of the whole stack (~45 MB before any row), so it takes a unit's share itself.
 */
export class MixedUnitRunner implements UnitRunner {
  readonly #inline = new InlineUnitRunner();
  readonly #threads: ThreadUnitRunner;
  #inlineBusy = false;

  constructor(maxWorkers: number) {
    this.#threads = new ThreadUnitRunner(Math.max(1, maxWorkers - 1));
  }

  async run(task: UnitTask, signal?: AbortSignal): Promise<UnitResult> {
    if (this.#inlineBusy) {
      return this.#threads.run(task, signal);
    }
    this.#inlineBusy = true;
    try {
      return await this.#inline.run(task, signal);
    } finally {
      this.#inlineBusy = false;
    }
  }

  async close(): Promise<void> {
    await Promise.all([this.#inline.close(), this.#threads.close()]);
  }
}
