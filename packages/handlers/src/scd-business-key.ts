import type { SCDTableConfig } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import type { TableReadPlan } from '@sync/extract-mssql';
import type { UnitContext } from './unit-context.js';

/**
 * An SCD2 table's business key, as the source names its columns: `business_key_columns` when set,
 * else the primary key, else the table's only unique index or constraint (unfiltered). A table with
 * none of them, or with several unique indexes and no primary key, is `CONFIG_INVALID` naming the
 * table and `business_key_columns`; so is a configured column the table is not read with.
 *
 * @example
 * await scdBusinessKey(table, plan, ctx) // ['CustomerId']
 */
export async function scdBusinessKey(
  table: SCDTableConfig,
  plan: TableReadPlan,
  ctx: Pick<UnitContext, 'source'>,
): Promise<readonly string[]> {
  const fail = (message: string): SqlSyncError =>
    new SqlSyncError('CONFIG_INVALID', `${table.id}: ${message}`, {
      context: { table: table.id, configPath: 'business_key_columns' },
    });
  let key: readonly string[];
  if (table.businessKeyColumns !== undefined) {
    key = table.businessKeyColumns;
  } else {
    const primaryKey = await ctx.source.primaryKey(table.schemaName, table.tableName);
    if (primaryKey.length > 0) {
      key = primaryKey;
    } else {
      const unique = await ctx.source.uniqueKeys(table.schemaName, table.tableName);
      if (unique.length !== 1) {
        throw fail(
          unique.length === 0
            ? 'the table has no primary key and no unique index to use as its business key; set business_key_columns'
            : `the table has no primary key and ${unique.length} unique indexes (${unique.map((u) => `(${u.join(', ')})`).join(', ')}); set business_key_columns to the one that identifies an entity`,
        );
      }
      key = unique[0] as string[];
    }
  }
  return key.map((name, i) => {
    const column =
      plan.schema.columns.find((c) => c.name === name) ??
      plan.schema.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
    if (column === undefined) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${table.id}: business key column ${name} is not a column sqlsync reads from the table`,
        { context: { table: table.id, column: name, configPath: `business_key_columns[${i}]` } },
      );
    }
    return column.name;
  });
}
