import { checkPrecision } from './check-precision.js';
import type { Decimal } from './decimal.js';

/**
 * The shape of `@duckdb/node-api`'s `DuckDBDecimalValue`: `width` is the precision and `value`
 * the unscaled integer. Declared here structurally so this package does not depend on DuckDB.
 *
 * @example
 * const fromDuckDB: DuckDBDecimalLike = { width: 18, scale: 2, value: 12345n }; // 123.45
 */
export interface DuckDBDecimalLike {
  /** Total digits (DuckDB's name for precision), 1..38. */
  readonly width: number;
  /** Digits after the point. */
  readonly scale: number;
  /** The unscaled integer: the number is `value / 10^scale`. */
  readonly value: bigint;
}

/**
 * The DuckDB form of a decimal; pass it to `new DuckDBDecimalValue(value, width, scale)` or
 * bind it where `@duckdb/node-api` accepts a decimal.
 *
 * @example
 * const { width, scale, value } = toDuckDBDecimal({ value: 12345n, precision: 18, scale: 2 });
 * // width 18, scale 2, value 12345n -> new DuckDBDecimalValue(value, width, scale)
 */
export function toDuckDBDecimal(d: Decimal): DuckDBDecimalLike {
  return { width: d.precision, scale: d.scale, value: d.value };
}

/**
 * A decimal from DuckDB's form (e.g. a `DuckDBDecimalValue` read from a result), checked.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when `value` has more than `width` digits.
 * @throws {RangeError} when width is not 1..38 or scale not 0..width.
 *
 * @example
 * fromDuckDBDecimal({ width: 18, scale: 2, value: 12345n }); // { value: 12345n, precision: 18, scale: 2 }
 */
export function fromDuckDBDecimal(d: DuckDBDecimalLike): Decimal {
  return checkPrecision({ value: d.value, precision: d.width, scale: d.scale });
}
