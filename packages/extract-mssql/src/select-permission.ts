import { tableCatalogQuery } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';

/**
 * Whether the login may SELECT from a table. The name is built server-side from the bound
 * `@schema` and `@table` with QUOTENAME, so no identifier is ever concatenated into the text.
 */
export const SELECT_PERMISSION_QUERY = `SELECT HAS_PERMS_BY_NAME(QUOTENAME(@schema) + N'.' + QUOTENAME(@table), N'OBJECT', N'SELECT') AS can_select;`;

/**
 * Asks SQL Server whether the connected login may SELECT from `schema.table`: `true` or `false`,
 * or `undefined` when the server cannot find the table (HAS_PERMS_BY_NAME answers NULL).
 *
 * @example
 * await selectPermission(pool, 'sales', 'Orders') // true
 */
export async function selectPermission(
  pool: ConnectionPool,
  schemaName: string,
  tableName: string,
): Promise<boolean | undefined> {
  const rows = await tableCatalogQuery(pool, SELECT_PERMISSION_QUERY, schemaName, tableName);
  const value = rows[0]?.can_select;
  return value === null || value === undefined ? undefined : Number(value) === 1;
}
