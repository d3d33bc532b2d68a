import { SqlSyncError, type TableConfig } from '@sync/core';
import { partitionTableHandler } from './partition-table-handler.js';
import { staticTableHandler } from './static-table-handler.js';
import type { TableHandler } from './table-handler.js';

/**
 * The handler of a table's kind.
 *
 * @example
 * const units = handlerFor(table).plan(table, snapshot, state, run);
 */
export function handlerFor(table: TableConfig): TableHandler {
  switch (table.kind) {
    case 'static':
      return staticTableHandler as unknown as TableHandler;
    case 'partition':
      return partitionTableHandler as unknown as TableHandler;
    case 'scd':
      throw new SqlSyncError(
        'USAGE',
        `${table.id}: ${table.kind} tables are not implemented in this version of sqlsync yet; only static_tables and partition_tables run`,
        { context: { table: table.id } },
      );
  }
}
