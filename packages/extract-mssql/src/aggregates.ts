import type sql from 'mssql';
import type { TableReadPlan } from './catalog.js';
import { classifyDriverError } from './connection.js';
import { bindParameters, type RowPredicate } from './predicate.js';
import { qualifiedName, quoteIdentifier } from './tsql.js';

/** Source figures that end-to-end validation compares with the lake. */
export interface SourceAggregates {
  readonly rowCount: bigint;
  /** Exact SUM of each decimal column as SQL Server's text (`null` when every value is NULL). */
  readonly sums: Readonly<Record<string, string | null>>;
}

/**
 * The T-SQL computing COUNT_BIG(*) and the exact SUM of each decimal column over a predicate.
 * Sums are taken as decimal(38, s) so they cannot overflow the column's own precision and are
 * returned as text so no digit is lost on the way.
 */
export function aggregateStatement(plan: TableReadPlan, predicate?: RowPredicate): string {
  const parts = ['COUNT_BIG(*) AS [row_count]'];
  plan.columns.forEach((c, i) => {
    if (c.column.lakeType.kind === 'decimal') {
      const { scale } = c.column.lakeType;
      parts.push(
        `CONVERT(varchar(41), SUM(CAST(${quoteIdentifier(c.column.name)} AS decimal(38,${scale})))) AS [sum_${i}]`,
      );
    }
  });
  const where = predicate === undefined ? '' : ` WHERE ${predicate.sql}`;
  return `SELECT ${parts.join(', ')} FROM ${qualifiedName(plan.schema.schemaName, plan.schema.tableName)}${where};`;
}

/**
 * Computes {@link SourceAggregates} on the server.
 *
 * @example
 * const { rowCount, sums } = await sourceAggregates(pool, plan);
 */
export async function sourceAggregates(
  pool: sql.ConnectionPool,
  plan: TableReadPlan,
  predicate?: RowPredicate,
): Promise<SourceAggregates> {
  const request = pool.request();
  bindParameters(request, predicate);
  let row: Record<string, unknown>;
  try {
    const result = await request.query(aggregateStatement(plan, predicate));
    row = (result.recordset as Record<string, unknown>[])[0] ?? {};
  } catch (error) {
    throw classifyDriverError(error, { table: `${plan.schema.schemaName}.${plan.schema.tableName}` });
  }
  const sums: Record<string, string | null> = {};
  plan.columns.forEach((c, i) => {
    if (c.column.lakeType.kind === 'decimal') {
      const value = row[`sum_${i}`];
      sums[c.column.name] = value === null || value === undefined ? null : String(value);
    }
  });
  return { rowCount: BigInt(String(row.row_count ?? '0')), sums };
}
