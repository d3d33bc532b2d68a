export type { SourceAggregates } from './aggregates.js';
export { type BatchStream, type ReadOptions, type ReadStats, selectStatement } from './batch-stream.js';
export type { DescribeOptions, TableReadPlan } from './catalog.js';
export { type MssqlConnectionOptions, tediousConfig } from './connection-options.js';
export { classifyDriverError } from './driver-error.js';
export { keyHashReadPlan, keyRowHashExpression, ROW_HASH_COLUMN } from './key-hash-read.js';
export { keyBindingProblem, keyPredicates, MAX_KEY_PARAMETERS } from './key-predicate.js';
export { boundaryLabel, legacyBoundaryMatches, type PartitionParameterType } from './partition-boundary.js';
export type { SourcePartition, SourcePartitionsOptions } from './partition-catalog.js';
export {
  describePartitionSpec,
  type PartitionGranularity,
  type PartitioningRequest,
  type PartitionSpec,
  partitionPredicate,
  partitionSpecFor,
  type SourcePartitionScheme,
} from './partitioning.js';
export { andPredicates, type QueryParam, type QueryParamType, type RowPredicate } from './predicate.js';
export { projectedReadPlan } from './projected-read-plan.js';
export {
  type RowHashAlgorithm,
  rowHashBytes,
  rowHashExpression,
  rowHashFoldExpression,
  rowSerialisationExpression,
} from './row-hash.js';
export type { SnapshotIsolation } from './snapshot-transaction.js';
export { SourceConnection } from './source-connection.js';
export type { TableHashAlgorithm } from './table-hash.js';
export type { ColumnOptions, MappedColumn, UnsupportedTypePolicy } from './type-mapping.js';
export {
  type LastModifiedType,
  lastModifiedProblem,
  lastModifiedType,
  type SourceWatermark,
  watermarkLowerBound,
  watermarkPredicate,
} from './watermark.js';
