import type { TdsWriter } from './tds-writer.js';

/**
 * The most data bytes in one PLP chunk. A reader cannot use a chunk before all of it arrived, and
 * tedious (19.x) re-concatenates everything it holds for every packet that arrives meanwhile
 * (`Buffer.concat([buffer.slice(position), packet])`), so one 10 MiB chunk costs it gigabytes of
 * copying — seconds per value. Chunks about a packet long keep that copying linear.
 *
 * @example
 * Math.ceil(n / plpChunkBytes) // chunks of an n-byte value
 */
export const plpChunkBytes = 8000;

const plpNull = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);

/**
 * Writes a NULL `(max)` value: the PLP length 0xFFFFFFFFFFFFFFFF.
 *
 * @example writePlpNull(w); // ff ff ff ff ff ff ff ff
 */
export function writePlpNull(w: TdsWriter): void {
  w.ensure(8);
  w.buf.set(plpNull, w.pos);
  w.pos += 8;
}

/**
 * Writes a `(max)` value of `n` bytes as PLP: the total length, chunks of at most
 * {@link plpChunkBytes} each behind its 4-byte length, and the zero terminator. `fill` writes all
 * `n` bytes at the position it is given and returns how many it wrote (exactly `n`).
 *
 * The bytes are written once, behind room for every chunk header, and then moved down chunk by
 * chunk to make room for the headers: one encoding pass for any size.
 *
 * @example
 * writePlp(w, s.length * 2, (buf, pos) => buf.write(s, pos, 'utf16le'));
 */
export function writePlp(w: TdsWriter, n: number, fill: (buf: Buffer, pos: number) => number): void {
  const chunks = Math.ceil(n / plpChunkBytes);
  w.ensure(12 + chunks * 4 + n);
  const buf = w.buf;
  let pos = buf.writeBigUInt64LE(BigInt(n), w.pos);
  const staged = pos + chunks * 4;
  fill(buf, staged);
  // Chunk k moves from staged + k·C to pos + k·(C + 4) + 4: never above its source, and never past
  // the start of chunk k + 1's source, so moving in order never overwrites unread bytes.
  for (let k = 0; k < chunks; k++) {
    const from = staged + k * plpChunkBytes;
    const len = Math.min(plpChunkBytes, n - k * plpChunkBytes);
    pos = buf.writeUInt32LE(len, pos);
    if (pos !== from) {
      buf.copyWithin(pos, from, from + len);
    }
    pos += len;
  }
  w.pos = buf.writeUInt32LE(0, pos);
}
