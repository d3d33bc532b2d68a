import { sumFromParts } from '@sync/arrow-decimal';
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
 * A plain SUM(decimal(38, s)) raises error 8115 once the total needs more than 38 digits, so each
 * sum is taken in two halves that cannot overflow — integer parts (ROUND(x, 0, 1) truncates) as
 * decimal(38,0) and fractional parts as decimal(38, s) — returned as text and joined exactly.
 */
export function aggregateStatement(plan: TableReadPlan, predicate?: RowPredicate): string {
  const parts = ['COUNT_BIG(*) AS [row_count]'];
  plan.columns.forEach((c, i) => {
    if (c.column.lakeType.kind === 'decimal') {
      const { scale } = c.column.lakeType;
      const name = quoteIdentifier(c.column.name);
      parts.push(
        `CONVERT(varchar(41), SUM(CAST(ROUND(${name}, 0, 1) AS decimal(38,0)))) AS [int_${i}]`,
        `CONVERT(varchar(41), SUM(CAST(${name} - ROUND(${name}, 0, 1) AS decimal(38,${scale})))) AS [frac_${i}]`,
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
      sums[c.column.name] = sumFromParts(
        textOrNull(row[`int_${i}`]),
        textOrNull(row[`frac_${i}`]),
        c.column.lakeType.scale,
      );
    }
  });
  return { rowCount: BigInt(String(row.row_count ?? '0')), sums };
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
