import { tableCatalogQuery } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';

/** The key columns of a table's primary key, in key order; names are bound parameters. */
export const PRIMARY_KEY_QUERY = `SELECT c.name, ic.key_ordinal
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.is_primary_key = 1
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE s.name = @schema AND t.name = @table
ORDER BY ic.key_ordinal;`;

/**
 * The columns of a table's primary key in key order (`sys.indexes.is_primary_key` and
 * `sys.index_columns.key_ordinal`), or an empty list when the table has none.
 *
 * @example
 * await primaryKeyColumns(pool, 'sales', 'OrderLines') // ['OrderId', 'LineNo']
 */
export async function primaryKeyColumns(
  pool: ConnectionPool,
  schemaName: string,
  tableName: string,
): Promise<string[]> {
  const rows = await tableCatalogQuery(pool, PRIMARY_KEY_QUERY, schemaName, tableName);
  return rows.map((row) => String(row.name));
}
