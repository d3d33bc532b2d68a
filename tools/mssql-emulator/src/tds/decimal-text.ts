import { SqlServerError } from '../sql-server-error.js';
import type { SqlType } from '../types/sql-type.js';
import type { TdsWriter } from './tds-writer.js';

const TWO_32 = 0x1_0000_0000;
const CHUNK = 1_000_000_000;

// Scratch space of the writer: 16-bit limbs of the magnitude, and its ASCII digits right-aligned.
const limbs = new Float64Array(8);
const DIGITS_END = 48;
const digitBytes = new Uint8Array(DIGITS_END);

/** Writes the decimal digits of `value` (< 2^53) ending before `end`; returns where they start. */
function writeSmall(value: number, end: number, minDigits: number): number {
  let p = end;
  let v = value;
  do {
    const q = Math.floor(v / 10);
    digitBytes[--p] = 48 + (v - q * 10);
    v = q;
  } while (v > 0);
  while (end - p < minDigits) {
    digitBytes[--p] = 48;
  }
  return p;
}

/**
 * Writes the decimal digits of a non-negative 128-bit magnitude given as four little-endian
 * uint32 words into the scratch buffer, returning the index of the first digit (they end at
 * {@link DIGITS_END}). Values below 2^53 are one exact double; larger ones are divided by 10^9
 * over 16-bit limbs, where every intermediate stays an exact double.
 */
function magnitudeDigitsAt(w0: number, w1: number, w2: number, w3: number): number {
  if (w3 === 0 && w2 === 0 && w1 < 0x200000) {
    return writeSmall(w1 * TWO_32 + w0, DIGITS_END, 1);
  }
  limbs[0] = w0 & 0xffff;
  limbs[1] = w0 >>> 16;
  limbs[2] = w1 & 0xffff;
  limbs[3] = w1 >>> 16;
  limbs[4] = w2 & 0xffff;
  limbs[5] = w2 >>> 16;
  limbs[6] = w3 & 0xffff;
  limbs[7] = w3 >>> 16;
  let top = 7;
  let end = DIGITS_END;
  for (;;) {
    while (top > 0 && limbs[top] === 0) {
      top--;
    }
    if (top < 3) {
      // Below 2^48: the rest is one exact double.
      let rest = 0;
      for (let k = top; k >= 0; k--) {
        rest = rest * 0x10000 + (limbs[k] as number);
      }
      return writeSmall(rest, end, 1);
    }
    let remainder = 0;
    for (let k = top; k >= 0; k--) {
      const current = remainder * 0x10000 + (limbs[k] as number);
      const quotient = Math.floor(current / CHUNK);
      limbs[k] = quotient;
      remainder = current - quotient * CHUNK;
    }
    end = writeSmall(remainder, end, 9);
  }
}

/**
 * The decimal digits of a non-negative 128-bit magnitude given as four little-endian uint32 words.
 *
 * @example
 * magnitudeDigits(0, 0, 1, 0) // '18446744073709551616' (2^64)
 */
export function magnitudeDigits(w0: number, w1: number, w2: number, w3: number): string {
  const start = magnitudeDigitsAt(w0, w1, w2, w3);
  return String.fromCharCode(...digitBytes.subarray(start, DIGITS_END));
}

/**
 * A writer of DuckDB DECIMAL values (stored in `storageBytes` = 2, 4, 8 or 16 little-endian bytes
 * per row) as `type`'s varchar/nvarchar text, SQL Server's CONVERT form: `-`, the integer digits
 * (at least `0`), and `.` with `scale` digits when the scale is not 0. Text longer than the type
 * throws error 8115, as SQL Server does.
 *
 * @example
 * decimalTextWriter(view, 16, 10, nvarchar41, isNull)(row, writer);
 */
export function decimalTextWriter(
  view: DataView,
  storageBytes: number,
  scale: number,
  type: SqlType,
  isNull: (r: number) => boolean,
): (r: number, w: TdsWriter) => void {
  const wide = type.name === 'nvarchar' || type.name === 'nchar';
  const maxChars = wide ? type.maxLength / 2 : type.maxLength;
  const pad = type.name === 'char' || type.name === 'nchar';
  return (r, w) => {
    if (isNull(r)) {
      w.ensure(2);
      w.pos = w.buf.writeUInt16LE(0xffff, w.pos);
      return;
    }
    const at = r * storageBytes;
    let negative: boolean;
    let start: number;
    if (storageBytes <= 4) {
      const v = storageBytes === 2 ? view.getInt16(at, true) : view.getInt32(at, true);
      negative = v < 0;
      start = writeSmall(Math.abs(v), DIGITS_END, 1);
    } else {
      let w0 = view.getUint32(at, true);
      let w1 = view.getUint32(at + 4, true);
      let w2 = storageBytes === 16 ? view.getUint32(at + 8, true) : w1 >= 0x80000000 ? 0xffffffff : 0;
      let w3 = storageBytes === 16 ? view.getUint32(at + 12, true) : w2;
      negative = w3 >= 0x80000000;
      if (negative) {
        // Two's complement negation of the 128-bit word.
        w0 = (~w0 >>> 0) + 1;
        w1 = ~w1 >>> 0;
        w2 = ~w2 >>> 0;
        w3 = ~w3 >>> 0;
        if (w0 === TWO_32) {
          w0 = 0;
          w1 += 1;
          if (w1 === TWO_32) {
            w1 = 0;
            w2 += 1;
            if (w2 === TWO_32) {
              w2 = 0;
              w3 = (w3 + 1) >>> 0;
            }
          }
        }
      }
      start = magnitudeDigitsAt(w0, w1, w2, w3);
    }
    // At least one integer digit: pad with zeros to scale + 1 digits.
    while (DIGITS_END - start <= scale) {
      digitBytes[--start] = 48;
    }
    const digits = DIGITS_END - start;
    const length = (negative ? 1 : 0) + digits + (scale > 0 ? 1 : 0);
    if (length > maxChars) {
      throw new SqlServerError(
        8115,
        `Arithmetic overflow error converting numeric to data type ${type.name}.`,
      );
    }
    const chars = pad ? maxChars : length;
    const step = wide ? 2 : 1;
    w.ensure(2 + step * chars);
    const buf = w.buf;
    let p = buf.writeUInt16LE(step * chars, w.pos);
    if (wide) {
      buf.fill(0, p, p + 2 * chars);
    }
    if (negative) {
      buf[p] = 45;
      p += step;
    }
    const point = DIGITS_END - scale;
    for (let k = start; k < DIGITS_END; k++) {
      if (k === point) {
        buf[p] = 46;
        p += step;
      }
      buf[p] = digitBytes[k] as number;
      p += step;
    }
    for (let k = length; k < chars; k++) {
      buf[p] = 32;
      p += step;
    }
    w.pos = p;
  };
}
