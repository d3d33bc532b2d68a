export { extractToStaging, SQLSYNC_VERSION, validateStaged } from './extract-unit.js';
export { handlerFor } from './handler-for.js';
export { fingerprintChanges, fingerprintOf, type PartitionFingerprint } from './partition-fingerprint.js';
export { directoryKey, directoryValue, partitionUnitId } from './partition-layout.js';
export {
  type PartitionPlanInput,
  type PartitionRecord,
  type PlannedPartition,
  planPartitions,
} from './partition-plan.js';
export {
  type PartitionSnapshot,
  type PartitionTableState,
  partitionTableHandler,
} from './partition-table-handler.js';
export { openSource, recoverLake, type SourceConnection } from './run-resources.js';
export { lakeTableDir, type StaticTableState, staticTableHandler } from './static-table-handler.js';
export type { RunInfo, TableHandler } from './table-handler.js';
export type { UnitContext } from './unit-context.js';
export {
  emptyUnitResult,
  type TableKind,
  type UnitPartition,
  type UnitResult,
  type UnitValidation,
  type WorkUnit,
} from './work-unit.js';
