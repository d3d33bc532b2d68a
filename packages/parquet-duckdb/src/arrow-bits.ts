/**
 * Arrow and DuckDB both keep validity as least-significant-bit-first bitmaps, so on a
 * little-endian machine an Arrow validity bitmap is byte-for-byte a DuckDB validity mask,
 * provided the slice starts on a byte boundary. These helpers cover the unaligned case.
 */

/** True when bit `index` of an Arrow bitmap is set; an absent bitmap means "all valid". */
export function bitIsSet(bitmap: Uint8Array | null | undefined, index: number): boolean {
  if (bitmap === null || bitmap === undefined || bitmap.length === 0) {
    return true;
  }
  return ((bitmap[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

/**
 * Copies `count` bits of `bitmap`, starting at bit `firstBit`, into `target` starting at bit 0.
 * Returns the number of bytes written.
 *
 * @example
 * const bytes = copyBits(data.nullBitmap, data.offset + 3, 2048, scratch);
 */
export function copyBits(bitmap: Uint8Array, firstBit: number, count: number, target: Uint8Array): number {
  const byteCount = (count + 7) >> 3;
  const firstByte = firstBit >> 3;
  const shift = firstBit & 7;
  if (shift === 0) {
    target.set(bitmap.subarray(firstByte, firstByte + byteCount));
    for (let k = bitmap.length - firstByte; k < byteCount; k++) {
      target[k] = 0;
    }
    return byteCount;
  }
  for (let k = 0; k < byteCount; k++) {
    const low = (bitmap[firstByte + k] ?? 0) >> shift;
    const high = (bitmap[firstByte + k + 1] ?? 0) << (8 - shift);
    target[k] = (low | high) & 0xff;
  }
  return byteCount;
}

/**
 * Unpacks `count` bits of an Arrow boolean bitmap into one byte per value (DuckDB's BOOLEAN).
 *
 * @example
 * unpackBits(data.values, data.offset + start, count, scratch);
 */
export function unpackBits(bits: Uint8Array, firstBit: number, count: number, target: Uint8Array): void {
  for (let i = 0; i < count; i++) {
    const bit = firstBit + i;
    target[i] = ((bits[bit >> 3] ?? 0) >> (bit & 7)) & 1;
  }
}
