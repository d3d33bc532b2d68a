import type { Decimal as ArrowDecimal, Data } from 'apache-arrow';

// Arrow buffers are little-endian. Typed arrays use the platform's byte order, which is
// little-endian on every platform Node ships for; refuse loudly rather than write wrong bytes.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Throws unless typed arrays on this platform are little-endian, as Arrow's buffers are. */
export function assertLittleEndian(): void {
  if (!LITTLE_ENDIAN) {
    throw new Error(
      '@sync/arrow-decimal writes Arrow buffers through typed arrays and needs a little-endian CPU',
    );
  }
}

/**
 * Writes `value` as a 16-byte little-endian two's-complement word at slot `index` of a
 * BigInt64Array view (two 64-bit lanes per slot). Storing a bigint into a BigInt64Array keeps its
 * low 64 bits (ToBigInt64), which is exactly the low lane; `value >> 64n` is the sign-extended
 * high lane for any |value| < 2^127.
 */
export function writeDecimal128(lanes: BigInt64Array, index: number, value: bigint): void {
  const lane = index * 2;
  lanes[lane] = value;
  lanes[lane + 1] = value >> 64n;
}

/**
 * Reads the signed 128-bit word at slot `index` of a Decimal128 values buffer (four uint32 per
 * slot, least significant first). Values that fit in 53 bits — most real data — take a path with
 * a single bigint conversion.
 */
export function readDecimal128Word(words: Uint32Array, index: number): bigint {
  const base = index * 4;
  const w0 = words[base] ?? 0;
  const w1 = words[base + 1] ?? 0;
  const w2 = words[base + 2] ?? 0;
  const w3 = words[base + 3] ?? 0;
  if (w3 === 0 && w2 === 0 && w1 < 0x200000) {
    return BigInt(w1 * 0x100000000 + w0);
  }
  if (w3 === 0xffffffff && w2 === 0xffffffff && w1 >= 0xffe00000) {
    return BigInt((w1 - 0x100000000) * 0x100000000 + w0);
  }
  const unsigned = (BigInt(w3) << 96n) | (BigInt(w2) << 64n) | (BigInt(w1) << 32n) | BigInt(w0);
  return BigInt.asIntN(128, unsigned);
}

/** Throws `TypeError` unless `data` holds 128-bit decimals. */
export function assertDecimal128(data: Data<ArrowDecimal>): void {
  if (data.type.bitWidth !== 128) {
    throw new TypeError(`expected a Decimal128 column, got ${data.type} with bitWidth ${data.type.bitWidth}`);
  }
}
