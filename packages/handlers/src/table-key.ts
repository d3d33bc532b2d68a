import { SqlSyncError } from '@sync/core';
import type { UnitContext } from './unit-context.js';

/** The table facts its key is found from. */
export interface KeyedTable {
  readonly id: string;
  readonly schemaName: string;
  readonly tableName: string;
  readonly primaryKeyColumns?: readonly string[];
}

/**
 * A table's row identity: `primary_key_columns` when configured, else its primary key in the
 * source catalog (key order). A table with neither is a `CONFIG_INVALID` error naming the table and
 * `purpose` (the setting that needs a key).
 *
 * @example
 * await tableKey(table, ctx, 'load_strategy: upsert') // ['OrderId', 'LineNo']
 */
export async function tableKey(
  table: KeyedTable,
  ctx: Pick<UnitContext, 'source'>,
  purpose: string,
): Promise<readonly string[]> {
  if (table.primaryKeyColumns !== undefined) {
    return table.primaryKeyColumns;
  }
  const key = await ctx.source.primaryKey(table.schemaName, table.tableName);
  if (key.length === 0) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `${table.id}: ${purpose}: the table has no primary key in the source; set primary_key_columns`,
      { context: { table: table.id, configPath: 'primary_key_columns' } },
    );
  }
  return key;
}
