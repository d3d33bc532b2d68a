export { aggregateStatement, type SourceAggregates, sourceAggregates } from './aggregates.js';
export {
  type BatchStream,
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
export { bindParameters, type QueryParam, type RowPredicate } from './predicate.js';
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
