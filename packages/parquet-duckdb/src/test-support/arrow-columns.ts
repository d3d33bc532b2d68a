import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Decimal,
  Field,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  Uint8,
  Utf8,
} from 'apache-arrow';

/** Test-only builders of Arrow columns from plain arrays (null = SQL NULL), by hand as the extractor does. */

function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 64) * 8);
  let nullCount = 0;
  values.forEach((value, index) => {
    if (value === null) {
      nullCount++;
    } else {
      nullBitmap[index >> 3] = (nullBitmap[index >> 3] ?? 0) | (1 << (index & 7));
    }
  });
  return { nullBitmap, nullCount };
}

export function boolColumn(values: readonly (boolean | null)[]): Data {
  const bits = new Uint8Array(Math.ceil(values.length / 64) * 8);
  values.forEach((value, index) => {
    if (value === true) {
      bits[index >> 3] = (bits[index >> 3] ?? 0) | (1 << (index & 7));
    }
  });
  return makeData({ type: new Bool(), length: values.length, data: bits, ...validity(values) });
}

type NumberArrayType = Int8 | Uint8 | Int16 | Int32 | Float32 | Float64 | DateDay;

export function numberColumn(type: NumberArrayType, values: readonly (number | null)[]): Data {
  const data = new type.ArrayType(values.length);
  values.forEach((value, index) => {
    data[index] = value ?? 0;
  });
  return makeData({ type, length: values.length, data, ...validity(values) } as never);
}

type BigIntArrayType = Int64 | TimeMicrosecond | TimestampMicrosecond | TimestampNanosecond;

export function bigintColumn(type: BigIntArrayType, values: readonly (bigint | null)[]): Data {
  const data = new BigInt64Array(values.length);
  values.forEach((value, index) => {
    data[index] = value ?? 0n;
  });
  return makeData({ type, length: values.length, data, ...validity(values) } as never);
}

export function decimalColumn(precision: number, scale: number, values: readonly (bigint | null)[]): Data {
  const data = new Uint32Array(values.length * 4);
  values.forEach((value, index) => {
    const bits = BigInt.asUintN(128, value ?? 0n);
    for (let word = 0; word < 4; word++) {
      data[index * 4 + word] = Number((bits >> BigInt(32 * word)) & 0xffffffffn);
    }
  });
  return makeData({
    type: new Decimal(scale, precision, 128),
    length: values.length,
    data,
    ...validity(values),
  });
}

/** The offsets and bytes of a variable-width column (Utf8 or Binary). */
function bytesBuffers(values: readonly (Uint8Array | null)[]) {
  const valueOffsets = new Int32Array(values.length + 1);
  let total = 0;
  values.forEach((value, index) => {
    total += value?.length ?? 0;
    valueOffsets[index + 1] = total;
  });
  const data = new Uint8Array(total);
  values.forEach((value, index) => {
    if (value !== null) {
      data.set(value, valueOffsets[index]);
    }
  });
  return { length: values.length, valueOffsets, data, ...validity(values) };
}

export function utf8Column(values: readonly (string | null)[]): Data {
  const encoder = new TextEncoder();
  return makeData({
    type: new Utf8(),
    ...bytesBuffers(values.map((value) => (value === null ? null : encoder.encode(value)))),
  });
}

export function binaryColumn(values: readonly (Uint8Array | null)[]): Data {
  return makeData({ type: new Binary(), ...bytesBuffers(values) });
}

export function recordBatch(columns: readonly (readonly [string, Data])[]): RecordBatch {
  const fields = columns.map(([name, data]) => new Field(name, data.type as DataType, true));
  const length = columns[0]?.[1].length ?? 0;
  const struct = makeData({
    type: new Struct(fields),
    length,
    nullCount: 0,
    children: columns.map(([, data]) => data),
  });
  return new RecordBatch(new Schema(fields), struct);
}

export {
  DateDay,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  Uint8,
};
