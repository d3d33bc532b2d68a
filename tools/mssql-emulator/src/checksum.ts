import { cp1252Length, writeCp1252 } from './tds/cp1252.js';

// SQL Server's CHECKSUM family is undocumented, but part of it has been reverse-engineered and
// published. What this module computes is exactly that part:
//
// - BINARY_CHECKSUM of a byte string: start at 0, and per byte rotate the 32-bit sum left by one
//   nibble and XOR the byte in (Peter Larsson's formulation: sum = 16 * sum XOR byte, with the
//   bits that overflow 32 XORed back into the low bits); the result is a signed int. Sources:
//   https://www.sqlteam.com/forums/topic.asp?TOPIC_ID=70832 (2006, "100% compatible with MS
//   original") and https://www.sqltopia.com/internal-structures/checksum/.
// - CHECKSUM of a varchar under SQL_Latin1_General_CP1_CI_AS: the same nibble rotation, but over
//   a per-character code from the collation's sort order instead of the byte (case-insensitive:
//   'a' and 'A' share a code; accented letters carry their accent in the bits above the letter's
//   code; Æ and ß count as two letters). The codes below are read off the CHECKSUM values of
//   two-character strings CHAR(a) + CHAR(b) that a real server returned, published in
//   https://github.com/neilodonuts/tsql-checksum-javascript (data/pairs.csv): CHECKSUM(CHAR(1) +
//   CHAR(c)) = 16 XOR code(c), checked against the rows starting with CHAR(2)…CHAR(6) and
//   CHAR(26)…CHAR(36). The same data shows trailing spaces and CHAR(0) contribute nothing.

/** Rotates a 32-bit value left by one nibble. */
function rotateNibble(h: number): number {
  return ((h << 4) | (h >>> 28)) >>> 0;
}

/**
 * SQL Server's BINARY_CHECKSUM of one binary/varbinary value (and of a char/varchar value's code
 * page 1252 bytes): the published nibble-rotate-XOR over the bytes, as a signed int.
 *
 * @example
 * binaryChecksum(Buffer.from('aa')) === binaryChecksum(Buffer.from('bQ')) // true: 1649 both
 */
export function binaryChecksum(bytes: Uint8Array): number {
  let h = 0;
  for (const b of bytes) {
    h = (rotateNibble(h) ^ b) >>> 0;
  }
  return h | 0;
}

/** Code of letter `letter` ('A'…'Z') with accent weight `accent` in the bits above it. */
function letterCode(letter: string, accent: number): number {
  return 142 + (letter.charCodeAt(0) - 65) + accent * 256;
}

/**
 * Codes of bytes 0xC0–0xDF (upper-case Latin-1 letters; 0xE0–0xFF are their lower-case forms):
 * a letter with its accent weight, a pair of them, or `#n` for a plain code.
 */
const latinLetters =
  'A2 A3 A4 A5 A6 A7 A1E1 C1 E2 E3 E4 E5 I1 I2 I3 I4 #168 N1 O1 O2 O3 O4 O5 #130 O6 U1 U2 U3 U4 Y1 #169 S1S1';

function latinCodes(spec: string): number[] {
  if (spec.startsWith('#')) {
    return [Number(spec.slice(1))];
  }
  const codes: number[] = [];
  for (const m of spec.matchAll(/([A-Z])(\d)/g)) {
    codes.push(letterCode(m[1] as string, Number(m[2])));
  }
  return codes;
}

/** The collation code(s) of each code page 1252 byte under SQL_Latin1_General_CP1_CI_AS. */
const sortCodes: readonly (readonly number[])[] = (() => {
  const upper = latinLetters.split(' ').map(latinCodes);
  const codes: number[][] = [];
  for (let b = 0; b < 256; b++) {
    if (b === 0) {
      codes.push([]); // CHAR(0) is ignored
    } else if (b <= 0x2f) {
      codes.push([b]); // controls, space, !"#$%&'()*+,-./
    } else if (b <= 0x39) {
      codes.push([b + 84]); // digits: 132–141, just before the letters
    } else if (b <= 0x40) {
      codes.push([b - 10]); // :;<=>?@
    } else if (b <= 0x5a) {
      codes.push([b + 77]); // A–Z: 142–167
    } else if (b <= 0x60) {
      codes.push([b - 36]); // [\]^_`
    } else if (b <= 0x7a) {
      codes.push([b + 45]); // a–z share A–Z's codes
    } else if (b <= 0xbf) {
      codes.push([b - 62]); // {|}~, DEL and 0x80–0xBF
    } else if (b === 0xf7) {
      codes.push([131]); // ÷ (× is 130)
    } else if (b === 0xff) {
      codes.push([letterCode('Y', 2)]); // ÿ
    } else {
      codes.push(upper[(b - 0xc0) % 32] as number[]);
    }
  }
  return codes;
})();

/**
 * SQL Server's CHECKSUM of one char/varchar value under the default collation
 * SQL_Latin1_General_CP1_CI_AS: the nibble-rotate-XOR over each character's collation code(s),
 * trailing spaces ignored, as a signed int. Characters code page 1252 lacks count as '?', as
 * SQL Server stores them.
 *
 * @example
 * varcharChecksum('aa') === varcharChecksum('bQ') // true: 2158 both
 * varcharChecksum('abc') === varcharChecksum('ABC  ') // true
 */
export function varcharChecksum(text: string): number {
  const bytes = Buffer.alloc(cp1252Length(text));
  let n = writeCp1252(bytes, text, 0);
  while (n > 0 && bytes[n - 1] === 0x20) {
    n--;
  }
  let h = 0;
  for (let i = 0; i < n; i++) {
    for (const code of sortCodes[bytes[i] as number] as readonly number[]) {
      h = (rotateNibble(h) ^ code) >>> 0;
    }
  }
  return h | 0;
}
