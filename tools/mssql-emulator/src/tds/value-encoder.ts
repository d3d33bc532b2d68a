import type { DuckDBValue } from '@duckdb/node-api';
import type { TdsWriter } from './tds-writer.js';

/**
 * Encodes one value (or NULL) of a column into the writer; fixed-size encoders rely on
 * {@link RowEncoder}'s ensure. `digit` is the hidden 100 ns digit of a scale-7 temporal column,
 * `offset` a datetimeoffset's offset in minutes.
 */
export type ValueEncoder = (v: DuckDBValue, w: TdsWriter, digit?: number, offset?: number) => void;

/**
 * A nullable fixed-length value (BITN, INTN, FLTN, DECIMALN, MONEYN, the date/time types, GUID):
 * its length byte — 0 for NULL — then the `len` bytes `write` puts down. Returns the encoder and
 * its fixed size for {@link RowEncoder}'s ensure.
 *
 * @example
 * lengthPrefixed(4, (v, w) => { w.pos = w.buf.writeInt32LE(Number(v), w.pos); }) // INTN(4)
 */
export function lengthPrefixed(
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

/** Writes an unsigned little-endian integer of `len` bytes (≤ 6, value < 2^48).
 *
 * @example
 * writeUIntLE(w, days, 3) // a DATE's 3 bytes */
export function writeUIntLE(w: TdsWriter, v: number, len: number): void {
  w.pos = w.buf.writeUIntLE(v, w.pos, len);
}
