import { SqlSyncError } from '@sync/core';
import type { TableReadPlan } from './catalog.js';
import type { MappedColumn } from './type-mapping.js';

/**
 * The plan reading only the named columns, in the order named, each read exactly as the full plan
 * reads it (same SELECT expressions, wire forms and lake types): a read of a table's key set sends
 * `SELECT <keys> FROM …` and its batches line up with the full read's columns of those names.
 * A name matches a planned column exactly, else the only one equal ignoring case (SQL Server's
 * default collations). CONFIG_INVALID naming the table and column for a name the plan does not
 * read (not in the table, or left out by `unsupported_types: skip`); USAGE for no names or a name
 * given twice.
 *
 * @example
 * const keys = projectedReadPlan(plan, ['Region', 'CustomerId']);
 * selectStatement(keys); // 'SELECT [Region], [CustomerId] FROM [dbo].[Customers];'
 * for await (const batch of source.read(keys)) batch.schema.fields.map((f) => f.name); // ['Region', 'CustomerId']
 */
export function projectedReadPlan(plan: TableReadPlan, columnNames: readonly string[]): TableReadPlan {
  const tableId = `${plan.schema.schemaName}.${plan.schema.tableName}`;
  if (columnNames.length === 0) {
    throw new SqlSyncError('USAGE', `projectedReadPlan(${tableId}): no columns named`, {
      context: { table: tableId },
    });
  }
  const columns: MappedColumn[] = [];
  for (const name of columnNames) {
    const folded = plan.columns.filter((c) => c.column.name.toLowerCase() === name.toLowerCase());
    const column =
      plan.columns.find((c) => c.column.name === name) ?? (folded.length === 1 ? folded[0] : undefined);
    if (column === undefined) {
      throw new SqlSyncError('CONFIG_INVALID', `${tableId}: ${name} is not a column the table is read with`, {
        context: { table: tableId, column: name },
      });
    }
    if (columns.includes(column)) {
      throw new SqlSyncError(
        'USAGE',
        `projectedReadPlan(${tableId}): column ${column.column.name} named twice`,
        {
          context: { table: tableId, column: column.column.name },
        },
      );
    }
    columns.push(column);
  }
  return { schema: { ...plan.schema, columns: columns.map((c) => c.column) }, columns };
}
