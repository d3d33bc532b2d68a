import { assertFits } from './check-precision.js';
import { assertPrecisionScale, DECIMAL128_MAX_PRECISION, type Decimal, pow10 } from './decimal.js';

/**
 * Options of {@link sumDecimals}.
 *
 * @example
 * sumDecimals(amounts, { precision: 18, scale: 2 } satisfies SumDecimalsOptions);
 */
export interface SumDecimalsOptions {
  /** Precision of the result; the sum must fit it. Defaults to 38, like SQL Server's `SUM`. */
  readonly precision?: number;
  /**
   * Smallest scale of the result; the result scale is the larger of this and every input's
   * scale. Gives an empty input its scale. Defaults to 0.
   */
  readonly scale?: number;
}

/**
 * The exact sum of many decimals of any scales, skipping `null`s like SQL `SUM`. The result
 * scale is the largest input scale; its precision is `options.precision` (default 38, as
 * SQL Server's `SUM` over `DECIMAL` returns `DECIMAL(38,s)`). Intermediate sums are unbounded
 * bigints, so only the final total is checked. An empty input (or only `null`s) sums to zero,
 * not to SQL's `NULL`.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when the total does not fit the precision.
 * @throws {RangeError} when the precision is not 1..38 or below the result scale.
 *
 * @example
 * sumDecimals([
 *   { value: 150n, precision: 5, scale: 2 }, // 1.50
 *   null,
 *   { value: 25n, precision: 3, scale: 1 },  // 2.5
 * ]); // { value: 400n, precision: 38, scale: 2 } (4.00)
 */
export function sumDecimals(values: Iterable<Decimal | null>, options: SumDecimalsOptions = {}): Decimal {
  let scale = options.scale ?? 0;
  let total = 0n;
  for (const d of values) {
    if (d === null) {
      continue;
    }
    if (d.scale > scale) {
      total *= pow10(d.scale - scale);
      scale = d.scale;
    }
    total += d.scale === scale ? d.value : d.value * pow10(scale - d.scale);
  }
  const precision = options.precision ?? DECIMAL128_MAX_PRECISION;
  assertPrecisionScale(precision, scale);
  assertFits(total, precision, scale);
  return { value: total, precision, scale };
}
