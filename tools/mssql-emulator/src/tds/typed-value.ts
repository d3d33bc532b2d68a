import {
  BIGINT,
  BLOB,
  BOOLEAN,
  blobValue,
  DATE,
  DECIMAL,
  DOUBLE,
  type DuckDBType,
  DuckDBUUIDValue,
  dateValue,
  decimalValue,
  FLOAT,
  INTEGER,
  SMALLINT,
  TIME,
  TIMESTAMP,
  TIMESTAMPTZ,
  timestampTZValue,
  timestampValue,
  timeValue,
  UTINYINT,
  UUID,
  VARCHAR,
} from '@duckdb/node-api';
import { SqlServerError } from '../sql-server-error.js';
import type { BoundValue } from '../types/bound-value.js';
import { offsetText } from '../types/offset-text.js';
import { type SqlType, sqlType } from '../types/sql-type.js';
import type { ByteReader } from './byte-reader.js';
import { readCp1252 } from './cp1252.js';
import { DataType } from './protocol.js';

/** Days from 0001-01-01 to 1970-01-01. */
const epochDays = 719162;
/** Days from 1900-01-01 to 1970-01-01. */
const epoch1900Days = 25567;
const microsPerDay = 86_400_000_000n;

/**
 * The time (`timeBytes` bytes of 10^-scale s ticks) and date (3 bytes of days since 0001-01-01)
 * of a DATETIME2N or DATETIMEOFFSETN value: ticks in 100 ns, days since 1970, µs since 1970.
 */
function readDateTime2(
  r: ByteReader,
  timeBytes: number,
  scale: number,
): { ticks: bigint; days: number; micros: bigint } {
  const ticks = r.uintN(timeBytes) * 10n ** BigInt(7 - scale);
  const days = Number(r.uintN(3)) - epochDays;
  return { ticks, days, micros: BigInt(days) * microsPerDay + ticks / 10n };
}

/** A BIGVARCHAR/NVARCHAR/BIGVARBINARY value's bytes: PLP chunks for `(max)`, else a 2-byte length (0xFFFF = NULL). */
function readVarBytes(r: ByteReader, maxLen: number): Buffer | null {
  if (maxLen === 0xffff) {
    return r.plp();
  }
  const len = r.u16();
  return len === 0xffff ? null : r.bytes(len);
}

function nullOf(type: SqlType, duckType: DuckDBType): BoundValue {
  return { type, duckType, duck: null, js: null };
}

/** IntN. */
function readIntN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const size = t.u8();
  const len = r.u8();
  if (len === 0) {
    return size === 8 ? nullOf(sqlType('bigint'), BIGINT) : intNull(size);
  }
  if (len === 1) {
    return intValue(1, r.u8());
  }
  if (len === 2) {
    return intValue(2, r.i16());
  }
  if (len === 4) {
    return intValue(4, r.i32());
  }
  return bigintValue(r.bytes(8).readBigInt64LE(0));
}

/** BitN. */
function readBitN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  t.u8();
  const len = r.u8();
  return len === 0 ? nullOf(sqlType('bit'), BOOLEAN) : bitValue(r.u8());
}

/** FltN. */
function readFltN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const size = t.u8();
  const len = r.u8();
  if (len === 0) {
    return size === 4 ? nullOf(sqlType('real'), FLOAT) : nullOf(sqlType('float'), DOUBLE);
  }
  return len === 4 ? floatValue(4, r.bytes(4).readFloatLE(0)) : floatValue(8, r.bytes(8).readDoubleLE(0));
}

/** DecimalN, NumericN. */
function readDecimalN(typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  t.u8();
  const precision = t.u8();
  const scale = t.u8();
  const type = sqlType(typeByte === DataType.DecimalN ? 'decimal' : 'numeric', precision, scale);
  const duckType = DECIMAL(precision, scale);
  const len = r.u8();
  if (len === 0) {
    return nullOf(type, duckType);
  }
  const sign = r.u8();
  const magnitude = r.uintN(len - 1);
  const value = sign === 1 ? magnitude : -magnitude;
  return { type, duckType, duck: decimalValue(value, precision, scale), js: decimalText(value, scale) };
}

/** MoneyN. */
function readMoneyN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const size = t.u8();
  const len = r.u8();
  const type = sqlType(size === 4 ? 'smallmoney' : 'money');
  const duckType = size === 4 ? DECIMAL(10, 4) : DECIMAL(19, 4);
  if (len === 0) {
    return nullOf(type, duckType);
  }
  let value: bigint;
  if (len === 4) {
    value = BigInt(r.i32());
  } else {
    const high = BigInt(r.i32());
    const low = BigInt(r.u32());
    value = (high << 32n) | low;
  }
  return {
    type,
    duckType,
    duck: decimalValue(value, size === 4 ? 10 : 19, 4),
    js: decimalText(value, 4),
  };
}

/** DateTimN. */
function readDateTimN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const size = t.u8();
  const len = r.u8();
  const type = sqlType(size === 4 ? 'smalldatetime' : 'datetime');
  if (len === 0) {
    return nullOf(type, TIMESTAMP);
  }
  let micros: bigint;
  if (len === 4) {
    const days = r.u16();
    const minutes = r.u16();
    micros = BigInt(days - epoch1900Days) * microsPerDay + BigInt(minutes) * 60_000_000n;
  } else {
    const days = r.i32();
    const ticks = r.u32();
    // datetime ticks are 1/300 s; SQL Server rounds them to whole milliseconds.
    micros = BigInt(days - epoch1900Days) * microsPerDay + BigInt(Math.round((ticks * 10) / 3)) * 1000n;
  }
  return timestampBound(type, micros);
}

/** DateN. */
function readDateN(_typeByte: number, r: ByteReader, _t: ByteReader): BoundValue {
  const len = r.u8();
  const type = sqlType('date');
  if (len === 0) {
    return nullOf(type, DATE);
  }
  const days = r.uintN(3);
  const d = Number(days) - epochDays;
  return { type, duckType: DATE, duck: dateValue(d), js: dateText(d) };
}

/** TimeN. */
function readTimeN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const scale = t.u8();
  const len = r.u8();
  const type = sqlType('time', scale);
  if (len === 0) {
    return nullOf(type, TIME);
  }
  const ticks = r.uintN(len) * 10n ** BigInt(7 - scale);
  return { type, duckType: TIME, duck: timeValue(ticks / 10n), js: timeText(ticks) };
}

/** DateTime2N. */
function readDateTime2N(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const scale = t.u8();
  const len = r.u8();
  const type = sqlType('datetime2', scale);
  if (len === 0) {
    return nullOf(type, TIMESTAMP);
  }
  const { ticks, days, micros } = readDateTime2(r, len - 3, scale);
  return {
    type,
    duckType: TIMESTAMP,
    duck: timestampValue(micros),
    js: `${dateText(days)}T${timeText(ticks)}`,
  };
}

/** DateTimeOffsetN. */
function readDateTimeOffsetN(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const scale = t.u8();
  const len = r.u8();
  const type = sqlType('datetimeoffset', scale);
  if (len === 0) {
    return nullOf(type, TIMESTAMPTZ);
  }
  // The date and time are UTC; the offset (minutes) says which local time it was written as.
  const { ticks, days, micros } = readDateTime2(r, len - 5, scale);
  const offset = r.i16();
  return {
    type,
    duckType: TIMESTAMPTZ,
    duck: timestampTZValue(micros),
    js: offset === 0 ? `${dateText(days)}T${timeText(ticks)}Z` : localText(days, ticks, offset),
    offsetMinutes: offset,
  };
}

/** Guid. */
function readGuid(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  t.u8();
  const len = r.u8();
  const type = sqlType('uniqueidentifier');
  if (len === 0) {
    return nullOf(type, UUID);
  }
  const text = guidText(r.bytes(16));
  return {
    type,
    duckType: UUID,
    duck: DuckDBUUIDValue.fromUint128(BigInt(`0x${text.replace(/-/g, '')}`)),
    js: text,
  };
}

/** BigVarChar, BigChar, NVarChar, NChar. */
function readBigVarChar(typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const maxLen = t.u16();
  t.bytes(5); // collation
  const unicode = typeByte === DataType.NVarChar || typeByte === DataType.NChar;
  const name = unicode
    ? typeByte === DataType.NChar
      ? 'nchar'
      : 'nvarchar'
    : typeByte === DataType.BigChar
      ? 'char'
      : 'varchar';
  const type = sqlType(name, maxLen === 0xffff ? -1 : unicode ? maxLen / 2 : maxLen);
  const bytes = readVarBytes(r, maxLen);
  if (bytes === null) {
    return nullOf(type, VARCHAR);
  }
  const text = unicode ? bytes.toString('utf16le') : readCp1252(bytes);
  return { type, duckType: VARCHAR, duck: text, js: text };
}

/** BigVarBinary, BigBinary. */
function readBigVarBinary(typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const maxLen = t.u16();
  const type = sqlType(
    typeByte === DataType.BigBinary ? 'binary' : 'varbinary',
    maxLen === 0xffff ? -1 : maxLen,
  );
  const bytes = readVarBytes(r, maxLen);
  if (bytes === null) {
    return nullOf(type, BLOB);
  }
  const copy = Buffer.from(bytes);
  return { type, duckType: BLOB, duck: blobValue(copy), js: copy };
}

/** Xml. */
function readXml(_typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  const schemaPresent = t.u8();
  if (schemaPresent !== 0) {
    t.bVarchar();
    t.bVarchar();
    t.usVarchar();
  }
  const type = sqlType('xml');
  const bytes = r.plp();
  if (bytes === null) {
    return nullOf(type, VARCHAR);
  }
  const text = bytes.toString('utf16le');
  return { type, duckType: VARCHAR, duck: text, js: text };
}

/** Text, NText, Image. */
function readText(typeByte: number, r: ByteReader, t: ByteReader): BoundValue {
  t.u32();
  if (typeByte !== DataType.Image) {
    t.bytes(5);
  }
  const len = r.i32();
  const type = sqlType(typeByte === DataType.Text ? 'text' : typeByte === DataType.NText ? 'ntext' : 'image');
  const duckType = typeByte === DataType.Image ? BLOB : VARCHAR;
  if (len < 0) {
    return nullOf(type, duckType);
  }
  const bytes = Buffer.from(r.bytes(len));
  if (typeByte === DataType.Image) {
    return { type, duckType, duck: blobValue(bytes), js: bytes };
  }
  const text = typeByte === DataType.NText ? bytes.toString('utf16le') : readCp1252(bytes);
  return { type, duckType, duck: text, js: text };
}

type TypedValueReader = (typeByte: number, r: ByteReader, t: ByteReader) => BoundValue;

/** How each TDS data type's TYPE_INFO and value are read, by type byte. */
const readers: Readonly<Record<number, TypedValueReader>> = {
  [DataType.Null]: (_typeByte, _r) => nullOf(sqlType('int'), INTEGER),
  [DataType.Int1]: (_typeByte, r) => intValue(1, r.u8()),
  [DataType.Int2]: (_typeByte, r) => intValue(2, r.i16()),
  [DataType.Int4]: (_typeByte, r) => intValue(4, r.i32()),
  [DataType.Int8]: (_typeByte, r) => bigintValue(r.bytes(8).readBigInt64LE(0)),
  [DataType.Bit]: (_typeByte, r) => bitValue(r.u8()),
  [DataType.Flt8]: (_typeByte, r) => floatValue(8, r.bytes(8).readDoubleLE(0)),
  [DataType.Flt4]: (_typeByte, r) => floatValue(4, r.bytes(4).readFloatLE(0)),
  [DataType.IntN]: readIntN,
  [DataType.BitN]: readBitN,
  [DataType.FltN]: readFltN,
  [DataType.DecimalN]: readDecimalN,
  [DataType.NumericN]: readDecimalN,
  [DataType.MoneyN]: readMoneyN,
  [DataType.DateTimN]: readDateTimN,
  [DataType.DateN]: readDateN,
  [DataType.TimeN]: readTimeN,
  [DataType.DateTime2N]: readDateTime2N,
  [DataType.DateTimeOffsetN]: readDateTimeOffsetN,
  [DataType.Guid]: readGuid,
  [DataType.BigVarChar]: readBigVarChar,
  [DataType.BigChar]: readBigVarChar,
  [DataType.NVarChar]: readBigVarChar,
  [DataType.NChar]: readBigVarChar,
  [DataType.BigVarBinary]: readBigVarBinary,
  [DataType.BigBinary]: readBigVarBinary,
  [DataType.Xml]: readXml,
  [DataType.Text]: readText,
  [DataType.NText]: readText,
  [DataType.Image]: readText,
};

/**
 * Reads TYPE_INFO followed by a value (the layout of RPC parameters). For bulk-load rows the
 * TYPE_INFO comes from COLMETADATA: pass it as `t`, a reader over that column's TYPE_INFO bytes.
 *
 * @example
 * readTypedValue(new ByteReader(Buffer.from([0x38, 0x2a, 0, 0, 0]))).js // 42 (INT4)
 */
export function readTypedValue(r: ByteReader, t: ByteReader = r): BoundValue {
  const typeByte = t.u8();
  const reader = readers[typeByte];
  if (reader === undefined) {
    throw new SqlServerError(
      8009,
      `The incoming tabular data stream (TDS) remote procedure call (RPC) protocol stream is incorrect. Type 0x${typeByte.toString(16)} is not supported by the emulator.`,
    );
  }
  return reader(typeByte, r, t);
}

function intNull(size: number): BoundValue {
  if (size === 1) {
    return nullOf(sqlType('tinyint'), UTINYINT);
  }
  if (size === 2) {
    return nullOf(sqlType('smallint'), SMALLINT);
  }
  return nullOf(sqlType('int'), INTEGER);
}

function intValue(size: number, v: number): BoundValue {
  if (size === 1) {
    return { type: sqlType('tinyint'), duckType: UTINYINT, duck: v, js: v };
  }
  if (size === 2) {
    return { type: sqlType('smallint'), duckType: SMALLINT, duck: v, js: v };
  }
  return { type: sqlType('int'), duckType: INTEGER, duck: v, js: v };
}

function bigintValue(v: bigint): BoundValue {
  return { type: sqlType('bigint'), duckType: BIGINT, duck: v, js: v };
}

function bitValue(v: number): BoundValue {
  return { type: sqlType('bit'), duckType: BOOLEAN, duck: v !== 0, js: v !== 0 };
}

function floatValue(size: number, v: number): BoundValue {
  return size === 4
    ? { type: sqlType('real'), duckType: FLOAT, duck: v, js: v }
    : { type: sqlType('float'), duckType: DOUBLE, duck: v, js: v };
}

function timestampBound(type: SqlType, micros: bigint): BoundValue {
  const days = Number(micros / microsPerDay) - (micros % microsPerDay < 0n ? 1 : 0);
  const rest = micros - BigInt(days) * microsPerDay;
  return {
    type,
    duckType: TIMESTAMP,
    duck: timestampValue(micros),
    js: `${dateText(days)}T${timeText(rest * 10n)}`,
  };
}

/** The exact text of a scaled integer: `decimalText(-12345n, 2)` is `'-123.45'`. */
export function decimalText(value: bigint, scale: number): string {
  const negative = value < 0n;
  let digits = (negative ? -value : value).toString();
  if (scale > 0) {
    digits = digits.padStart(scale + 1, '0');
    digits = `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

/** `yyyy-mm-dd` for days since 1970-01-01 (proleptic Gregorian, years 1–9999). */
export function dateText(days: number): string {
  const d = new Date(days * 86_400_000);
  const y = d.getUTCFullYear();
  return `${String(y).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

/** `yyyy-mm-ddThh:mm:ss.fffffff+hh:mm`: the local time of a UTC day and 100 ns ticks at an offset. */
function localText(days: number, ticks: bigint, offset: number): string {
  const perDay = 864_000_000_000n;
  let local = ticks + BigInt(offset) * 600_000_000n;
  let day = days;
  if (local < 0n) {
    local += perDay;
    day -= 1;
  } else if (local >= perDay) {
    local -= perDay;
    day += 1;
  }
  return `${dateText(day)}T${timeText(local)}${offsetText(offset)}`;
}

/** `hh:mm:ss.fffffff` for 100 ns ticks since midnight. */
export function timeText(ticks: bigint): string {
  const totalSeconds = Number(ticks / 10_000_000n);
  const fraction = (ticks % 10_000_000n).toString().padStart(7, '0');
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds % 60;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${fraction}`;
}

/** A GUID's text from SQL Server's wire bytes (first three groups little-endian). */
export function guidText(b: Uint8Array): string {
  const hex = (i: number): string => (b[i] as number).toString(16).padStart(2, '0');
  const order = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
  return order
    .map((i) => (i < 0 ? '-' : hex(i)))
    .join('')
    .toUpperCase();
}
