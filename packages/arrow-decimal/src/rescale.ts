import { assertFits } from './check-precision.js';
import { assertPrecisionScale, DECIMAL128_MAX_PRECISION, type Decimal, pow10 } from './decimal.js';
import { DecimalError } from './decimal-error.js';
import { formatUnscaled } from './format-decimal.js';

/**
 * What to do with digits a smaller scale cannot hold.
 *
 * - `'error'`: throw `DECIMAL_PRECISION_LOSS` unless the dropped digits are all zero.
 * - `'half-up'`: round half away from zero (what SQL Server's `CAST` to a smaller scale does).
 * - `'half-even'`: round half to even (banker's rounding).
 * - `'truncate'`: drop the digits, rounding toward zero.
 *
 * @example
 * const rounding: DecimalRounding = 'half-even';
 * rescale({ value: 125n, precision: 3, scale: 2 }, 1, { rounding }); // 1.2
 */
export type DecimalRounding = 'error' | 'half-even' | 'half-up' | 'truncate';

/**
 * Options of {@link rescale}.
 *
 * @example
 * const options: RescaleOptions = { rounding: 'half-up', precision: 38 };
 */
export interface RescaleOptions {
  /** How to drop fractional digits. Defaults to `'error'`. */
  readonly rounding?: DecimalRounding;
  /**
   * Precision of the result. Defaults to keeping the integer digits of the input:
   * `d.precision - d.scale + newScale`, clamped to 1..38.
   */
  readonly precision?: number;
}

/** Divides `value` by `10^digits`, rounding as asked; `d` and `newScale` only feed the error. */
function dropDigits(
  value: bigint,
  digits: number,
  rounding: DecimalRounding,
  d: Decimal,
  newScale: number,
): bigint {
  const divisor = pow10(digits);
  const quotient = value / divisor; // bigint division truncates toward zero
  const remainder = value % divisor; // same sign as value
  if (remainder === 0n || rounding === 'truncate') {
    return quotient;
  }
  if (rounding === 'error') {
    const text = formatUnscaled(d.value, d.scale);
    throw new DecimalError(
      'DECIMAL_PRECISION_LOSS',
      `'${text}' would lose digits at scale ${newScale}; pass { rounding: 'half-up' | 'half-even' | 'truncate' } to round`,
      text,
      { precision: d.precision, scale: newScale },
    );
  }
  const twice = (remainder < 0n ? -remainder : remainder) * 2n;
  const awayFromZero = value < 0n ? quotient - 1n : quotient + 1n;
  if (twice > divisor) {
    return awayFromZero;
  }
  if (twice < divisor) {
    return quotient;
  }
  // exactly half
  return rounding === 'half-up' || quotient % 2n !== 0n ? awayFromZero : quotient;
}

/**
 * The same number at another scale. Scaling up is always exact; scaling down drops digits as
 * `options.rounding` says (default `'error'`: throw if any non-zero digit would be lost).
 *
 * @throws {DecimalError} `DECIMAL_PRECISION_LOSS` (rounding `'error'` and digits lost) or
 * `DECIMAL_OVERFLOW` (the result, e.g. after rounding 9.99 up to 10.0, does not fit the precision).
 * @throws {RangeError} when `newScale` or `options.precision` are out of range.
 *
 * @example
 * const d = { value: 12345n, precision: 5, scale: 2 }; // 123.45
 * rescale(d, 4);                           // { value: 1234500n, precision: 7, scale: 4 }
 * rescale(d, 1, { rounding: 'half-up' });  // { value: 1235n, precision: 4, scale: 1 }
 * rescale(d, 1, { rounding: 'half-even' }); // { value: 1234n, precision: 4, scale: 1 }
 * rescale(d, 1);                           // throws DECIMAL_PRECISION_LOSS
 */
export function rescale(d: Decimal, newScale: number, options: RescaleOptions = {}): Decimal {
  const precision =
    options.precision ??
    Math.min(DECIMAL128_MAX_PRECISION, Math.max(1, d.precision - d.scale + newScale, newScale));
  assertPrecisionScale(precision, newScale);
  const value =
    newScale >= d.scale
      ? d.value * pow10(newScale - d.scale)
      : dropDigits(d.value, d.scale - newScale, options.rounding ?? 'error', d, newScale);
  assertFits(value, precision, newScale);
  return { value, precision, scale: newScale };
}
