import type { DuckDBDataChunk, DuckDBValue } from '@duckdb/node-api';
import type { SqlType } from '../types/sql-type.js';
import { timeByteLength } from '../types/sql-type.js';
import { cp1252Length, writeCp1252 } from './cp1252.js';
import { fastColumn, type RowWriter } from './fast-columns.js';
import { type ChunkStrings, chunkStrings } from './fast-strings.js';
import { writePlp, writePlpNull } from './plp.js';
import { TokenType } from './protocol.js';
import { writeVariant } from './sql-variant.js';
import type { TdsWriter } from './tds-writer.js';

/**
 * Encodes one value (or NULL) of a column into the writer; fixed-size encoders rely on
 * {@link RowEncoder}'s ensure. `digit` is the hidden 100 ns digit of a scale-7 temporal column,
 * `offset` a datetimeoffset's offset in minutes.
 */
type ValueEncoder = (v: DuckDBValue, w: TdsWriter, digit?: number, offset?: number) => void;

const microsPerDay = 86_400_000_000;
const microsPerDayBig = 86_400_000_000n;
/** Days from 0001-01-01 to 1970-01-01. */
const epochDays = 719162;
/** Days from 1900-01-01 to 1970-01-01. */
const epoch1900Days = 25567;
/** Decodes as @duckdb/node-api's getItem() does. */
const utf8 = new TextDecoder();
const safeMicros = 2 ** 53;

interface HasMicros {
  readonly micros: bigint;
}
interface HasDays {
  readonly days: number;
}
interface HasDecimal {
  readonly value: bigint;
  readonly scale: number;
}
interface HasBytes {
  readonly bytes: Uint8Array;
}
interface HasUint128 {
  toUint128(): bigint;
}

/** Microseconds since 1970 of any DuckDB timestamp/date value. */
function toMicros(v: DuckDBValue): bigint {
  const o = v as unknown as Record<string, unknown>;
  if (typeof o.micros === 'bigint') {
    return o.micros;
  }
  if (typeof o.nanos === 'bigint') {
    const n = o.nanos;
    return n >= 0n ? n / 1000n : -((-n + 999n) / 1000n);
  }
  if (typeof o.millis === 'bigint') {
    return o.millis * 1000n;
  }
  if (typeof o.seconds === 'bigint') {
    return o.seconds * 1_000_000n;
  }
  if (typeof o.days === 'number') {
    return BigInt(o.days) * microsPerDayBig;
  }
  throw new Error(`not a temporal value: ${String(v)}`);
}

/** Splits microseconds since 1970 into days since 1970 and microseconds of the day. */
function splitMicros(micros: bigint): [number, number] {
  const m = Number(micros);
  if (m > -safeMicros && m < safeMicros) {
    const days = Math.floor(m / microsPerDay);
    return [days, m - days * microsPerDay];
  }
  let days = micros / microsPerDayBig;
  let rest = micros - days * microsPerDayBig;
  if (rest < 0n) {
    days -= 1n;
    rest += microsPerDayBig;
  }
  return [Number(days), Number(rest)];
}

/** Writes an unsigned little-endian integer of `len` bytes (≤ 6, value < 2^48). */
function writeUIntLE(w: TdsWriter, v: number, len: number): void {
  w.pos = w.buf.writeUIntLE(v, w.pos, len);
}

/** Ticks of the time part at `scale`, rounded as SQL Server rounds, and the day carry. */
function timeTicks(microsOfDay: number, scale: number): [number, number] {
  // 100 ns ticks at scale 7 are micros * 10; lower scales divide.
  if (scale >= 6) {
    return [microsOfDay * 10 ** (scale - 6), 0];
  }
  const div = 10 ** (6 - scale);
  const ticks = Math.round(microsOfDay / div);
  const perDay = 86_400 * 10 ** scale;
  return ticks >= perDay ? [ticks - perDay, 1] : [ticks, 0];
}

function writeDecimalMagnitude(w: TdsWriter, value: bigint, bytes: number): void {
  let mag = value < 0n ? -value : value;
  w.buf[w.pos++] = value < 0n ? 0 : 1;
  const n = bytes - 1;
  if (mag < 0x20000000000000n) {
    const m = Number(mag);
    const lo = m % 0x100000000;
    w.pos = w.buf.writeUInt32LE(lo, w.pos);
    w.pos = w.buf.writeUInt32LE((m - lo) / 0x100000000, w.pos);
    w.buf.fill(0, w.pos, w.pos + n - 8);
    w.pos += n - 8;
    return;
  }
  for (let i = 0; i < n; i++) {
    w.buf[w.pos++] = Number(mag & 0xffn);
    mag >>= 8n;
  }
}

function guidBytes(v: DuckDBValue): Buffer {
  const hex = (v as unknown as HasUint128).toUint128().toString(16).padStart(32, '0');
  const b = Buffer.from(hex, 'hex');
  // SQL Server sends the first three groups little-endian.
  return Buffer.from([
    b[3] as number,
    b[2] as number,
    b[1] as number,
    b[0] as number,
    b[5] as number,
    b[4] as number,
    b[7] as number,
    b[6] as number,
    ...b.subarray(8),
  ]);
}

function stringOf(v: DuckDBValue): string {
  return typeof v === 'string' ? v : String(v);
}

function writePlpBytes(w: TdsWriter, data: Uint8Array): void {
  writePlp(w, data.length, (buf, pos) => {
    buf.set(data, pos);
    return data.length;
  });
}

/** The encoder of one column's values, and the most bytes a fixed-size value takes (0 for variable). */
/** How a character type's text becomes bytes on the wire: nvarchar is UTF-16LE, varchar code page 1252. */
interface TextBytes {
  length(s: string): number;
  write(buf: Buffer, s: string, pos: number): number;
}

const UTF16LE: TextBytes = {
  length: (s) => s.length * 2,
  write: (buf, s, pos) => buf.write(s, pos, 'utf16le'),
};

const CP1252: TextBytes = { length: cp1252Length, write: writeCp1252 };

/**
 * The encoder of a character column: PLP chunks for `(max)`/text/ntext/xml, else a 2-byte length
 * (0xFFFF for NULL), padding `char(n)`/`nchar(n)` to `fixedChars` with spaces as SQL Server does.
 */
function textEncoder(bytes: TextBytes, fixedChars: number, plp: boolean): [ValueEncoder, number] {
  if (plp) {
    return [
      (v, w) => {
        if (v === null) {
          writePlpNull(w);
          return;
        }
        const s = stringOf(v);
        writePlp(w, bytes.length(s), (buf, pos) => bytes.write(buf, s, pos));
      },
      0,
    ];
  }
  return [
    (v, w) => {
      if (v === null) {
        w.ensure(2);
        w.pos = w.buf.writeUInt16LE(0xffff, w.pos);
        return;
      }
      let s = stringOf(v);
      if (fixedChars > 0 && s.length < fixedChars) {
        s = s.padEnd(fixedChars, ' ');
      }
      const n = bytes.length(s);
      w.ensure(2 + n);
      w.pos = w.buf.writeUInt16LE(n, w.pos);
      w.pos += bytes.write(w.buf, s, w.pos);
    },
    0,
  ];
}

/**
 * A nullable fixed-length value (BITN, INTN, FLTN, DECIMALN, MONEYN, the date/time types, GUID):
 * its length byte — 0 for NULL — then the `len` bytes `write` puts down. Returns the encoder and
 * its fixed size for {@link RowEncoder}'s ensure.
 */
function lengthPrefixed(
  len: number,
  write: (v: Exclude<DuckDBValue, null>, w: TdsWriter, digit: number, minutes: number) => void,
): [ValueEncoder, number] {
  return [
    (v, w, digit = 0, minutes = 0) => {
      if (v === null) {
        w.buf[w.pos++] = 0;
        return;
      }
      w.buf[w.pos++] = len;
      write(v, w, digit, minutes);
    },
    1 + len,
  ];
}

function encoderFor(type: SqlType): [ValueEncoder, number] {
  switch (type.name) {
    case 'bit':
      return lengthPrefixed(1, (v, w) => {
        w.buf[w.pos++] = v === true ? 1 : 0;
      });
    case 'tinyint':
    case 'smallint':
    case 'int': {
      const len = type.maxLength;
      return lengthPrefixed(len, (v, w) => {
        // tinyint is unsigned in SQL Server.
        w.pos = len === 1 ? w.buf.writeUInt8(Number(v), w.pos) : w.buf.writeIntLE(Number(v), w.pos, len);
      });
    }
    case 'bigint':
      return lengthPrefixed(8, (v, w) => {
        w.pos = w.buf.writeBigInt64LE(typeof v === 'bigint' ? v : BigInt(v as number), w.pos);
      });
    case 'timestamp':
      return [
        (v, w) => {
          w.pos = w.buf.writeUInt16LE(8, w.pos);
          w.pos = w.buf.writeBigInt64BE(v === null ? 0n : (v as bigint), w.pos);
        },
        10,
      ];
    case 'float':
      return lengthPrefixed(8, (v, w) => {
        w.pos = w.buf.writeDoubleLE(v as number, w.pos);
      });
    case 'real':
      return lengthPrefixed(4, (v, w) => {
        w.pos = w.buf.writeFloatLE(v as number, w.pos);
      });
    case 'decimal':
    case 'numeric': {
      const bytes = type.maxLength;
      const scale = type.scale;
      return lengthPrefixed(bytes, (v, w) => {
        let value: bigint;
        if (typeof v === 'bigint') {
          value = v * 10n ** BigInt(scale);
        } else if (typeof v === 'number') {
          value = BigInt(v) * 10n ** BigInt(scale);
        } else {
          const d = v as unknown as HasDecimal;
          value = d.scale === scale ? d.value : rescale(d.value, d.scale, scale);
        }
        writeDecimalMagnitude(w, value, bytes);
      });
    }
    case 'money':
    case 'smallmoney': {
      const small = type.name === 'smallmoney';
      return lengthPrefixed(small ? 4 : 8, (v, w) => {
        const d = v as unknown as HasDecimal;
        const value = rescale(d.value, d.scale, 4);
        if (small) {
          w.pos = w.buf.writeInt32LE(Number(value), w.pos);
        } else {
          w.pos = w.buf.writeInt32LE(Number(value >> 32n), w.pos);
          w.pos = w.buf.writeUInt32LE(Number(value & 0xffffffffn), w.pos);
        }
      });
    }
    case 'date':
      return lengthPrefixed(3, (v, w) => {
        const days = typeof (v as unknown as HasDays).days === 'number' ? (v as unknown as HasDays).days : 0;
        writeUIntLE(w, days + epochDays, 3);
      });
    case 'time': {
      const scale = type.scale;
      const len = timeByteLength(scale);
      return lengthPrefixed(len, (v, w, digit) => {
        const micros = Number((v as unknown as HasMicros).micros);
        const [ticks] = timeTicks(micros, scale);
        writeUIntLE(w, scale === 7 ? ticks + digit : ticks, len);
      });
    }
    case 'datetime2':
    case 'datetimeoffset': {
      const scale = type.scale;
      const timeLen = timeByteLength(scale);
      const offset = type.name === 'datetimeoffset';
      return lengthPrefixed(timeLen + 3 + (offset ? 2 : 0), (v, w, digit, minutes) => {
        // DATETIMEOFFSETN: the time and date are UTC, followed by the offset in minutes.
        const [days, micros] = splitMicros(toMicros(v));
        const [ticks, carry] = timeTicks(micros, scale);
        writeUIntLE(w, scale === 7 ? ticks + digit : ticks, timeLen);
        writeUIntLE(w, days + carry + epochDays, 3);
        if (offset) {
          w.pos = w.buf.writeInt16LE(minutes, w.pos);
        }
      });
    }
    case 'datetime':
    case 'smalldatetime': {
      const small = type.name === 'smalldatetime';
      return lengthPrefixed(small ? 4 : 8, (v, w) => {
        let [days, micros] = splitMicros(toMicros(v));
        if (small) {
          let minutes = Math.round(micros / 60_000_000);
          if (minutes >= 1440) {
            minutes -= 1440;
            days += 1;
          }
          w.pos = w.buf.writeUInt16LE(days + epoch1900Days, w.pos);
          w.pos = w.buf.writeUInt16LE(minutes, w.pos);
        } else {
          let ticks = Math.round((micros * 3) / 10_000);
          if (ticks >= 25_920_000) {
            ticks -= 25_920_000;
            days += 1;
          }
          w.pos = w.buf.writeInt32LE(days + epoch1900Days, w.pos);
          w.pos = w.buf.writeUInt32LE(ticks, w.pos);
        }
      });
    }
    case 'uniqueidentifier':
      return lengthPrefixed(16, (v, w) => {
        w.buf.set(guidBytes(v), w.pos);
        w.pos += 16;
      });
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
    case 'xml':
      return textEncoder(
        UTF16LE,
        type.name === 'nchar' ? type.maxLength / 2 : 0,
        type.maxLength < 0 || type.name === 'ntext' || type.name === 'xml',
      );
    case 'char':
    case 'varchar':
    case 'text':
      return textEncoder(
        CP1252,
        type.name === 'char' ? type.maxLength : 0,
        type.maxLength < 0 || type.name === 'text',
      );
    case 'sql_variant':
      return [(v, w) => writeVariant(w, v === null ? null : stringOf(v)), 0];
    case 'binary':
    case 'varbinary':
    case 'image': {
      const fixed = type.name === 'binary' ? type.maxLength : 0;
      if (type.maxLength < 0 || type.name === 'image') {
        return [
          (v, w) => {
            if (v === null) {
              writePlpNull(w);
              return;
            }
            writePlpBytes(w, (v as unknown as HasBytes).bytes);
          },
          0,
        ];
      }
      return [
        (v, w) => {
          if (v === null) {
            w.ensure(2);
            w.pos = w.buf.writeUInt16LE(0xffff, w.pos);
            return;
          }
          const bytes = (v as unknown as HasBytes).bytes;
          const n = Math.max(bytes.length, fixed);
          w.ensure(2 + n);
          w.pos = w.buf.writeUInt16LE(n, w.pos);
          w.buf.set(bytes, w.pos);
          w.buf.fill(0, w.pos + bytes.length, w.pos + n);
          w.pos += n;
        },
        0,
      ];
    }
  }
}

/**
 * A writer of a VARCHAR column whose bytes were read in bulk. Pure-ASCII values of an nvarchar(n)
 * or varchar(n) column are written from the UTF-8 bytes directly (the same bytes as the string
 * path); anything else is decoded to a string and goes through the column's encoder.
 */
function stringWriter(s: ChunkStrings, type: SqlType, enc: ValueEncoder): RowWriter {
  const { src, off, len } = s;
  const slow = (r: number, w: TdsWriter): void => {
    const bytes = src[r];
    const o = off[r] as number;
    enc(bytes === undefined ? null : utf8.decode(bytes.subarray(o, o + (len[r] as number))), w);
  };
  const wide = type.name === 'nvarchar';
  if (!(wide || type.name === 'varchar') || type.maxLength < 0) {
    return slow;
  }
  return (r, w) => {
    const bytes = src[r];
    if (bytes === undefined) {
      w.ensure(2);
      w.pos = w.buf.writeUInt16LE(0xffff, w.pos);
      return;
    }
    const o = off[r] as number;
    const n = len[r] as number;
    w.ensure(2 + 2 * n);
    const buf = w.buf;
    const start = w.pos;
    let p = start + 2;
    if (wide) {
      for (let k = 0; k < n; k++) {
        const b = bytes[o + k] as number;
        if (b >= 0x80) {
          slow(r, w);
          return;
        }
        buf[p] = b;
        buf[p + 1] = 0;
        p += 2;
      }
      buf.writeUInt16LE(2 * n, start);
    } else {
      for (let k = 0; k < n; k++) {
        const b = bytes[o + k] as number;
        if (b >= 0x80) {
          slow(r, w);
          return;
        }
        buf[p++] = b;
      }
      buf.writeUInt16LE(n, start);
    }
    w.pos = p;
  };
}

function rescale(value: bigint, from: number, to: number): bigint {
  if (from === to) {
    return value;
  }
  if (to > from) {
    return value * 10n ** BigInt(to - from);
  }
  const div = 10n ** BigInt(from - to);
  const q = value / div;
  const r = value % div;
  // Round half away from zero, as SQL Server converts.
  if ((r < 0n ? -r : r) * 2n >= div) {
    return value < 0n ? q - 1n : q + 1n;
  }
  return q;
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
