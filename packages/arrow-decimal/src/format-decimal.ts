import type { Decimal } from './decimal.js';

/**
 * Formats the unscaled `value` at `scale` the way SQL Server prints a `DECIMAL`: exactly `scale`
 * fractional digits, a leading `0` before the point, `-` for negatives, no point at scale 0.
 */
export function formatUnscaled(value: bigint, scale: number): string {
  const negative = value < 0n;
  const digits = (negative ? -value : value).toString();
  if (scale === 0) {
    return negative ? `-${digits}` : digits;
  }
  const padded = digits.length > scale ? digits : digits.padStart(scale + 1, '0');
  const cut = padded.length - scale;
  return `${negative ? '-' : ''}${padded.slice(0, cut)}.${padded.slice(cut)}`;
}

/**
 * SQL Server's text form of a decimal: exactly `scale` fractional digits (trailing zeros kept),
 * a leading `0` for values below one, `-` for negatives and no decimal point at scale 0.
 * The result parses back to the same value with {@link parseDecimal}.
 *
 * @example
 * formatDecimal({ value: 500n, precision: 10, scale: 4 }); // '0.0500'
 * formatDecimal({ value: -123400n, precision: 10, scale: 4 }); // '-12.3400'
 * formatDecimal({ value: 12n, precision: 5, scale: 0 }); // '12'
 */
export function formatDecimal(d: Decimal): string {
  return formatUnscaled(d.value, d.scale);
}
