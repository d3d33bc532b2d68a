import type { Decimal as ArrowDecimal, Data, Vector } from 'apache-arrow';
import { assertDecimal128, readDecimal128Word } from './decimal128-words.js';
import { formatUnscaled } from './format-decimal.js';

/** Whether slot `index` of `data` is valid (not null), honouring the data's bit offset. */
function isValid(data: Data<ArrowDecimal>, index: number): boolean {
  const bitmap = data.nullBitmap;
  if (data.nullCount === 0 || bitmap === undefined || bitmap.length === 0) {
    return true;
  }
  const bit = data.offset + index;
  return ((bitmap[bit >> 3] ?? 0) & (1 << (bit & 7))) !== 0;
}

/** The unscaled value at `index` of one Decimal128 chunk, or null. */
function readFromData(data: Data<ArrowDecimal>, index: number): bigint | null {
  // Sliced Decimal data keeps its values buffer sliced (index 0 is the first row) while the
  // validity bitmap keeps the bit offset.
  return isValid(data, index) ? readDecimal128Word(data.values, index) : null;
}

function chunksOf(source: Vector<ArrowDecimal> | Data<ArrowDecimal>): readonly Data<ArrowDecimal>[] {
  return 'data' in source && Array.isArray(source.data) ? source.data : [source as Data<ArrowDecimal>];
}

/**
 * The unscaled value at row `index` of an Arrow Decimal128 vector or data (across chunks), or
 * `null` for a null row. Pair it with the column's `type.scale` to get a {@link Decimal}.
 *
 * @throws {RangeError} when `index` is outside the column.
 * @throws {TypeError} when the column is not a 128-bit decimal.
 *
 * @example
 * const vector = makeDecimal128Vector([12345n, null], 10, 2);
 * readDecimal128(vector, 0); // 12345n (123.45)
 * readDecimal128(vector, 1); // null
 */
export function readDecimal128(
  source: Vector<ArrowDecimal> | Data<ArrowDecimal>,
  index: number,
): bigint | null {
  if (!Number.isInteger(index) || index < 0) {
    throw new RangeError(`row index must be a non-negative integer, got ${index}`);
  }
  let row = index;
  for (const data of chunksOf(source)) {
    if (row < data.length) {
      assertDecimal128(data);
      return readFromData(data, row);
    }
    row -= data.length;
  }
  throw new RangeError(`row ${index} is outside a column of ${index - row} rows`);
}

/**
 * Every row of an Arrow Decimal128 vector as SQL Server-style text (see {@link formatDecimal}),
 * with `null` for null rows — for logs, tests and validation against the source.
 *
 * @throws {TypeError} when the column is not a 128-bit decimal.
 *
 * @example
 * decimalVectorToStrings(makeDecimal128Vector([12345n, null, -5n], 10, 2));
 * // ['123.45', null, '-0.05']
 */
export function decimalVectorToStrings(vector: Vector<ArrowDecimal> | Data<ArrowDecimal>): (string | null)[] {
  const out: (string | null)[] = [];
  for (const data of chunksOf(vector)) {
    assertDecimal128(data);
    const scale = data.type.scale;
    for (let row = 0; row < data.length; row++) {
      const value = readFromData(data, row);
      out.push(value === null ? null : formatUnscaled(value, scale));
    }
  }
  return out;
}
