import type { StateCodec } from '@sync/core';
import { checkPartitionState, partitionStateCodec, rebuildPartitionState } from './partition-state.js';
import type { PartitionSnapshot, PartitionTableState } from './partition-table-handler.js';
import type { ScdSnapshot, ScdTableState } from './scd-plan.js';
import { checkScdState, rebuildScdState, scdStateCodec } from './scd-state-rebuild.js';
import type { StateRebuild } from './state-rebuild.js';
import { checkStaticState, rebuildStaticState, staticStateCodec } from './static-state.js';
import type { StaticSnapshot, StaticTableState } from './static-table-handler.js';
import type { RunInfo } from './table-handler.js';
import type { TableConfigOf, TableKind } from './table-kind.js';

/**
 * How one table kind keeps its state healthy: the schema it is checked with on read, a rebuild
 * from the lake, and a check against the lake. Beside the kind's `TableHandler` (which plans and
 * commits with that state), so a kind's state can be repaired without touching its handler.
 *
 * @example
 * const keeper = stateKeeperFor(table);
 * const state = await store.read(table.id, keeper.codec);
 * const problems = state === undefined ? [] : await keeper.check(table, state, run);
 */
export interface TableStateKeeper<K extends TableKind = TableKind, Snapshot = unknown, State = unknown> {
  /** The kind's state schema, version and migrations: a state file is checked with it on read. */
  readonly codec: StateCodec<State>;
  /**
   * Rebuilds the state from the Parquet key-value metadata of the table's lake files (and the
   * snapshot), for a state file that is missing, unreadable or inconsistent. Conservative: where
   * the lake cannot vouch, the result makes the next plan re-read, never skip; the merges are
   * idempotent, so a re-read never duplicates.
   */
  rebuild(table: TableConfigOf<K>, snapshot: Snapshot, run: RunInfo): Promise<StateRebuild<State>>;
  /** What in `state` disagrees with the lake, in words; empty when they agree. */
  check(table: TableConfigOf<K>, state: State, run: RunInfo): Promise<string[]>;
}

const keepers: { readonly [K in TableKind]: TableStateKeeper<K> } = {
  partition: {
    codec: partitionStateCodec,
    rebuild: (table, snapshot, run) => rebuildPartitionState(table, snapshot as PartitionSnapshot, run),
    check: (table, state, run) => checkPartitionState(table, state as PartitionTableState, run),
  } satisfies TableStateKeeper<
    'partition',
    PartitionSnapshot,
    PartitionTableState
  > as TableStateKeeper<'partition'>,
  scd: {
    codec: scdStateCodec,
    rebuild: (table, snapshot, run) => rebuildScdState(table, snapshot as ScdSnapshot, run),
    check: (table, state, run) => checkScdState(table, state as ScdTableState, run),
  } satisfies TableStateKeeper<'scd', ScdSnapshot, ScdTableState> as TableStateKeeper<'scd'>,
  static: {
    codec: staticStateCodec,
    rebuild: (table, _snapshot, run) => rebuildStaticState(table, run),
    check: (table, state, run) => checkStaticState(table, state as StaticTableState, run),
  } satisfies TableStateKeeper<'static', StaticSnapshot, StaticTableState> as TableStateKeeper<'static'>,
};

/**
 * The state keeper of a table's kind (as `handlerFor` gives its handler).
 *
 * @example
 * const state = await store.read(table.id, stateKeeperFor(table).codec);
 */
export function stateKeeperFor<K extends TableKind>(table: { readonly kind: K }): TableStateKeeper<K> {
  return keepers[table.kind];
}
