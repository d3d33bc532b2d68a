import type { DuckDBValue } from '@duckdb/node-api';
import type { SqlType } from '../types/sql-type.js';
import { writePlp, writePlpNull } from './plp.js';
import type { TdsWriter } from './tds-writer.js';
import { lengthPrefixed, type ValueEncoder } from './value-encoder.js';

interface HasBytes {
  readonly bytes: Uint8Array;
}
interface HasUint128 {
  toUint128(): bigint;
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

function writePlpBytes(w: TdsWriter, data: Uint8Array): void {
  writePlp(w, data.length, (buf, pos) => {
    buf.set(data, pos);
    return data.length;
  });
}

/**
 * The encoder of a uniqueidentifier, binary, varbinary or image column, or undefined for other types.
 *
 * @example
 * binaryEncoderFor(sqlType('uniqueidentifier'))
 */
export function binaryEncoderFor(type: SqlType): [ValueEncoder, number] | undefined {
  switch (type.name) {
    case 'uniqueidentifier':
      return lengthPrefixed(16, (v, w) => {
        w.buf.set(guidBytes(v), w.pos);
        w.pos += 16;
      });
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
    default:
      return undefined;
  }
}
