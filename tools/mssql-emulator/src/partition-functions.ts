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

/**
 * DuckDB SQL for `$PARTITION.fn(expr)`: 1 + the number of boundaries the value lies above (RANGE
 * LEFT: strictly above; RANGE RIGHT: at or above). NULL goes to partition 1, as in SQL Server.
 *
 * @example
 * partitionNumberSql(leftFn, '"OrderDate"') // '(1 + (CASE WHEN "OrderDate" > CAST(… ) THEN 1 ELSE 0 END) + …)'
 */
export function partitionNumberSql(fn: PartitionFunction, expr: string): string {
  const op = fn.rangeRight ? '>=' : '>';
  const terms = fn.boundaries.map((b) => `(CASE WHEN ${expr} ${op} ${b} THEN 1 ELSE 0 END)`);
  return `CAST(1 + ${terms.length === 0 ? '0' : terms.join(' + ')} AS INTEGER)`;
}
