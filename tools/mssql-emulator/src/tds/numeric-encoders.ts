import type { SqlType } from '../types/sql-type.js';
import type { TdsWriter } from './tds-writer.js';
import { lengthPrefixed, type ValueEncoder } from './value-encoder.js';

interface HasDecimal {
  readonly value: bigint;
  readonly scale: number;
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
 * The encoder of a bit, integer, float, decimal or money column (and rowversion), or undefined for other types.
 *
 * @example
 * numericEncoder(sqlType('bit'))
 */
export function numericEncoder(type: SqlType): [ValueEncoder, number] | undefined {
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
    default:
      return undefined;
  }
}
