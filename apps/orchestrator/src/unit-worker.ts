import { type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { type SerializedError, SqlSyncError } from '@sync/core';
import type { UnitResult } from '@sync/handlers';
import { driverFaultLogLine, guardDriverFaults, UnitExecutor, type UnitTask } from './unit-task.js';

// One executor per worker thread: one SQL Server connection and one DuckDB per writer, reused.
const executor = new UnitExecutor();
// A driver fault escaping tedious would otherwise end this thread under a running DuckDB writer.
guardDriverFaults((error) => process.stderr.write(driverFaultLogLine(error, 'sqlsync-worker')));

/** What the main thread hands a worker for one unit (see `ThreadUnitRunner` in unit-pool.ts). */
export interface WorkerUnitTask {
  readonly task: UnitTask;
  /**
   * Where the main thread posts the reason (a serialised `SqlSyncError`) when the unit must stop.
   * The unit is aborted through its own signal, so its read is cancelled and its DuckDB writer
   * closed in order; piscina's own abort would terminate the thread under a running DuckDB query.
   */
  readonly abort: MessagePort;
}

/**
 * piscina entry point (called by name; see `ThreadUnitRunner` in unit-pool.ts).
 *
 * @example
 * const { port1, port2 } = new MessageChannel();
 * await pool.run({ task, abort: port2 }, { name: 'runUnit', transferList: [port2] });
 */
export async function runUnit(input: WorkerUnitTask): Promise<UnitResult> {
  const controller = new AbortController();
  const stop = (reason: SerializedError): void => controller.abort(SqlSyncError.fromJSON(reason));
  // An abort posted while the task waited in piscina's queue is taken before the unit starts.
  const early = receiveMessageOnPort(input.abort);
  if (early !== undefined) {
    stop(early.message as SerializedError);
  }
  input.abort.once('message', stop);
  try {
    return await executor.run(input.task, controller.signal);
  } finally {
    input.abort.close();
  }
}
