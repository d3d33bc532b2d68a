import { Decimal128ColumnBuilder } from '@sync/arrow-decimal';
import type { LakeType } from '@sync/core';
import { SqlSyncError, toSqlSyncError } from '@sync/core';
import {
  Binary,
  Bool,
  type Data,
  type DataType,
  DateDay,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  TimeMicrosecond,
  TimestampMicrosecond,
  TimestampNanosecond,
  Uint8,
  Utf8,
} from 'apache-arrow';
import { type ValueDecoder, wireWidth } from './type-mapping.js';

/**
 * A column being filled row by row; `finish()` hands over an Arrow Data and starts empty again.
 * A column reads `wireWidth` consecutive values of the driver's row (see {@link wireWidth}).
 */
export interface ColumnBuilder {
  readonly wireWidth: number;
  /** Appends the column's value from `row[at]` … `row[at + wireWidth - 1]`. */
  append(row: readonly unknown[], at: number): void;
  finish(): Data;
  /** Bytes held by values appended since the last finish (an estimate for batch sizing). */
  readonly byteLength: number;
}

/** Counts facts the run summary reports, such as 100 ns digits the µs default drops. */
export interface DecodeStats {
  droppedSubMicrosecondValues: number;
}

const MS_PER_DAY = 86_400_000;
/** Days from 0001-01-01 to 1970-01-01. */
const EPOCH_DAYS_FROM_YEAR_ONE = 719_162;
const SECONDS_PER_DAY = 86_400;
const TWO_32 = 0x1_0000_0000;

/** A validity bitmap that grows with the column; bit i set = row i is not NULL. */
class Validity {
  bits = new Uint8Array(64);
  nullCount = 0;
  set(index: number, valid: boolean): void {
    if (index >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    if (valid) {
      this.bits[index >> 3] = (this.bits[index >> 3] ?? 0) | (1 << (index & 7));
    } else {
      this.nullCount++;
    }
  }
  take(length: number): { nullBitmap: Uint8Array | undefined; nullCount: number } {
    const result =
      this.nullCount === 0
        ? { nullBitmap: undefined, nullCount: 0 }
        : { nullBitmap: this.bits.slice(0, (length + 7) >> 3), nullCount: this.nullCount };
    this.bits.fill(0);
    this.nullCount = 0;
    return result;
  }
}

/** Arrow Data of a fixed-width column: its values and the validity taken from `validity`. */
function fixedWidthData(type: DataType, length: number, validity: Validity, values: TypedArray): Data {
  const { nullBitmap, nullCount } = validity.take(length);
  return makeData({ type, length, nullCount, nullBitmap, data: values } as never) as Data;
}

type TypedArray = Int32Array | Int16Array | Uint8Array | Float32Array | Float64Array | BigInt64Array;
type TypedArrayCtor<T extends TypedArray> = { new (length: number): T };

/** Fixed-width values written straight into a typed array (no per-value builder objects). */
class FixedWidthBuilder<T extends TypedArray> implements ColumnBuilder {
  private values: T;
  private length = 0;
  private readonly validity = new Validity();
  constructor(
    private readonly type: DataType,
    private readonly ctor: TypedArrayCtor<T>,
    private readonly convert: (value: unknown) => T[number],
  ) {
    this.values = new ctor(1024);
  }
  readonly wireWidth = 1;
  get byteLength(): number {
    return this.length * this.values.BYTES_PER_ELEMENT;
  }
  append(row: readonly unknown[], at: number): void {
    const value = row[at];
    if (this.length === this.values.length) {
      const grown = new this.ctor(this.values.length * 2);
      (grown as unknown as { set(a: ArrayLike<unknown>): void }).set(this.values);
      this.values = grown;
    }
    const index = this.length++;
    if (value === null || value === undefined) {
      this.validity.set(index, false);
      return;
    }
    this.validity.set(index, true);
    this.values[index] = this.convert(value);
  }
  finish(): Data {
    const length = this.length;
    this.length = 0;
    return fixedWidthData(this.type, length, this.validity, this.values.slice(0, length));
  }
}

/** Booleans, bit-packed as Arrow stores them. */
class BoolBuilder implements ColumnBuilder {
  private bits = new Uint8Array(128);
  private length = 0;
  private readonly validity = new Validity();
  readonly wireWidth = 1;
  get byteLength(): number {
    return this.length >> 3;
  }
  append(row: readonly unknown[], at: number): void {
    const value = row[at];
    if (this.length >> 3 >= this.bits.length) {
      const grown = new Uint8Array(this.bits.length * 2);
      grown.set(this.bits);
      this.bits = grown;
    }
    const index = this.length++;
    if (value === null || value === undefined) {
      this.validity.set(index, false);
      return;
    }
    this.validity.set(index, true);
    if (value === true) {
      this.bits[index >> 3] = (this.bits[index >> 3] ?? 0) | (1 << (index & 7));
    }
  }
  finish(): Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.take(length);
    const data = makeData({
      type: new Bool(),
      length,
      nullCount,
      nullBitmap,
      data: this.bits.slice(0, (length + 7) >> 3),
    });
    this.bits.fill(0);
    this.length = 0;
    return data;
  }
}

const encoder = new TextEncoder();

/** Variable-width UTF-8 strings or raw bytes: one offsets array, one value buffer. */
class VariableWidthBuilder implements ColumnBuilder {
  private offsets = new Int32Array(1025);
  private bytes = new Uint8Array(16_384);
  private length = 0;
  private readonly validity = new Validity();
  constructor(private readonly binary: boolean) {}
  get byteLength(): number {
    return (this.offsets[this.length] ?? 0) + this.length * 4;
  }
  /** Makes room for `extra` bytes after the `used` bytes already written. */
  private ensure(used: number, extra: number): void {
    if (used + extra > this.bytes.length) {
      let size = this.bytes.length * 2;
      while (size < used + extra) {
        size *= 2;
      }
      const grown = new Uint8Array(size);
      grown.set(this.bytes.subarray(0, used));
      this.bytes = grown;
    }
  }
  readonly wireWidth = 1;
  append(row: readonly unknown[], at: number): void {
    const value = row[at];
    if (this.length + 1 >= this.offsets.length) {
      const grown = new Int32Array(this.offsets.length * 2);
      grown.set(this.offsets);
      this.offsets = grown;
    }
    const index = this.length++;
    const start = this.offsets[index] ?? 0;
    if (value === null || value === undefined) {
      this.validity.set(index, false);
      this.offsets[index + 1] = start;
      return;
    }
    this.validity.set(index, true);
    if (this.binary) {
      const buffer = value as Uint8Array;
      this.ensure(start, buffer.length);
      this.bytes.set(buffer, start);
      this.offsets[index + 1] = start + buffer.length;
      return;
    }
    const text = value as string;
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    this.ensure(start, text.length * 3);
    const { written } = encoder.encodeInto(text, this.bytes.subarray(start));
    this.offsets[index + 1] = start + written;
  }
  finish(): Data {
    const length = this.length;
    const { nullBitmap, nullCount } = this.validity.take(length);
    const end = this.offsets[length] ?? 0;
    const data = makeData({
      type: this.binary ? new Binary() : new Utf8(),
      length,
      nullCount,
      nullBitmap,
      valueOffsets: this.offsets.slice(0, length + 1),
      data: this.bytes.slice(0, end),
    } as never);
    this.length = 0;
    this.offsets[0] = 0;
    return data as Data;
  }
}

/** Exact decimals via `@sync/arrow-decimal` (16-byte little-endian words written directly). */
class DecimalBuilder implements ColumnBuilder {
  private readonly inner: Decimal128ColumnBuilder;
  constructor(
    precision: number,
    scale: number,
    private readonly fromText: boolean,
    private readonly context: { table: string; column: string },
  ) {
    this.inner = new Decimal128ColumnBuilder(precision, scale);
  }
  readonly wireWidth = 1;
  get byteLength(): number {
    return this.inner.length * 16;
  }
  append(row: readonly unknown[], at: number): void {
    const value = row[at];
    try {
      if (value === null || value === undefined) {
        this.inner.append(null);
      } else if (this.fromText) {
        this.inner.appendText(value as string);
      } else {
        this.inner.appendNumber(value as number);
      }
    } catch (error) {
      // A DecimalError keeps its meaning: PRECISION_LOSS, VALUE_OUT_OF_RANGE or VALUE_INVALID.
      throw new SqlSyncError(
        toSqlSyncError(error, 'VALUE_OUT_OF_RANGE').code,
        `${this.context.table}.${this.context.column}: ${(error as Error).message}`,
        { context: this.context, cause: error },
      );
    }
  }
  finish(): Data {
    const data = this.inner.finish();
    this.inner.reset();
    return data as Data;
  }
}

/**
 * 64-bit integers (BIGINT, times, timestamps) kept as pairs of 32-bit words, so that values that
 * are safe integers — nearly all — need no bigint: `convert` returns a number when it is exact,
 * a bigint otherwise.
 */
class Int64Builder implements ColumnBuilder {
  private words = new Int32Array(2048);
  private length = 0;
  private readonly validity = new Validity();
  constructor(
    private readonly type: DataType,
    readonly wireWidth: number,
    private readonly convert: (row: readonly unknown[], at: number) => number | bigint,
  ) {}
  get byteLength(): number {
    return this.length * 8;
  }
  append(row: readonly unknown[], at: number): void {
    if (2 * this.length === this.words.length) {
      const grown = new Int32Array(this.words.length * 2);
      grown.set(this.words);
      this.words = grown;
    }
    const index = this.length++;
    const value = row[at];
    if (value === null || value === undefined) {
      this.validity.set(index, false);
      this.words[2 * index] = 0;
      this.words[2 * index + 1] = 0;
      return;
    }
    this.validity.set(index, true);
    const v = this.convert(row, at);
    if (typeof v === 'number') {
      const high = Math.floor(v / TWO_32);
      this.words[2 * index] = v - high * TWO_32; // stored modulo 2^32: the low word's bits
      this.words[2 * index + 1] = high;
    } else {
      this.words[2 * index] = Number(BigInt.asIntN(32, v));
      this.words[2 * index + 1] = Number(BigInt.asIntN(32, v >> 32n));
    }
  }
  finish(): Data {
    const length = this.length;
    this.length = 0;
    return fixedWidthData(
      this.type,
      length,
      this.validity,
      new BigInt64Array(this.words.slice(0, 2 * length).buffer),
    );
  }
}

/** A BIGINT as tedious gives it (text): up to 15 digits a number is exact and far cheaper. */
function int64FromDriver(value: unknown): number | bigint {
  if (typeof value === 'string') {
    return value.length <= 15 ? Number(value) : BigInt(value);
  }
  return typeof value === 'bigint' ? value : BigInt(value as number);
}

/** `a * scale + b` as a number when exact (below 2^53), else as a bigint. */
function exactMulAdd(a: number, scale: number, b: number): number | bigint {
  const v = a * scale + b;
  return Math.abs(v) <= Number.MAX_SAFE_INTEGER ? v : BigInt(a) * BigInt(scale) + BigInt(b);
}

/** 100 ns ticks within the driver's millisecond, from tedious's `nanosecondsDelta` (seconds). */
function subMillisecondTicks(value: Date): number {
  const delta = (value as Date & { nanosecondsDelta?: number }).nanosecondsDelta;
  return delta === undefined ? 0 : Math.round(delta * 1e7);
}

// TIMESTAMP_NS is an int64 of nanoseconds since 1970: it ends in 2262 and starts in 1677.
const NS_MIN_MS = -9_223_372_036_854;
const NS_MAX_MS = 9_223_372_036_854;

/**
 * Creates the builder for one column, reading `wireWidth(decoder)` values of each driver row.
 *
 * @example
 * const b = createColumnBuilder({ kind: 'int32' }, 'number', stats, { table: 'dbo.T', column: 'Id' });
 * b.append([1], 0); b.append([null], 0); b.finish(); // Data<Int32> of length 2
 */
export function createColumnBuilder(
  lakeType: LakeType,
  decoder: ValueDecoder,
  stats: DecodeStats,
  context: { table: string; column: string },
): ColumnBuilder {
  const asNumber = (value: unknown): number => value as number;
  const width = wireWidth(decoder);
  /** Counts a 100 ns digit the µs lake types drop. */
  const micros = (nanoseconds: number): number => {
    if (nanoseconds % 1000 !== 0) {
      stats.droppedSubMicrosecondValues++;
    }
    return Math.floor(nanoseconds / 1000);
  };
  switch (lakeType.kind) {
    case 'boolean':
      return new BoolBuilder();
    case 'int8':
    case 'uint8':
      return new FixedWidthBuilder(new Uint8(), Uint8Array, asNumber);
    case 'int16':
      return new FixedWidthBuilder(new Int16(), Int16Array, asNumber);
    case 'int32':
      return new FixedWidthBuilder(new Int32(), Int32Array, asNumber);
    case 'int64':
      return new Int64Builder(new Int64(), 1, (row, at) => int64FromDriver(row[at]));
    case 'float32':
      return new FixedWidthBuilder(new Float32(), Float32Array, asNumber);
    case 'float64':
      return new FixedWidthBuilder(new Float64(), Float64Array, asNumber);
    case 'decimal':
      return new DecimalBuilder(lakeType.precision, lakeType.scale, decoder === 'decimal-text', context);
    case 'string':
    case 'uuid':
      return new VariableWidthBuilder(false);
    case 'binary':
      return new VariableWidthBuilder(true);
    case 'date':
      if (decoder === 'date-days') {
        return new FixedWidthBuilder(
          new DateDay(),
          Int32Array,
          (value) => (value as number) - EPOCH_DAYS_FROM_YEAR_ONE,
        );
      }
      // tedious builds DATE values at UTC midnight (useUTC), so whole days divide exactly.
      return new FixedWidthBuilder(new DateDay(), Int32Array, (value) =>
        Math.floor((value as Date).getTime() / MS_PER_DAY),
      );
    case 'time':
      if (decoder === 'time-parts') {
        // Seconds of the day and nanoseconds: at most 86,399,999,999 µs, always an exact number.
        return new Int64Builder(
          new TimeMicrosecond(),
          width,
          (row, at) => (row[at] as number) * 1e6 + micros(row[at + 1] as number),
        );
      }
      return new Int64Builder(new TimeMicrosecond(), width, (row, at) =>
        microsFromDate(row[at] as Date, stats),
      );
    case 'timestamp_us':
    case 'timestamptz_us': {
      const type =
        lakeType.kind === 'timestamp_us' ? new TimestampMicrosecond() : new TimestampMicrosecond('UTC');
      if (decoder === 'datetime2-parts') {
        return new Int64Builder(type, width, (row, at) =>
          exactMulAdd(
            ((row[at] as number) - EPOCH_DAYS_FROM_YEAR_ONE) * SECONDS_PER_DAY + (row[at + 1] as number),
            1e6,
            micros(row[at + 2] as number),
          ),
        );
      }
      return new Int64Builder(type, width, (row, at) => microsFromDate(row[at] as Date, stats));
    }
    case 'timestamp_ns':
      if (decoder === 'datetime2-parts') {
        return new Int64Builder(new TimestampNanosecond(), width, (row, at) => {
          const seconds =
            ((row[at] as number) - EPOCH_DAYS_FROM_YEAR_ONE) * SECONDS_PER_DAY + (row[at + 1] as number);
          const value = BigInt(seconds) * 1_000_000_000n + BigInt(row[at + 2] as number);
          if (value !== BigInt.asIntN(64, value)) {
            throw nsOutOfRange(new Date(seconds * 1000).toISOString(), context);
          }
          return value;
        });
      }
      return new Int64Builder(new TimestampNanosecond(), width, (row, at) => {
        const date = row[at] as Date;
        const ms = date.getTime();
        if (ms < NS_MIN_MS || ms > NS_MAX_MS) {
          throw nsOutOfRange(date.toISOString(), context);
        }
        return BigInt(ms) * 1_000_000n + BigInt(subMillisecondTicks(date)) * 100n;
      });
  }
}

/** µs since 1970 of a tedious Date (with its sub-millisecond ticks), counting a dropped 100 ns digit. */
function microsFromDate(date: Date, stats: DecodeStats): number | bigint {
  const ticks = subMillisecondTicks(date);
  if (ticks % 10 !== 0) {
    stats.droppedSubMicrosecondValues++;
  }
  return exactMulAdd(date.getTime(), 1000, Math.floor(ticks / 10));
}

function nsOutOfRange(shown: string, context: { table: string; column: string }): SqlSyncError {
  return new SqlSyncError(
    'VALUE_OUT_OF_RANGE',
    `${context.table}.${context.column}: ${shown} is outside TIMESTAMP_NS (1677-09-21 .. 2262-04-11); use timestamp_precision: us for this column`,
    { context: { ...context, configPath: `columns.${context.column}.timestamp_precision` } },
  );
}
