import { DuckDBTypeId, type DuckDBVector } from '@duckdb/node-api';
import { isDecimalText } from '../types/decimal-text-type.js';
import type { SqlType } from '../types/sql-type.js';
import { timeByteLength } from '../types/sql-type.js';
import { decimalTextWriter } from './decimal-text.js';
import type { TdsWriter } from './tds-writer.js';

/** Writes the value of row `r` of one column (NULL included). */
export type RowWriter = (r: number, w: TdsWriter) => void;

// The emulator reads DuckDB's vector memory directly for fixed-width columns: going through
// getItem() allocates a value object (and BigInts) per cell, which is most of the encode time.
// These are internal fields of @duckdb/node-api's vector classes (pinned to 1.5.6-r.1); when
// they are not there, the caller falls back to getItem().
interface RawVector {
  readonly items?: ArrayBufferView;
  readonly dataView?: DataView;
  readonly validity?: { readonly data: BigUint64Array | null; readonly offset: number };
}

/** Days from 0001-01-01 to 1970-01-01. */
const epochDays = 719162;
const microsPerDay = 86_400_000_000;
const microsPerDayBig = 86_400_000_000n;

/** A fast null test: a byte view of DuckDB's validity mask, or undefined when all rows are valid. */
function validityBytes(v: RawVector): Uint8Array | undefined {
  const data = v.validity?.data;
  if (data === null || data === undefined || (v.validity?.offset ?? 0) !== 0) {
    return undefined;
  }
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Writes `n` little-endian bytes at `src` as a DECIMALN magnitude of `out` bytes with its sign byte. */
function writeScaledInteger(w: TdsWriter, src: Uint8Array, at: number, n: number, out: number): void {
  const buf = w.buf;
  const negative = ((src[at + n - 1] as number) & 0x80) !== 0;
  buf[w.pos++] = negative ? 0 : 1;
  const start = w.pos;
  if (negative) {
    // Two's complement negation, byte by byte.
    let carry = 1;
    for (let k = 0; k < n; k++) {
      const b = (~(src[at + k] as number) & 0xff) + carry;
      buf[start + k] = b & 0xff;
      carry = b >> 8;
    }
  } else {
    for (let k = 0; k < n; k++) {
      buf[start + k] = src[at + k] as number;
    }
  }
  if (out > n) {
    buf.fill(0, start + n, start + out);
  }
  w.pos = start + out;
}

/**
 * Writes a nullable fixed-width value (INTN, FLTN) as its 1-byte length followed by the `len`
 * little-endian bytes DuckDB already stores, copied straight from the vector; NULL is length 0.
 */
function lengthPrefixedCopy(src: Uint8Array, len: number, isNull: (r: number) => boolean): RowWriter {
  return (r, w) => {
    if (isNull(r)) {
      w.buf[w.pos++] = 0;
      return;
    }
    const buf = w.buf;
    let p = w.pos;
    buf[p++] = len;
    const at = r * len;
    for (let k = 0; k < len; k++) {
      buf[p++] = src[at + k] as number;
    }
    w.pos = p;
  };
}

/** BITN straight from a BOOLEAN vector. */
function bitColumn(vector: DuckDBVector, isNull: (r: number) => boolean): RowWriter | undefined {
  const raw = vector as unknown as RawVector;
  const typeId = vector.type.typeId;
  const view = raw.dataView;
  if (typeId !== DuckDBTypeId.BOOLEAN || view === undefined) {
    return undefined;
  }
  const src = bytesOf(view);
  return (r, w) => {
    if (isNull(r)) {
      w.buf[w.pos++] = 0;
      return;
    }
    w.buf[w.pos++] = 1;
    w.buf[w.pos++] = src[r] === 0 ? 0 : 1;
  };
}

/** DATEN from a DATE vector: days since 0001-01-01 in 3 bytes. */
function dateColumn(vector: DuckDBVector, isNull: (r: number) => boolean): RowWriter | undefined {
  const raw = vector as unknown as RawVector;
  const typeId = vector.type.typeId;
  const items = raw.items;
  if (typeId !== DuckDBTypeId.DATE || !(items instanceof Int32Array)) {
    return undefined;
  }
  return (r, w) => {
    if (isNull(r)) {
      w.buf[w.pos++] = 0;
      return;
    }
    w.buf[w.pos++] = 3;
    w.pos = w.buf.writeUIntLE((items[r] as number) + epochDays, w.pos, 3);
  };
}

/** DATETIME2N from a TIMESTAMP vector (plus the hidden 100 ns digit of a datetime2(7)), rounded to the declared scale as SQL Server rounds. */
function datetime2Column(
  vector: DuckDBVector,
  type: SqlType,
  isNull: (r: number) => boolean,
  digits?: DuckDBVector,
): RowWriter | undefined {
  const raw = vector as unknown as RawVector;
  const typeId = vector.type.typeId;
  const items = raw.items;
  if (typeId !== DuckDBTypeId.TIMESTAMP || !(items instanceof BigInt64Array)) {
    return undefined;
  }
  const halves = new Int32Array(items.buffer, items.byteOffset, items.length * 2);
  const digitItems = (digits as unknown as RawVector | undefined)?.items;
  const digitBytes =
    digits !== undefined && digits.type.typeId === DuckDBTypeId.UTINYINT && digitItems !== undefined
      ? bytesOf(digitItems)
      : undefined;
  const scale = type.scale;
  const timeLen = timeByteLength(scale);
  const div = scale >= 6 ? 1 : 10 ** (6 - scale);
  const mul = scale >= 6 ? 10 ** (scale - 6) : 1;
  const perDay = 86_400 * 10 ** scale;
  return (r, w) => {
    if (isNull(r)) {
      w.buf[w.pos++] = 0;
      return;
    }
    const hi = halves[2 * r + 1] as number;
    let days: number;
    let ofDay: number;
    if (hi > -0x100000 && hi < 0x100000) {
      // |micros| < 2^52: exact as a double.
      const micros = hi * 4294967296 + ((halves[2 * r] as number) >>> 0);
      days = Math.floor(micros / microsPerDay);
      ofDay = micros - days * microsPerDay;
    } else {
      const micros = items[r] as bigint;
      let d = micros / microsPerDayBig;
      let rest = micros - d * microsPerDayBig;
      if (rest < 0n) {
        d -= 1n;
        rest += microsPerDayBig;
      }
      days = Number(d);
      ofDay = Number(rest);
    }
    let ticks = div === 1 ? ofDay * mul : Math.round(ofDay / div);
    if (digitBytes !== undefined && scale === 7) {
      ticks += digitBytes[r] as number;
    }
    if (ticks >= perDay) {
      ticks -= perDay;
      days += 1;
    }
    w.buf[w.pos++] = timeLen + 3;
    w.pos = w.buf.writeUIntLE(ticks, w.pos, timeLen);
    w.pos = w.buf.writeUIntLE(days + epochDays, w.pos, 3);
  };
}

/** DECIMALN / MONEYN from a DECIMAL vector of the same scale, the integer copied (money as its two 32-bit halves). */
function decimalColumn(
  vector: DuckDBVector,
  type: SqlType,
  isNull: (r: number) => boolean,
): RowWriter | undefined {
  const raw = vector as unknown as RawVector;
  const typeId = vector.type.typeId;
  const view = raw.dataView;
  if (typeId !== DuckDBTypeId.DECIMAL || view === undefined) {
    return undefined;
  }
  const t = vector.type as unknown as { width: number; scale: number };
  const targetScale = type.name === 'money' || type.name === 'smallmoney' ? 4 : type.scale;
  if (t.scale !== targetScale) {
    return undefined;
  }
  const width = t.width;
  const n = width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
  const src = bytesOf(view);
  if (type.name === 'money') {
    if (n < 8) {
      return undefined;
    }
    return (r, w) => {
      if (isNull(r)) {
        w.buf[w.pos++] = 0;
        return;
      }
      const at = r * n;
      w.buf[w.pos++] = 8;
      // MONEY is the int64 value as its high then low 32-bit halves.
      w.pos = w.buf.writeInt32LE(view.getInt32(at + 4, true), w.pos);
      w.pos = w.buf.writeUInt32LE(view.getUint32(at, true), w.pos);
    };
  }
  if (type.name === 'smallmoney') {
    return undefined;
  }
  // The wire magnitude (4/8/12/16 bytes) can be narrower than DuckDB's storage (2/4/8/16):
  // the value fits the declared precision, so the extra high bytes are zero.
  const out = type.maxLength - 1;
  return (r, w) => {
    if (isNull(r)) {
      w.buf[w.pos++] = 0;
      return;
    }
    w.buf[w.pos++] = out + 1;
    writeScaledInteger(w, src, r * n, n, Math.max(out, n));
    if (n > out) {
      w.pos -= n - out;
    }
  };
}

/**
 * A direct encoder for a column of a chunk, or undefined when this (DuckDB type, SQL type) pair
 * has none (strings, GUIDs, rarer types go through getItem()). `digits` is the hidden 100 ns
 * digit column of a datetime2(7) value.
 */
export function fastColumn(
  vector: DuckDBVector,
  type: SqlType,
  digits?: DuckDBVector,
): RowWriter | undefined {
  const raw = vector as unknown as RawVector;
  const valid = validityBytes(raw);
  const isNull =
    valid === undefined
      ? (_r: number) => false
      : (r: number) => ((valid[r >> 3] as number) & (1 << (r & 7))) === 0;
  const typeId = vector.type.typeId;
  const items = raw.items;
  if (isDecimalText(type)) {
    const view = raw.dataView;
    if (typeId !== DuckDBTypeId.DECIMAL || view === undefined) {
      return undefined;
    }
    const { width, scale } = vector.type as unknown as { width: number; scale: number };
    const storage = width <= 4 ? 2 : width <= 9 ? 4 : width <= 18 ? 8 : 16;
    return decimalTextWriter(view, storage, scale, type, isNull);
  }
  switch (type.name) {
    case 'int':
    case 'smallint':
    case 'tinyint': {
      const len = type.maxLength;
      const expected =
        len === 4 ? DuckDBTypeId.INTEGER : len === 2 ? DuckDBTypeId.SMALLINT : DuckDBTypeId.UTINYINT;
      if (typeId !== expected || items === undefined) {
        return undefined;
      }
      return lengthPrefixedCopy(bytesOf(items), len, isNull);
    }
    case 'bigint':
    case 'float': {
      const ok = type.name === 'bigint' ? typeId === DuckDBTypeId.BIGINT : typeId === DuckDBTypeId.DOUBLE;
      if (!ok || items === undefined) {
        return undefined;
      }
      return lengthPrefixedCopy(bytesOf(items), 8, isNull);
    }
    case 'bit': {
      return bitColumn(vector, isNull);
    }
    case 'date': {
      return dateColumn(vector, isNull);
    }
    case 'datetime2': {
      return datetime2Column(vector, type, isNull, digits);
    }
    case 'decimal':
    case 'numeric':
    case 'money':
    case 'smallmoney': {
      return decimalColumn(vector, type, isNull);
    }
    default:
      return undefined;
  }
}
