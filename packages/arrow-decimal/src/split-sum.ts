import { formatUnscaled } from './format-decimal.js';
import { parseDecimal } from './parse-decimal.js';

/**
 * Joins the two halves of an overflow-safe decimal SUM into its exact text.
 *
 * A database's `SUM(decimal(38, s))` fails once the total needs more than 38 digits — 100,000
 * values with 28 integer digits already do. Summing the integer parts (`ROUND(x, 0, 1)` in SQL
 * Server, `trunc(x)` in DuckDB) as `decimal(38,0)`/`HUGEINT` and the fractional parts
 * (`x - ROUND(x, 0, 1)`, each below 1) as `decimal(38, s)` keeps both halves in range; this
 * function adds them exactly and prints the result as SQL Server would, even beyond 38 digits.
 *
 * @param integerSum text of the integer-part sum (`'-123'`, or with zero fraction `'-123.000'`), or null
 * @param fractionSum text of the fractional-part sum at any scale ≤ `scale`, or null
 * @param scale the column's scale
 * @returns the exact total at `scale`, or null when both halves are null (SUM of no values)
 *
 * @example
 * sumFromParts('29999999999999999999999999997', '2.9999999997', 10)
 * // '29999999999999999999999999999.9999999997'
 */
export function sumFromParts(
  integerSum: string | null,
  fractionSum: string | null,
  scale: number,
): string | null {
  if (integerSum === null && fractionSum === null) {
    return null;
  }
  const integer = integerSum === null ? 0n : parseDecimal(integerSum.replace(/\.0*$/, ''), 38, 0).value;
  const fraction = fractionSum === null ? 0n : parseDecimal(fractionSum, 38, scale).value;
  return formatUnscaled(integer * 10n ** BigInt(scale) + fraction, scale);
}
