import type { SqlType } from './types/sql-type.js';

/** A `CREATE PARTITION FUNCTION … AS RANGE LEFT|RIGHT FOR VALUES (…)`. */
export interface PartitionFunction {
  readonly functionId: number;
  readonly name: string;
  /** The parameter type, e.g. datetime2(3). */
  readonly type: SqlType;
  /** RANGE RIGHT: a boundary value belongs to the partition on its right. */
  readonly rangeRight: boolean;
  /** Boundaries in order as DuckDB SQL literals (`CAST('…' AS TIMESTAMP)`). */
  readonly boundaries: readonly string[];
  /** Boundaries in order as DuckDB's text of the value (for `sys.partition_range_values`). */
  readonly boundaryTexts: readonly string[];
}

/** A `CREATE PARTITION SCHEME … AS PARTITION fn …`. */
export interface PartitionScheme {
  readonly dataSpaceId: number;
  readonly name: string;
  readonly functionName: string;
}

/** The 7th fractional digit of a boundary's text (`2024-02-01 10:00:00.1234567` → 7; none → 0). */
function boundaryDigit(text: string): number {
  const fraction = /\.(\d+)$/.exec(text)?.[1] ?? '';
  return Number(fraction.padEnd(7, '0')[6]);
}

/**
 * DuckDB SQL for `$PARTITION.fn(expr)`: 1 + the number of boundaries the value lies above (RANGE
 * LEFT: strictly above; RANGE RIGHT: at or above). NULL goes to partition 1, as in SQL Server.
 * For a datetime2(7) function the comparison is at 100 ns: DuckDB's TIMESTAMP keeps microseconds,
 * so the value's 7th digit (`digit`, SQL; 0 when not given) and each boundary's are compared too.
 *
 * @example
 * partitionNumberSql(leftFn, '"OrderDate"') // '(1 + (CASE WHEN "OrderDate" > CAST(… ) THEN 1 ELSE 0 END) + …)'
 */
export function partitionNumberSql(fn: PartitionFunction, expr: string, digit?: string): string {
  const op = fn.rangeRight ? '>=' : '>';
  const ticks = fn.type.name === 'datetime2' && fn.type.scale === 7;
  const terms = fn.boundaries.map((b, i) =>
    ticks
      ? `(CASE WHEN epoch_us(${expr}) * 10 + ${digit ?? '0'} ${op} epoch_us(${b}) * 10 + ${boundaryDigit(fn.boundaryTexts[i] ?? '')} THEN 1 ELSE 0 END)`
      : `(CASE WHEN ${expr} ${op} ${b} THEN 1 ELSE 0 END)`,
  );
  return `CAST(1 + ${terms.length === 0 ? '0' : terms.join(' + ')} AS INTEGER)`;
}
