import { Decimal128ColumnBuilder } from '@sync/arrow-decimal';
import type { LakeType } from '@sync/core';
import { SqlSyncError } from '@sync/core';
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
import type { ValueDecoder } from './type-mapping.js';

/** A column being filled row by row; `finish()` hands over an Arrow Data and starts empty again. */
export interface ColumnBuilder {
  append(value: unknown): void;
  finish(): Data;
  /** Bytes held by values appended since the last finish (an estimate for batch sizing). */
  readonly byteLength: number;
}

/** Counts facts the run summary reports, such as 100 ns digits the µs default drops. */
export interface DecodeStats {
  droppedSubMicrosecondValues: number;
}

const MS_PER_DAY = 86_400_000;

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
  get byteLength(): number {
    return this.length * this.values.BYTES_PER_ELEMENT;
  }
  append(value: unknown): void {
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
    const { nullBitmap, nullCount } = this.validity.take(length);
    const data = makeData({
      type: this.type,
      length,
      nullCount,
      nullBitmap,
      data: this.values.slice(0, length),
    } as never);
    this.length = 0;
    return data as Data;
  }
}

/** Booleans, bit-packed as Arrow stores them. */
class BoolBuilder implements ColumnBuilder {
  private bits = new Uint8Array(128);
  private length = 0;
  private readonly validity = new Validity();
  get byteLength(): number {
    return this.length >> 3;
  }
  append(value: unknown): void {
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
  append(value: unknown): void {
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
  get byteLength(): number {
    return this.inner.length * 16;
  }
  append(value: unknown): void {
    try {
      if (value === null || value === undefined) {
        this.inner.append(null);
      } else if (this.fromText) {
        this.inner.appendText(value as string);
      } else {
        this.inner.appendNumber(value as number);
      }
    } catch (error) {
      throw new SqlSyncError(
        'VALUE_OUT_OF_RANGE',
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

/** 100 ns ticks within the driver's millisecond, from tedious's `nanosecondsDelta` (seconds). */
function subMillisecondTicks(value: Date): number {
  const delta = (value as Date & { nanosecondsDelta?: number }).nanosecondsDelta;
  return delta === undefined ? 0 : Math.round(delta * 1e7);
}

// TIMESTAMP_NS is an int64 of nanoseconds since 1970: it ends in 2262 and starts in 1677.
const NS_MIN_MS = -9_223_372_036_854;
const NS_MAX_MS = 9_223_372_036_854;

/**
 * Creates the builder for one column.
 *
 * @example
 * const b = createColumnBuilder({ kind: 'int32' }, 'number', stats, { table: 'dbo.T', column: 'Id' });
 * b.append(1); b.append(null); b.finish(); // Data<Int32> of length 2
 */
export function createColumnBuilder(
  lakeType: LakeType,
  decoder: ValueDecoder,
  stats: DecodeStats,
  context: { table: string; column: string },
): ColumnBuilder {
  const asNumber = (value: unknown): number => value as number;
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
      return new FixedWidthBuilder(new Int64(), BigInt64Array, (value) =>
        typeof value === 'bigint' ? value : BigInt(value as string | number),
      );
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
      // tedious builds DATE values at UTC midnight (useUTC), so whole days divide exactly.
      return new FixedWidthBuilder(new DateDay(), Int32Array, (value) =>
        Math.floor((value as Date).getTime() / MS_PER_DAY),
      );
    case 'time':
      return new FixedWidthBuilder(new TimeMicrosecond(), BigInt64Array, (value) => {
        const date = value as Date;
        const ticks = subMillisecondTicks(date);
        if (ticks % 10 !== 0) {
          stats.droppedSubMicrosecondValues++;
        }
        return BigInt(date.getTime()) * 1000n + BigInt(Math.floor(ticks / 10));
      });
    case 'timestamp_us':
    case 'timestamptz_us':
      return new FixedWidthBuilder(
        lakeType.kind === 'timestamp_us' ? new TimestampMicrosecond() : new TimestampMicrosecond('UTC'),
        BigInt64Array,
        (value) => {
          const date = value as Date;
          const ticks = subMillisecondTicks(date);
          if (ticks % 10 !== 0) {
            stats.droppedSubMicrosecondValues++;
          }
          return BigInt(date.getTime()) * 1000n + BigInt(Math.floor(ticks / 10));
        },
      );
    case 'timestamp_ns':
      return new FixedWidthBuilder(new TimestampNanosecond(), BigInt64Array, (value) => {
        const date = value as Date;
        const ms = date.getTime();
        if (ms < NS_MIN_MS || ms > NS_MAX_MS) {
          throw new SqlSyncError(
            'VALUE_OUT_OF_RANGE',
            `${context.table}.${context.column}: ${date.toISOString()} is outside TIMESTAMP_NS (1677-09-21 .. 2262-04-11); use timestamp_precision: us for this column`,
            { context: { ...context, configPath: `columns.${context.column}.timestamp_precision` } },
          );
        }
        return BigInt(ms) * 1_000_000n + BigInt(subMillisecondTicks(date)) * 100n;
      });
  }
}
