const HEX_VALUES: Int8Array = (() => {
  const table = new Int8Array(256).fill(-1);
  for (let digit = 0; digit < 10; digit++) {
    table[0x30 + digit] = digit;
  }
  for (let letter = 0; letter < 6; letter++) {
    table[0x41 + letter] = 10 + letter;
    table[0x61 + letter] = 10 + letter;
  }
  return table;
})();

const HYPHEN = 0x2d;

/**
 * Parses the 36 ASCII bytes of a UUID in its textual form (`6F9619FF-8B86-D011-B42D-00C04FC964FF`,
 * SQL Server's form; any letter case) into DuckDB's physical UUID: a 128-bit integer of the 32 hex
 * digits read in text order, with its top bit flipped (so that signed order is text order), stored
 * as four little-endian 32-bit words at `target[offset..offset+3]`.
 * Returns false when the text is not a UUID.
 *
 * @example
 * const words = new Uint32Array(4);
 * parseUuidText(new TextEncoder().encode('6F9619FF-8B86-D011-B42D-00C04FC964FF'), 0, 36, words, 0); // true
 */
export function parseUuidText(
  bytes: Uint8Array,
  start: number,
  end: number,
  target: Uint32Array,
  offset: number,
): boolean {
  if (end - start !== 36) {
    return false;
  }
  if (
    bytes[start + 8] !== HYPHEN ||
    bytes[start + 13] !== HYPHEN ||
    bytes[start + 18] !== HYPHEN ||
    bytes[start + 23] !== HYPHEN
  ) {
    return false;
  }
  // Eight hex digits per 32-bit word, the first word of the text being the most significant.
  target.fill(0, offset, offset + 4);
  let digits = 0;
  for (let position = start; position < end; position++) {
    const relative = position - start;
    if (relative === 8 || relative === 13 || relative === 18 || relative === 23) {
      continue;
    }
    const value = HEX_VALUES[bytes[position] ?? 0] ?? -1;
    if (value < 0) {
      return false;
    }
    const index = offset + 3 - (digits >> 3);
    target[index] = (((target[index] ?? 0) << 4) | value) >>> 0;
    digits++;
  }
  target[offset + 3] = ((target[offset + 3] ?? 0) ^ 0x80000000) >>> 0;
  return true;
}
