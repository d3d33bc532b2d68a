import type { TableConfig } from '@sync/core';
import type { UnitContext } from './unit-context.js';
import type { UnitResult, WorkUnit } from './work-unit.js';

/** Facts about one run that handlers need to plan and commit. */
export interface RunInfo {
  readonly runId: string;
  /** The lake root (`state.parquet_directory`). */
  readonly lakeRoot: string;
  readonly now: Date;
}

/**
 * What every table kind implements. The steps mirror the pipeline: `snapshot` is the only step
 * that reads the source before units run; `plan` is pure (config, snapshot, state → units) so it
 * can be tested and listed (`sqlsync plan`) without a database; `run` executes one unit anywhere
 * and writes only to staging; `commit` publishes staged data and returns the state to record.
 *
 * @example
 * const handler = handlerFor(table);
 * const snapshot = await handler.snapshot(table, ctx);
 * const units = handler.plan(table, snapshot, previousState, run);
 */
export interface TableHandler<T extends TableConfig = TableConfig, Snapshot = unknown, State = unknown> {
  snapshot(table: T, ctx: UnitContext): Promise<Snapshot>;
  plan(table: T, snapshot: Snapshot, state: State | undefined, run: RunInfo): WorkUnit[];
  run(table: T, unit: WorkUnit, ctx: UnitContext): Promise<UnitResult>;
  commit(
    table: T,
    units: readonly WorkUnit[],
    results: readonly UnitResult[],
    snapshot: Snapshot,
    state: State | undefined,
    run: RunInfo,
  ): Promise<State>;
  /** One line saying what `snapshot` found (e.g. which partitioning), for logs and the run summary. */
  describe?(snapshot: Snapshot): string;
}
