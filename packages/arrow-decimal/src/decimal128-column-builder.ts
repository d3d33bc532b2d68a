import { Decimal as ArrowDecimal, type Data, makeData } from 'apache-arrow';
import { writeCanonicalDecimalText } from './canonical-decimal-text.js';
import { assertFits } from './check-precision.js';
import { assertPrecisionScale, pow10 } from './decimal.js';
import { unscaledFromNumber } from './decimal-from-number.js';
import { assertLittleEndian, writeDecimal128 } from './decimal128-words.js';
import { parseUnscaled } from './parse-decimal.js';

/**
 * Options of {@link Decimal128ColumnBuilder}.
 *
 * @example
 * new Decimal128ColumnBuilder(18, 2, { initialCapacity: 65536 }); // one extractor batch
 */
export interface Decimal128ColumnBuilderOptions {
  /** Slots to allocate up front; the buffers double when full. Defaults to 1024. */
  readonly initialCapacity?: number;
}

/**
 * Builds an Arrow `Decimal128` column (`Data<Decimal>` of type `new Decimal(scale, precision, 128)`)
 * one value at a time, for extractors' hot paths: values go straight into a growing buffer of
 * 16-byte little-endian two's-complement words and a validity bitmap — no object per value and
 * no string work on the bigint path. Buffers double when full and are reused after
 * {@link Decimal128ColumnBuilder.finish}, which hands out right-sized copies.
 *
 * Apache Arrow's own `makeBuilder` for decimals is not used: it mis-encodes values
 * (apache/arrow-js#77).
 *
 * @example
 * const builder = new Decimal128ColumnBuilder(15, 2);
 * builder.append(12345n);        // 123.45, already unscaled
 * builder.appendText('-0.5');    // parsed at the column's scale: -50n
 * builder.appendNumber(19.99);   // from a driver's double (precision <= 15 only)
 * builder.append(null);
 * const data = builder.finish(); // Data<Decimal>, length 4, nullCount 1
 * const vector = makeVector(data);
 */
export class Decimal128ColumnBuilder {
  /** The Arrow type of the column: `new Decimal(scale, precision, 128)`. */
  readonly type: ArrowDecimal;
  /** Total digits of the column, 1..38. */
  readonly precision: number;
  /** Digits after the point. */
  readonly scale: number;

  readonly #limit: bigint;
  readonly #integerDigits: number;
  #capacity: number;
  #length = 0;
  #nullCount = 0;
  #words: Uint32Array;
  #lanes: BigInt64Array;
  #validity: Uint8Array;

  constructor(precision: number, scale: number, options: Decimal128ColumnBuilderOptions = {}) {
    assertPrecisionScale(precision, scale);
    assertLittleEndian();
    const initialCapacity = options.initialCapacity ?? 1024;
    if (!Number.isInteger(initialCapacity) || initialCapacity < 1) {
      throw new RangeError(`initialCapacity must be a positive integer, got ${initialCapacity}`);
    }
    this.precision = precision;
    this.scale = scale;
    this.type = new ArrowDecimal(scale, precision, 128);
    this.#limit = pow10(precision);
    this.#integerDigits = precision - scale;
    this.#capacity = initialCapacity;
    this.#words = new Uint32Array(initialCapacity * 4);
    this.#lanes = new BigInt64Array(this.#words.buffer);
    this.#validity = new Uint8Array(Math.ceil(initialCapacity / 8));
  }

  /** Values appended since the last `finish()` or `reset()`, nulls included. */
  get length(): number {
    return this.#length;
  }

  /** Nulls appended since the last `finish()` or `reset()`. */
  get nullCount(): number {
    return this.#nullCount;
  }

  /**
   * Appends an unscaled value (123.45 in a scale-2 column is `12345n`) or `null`.
   *
   * @throws {DecimalError} `DECIMAL_OVERFLOW` when the value has more than `precision` digits.
   */
  append(value: bigint | null): void {
    if (value === null) {
      this.#appendNull();
      return;
    }
    if (value >= this.#limit || value <= -this.#limit) {
      assertFits(value, this.precision, this.scale); // throws, with the value as text
    }
    const index = this.#reserve();
    writeDecimal128(this.#lanes, index, value);
    this.#markValid(index);
  }

  /**
   * Appends decimal text (`'-123.45'`, `'.5'`, `'1E+3'`: see {@link parseDecimal}) at the
   * column's scale, or `null`.
   *
   * SQL Server's own text form (`CONVERT(nvarchar(41), d)`: `'-123.45'`, exactly `scale` fraction
   * digits) is written straight into the buffer without a bigint; any other spelling takes the
   * general parser, with the same result.
   *
   * @throws {DecimalError} as {@link parseDecimal} does; nothing is appended then.
   */
  appendText(text: string | null): void {
    if (text === null) {
      this.#appendNull();
      return;
    }
    if (this.#length === this.#capacity) {
      this.#grow();
    }
    // The free slot is written only when the text is canonical; otherwise it is left untouched.
    const index = this.#length;
    if (writeCanonicalDecimalText(this.#words, index * 4, text, this.scale, this.#integerDigits)) {
      this.#length = index + 1;
      this.#markValid(index);
      return;
    }
    this.append(parseUnscaled(text, this.precision, this.scale));
  }

  /**
   * Appends a driver's double for a column of precision <= 15 (see {@link decimalFromNumber}),
   * or `null`.
   *
   * @throws {DecimalError} as {@link decimalFromNumber} does, including for precision > 15.
   */
  appendNumber(x: number | null): void {
    this.append(x === null ? null : unscaledFromNumber(x, this.precision, this.scale));
  }

  /**
   * The column built so far as Arrow `Data<Decimal>` with buffers of exactly the right size
   * (the validity bitmap is omitted when there are no nulls), and empties the builder for the
   * next batch, keeping its grown buffers.
   */
  finish(): Data<ArrowDecimal> {
    const length = this.#length;
    const nullCount = this.#nullCount;
    const bitmapBytes = Math.ceil(length / 8);
    const data = makeData({
      type: this.type,
      length,
      nullCount,
      data: this.#words.slice(0, length * 4),
      ...(nullCount > 0 ? { nullBitmap: this.#validity.slice(0, bitmapBytes) } : {}),
    });
    this.reset();
    return data;
  }

  /** Drops everything appended since the last `finish()`, keeping the allocated buffers. */
  reset(): void {
    this.#validity.fill(0, 0, Math.ceil(this.#length / 8));
    this.#length = 0;
    this.#nullCount = 0;
  }

  #appendNull(): void {
    const index = this.#reserve();
    // The slot may hold a value from an earlier batch; null slots are written as zero.
    writeDecimal128(this.#lanes, index, 0n);
    this.#nullCount++;
  }

  /** Sets the validity bit of slot `index`. */
  #markValid(index: number): void {
    const validity = this.#validity;
    validity[index >> 3] = (validity[index >> 3] ?? 0) | (1 << (index & 7));
  }

  /** Returns the next free slot, doubling the buffers first when full. */
  #reserve(): number {
    const index = this.#length;
    if (index === this.#capacity) {
      this.#grow();
    }
    this.#length = index + 1;
    return index;
  }

  /** Doubles the capacity, copying what was appended. */
  #grow(): void {
    const capacity = this.#capacity * 2;
    const words = new Uint32Array(capacity * 4);
    words.set(this.#words);
    const validity = new Uint8Array(Math.ceil(capacity / 8));
    validity.set(this.#validity);
    this.#capacity = capacity;
    this.#words = words;
    this.#lanes = new BigInt64Array(words.buffer);
    this.#validity = validity;
  }
}
