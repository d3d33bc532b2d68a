import type { DuckDBValue } from '@duckdb/node-api';
import type { SqlType } from '../types/sql-type.js';
import { cp1252Length, writeCp1252 } from './cp1252.js';
import type { RowWriter } from './fast-columns.js';
import type { ChunkStrings } from './fast-strings.js';
import { writePlp, writePlpNull } from './plp.js';
import { writeVariant } from './sql-variant.js';
import type { TdsWriter } from './tds-writer.js';
import type { ValueEncoder } from './value-encoder.js';

/** Decodes as @duckdb/node-api's getItem() does. */
const utf8 = new TextDecoder();

function stringOf(v: DuckDBValue): string {
  return typeof v === 'string' ? v : String(v);
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
 * The encoder of a character column (UTF-16LE for the n-types, code page 1252 otherwise) or sql_variant column, or undefined for other types.
 *
 * @example
 * textEncoderFor(sqlType('nchar'))
 */
export function textEncoderFor(type: SqlType): [ValueEncoder, number] | undefined {
  switch (type.name) {
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
    default:
      return undefined;
  }
}
/**
 * A writer of a VARCHAR column whose bytes were read in bulk. Pure-ASCII values of an nvarchar(n)
 * or varchar(n) column are written from the UTF-8 bytes directly (the same bytes as the string
 * path); anything else is decoded to a string and goes through the column's encoder.
 *
 * @example
 * stringWriter(chunkStrings(vector, count), sqlType('nvarchar', 40), encoder)
 */
export function stringWriter(s: ChunkStrings, type: SqlType, enc: ValueEncoder): RowWriter {
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
