export { extractToStaging, SQLSYNC_VERSION, validateStaged } from './extract-unit.js';
export { handlerFor } from './handler-for.js';
export { openSource, recoverLake, type SourceConnection } from './run-resources.js';
export { lakeTableDir, type StaticTableState, staticTableHandler } from './static-table-handler.js';
export type { RunInfo, TableHandler } from './table-handler.js';
export type { UnitContext } from './unit-context.js';
export type { TableKind, UnitResult, UnitValidation, WorkUnit } from './work-unit.js';
