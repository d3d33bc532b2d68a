import { assertPrecisionScale, type Decimal, fitsPrecision } from './decimal.js';
import { DecimalError, sqlType } from './decimal-error.js';
import { formatUnscaled } from './format-decimal.js';

/** Throws `DECIMAL_OVERFLOW` unless the unscaled `value` has at most `precision` digits. */
export function assertFits(value: bigint, precision: number, scale: number): void {
  if (!fitsPrecision(value, precision)) {
    const text = formatUnscaled(value, scale);
    throw new DecimalError(
      'DECIMAL_OVERFLOW',
      `'${text}' does not fit ${sqlType(precision, scale)}: at most ${precision - scale} integer digits fit`,
      text,
      { precision, scale },
    );
  }
}

/**
 * Checks that `d` is a well-formed decimal: precision 1..38, scale 0..precision, and a value with
 * no more than `precision` digits. Returns `d` unchanged, so it can wrap a literal.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when the value has too many digits.
 * @throws {RangeError} when precision or scale are out of range.
 *
 * @example
 * const d = checkPrecision({ value: 12345n, precision: 5, scale: 2 }); // 123.45, fine
 * checkPrecision({ value: 123456n, precision: 5, scale: 2 }); // throws DECIMAL_OVERFLOW
 */
export function checkPrecision(d: Decimal): Decimal {
  assertPrecisionScale(d.precision, d.scale);
  assertFits(d.value, d.precision, d.scale);
  return d;
}

/**
 * The same value and scale in a `DECIMAL(precision, d.scale)` slot, checking that it fits.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when the value has more than `precision` digits.
 * @throws {RangeError} when `precision` is not 1..38 or is below `d.scale`.
 *
 * @example
 * withPrecision({ value: 12345n, precision: 38, scale: 2 }, 5); // { value: 12345n, precision: 5, scale: 2 }
 * withPrecision({ value: 12345n, precision: 38, scale: 2 }, 4); // throws DECIMAL_OVERFLOW
 */
export function withPrecision(d: Decimal, precision: number): Decimal {
  assertPrecisionScale(precision, d.scale);
  assertFits(d.value, precision, d.scale);
  return { value: d.value, precision, scale: d.scale };
}
