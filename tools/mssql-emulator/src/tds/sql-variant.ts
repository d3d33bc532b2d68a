import { parseTypeDeclaration, timeByteLength } from '../types/sql-type.js';
import { writeCp1252 } from './cp1252.js';
import { DataType, defaultCollation } from './protocol.js';
import type { TdsWriter } from './tds-writer.js';

/** Days from 0001-01-01 to 1970-01-01. */
const epochDays = 719162;
/** Days from 1900-01-01 to 1970-01-01. */
const epoch1900Days = 25567;

/**
 * The stored form of a sql_variant value: its SQL Server type and its text, e.g.
 * `variantText('datetime2(3)', '2023-02-01 00:00:00')` is `'datetime2(3)|2023-02-01 00:00:00'`.
 */
export function variantText(typeDeclaration: string, text: string): string {
  return `${typeDeclaration}|${text}`;
}

/** Days since 1970-01-01 and 100 ns ticks of the day of `yyyy-mm-dd[ hh:mm:ss[.fffffff]]`. */
function parseDateTime(text: string): { days: number; ticks: number } {
  const m = text.match(/^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?)?/);
  if (m === null) {
    throw new Error(`not a date/time: ${text}`);
  }
  const date = new Date(0);
  date.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const days = Math.round(date.getTime() / 86_400_000);
  const seconds = Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0);
  const fraction = Number((m[7] ?? '').padEnd(7, '0'));
  return { days, ticks: seconds * 10_000_000 + fraction };
}

/** Writes one sql_variant value (MS-TDS 2.2.5.5.4) from its stored `type|text` form; NULL is length 0. */
export function writeVariant(w: TdsWriter, stored: string | null): void {
  if (stored === null) {
    w.u32(0);
    return;
  }
  const bar = stored.indexOf('|');
  const type = parseTypeDeclaration(stored.slice(0, bar));
  const text = stored.slice(bar + 1);
  const body = (base: number, props: readonly number[], data: Buffer): void => {
    w.u32(2 + props.length + data.length);
    w.u8(base);
    w.u8(props.length);
    for (const p of props) {
      w.u8(p);
    }
    w.bytes(data);
  };
  switch (type.name) {
    case 'tinyint':
      body(DataType.Int1, [], Buffer.from([Number(text)]));
      return;
    case 'smallint': {
      const b = Buffer.alloc(2);
      b.writeInt16LE(Number(text));
      body(DataType.Int2, [], b);
      return;
    }
    case 'int': {
      const b = Buffer.alloc(4);
      b.writeInt32LE(Number(text));
      body(DataType.Int4, [], b);
      return;
    }
    case 'bigint': {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(text));
      body(DataType.Int8, [], b);
      return;
    }
    case 'bit':
      body(DataType.Bit, [], Buffer.from([text === 'true' || text === '1' ? 1 : 0]));
      return;
    case 'float': {
      const b = Buffer.alloc(8);
      b.writeDoubleLE(Number(text));
      body(DataType.Flt8, [], b);
      return;
    }
    case 'decimal':
    case 'numeric': {
      const [int = '0', frac = ''] = text.replace('-', '').split('.');
      const scaled = BigInt(int + frac.padEnd(type.scale, '0').slice(0, type.scale));
      const data = Buffer.alloc(type.maxLength);
      data[0] = text.startsWith('-') ? 0 : 1;
      let v = scaled;
      for (let i = 1; i < data.length; i++) {
        data[i] = Number(v & 0xffn);
        v >>= 8n;
      }
      body(
        type.name === 'decimal' ? DataType.DecimalN : DataType.NumericN,
        [type.precision, type.scale],
        data,
      );
      return;
    }
    case 'date': {
      const { days } = parseDateTime(text);
      const b = Buffer.alloc(3);
      b.writeUIntLE(days + epochDays, 0, 3);
      body(DataType.DateN, [], b);
      return;
    }
    case 'datetime2': {
      const { days, ticks } = parseDateTime(text);
      const timeLen = timeByteLength(type.scale);
      const b = Buffer.alloc(timeLen + 3);
      b.writeUIntLE(Math.round(ticks / 10 ** (7 - type.scale)), 0, timeLen);
      b.writeUIntLE(days + epochDays, timeLen, 3);
      body(DataType.DateTime2N, [type.scale], b);
      return;
    }
    case 'datetime': {
      const { days, ticks } = parseDateTime(text);
      const b = Buffer.alloc(8);
      b.writeInt32LE(days + epoch1900Days, 0);
      b.writeUInt32LE(Math.round((ticks * 3) / 100_000), 4);
      body(DataType.DateTime, [], b);
      return;
    }
    case 'smalldatetime': {
      const { days, ticks } = parseDateTime(text);
      const b = Buffer.alloc(4);
      b.writeUInt16LE(days + epoch1900Days, 0);
      b.writeUInt16LE(Math.round(ticks / 600_000_000), 2);
      body(DataType.DateTim4, [], b);
      return;
    }
    case 'varchar':
    case 'char': {
      const b = Buffer.alloc(text.length);
      const n = writeCp1252(b, text, 0);
      body(DataType.BigVarChar, [0x40, 0x1f, ...defaultCollation], b.subarray(0, n));
      return;
    }
    default: {
      body(DataType.NVarChar, [0x40, 0x1f, ...defaultCollation], Buffer.from(text, 'utf16le'));
      return;
    }
  }
}
