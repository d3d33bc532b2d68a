// The public API of @sync/load-mssql (see README.md).
export { type LakeColumn, LakeRows, parquetFiles } from './lake-rows.js';
export { describeSource, type SourceDescription } from './source-description.js';
export { dropLeftoverStaging, StagingNames, stagingPrefix } from './staging-tables.js';
export {
  bulkColumn,
  bulkValue,
  declarationOf,
  lakeReadExpression,
  quoteName,
  textTransfer,
  type WarehouseColumn,
  warehouseColumns,
} from './warehouse-columns.js';
export { type BulkColumn, WarehouseConnection } from './warehouse-connection.js';
export {
  loadWarehouseTable,
  type WarehouseLoadRequest,
  type WarehouseLoadResult,
  warehouseSpec,
} from './warehouse-load.js';
export {
  boundaryLiteral,
  checkWarehouseTable,
  createTableSql,
  createWarehouseTable,
  tableName,
  type WarehouseTableCheck,
  type WarehouseTableSpec,
  warehousePartitionNames,
} from './warehouse-table.js';
export { validateWarehouseTable, type WarehouseTableValidation } from './warehouse-validation.js';
