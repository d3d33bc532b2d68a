export { runUnitConsistently } from './consistent-read.js';
export { handlerFor } from './handler-for.js';
export type { PartitionFingerprint } from './partition-fingerprint.js';
export { type OpenRunOptions, openRun, type RunResources } from './run-resources.js';
export { type RepairScdOptions, repairScdIntegrity, type ScdRepairReport } from './scd-repair.js';
export { watermarkFits } from './scd-state-rebuild.js';
export { SQLSYNC_VERSION } from './sqlsync-version.js';
export type { StateRebuild } from './state-rebuild.js';
export { checkTable, type TableCheck } from './table-check.js';
export type { RunInfo, TableHandler } from './table-handler.js';
export type { TableConfigOf, TableKind } from './table-kind.js';
export { stateKeeperFor, type TableStateKeeper } from './table-state.js';
export { lakeRows, type RecordedState, recordedState } from './table-status.js';
export type { UnitContext } from './unit-context.js';
export {
  emptyUnitResult,
  type PartitionRemove,
  type PartitionReplace,
  type PartitionUnit,
  type ReadMode,
  type ScdOutcome,
  type ScdUnit,
  type StaticUnit,
  type UnitPartition,
  type UnitRead,
  type UnitResult,
  type UnitScd,
  type UnitValidation,
  type UpsertOutcome,
  type WorkUnit,
  type WorkUnitOf,
} from './work-unit.js';
