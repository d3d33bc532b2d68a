import { tableCatalogQuery } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';

/**
 * The key columns of a table's unique indexes and unique constraints (a unique constraint is a
 * unique index in `sys.indexes`), one row per key column, in index then key order; names are bound
 * parameters. Left out: the primary key (`primaryKeyColumns` has it), filtered indexes (unique only
 * over the rows their WHERE keeps), disabled and hypothetical indexes (they enforce nothing), and
 * included columns (`key_ordinal` 0).
 */
export const UNIQUE_KEYS_QUERY = `SELECT i.index_id, c.name, ic.key_ordinal
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.is_unique = 1 AND i.is_primary_key = 0
  AND i.has_filter = 0 AND i.is_disabled = 0 AND i.is_hypothetical = 0
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.key_ordinal > 0
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE s.name = @schema AND t.name = @table
ORDER BY i.index_id, ic.key_ordinal;`;

/**
 * The columns of each unique index or unique constraint of the table that is not its primary key
 * and has no filter, each in key order, the indexes in `index_id` order; empty when there is none.
 * A unique index still admits one NULL per key column set: whoever uses one as a business key must
 * check for NULLs.
 *
 * @example
 * await uniqueKeyColumns(pool, 'dbo', 'Customers') // [['Email'], ['Region', 'CustomerNo']]
 */
export async function uniqueKeyColumns(
  pool: ConnectionPool,
  schemaName: string,
  tableName: string,
): Promise<string[][]> {
  const rows = await tableCatalogQuery(pool, UNIQUE_KEYS_QUERY, schemaName, tableName);
  const keys = new Map<number, string[]>();
  for (const row of rows) {
    const indexId = Number(row.index_id);
    const columns = keys.get(indexId) ?? [];
    columns.push(String(row.name));
    keys.set(indexId, columns);
  }
  return [...keys.values()];
}
