import type { ProcessingConfig } from '@sync/core';
import type { TableConfigOf, TableKind } from './table-kind.js';
import type { UnitContext } from './unit-context.js';
import type { UnitResult, WorkUnitOf } from './work-unit.js';

/** Facts about one run that handlers need to plan and commit. */
export interface RunInfo {
  readonly runId: string;
  /** The lake root (`state.parquet_directory`). */
  readonly lakeRoot: string;
  readonly now: Date;
}

/**
 * What every table kind implements; one handler per kind, in the record of `handler-for.ts`. The
 * steps mirror the pipeline: `snapshot` is the only step that reads the source before units run;
 * `plan` is pure (config, snapshot, state → units) so it can be tested and listed
 * (`sqlsync plan`) without a database; `run` executes one unit anywhere and writes only to
 * staging; `commit` publishes staged data and returns the state to record. The rest answers what
 * the orchestrator needs to know of a kind without asking which kind it is.
 *
 * `TableHandler` without a kind is the handler of any table, as the orchestrator sees it.
 *
 * @example
 * const handler = handlerFor(table);
 * const snapshot = await handler.snapshot(table, ctx);
 * const units = handler.plan(table, snapshot, previousState, run);
 */
export interface TableHandler<K extends TableKind = TableKind, Snapshot = unknown, State = unknown> {
  readonly kind: K;
  snapshot(table: TableConfigOf<K>, ctx: UnitContext): Promise<Snapshot>;
  plan(table: TableConfigOf<K>, snapshot: Snapshot, state: State | undefined, run: RunInfo): WorkUnitOf<K>[];
  run(table: TableConfigOf<K>, unit: WorkUnitOf<K>, ctx: UnitContext): Promise<UnitResult>;
  commit(
    table: TableConfigOf<K>,
    units: readonly WorkUnitOf<K>[],
    results: readonly UnitResult[],
    snapshot: Snapshot,
    state: State | undefined,
    run: RunInfo,
  ): Promise<State>;
  /** One line saying what `snapshot` found (e.g. which partitioning), for logs and the run summary. */
  describe?(snapshot: Snapshot): string;
  /** How many units of the table may run at once (all tables together are bounded by `max_workers`). */
  parallelLimit(table: TableConfigOf<K>, processing: ProcessingConfig): number;
  /** The table's published directory in the lake (the run summary's `lake_path`). */
  lakeDir(table: TableConfigOf<K>, lakeRoot: string): string;
  /** Where a unit's staged files are once the unit is published (the run summary's `files`). */
  publishedFiles(unit: WorkUnitOf<K>, stagedFiles: readonly string[]): string[];
}
