import { formatDecimal as formatDecimalValue } from '@sync/arrow-decimal';
import type { LakeType, SourceSchema } from '@sync/core';
import type { Data, RecordBatch } from 'apache-arrow';
import {
  bigintColumn,
  binaryColumn,
  boolColumn,
  DateDay,
  decimalColumn,
  Float32,
  Float64,
  Int8,
  Int16,
  Int32,
  Int64,
  numberColumn,
  recordBatch,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  Uint8,
  utf8Column,
} from './arrow-columns.js';
import { randomDigits, seededRandom } from './random.js';
import { sourceColumn } from './source-column.js';

// One column per lake type, with nulls and edge values, over ROWS seeded random rows: what the
// Parquet writer tests write and read back.

const formatDecimal = (value: bigint, scale: number): string =>
  formatDecimalValue({ value, precision: 38, scale });

export const ROWS = 100_000;
const MIN_TIMESTAMP_US = -62135596800000000n; // 0001-01-01 00:00:00
const MAX_TIMESTAMP_US = 253402300799999999n; // 9999-12-31 23:59:59.999999
const MIN_DATE = -719162; // 0001-01-01
const MAX_DATE = 2932896; // 9999-12-31
const TEN_38 = 10n ** 38n;

export type Value = boolean | number | bigint | string | Uint8Array | null;

/** One test column: its lake type, how row i looks, how to build Arrow, how to read it back as text. */
export interface ColumnCase {
  readonly name: string;
  readonly lakeType: LakeType;
  readonly value: (row: number) => Value;
  readonly arrow: (values: Value[]) => Data;
  /** SQL over the Parquet column `c` that yields comparable text (a JS number for floats). */
  readonly readBack: (c: string) => string;
  readonly expected: (value: Exclude<Value, null>) => string | number;
  /** The type DESCRIBE reports for the Parquet column. */
  readonly describedType: string;
}

const random = seededRandom(20240611);
const pick = <T>(options: readonly T[]): T => options[Math.floor(random() * options.length)] as T;
/** Row 1 is all NULL, rows 2 to 4 hold edge values; about 1 in 8 other values is NULL. */
const nullable =
  <T extends Value>(generate: (row: number) => T) =>
  (row: number): T | null =>
    row === 1 || (row > 4 && random() < 0.125) ? null : generate(row);

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0').toUpperCase()).join('');
}

function dateText(days: number): string {
  const date = new Date(0);
  date.setUTCFullYear(1970, 0, 1 + days);
  return `${String(date.getUTCFullYear()).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

function randomGuid(): string {
  const digits = Array.from({ length: 32 }, () => '0123456789ABCDEF'[Math.floor(random() * 16)]).join('');
  return `${digits.slice(0, 8)}-${digits.slice(8, 12)}-${digits.slice(12, 16)}-${digits.slice(16, 20)}-${digits.slice(20)}`;
}

const bigDecimal = (row: number): bigint => {
  if (row === 2) {
    return TEN_38 - 1n;
  }
  if (row === 3) {
    return -(TEN_38 - 1n);
  }
  const magnitude = randomDigits(random, pick([38, 38, 30, 11, 10, 1]));
  return random() < 0.5 ? -magnitude : magnitude;
};

const scaled = (precision: number) => (): bigint => {
  const magnitude = randomDigits(random, 1 + Math.floor(random() * precision));
  return random() < 0.5 ? -magnitude : magnitude;
};

const decimalCase = (
  name: string,
  precision: number,
  scale: number,
  value: (row: number) => bigint,
): ColumnCase => ({
  name,
  lakeType: { kind: 'decimal', precision, scale },
  value: nullable(value),
  arrow: (values) => decimalColumn(precision, scale, values as (bigint | null)[]),
  readBack: (c) => `${c}::VARCHAR`,
  expected: (v) => formatDecimal(v as bigint, scale),
  describedType: `DECIMAL(${precision},${scale})`,
});

const timestampValue = (row: number): bigint => {
  if (row === 2) {
    return MIN_TIMESTAMP_US;
  }
  if (row === 3) {
    return MAX_TIMESTAMP_US;
  }
  return (
    MIN_TIMESTAMP_US + BigInt(Math.floor(random() * 2 ** 52)) * 70n + BigInt(Math.floor(random() * 1000))
  );
};

export const CASES: readonly ColumnCase[] = [
  {
    name: 'flag',
    lakeType: { kind: 'boolean' },
    value: nullable(() => random() < 0.5),
    arrow: (values) => boolColumn(values as (boolean | null)[]),
    readBack: (c) => `${c}::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'BOOLEAN',
  },
  ...(
    [
      ['tiny', 'int8', () => new Int8(), -128, 255, 'TINYINT'],
      ['utiny', 'uint8', () => new Uint8(), 0, 255, 'UTINYINT'],
      ['small', 'int16', () => new Int16(), -32768, 65535, 'SMALLINT'],
      ['Order "Line" no', 'int32', () => new Int32(), -2147483648, 4294967295, 'INTEGER'],
    ] as const
  ).map(
    ([name, kind, type, min, span, described]): ColumnCase => ({
      name,
      lakeType: { kind },
      value: nullable(() => min + Math.floor(random() * (span + 1))),
      arrow: (values) => numberColumn(type(), values as (number | null)[]),
      readBack: (c) => `${c}::VARCHAR`,
      expected: (v) => String(v),
      describedType: described,
    }),
  ),
  {
    name: 'big',
    lakeType: { kind: 'int64' },
    value: nullable((row) =>
      row === 2
        ? -(2n ** 63n)
        : row === 3
          ? 2n ** 63n - 1n
          : BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * 1024n,
    ),
    arrow: (values) => bigintColumn(new Int64(), values as (bigint | null)[]),
    readBack: (c) => `${c}::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'BIGINT',
  },
  {
    name: 'f32',
    lakeType: { kind: 'float32' },
    value: nullable(() => Math.fround((random() - 0.5) * 1e6)),
    arrow: (values) => numberColumn(new Float32(), values as (number | null)[]),
    // Compared as numbers, so that no float-to-text formatting is involved.
    readBack: (c) => c,
    expected: (v) => v as number,
    describedType: 'FLOAT',
  },
  {
    name: 'f64',
    lakeType: { kind: 'float64' },
    value: nullable((row) => (row === 2 ? Number.MAX_VALUE : row === 3 ? -5e-324 : (random() - 0.5) * 1e15)),
    arrow: (values) => numberColumn(new Float64(), values as (number | null)[]),
    readBack: (c) => c,
    expected: (v) => v as number,
    describedType: 'DOUBLE',
  },
  decimalCase('amount_38_10', 38, 10, bigDecimal),
  decimalCase('amount_19_4', 19, 4, scaled(19)),
  decimalCase('amount_18_4', 18, 4, scaled(18)),
  decimalCase('amount_9_2', 9, 2, scaled(9)),
  decimalCase('amount_4_1', 4, 1, scaled(4)),
  decimalCase('whole_38_0', 38, 0, bigDecimal),
  {
    name: 'name',
    lakeType: { kind: 'string' },
    value: nullable((row) => pick(['', "O'Brien", 'Zürich — 東京 🚀', 'x'.repeat(300), `row ${row}`])),
    arrow: (values) => utf8Column(values as (string | null)[]),
    readBack: (c) => c,
    expected: (v) => v as string,
    describedType: 'VARCHAR',
  },
  {
    name: 'payload',
    lakeType: { kind: 'binary' },
    value: nullable(() =>
      Uint8Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 256)),
    ),
    arrow: (values) => binaryColumn(values as (Uint8Array | null)[]),
    readBack: (c) => `hex(${c})`,
    expected: (v) => hex(v as Uint8Array),
    describedType: 'BLOB',
  },
  {
    name: 'guid',
    lakeType: { kind: 'uuid' },
    value: nullable((row) =>
      row === 2
        ? '00000000-0000-0000-0000-000000000000'
        : row === 3
          ? 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'
          : row === 4
            ? '6F9619FF-8B86-D011-B42D-00C04FC964FF'
            : randomGuid(),
    ),
    arrow: (values) => utf8Column(values as (string | null)[]),
    readBack: (c) => `upper(${c}::VARCHAR)`,
    expected: (v) => (v as string).toUpperCase(),
    describedType: 'UUID',
  },
  {
    name: 'day',
    lakeType: { kind: 'date' },
    value: nullable((row) =>
      row === 2 ? MIN_DATE : row === 3 ? MAX_DATE : MIN_DATE + Math.floor(random() * (MAX_DATE - MIN_DATE)),
    ),
    arrow: (values) => numberColumn(new DateDay(), values as (number | null)[]),
    readBack: (c) => `${c}::VARCHAR`,
    expected: (v) => dateText(v as number),
    describedType: 'DATE',
  },
  {
    name: 'time_of_day',
    lakeType: { kind: 'time' },
    value: nullable((row) => (row === 3 ? 86_399_999_999n : BigInt(Math.floor(random() * 86_400_000_000)))),
    arrow: (values) => bigintColumn(new TimeMicrosecond(), values as (bigint | null)[]),
    readBack: (c) => `epoch_us(${c})::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'TIME',
  },
  {
    name: 'modified',
    lakeType: { kind: 'timestamp_us' },
    value: nullable(timestampValue),
    arrow: (values) => bigintColumn(new TimestampMicrosecond(), values as (bigint | null)[]),
    readBack: (c) => `epoch_us(${c})::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'TIMESTAMP',
  },
  {
    name: 'modified_ns',
    lakeType: { kind: 'timestamp_ns' },
    // Rows 2 and 3 are DuckDB's -infinity/infinity sentinels; what matters is that the int64 survives.
    value: nullable((row) =>
      row === 2
        ? -(2n ** 63n) + 1n
        : row === 3
          ? 2n ** 63n - 1n
          : BigInt(Math.floor((random() - 0.5) * 2 ** 53)) * 1000n + BigInt(Math.floor(random() * 1000)),
    ),
    arrow: (values) => bigintColumn(new TimestampNanosecond(), values as (bigint | null)[]),
    readBack: (c) => `epoch_ns(${c})::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'TIMESTAMP_NS',
  },
  {
    name: 'modified_utc',
    lakeType: { kind: 'timestamptz_us' },
    value: nullable(timestampValue),
    arrow: (values) => bigintColumn(new TimestampMicrosecond('UTC'), values as (bigint | null)[]),
    readBack: (c) => `epoch_us(${c})::VARCHAR`,
    expected: (v) => String(v),
    describedType: 'TIMESTAMP WITH TIME ZONE',
  },
];

export const SCHEMA: SourceSchema = {
  schemaName: 'sales',
  tableName: 'Order Lines',
  columns: [sourceColumn('id', { kind: 'int32' }), ...CASES.map((c) => sourceColumn(c.name, c.lakeType))],
};

/** All rows' values, column-major, generated once. */
export const VALUES: Value[][] = CASES.map((c) => Array.from({ length: ROWS }, (_, row) => c.value(row)));

export function batchOf(start: number, end: number): RecordBatch {
  const ids = Array.from({ length: end - start }, (_, i) => start + i);
  return recordBatch([
    ['id', numberColumn(new Int32(), ids)],
    ...CASES.map((c, index) => [c.name, c.arrow((VALUES[index] as Value[]).slice(start, end))] as const),
  ]);
}

/**
 * Batches of awkward sizes around the 2048-row DuckDB vector, plus one batch that is a slice of a
 * larger one (non-zero Arrow offsets, validity starting mid-byte).
 */
export async function* batches(): AsyncGenerator<RecordBatch> {
  const sizes = [1, 2047, 2049, 4096, 3, 30_000];
  let start = 0;
  for (const size of sizes) {
    yield batchOf(start, start + size);
    start += size;
  }
  const sliced = batchOf(start - 5, start + 20_005);
  yield sliced.slice(5, 20_005);
  start += 20_000;
  yield batchOf(start, ROWS);
}
