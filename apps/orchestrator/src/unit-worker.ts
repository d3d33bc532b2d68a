import type { UnitResult } from '@sync/handlers';
import { UnitExecutor, type UnitTask } from './unit-task.js';

// One executor per worker thread: one SQL Server connection and one DuckDB per writer, reused.
const executor = new UnitExecutor();

/** piscina entry point (called by name; see `ThreadUnitRunner` in unit-pool.ts). */
export function runUnit(task: UnitTask): Promise<UnitResult> {
  return executor.run(task);
}
