import { assertFits } from './check-precision.js';
import { DECIMAL128_MAX_PRECISION, type Decimal, pow10 } from './decimal.js';

/**
 * The exact sum `a + b`. The result has scale `max(a.scale, b.scale)` and, as in SQL Server,
 * precision `max(a.p - a.s, b.p - b.s) + max(a.s, b.s) + 1`, capped at 38. Unlike SQL Server,
 * the scale is never reduced to make room: a sum that needs more than 38 digits throws.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when the sum needs more than 38 digits.
 *
 * @example
 * addDecimal({ value: 150n, precision: 5, scale: 2 }, { value: 25n, precision: 3, scale: 1 });
 * // 1.50 + 2.5 = { value: 400n, precision: 6, scale: 2 } (4.00)
 */
export function addDecimal(a: Decimal, b: Decimal): Decimal {
  const scale = Math.max(a.scale, b.scale);
  const integerDigits = Math.max(a.precision - a.scale, b.precision - b.scale);
  const precision = Math.min(DECIMAL128_MAX_PRECISION, integerDigits + scale + 1);
  const value = a.value * pow10(scale - a.scale) + b.value * pow10(scale - b.scale);
  assertFits(value, precision, scale);
  return { value, precision, scale };
}
