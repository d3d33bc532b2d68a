import { assertPrecisionScale, type Decimal } from './decimal.js';
import { DecimalError, sqlType } from './decimal-error.js';

/**
 * The largest precision whose every value survives a trip through a double (DBL_DIG).
 *
 * @example
 * const readAsText = column.precision > NUMBER_SAFE_PRECISION; // then CAST to varchar and parseDecimal
 */
export const NUMBER_SAFE_PRECISION = 15;

// 10^0..10^15 as doubles; all exact (10^22 is the last exactly representable power of ten).
const POW10_NUMBER: readonly number[] = Array.from({ length: NUMBER_SAFE_PRECISION + 1 }, (_, n) => 10 ** n);

/**
 * Recovers the unscaled integer of a `DECIMAL(p,s)` value (p <= 15) from the double nearest to it.
 *
 * Why this is exact: let N be the true unscaled integer, |N| < 10^15 < 2^50, and x the double
 * nearest N / 10^s, so x = (N / 10^s)(1 + e1) with |e1| <= 2^-53. 10^s is exact for s <= 15 and
 * the product is rounded once more, so x * 10^s = N(1 + e1)(1 + e2) with |e2| <= 2^-53; the error
 * is below 2^50 * 2^-52 = 0.25 < 0.5, hence Math.round gives N. Conversely N and 10^s are both
 * exact doubles and IEEE division is correctly rounded, so `N / 10^s === x` holds exactly when
 * x is the nearest double to N / 10^s: that test rejects numbers that are not such a decimal.
 * Distinct decimals of at most 15 significant digits never share a nearest double (15 is
 * DBL_DIG), so the answer is unique; at 16 digits it is not (0.1 + 0.2 shows why).
 */
export function unscaledFromNumber(x: number, precision: number, scale: number): bigint {
  if (precision > NUMBER_SAFE_PRECISION) {
    throw new DecimalError(
      'DECIMAL_PRECISION_LOSS',
      `${sqlType(precision, scale)} has more than ${NUMBER_SAFE_PRECISION} digits, so a JavaScript number cannot hold it exactly; read the column as text (e.g. CAST(col AS varchar(41))) and use parseDecimal`,
      String(x),
      { precision, scale },
    );
  }
  if (!Number.isFinite(x)) {
    throw new DecimalError('DECIMAL_PARSE', `${x} is not a decimal number`, String(x), { precision, scale });
  }
  const power = POW10_NUMBER[scale] ?? Number.NaN;
  const limit = POW10_NUMBER[precision] ?? Number.NaN;
  const unscaled = Math.round(x * power);
  if (!(Math.abs(unscaled) < limit)) {
    throw new DecimalError(
      'DECIMAL_OVERFLOW',
      `${x} does not fit ${sqlType(precision, scale)}: at most ${precision - scale} integer digits fit`,
      String(x),
      { precision, scale },
    );
  }
  if (unscaled / power !== x) {
    throw new DecimalError(
      'DECIMAL_PRECISION_LOSS',
      `${x} is not the nearest double of any ${sqlType(precision, scale)} value; it has more than ${scale} fractional digits`,
      String(x),
      { precision, scale },
    );
  }
  return BigInt(unscaled);
}

/**
 * The exact `DECIMAL(precision, scale)` value a double stands for, for precision <= 15 — the
 * way `tedious` hands SQL Server `DECIMAL`/`NUMERIC`/`MONEY` columns to JavaScript (as the
 * double nearest the decimal). Every value of at most 15 digits is recovered exactly (see the
 * proof in the source); for wider columns a double is ambiguous, so this refuses.
 *
 * @throws {DecimalError} `DECIMAL_PRECISION_LOSS` when precision > 15 (the message says to read
 * the column as text and use {@link parseDecimal}) or when `x` is not the nearest double of any
 * value at `scale` (e.g. 0.125 at scale 2); `DECIMAL_OVERFLOW` when `x` is too large;
 * `DECIMAL_PARSE` for `NaN`/`Infinity`.
 *
 * @example
 * decimalFromNumber(0.1, 10, 2);        // { value: 10n, precision: 10, scale: 2 }
 * decimalFromNumber(-1234.5678, 15, 4); // { value: -12345678n, precision: 15, scale: 4 }
 * decimalFromNumber(1.5, 18, 2);        // throws: read DECIMAL(18,2) as text
 */
export function decimalFromNumber(x: number, precision: number, scale: number): Decimal {
  assertPrecisionScale(precision, scale);
  return { value: unscaledFromNumber(x, precision, scale), precision, scale };
}
