import {
  Decimal as ArrowDecimal,
  type Data,
  makeData,
  makeVector,
  Table,
  tableFromIPC,
  tableToIPC,
  type Vector,
} from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { DecimalError } from './decimal-error.js';
import { Decimal128ColumnBuilder } from './decimal128-column-builder.js';
import { makeDecimal128Data, makeDecimal128Vector } from './make-decimal128-data.js';
import { decimalVectorToStrings, readDecimal128 } from './read-decimal128.js';

const MAX38 = 10n ** 38n - 1n;

/** 16 little-endian two's-complement bytes per value, by repeated division: independent of the code. */
function referenceBytes(values: readonly (bigint | null)[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 16);
  values.forEach((value, row) => {
    let rest = ((value ?? 0n) + 2n ** 128n) % 2n ** 128n;
    for (let i = 0; i < 16; i++) {
      bytes[row * 16 + i] = Number(rest % 256n);
      rest /= 256n;
    }
  });
  return bytes;
}

function valueBytes(data: Data<ArrowDecimal>): Uint8Array {
  return new Uint8Array(data.values.buffer, data.values.byteOffset, data.length * 16);
}

function roundTripIPC(vector: Vector<ArrowDecimal>): Vector<ArrowDecimal> {
  const table = tableFromIPC(tableToIPC(new Table({ amount: vector })));
  const column = table.getChild('amount');
  if (column === null) {
    throw new Error('column missing after IPC');
  }
  return column as Vector<ArrowDecimal>;
}

describe('makeDecimal128Data', () => {
  const values = [12345n, null, -5n, MAX38, -MAX38, 0n, 2n ** 64n, -(2n ** 64n), -1n, null];

  it('writes 16-byte little-endian two-complement words and a validity bitmap', () => {
    const data = makeDecimal128Data(values, 38, 2);
    expect(data.type).toBeInstanceOf(ArrowDecimal);
    expect([data.type.precision, data.type.scale, data.type.bitWidth]).toEqual([38, 2, 128]);
    expect(data.length).toBe(10);
    expect(data.nullCount).toBe(2);
    expect(valueBytes(data)).toEqual(referenceBytes(values));
    // rows 1 and 9 are null: bits 0,2..8 set
    expect(Array.from(data.nullBitmap ?? [])).toEqual([0b11111101, 0b00000001]);
  });

  it('reads back what apache-arrow itself decodes, before and after IPC', () => {
    const vector = makeDecimal128Vector(values, 38, 2);
    const back = roundTripIPC(vector);
    expect(back.type.precision).toBe(38);
    expect(back.type.scale).toBe(2);
    expect(back.type.bitWidth).toBe(128);
    expect(back.nullCount).toBe(2);
    const chunk = back.data[0];
    expect(chunk).toBeDefined();
    if (chunk !== undefined) {
      expect(valueBytes(chunk)).toEqual(referenceBytes(values));
    }
    values.forEach((value, row) => {
      expect(readDecimal128(vector, row)).toBe(value);
      expect(readDecimal128(back, row)).toBe(value);
      // apache-arrow's own decoder: get() returns a BigNum whose string form is the unscaled integer
      const arrowValue = back.get(row);
      expect(arrowValue === null ? null : BigInt(String(arrowValue))).toBe(value);
    });
    expect(decimalVectorToStrings(back)).toEqual([
      '123.45',
      null,
      '-0.05',
      `${'9'.repeat(36)}.99`,
      `-${'9'.repeat(36)}.99`,
      '0.00',
      '184467440737095516.16',
      '-184467440737095516.16',
      '-0.01',
      null,
    ]);
  });

  it('omits the bitmap without nulls and accepts a BigInt64Array', () => {
    const data = makeDecimal128Data(new BigInt64Array([1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]), 19, 0);
    expect(data.nullCount).toBe(0);
    expect(data.nullBitmap?.length ?? 0).toBe(0);
    expect(valueBytes(data)).toEqual(referenceBytes([1n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]));
    expect(decimalVectorToStrings(data)).toEqual(['1', '-1', '9223372036854775807', '-9223372036854775808']);
  });

  it('builds empty columns and serialises them', () => {
    const vector = makeDecimal128Vector([], 10, 2);
    expect(vector.length).toBe(0);
    expect(roundTripIPC(vector).length).toBe(0);
  });

  it('rejects values wider than the precision', () => {
    expect(() => makeDecimal128Data([MAX38 + 1n], 38, 0)).toThrow(DecimalError);
    expect(() => makeDecimal128Data([-1000n], 3, 2)).toThrow(/'-10.00' does not fit DECIMAL\(3,2\)/);
  });
});

describe('readDecimal128', () => {
  it('reads across chunks and through slices', () => {
    const first = makeDecimal128Data([1n, null, 3n], 10, 0);
    const second = makeDecimal128Data([null, -5n, 6n, 7n, null, 9n, 10n], 10, 0);
    const vector = makeVector([first, second]);
    expect([0, 1, 2, 3, 4, 5].map((row) => readDecimal128(vector, row))).toEqual([
      1n,
      null,
      3n,
      null,
      -5n,
      6n,
    ]);
    const sliced = second.slice(3, 4); // 7, null, 9, 10: bitmap keeps its bit offset
    expect([0, 1, 2, 3].map((row) => readDecimal128(sliced, row))).toEqual([7n, null, 9n, 10n]);
    expect(decimalVectorToStrings(vector.slice(2, 6))).toEqual(['3', null, '-5', '6']);
    expect(() => readDecimal128(vector, 10)).toThrow(RangeError);
    expect(() => readDecimal128(vector, -1)).toThrow(RangeError);
  });

  it('refuses non-128-bit decimals', () => {
    const decimal256 = makeData({ type: new ArrowDecimal(2, 40, 256), length: 1, data: new Uint32Array(8) });
    expect(() => readDecimal128(decimal256, 0)).toThrow(TypeError);
  });
});

describe('Decimal128ColumnBuilder', () => {
  it('grows from a tiny capacity and reuses its buffers between batches', () => {
    const builder = new Decimal128ColumnBuilder(10, 2, { initialCapacity: 1 });
    const expected: (bigint | null)[] = [];
    for (let i = 0; i < 1000; i++) {
      const value = i % 7 === 0 ? null : BigInt(i * (i % 2 === 0 ? 1 : -1)) * 1000003n;
      builder.append(value);
      expected.push(value);
    }
    expect(builder.length).toBe(1000);
    expect(builder.nullCount).toBe(143);
    const first = builder.finish();
    expect(builder.length).toBe(0);
    expect(valueBytes(first)).toEqual(referenceBytes(expected));

    // The second batch overwrites the first batch's slots; the first Data must not change.
    builder.append(null);
    builder.append(42n);
    const second = builder.finish();
    expect(decimalVectorToStrings(second)).toEqual([null, '0.42']);
    expect(valueBytes(second)).toEqual(referenceBytes([null, 42n]));
    expect(Array.from(second.nullBitmap ?? [])).toEqual([0b10]);
    expect(valueBytes(first)).toEqual(referenceBytes(expected));
    expect(decimalVectorToStrings(roundTripIPC(makeVector(first)))).toEqual(
      decimalVectorToStrings(makeVector(first)),
    );
  });

  it('parses text and numbers at the column scale', () => {
    const builder = new Decimal128ColumnBuilder(12, 3);
    builder.appendText('-0.5');
    builder.appendText(null);
    builder.appendText('1E+3');
    builder.appendNumber(19.99);
    builder.appendNumber(null);
    expect(() => builder.appendText('1.0005')).toThrow(DecimalError);
    expect(() => builder.appendNumber(0.0001)).toThrow(DecimalError);
    expect(() => builder.append(10n ** 12n)).toThrow(DecimalError);
    expect(builder.length).toBe(5);
    const data = builder.finish();
    expect(decimalVectorToStrings(data)).toEqual(['-0.500', null, '1000.000', '19.990', null]);
  });

  it('refuses numbers for columns wider than 15 digits', () => {
    const builder = new Decimal128ColumnBuilder(18, 2);
    expect(() => builder.appendNumber(1.5)).toThrow(/read the column as text/);
    expect(builder.length).toBe(0);
  });

  it('reset drops what was appended', () => {
    const builder = new Decimal128ColumnBuilder(5, 0);
    builder.append(1n);
    builder.append(null);
    builder.reset();
    builder.append(2n);
    const data = builder.finish();
    expect(data.length).toBe(1);
    expect(data.nullCount).toBe(0);
    expect(readDecimal128(data, 0)).toBe(2n);
  });

  it('rejects bad column types', () => {
    expect(() => new Decimal128ColumnBuilder(39, 0)).toThrow(RangeError);
    expect(() => new Decimal128ColumnBuilder(5, 0, { initialCapacity: 0 })).toThrow(RangeError);
  });
});
