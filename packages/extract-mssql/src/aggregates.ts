import { sumFromParts } from '@sync/arrow-decimal';
import type { SqlSyncError } from '@sync/core';
import type { TableReadPlan } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';
import { predicateParameters, type RowPredicate } from './predicate.js';
import { queryRows } from './query-rows.js';
import { qualifiedName, quoteIdentifier } from './tsql.js';

/** Source figures that end-to-end validation compares with the lake. */
export interface SourceAggregates {
  readonly rowCount: bigint;
  /** Exact SUM of each decimal column as SQL Server's text (`null` when every value is NULL). */
  readonly sums: Readonly<Record<string, string | null>>;
}

/**
 * SUM(decimal(p, s)) is decimal(38, s) in SQL Server. At most 2^63 rows of values below
 * 10^(p − s) sum to less than 10^(19 + p − s), which fits decimal(38, s) whenever p ≤ 19: such
 * columns can always be summed plainly.
 */
const MAX_PLAIN_SUM_PRECISION = 19;

/** SQL Server's "Arithmetic overflow error converting expression to data type numeric". */
const ARITHMETIC_OVERFLOW = 8115;

/**
 * The T-SQL computing COUNT_BIG(*) and the exact SUM of each decimal column over a predicate.
 * With `split`, each column above precision 19 is summed in two halves that cannot overflow —
 * integer parts (ROUND(x, 0, 1) truncates) as decimal(38,0) and fractional parts as
 * decimal(38, s) — returned as text and joined exactly; without it every column is a plain SUM,
 * which raises error 8115 if a total needs more than 38 digits.
 */
export function aggregateStatement(plan: TableReadPlan, predicate?: RowPredicate, split = true): string {
  const parts = ['COUNT_BIG(*) AS [row_count]'];
  plan.columns.forEach((c, i) => {
    if (c.column.lakeType.kind === 'decimal') {
      const { precision, scale } = c.column.lakeType;
      // money text has two decimals in CONVERT's default style: sum money as the decimal it is.
      const quoted = quoteIdentifier(c.column.name);
      const name =
        c.column.sqlType === 'money' || c.column.sqlType === 'smallmoney'
          ? `CAST(${quoted} AS decimal(${precision},${scale}))`
          : quoted;
      if (!split || precision <= MAX_PLAIN_SUM_PRECISION) {
        parts.push(`CONVERT(varchar(41), SUM(${name})) AS [sum_${i}]`);
        return;
      }
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
 * Computes {@link SourceAggregates} on the server: plain SUMs first (one cheap pass), and only
 * when a total overflows decimal(38, s) (error 8115) again with the wide columns split in halves.
 *
 * @example
 * const { rowCount, sums } = await sourceAggregates(pool, plan);
 */
export async function sourceAggregates(
  pool: ConnectionPool,
  plan: TableReadPlan,
  predicate?: RowPredicate,
): Promise<SourceAggregates> {
  const hasWideDecimal = plan.columns.some(
    (c) => c.column.lakeType.kind === 'decimal' && c.column.lakeType.precision > MAX_PLAIN_SUM_PRECISION,
  );
  const table = `${plan.schema.schemaName}.${plan.schema.tableName}`;
  const run = async (split: boolean): Promise<Record<string, unknown>> => {
    const rows = await queryRows(
      pool,
      aggregateStatement(plan, predicate, split),
      predicateParameters(predicate),
      table,
    );
    return rows[0] ?? {};
  };
  let row: Record<string, unknown>;
  try {
    row = await run(!hasWideDecimal);
  } catch (error) {
    if (!hasWideDecimal || (error as SqlSyncError).context?.sqlErrorNumber !== ARITHMETIC_OVERFLOW) {
      throw error;
    }
    row = await run(true);
  }
  const sums: Record<string, string | null> = {};
  plan.columns.forEach((c, i) => {
    if (c.column.lakeType.kind === 'decimal' && `sum_${i}` in row) {
      // A whole sum, printed the same way as the joined halves.
      sums[c.column.name] = sumFromParts(null, textOrNull(row[`sum_${i}`]), c.column.lakeType.scale);
    } else if (c.column.lakeType.kind === 'decimal') {
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
