import { type Decimal, pow10 } from './decimal.js';

/**
 * Orders two decimals by numeric value, whatever their scales: `-1` if `a < b`, `0` if equal
 * (`1.50` equals `1.5`), `1` if `a > b`. Usable as an `Array.prototype.sort` comparator.
 *
 * @example
 * compareDecimal({ value: 150n, precision: 3, scale: 2 }, { value: 15n, precision: 2, scale: 1 }); // 0
 * [b, a].sort(compareDecimal); // ascending
 */
export function compareDecimal(a: Decimal, b: Decimal): -1 | 0 | 1 {
  let left = a.value;
  let right = b.value;
  if (a.scale < b.scale) {
    left *= pow10(b.scale - a.scale);
  } else if (b.scale < a.scale) {
    right *= pow10(a.scale - b.scale);
  }
  return left < right ? -1 : left > right ? 1 : 0;
}
