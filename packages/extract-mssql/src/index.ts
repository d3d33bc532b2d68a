export { aggregateStatement, type SourceAggregates, sourceAggregates } from './aggregates.js';
export {
  type BatchStream,
  DEFAULT_BATCH_BYTES,
  type ReadOptions,
  type ReadStats,
  readBatches,
  selectStatement,
} from './batch-stream.js';
export { COLUMNS_QUERY, type DescribeOptions, describeTable, type TableReadPlan } from './catalog.js';
export {
  classifyDriverError,
  type MssqlConnectionOptions,
  openPool,
} from './connection.js';
export {
  PARTITION_BOUNDARIES_QUERY,
  PARTITION_ROWS_QUERY,
  PARTITION_SCHEME_QUERY,
  partitionFingerprintStatement,
  type SourcePartition,
  type SourcePartitionsOptions,
  sourcePartitionScheme,
  sourcePartitions,
} from './partition-catalog.js';
export {
  describePartitionSpec,
  nextBucketStart,
  type PartitionGranularity,
  type PartitioningRequest,
  type PartitionSpec,
  partitionKeyExpressions,
  partitionPredicate,
  partitionSpecFor,
  type SourcePartitionScheme,
} from './partitioning.js';
export {
  andPredicates,
  bindParameters,
  type QueryParam,
  type QueryParamType,
  type RowPredicate,
} from './predicate.js';
export { SourceConnection } from './source-connection.js';
export { qualifiedName, quoteIdentifier } from './tsql.js';
export {
  type CatalogColumn,
  type ColumnOptions,
  MAX_DOUBLE_EXACT_PRECISION,
  type MappedColumn,
  mapColumn,
  type UnsupportedTypePolicy,
  type ValueDecoder,
} from './type-mapping.js';
