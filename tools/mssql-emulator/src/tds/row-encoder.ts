import type { DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
import type { SqlType } from '../types/sql-type.js';
import { binaryEncoderFor } from './binary-encoders.js';
import { fastColumn, type RowWriter } from './fast-columns.js';
import { chunkStrings } from './fast-strings.js';
import { numericEncoder } from './numeric-encoders.js';
import { TokenType } from './protocol.js';
import type { TdsWriter } from './tds-writer.js';
import { temporalEncoder } from './temporal-encoders.js';
import { stringWriter, textEncoderFor } from './text-encoders.js';
import type { ValueEncoder } from './value-encoder.js';

/** The encoder of one column's values, and the most bytes a fixed-size value takes (0 for variable). */
function encoderFor(type: SqlType): [ValueEncoder, number] {
  const encoder =
    numericEncoder(type) ?? temporalEncoder(type) ?? textEncoderFor(type) ?? binaryEncoderFor(type);
  if (encoder === undefined) {
    throw new Error(`no TDS encoder for ${type.name}`);
  }
  return encoder;
}

/**
 * Encodes DuckDB result chunks as TDS ROW tokens for a fixed list of column types.
 *
 * @example
 * const enc = new RowEncoder([sqlType('int'), sqlType('nvarchar', 50)]);
 * enc.encodeChunk(chunk, writer, 0, chunk.rowCount);
 */
export class RowEncoder {
  private readonly encoders: ValueEncoder[];
  private readonly fixedMax: number;

  /**
   * `vectors[c]` is the chunk column of result column `c` (defaults to `c`); `digits[c]` the chunk
   * column holding its hidden 100 ns digit, `offsets[c]` the one holding its offset, if any.
   */
  constructor(
    private readonly types: readonly SqlType[],
    private readonly vectors: readonly number[] = types.map((_, i) => i),
    private readonly digits: readonly (number | undefined)[] = [],
    private readonly offsets: readonly (number | undefined)[] = [],
  ) {
    this.encoders = [];
    let fixed = 1;
    for (const t of types) {
      const [enc, size] = encoderFor(t);
      this.encoders.push(enc);
      // Direct decimal writers stage up to 16 magnitude bytes before trimming.
      fixed += ['decimal', 'numeric'].includes(t.name) ? 18 : size;
    }
    this.fixedMax = fixed;
  }

  /** Encodes rows `[from, to)` of a chunk. */
  encodeChunk(chunk: DuckDBDataChunk, w: TdsWriter, from: number, to: number): void {
    const n = this.encoders.length;
    const writers: RowWriter[] = [];
    for (let c = 0; c < n; c++) {
      const vector = chunk.getColumnVector(this.vectors[c] as number);
      const digit = this.digits[c];
      const digits = digit === undefined ? undefined : chunk.getColumnVector(digit);
      const offset = this.offsets[c];
      const offsets = offset === undefined ? undefined : chunk.getColumnVector(offset);
      const fast = offsets === undefined ? fastColumn(vector, this.types[c] as SqlType, digits) : undefined;
      const strings =
        fast === undefined && digits === undefined && offsets === undefined
          ? chunkStrings(vector, to)
          : undefined;
      if (fast !== undefined) {
        writers.push(fast);
      } else if (strings !== undefined) {
        writers.push(stringWriter(strings, this.types[c] as SqlType, this.encoders[c] as ValueEncoder));
      } else if (digits !== undefined || offsets !== undefined) {
        const enc = this.encoders[c] as ValueEncoder;
        writers.push((r, out) =>
          enc(vector.getItem(r), out, Number(digits?.getItem(r) ?? 0), Number(offsets?.getItem(r) ?? 0)),
        );
      } else {
        const enc = this.encoders[c] as ValueEncoder;
        writers.push((r, out) => enc(vector.getItem(r), out));
      }
    }
    const fixedMax = this.fixedMax;
    let rowStart = w.pos;
    try {
      for (let r = from; r < to; r++) {
        w.ensure(fixedMax);
        rowStart = w.pos;
        w.buf[w.pos++] = TokenType.Row;
        for (let c = 0; c < n; c++) {
          (writers[c] as RowWriter)(r, w);
          // Fixed-size writers write without their own check; re-check after each column.
          if (w.pos + fixedMax > w.buf.length) {
            w.ensure(fixedMax);
          }
        }
      }
    } catch (e) {
      // Never leave half a row in the stream: the ERROR token that follows must parse.
      w.pos = rowStart;
      throw e;
    }
  }

  /** Encodes one row of plain values (used for results the emulator computes itself). */
  encodeValues(values: readonly DuckDBValue[], w: TdsWriter): void {
    w.ensure(this.fixedMax);
    w.buf[w.pos++] = TokenType.Row;
    for (let c = 0; c < this.encoders.length; c++) {
      (this.encoders[c] as ValueEncoder)(values[c] ?? null, w);
      w.ensure(this.fixedMax);
    }
  }
}
