import { type Decimal as ArrowDecimal, type Data, makeVector, type Vector } from 'apache-arrow';
import { Decimal128ColumnBuilder } from './decimal128-column-builder.js';

/**
 * Builds an Arrow `Data<Decimal>` (type `new Decimal(scale, precision, 128)`) from unscaled
 * values — 123.45 in a scale-2 column is `12345n` — with `null` for missing values. Accepts any
 * iterable (arrays, generators) or a `BigInt64Array` of unscaled values.
 *
 * @throws {DecimalError} `DECIMAL_OVERFLOW` when a value has more than `precision` digits.
 * @throws {RangeError} when precision is not 1..38 or scale not 0..precision.
 *
 * @example
 * const data = makeDecimal128Data([12345n, null, -5n], 10, 2); // 123.45, null, -0.05
 * const table = new Table({ amount: makeVector(data) });
 */
export function makeDecimal128Data(
  values: Iterable<bigint | null> | BigInt64Array,
  precision: number,
  scale: number,
): Data<ArrowDecimal> {
  const size =
    Array.isArray(values) || ArrayBuffer.isView(values) ? (values as ArrayLike<unknown>).length : 0;
  const builder = new Decimal128ColumnBuilder(precision, scale, { initialCapacity: Math.max(1, size) });
  for (const value of values) {
    builder.append(value);
  }
  return builder.finish();
}

/**
 * {@link makeDecimal128Data} wrapped in a one-chunk Arrow `Vector<Decimal>`.
 *
 * @example
 * const vector = makeDecimal128Vector([12345n, null], 10, 2);
 * decimalVectorToStrings(vector); // ['123.45', null]
 */
export function makeDecimal128Vector(
  values: Iterable<bigint | null> | BigInt64Array,
  precision: number,
  scale: number,
): Vector<ArrowDecimal> {
  return makeVector(makeDecimal128Data(values, precision, scale));
}
