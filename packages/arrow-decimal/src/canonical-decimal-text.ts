const MINUS = 45;
const POINT = 46;
const ZERO = 48;

/** Digits a double holds exactly: 10^15 - 1 < 2^53. */
const PART_DIGITS = 15;

const TWO_24 = 16777216;
const TWO_25 = 33554432;
const TWO_32 = 4294967296;

/** `x` as six 24-bit limbs, least significant first (144 bits, room for any 128-bit value). */
function limbs24(x: bigint): readonly number[] {
  return Array.from({ length: 6 }, (_, k) => Number((x >> BigInt(24 * k)) & 0xffffffn));
}

// Multipliers of the three parts of a wide number (see writeCanonicalDecimalText), as 24-bit limbs.
const [P15_0 = 0, P15_1 = 0, P15_2 = 0] = limbs24(10n ** 15n);
const [Q15_0 = 0, Q15_1 = 0, Q15_2 = 0, Q15_3 = 0] = limbs24(2n ** 25n * 10n ** 15n);
const [P30_0 = 0, P30_1 = 0, P30_2 = 0, P30_3 = 0, P30_4 = 0] = limbs24(10n ** 30n);

/**
 * Writes SQL Server's canonical decimal text — what `CONVERT(nvarchar(41), d)` prints for a
 * `DECIMAL(p,s)`: an optional `-`, one or more integer digits, and when `scale > 0` a `.` followed
 * by exactly `scale` digits — as a 16-byte little-endian two's-complement word at `words[offset]`
 * (four uint32, least significant first). No regex, substring or bigint: this is the extractor's
 * hot path, where the general parser's string and bigint work dominated.
 *
 * Returns `false`, writing nothing, for any other text (`'+1'`, `'.5'`, `'1E+3'`, fewer or more
 * fraction digits, whitespace, `''`) and for more than `integerDigitLimit` (`precision - scale`,
 * at most 38 digits in all, not counting the lone `0` of `'0.50'`) integer digits, so that the
 * caller can hand it to `parseUnscaled`, which accepts, rejects and words errors exactly as
 * before. Redundant leading zeros (`'007.50'`) are accepted: they cannot change the value, and
 * the digit count alone guarantees that the value fits, as `parseUnscaled` would also find.
 * `'-0.00'` is written as plain zero, as bigint has no negative zero.
 */
export function writeCanonicalDecimalText(
  words: Uint32Array,
  offset: number,
  text: string,
  scale: number,
  integerDigitLimit: number,
): boolean {
  const length = text.length;
  const start = length > 0 && text.charCodeAt(0) === MINUS ? 1 : 0;
  // The point, if any, must sit exactly `scale` digits before the end.
  const integerDigits = length - start - (scale === 0 ? 0 : scale + 1);
  // Too many integer digits go to the exact parser, which reports the overflow. A DECIMAL(p,p)
  // has no integer digits, yet SQL Server prints a '0' before its point: that one is fine.
  if (
    integerDigits < 1 ||
    (integerDigits > integerDigitLimit && !(integerDigits === 1 && text.charCodeAt(start) === ZERO))
  ) {
    return false;
  }
  const point = scale === 0 ? -1 : start + integerDigits;
  if (scale > 0 && text.charCodeAt(point) !== POINT) {
    return false;
  }
  const digits = integerDigits + scale;
  const negative = start === 1;
  if (digits <= PART_DIGITS) {
    const value = digitRun(text, start, length, point);
    if (value < 0) {
      return false;
    }
    // value < 2^50: `>>> 0` keeps the low 32 bits exactly, and truncating value / 2^32 floors it
    storeWords(words, offset, negative, value >>> 0, (value / TWO_32) >>> 0, 0, 0);
    return true;
  }
  // Wider numbers are top * 10^30 + middle * 10^15 + low, each part at most 15 digits and so an
  // exact double; top is below 10^8 (38 digits in all, or 39 with the lone leading '0'). Each part
  // times a multiplier's 24-bit limb stays below 2^51 once middle is split at 2^25, so the per-limb
  // sums a0..a4 (< 4e15) are exact too.
  const middleStart =
    digits <= 2 * PART_DIGITS ? start : charOfDigit(start, integerDigits, digits - 2 * PART_DIGITS);
  const lowStart = charOfDigit(start, integerDigits, digits - PART_DIGITS);
  const top = digitRun(text, start, middleStart, point);
  const middle = digitRun(text, middleStart, lowStart, point);
  const low = digitRun(text, lowStart, length, point);
  if (top < 0 || middle < 0 || low < 0) {
    return false;
  }
  const m1 = Math.floor(middle / TWO_25);
  const m0 = middle - m1 * TWO_25;
  const a0 = top * P30_0 + m1 * Q15_0 + m0 * P15_0 + low;
  const a1 = top * P30_1 + m1 * Q15_1 + m0 * P15_1;
  const a2 = top * P30_2 + m1 * Q15_2 + m0 * P15_2;
  const a3 = top * P30_3 + m1 * Q15_3;
  const a4 = top * P30_4;
  // Normalise to 24-bit limbs: each sum splits on its own (`& 0xffffff` is exact below 2^53, the
  // truncated quotient is below 2^29), and only small int32 carries ripple upwards.
  let carry = (a1 & 0xffffff) + ((a0 / TWO_24) | 0);
  const l1 = carry & 0xffffff;
  carry = (a2 & 0xffffff) + ((a1 / TWO_24) | 0) + (carry >>> 24);
  const l2 = carry & 0xffffff;
  carry = (a3 & 0xffffff) + ((a2 / TWO_24) | 0) + (carry >>> 24);
  const l3 = carry & 0xffffff;
  carry = (a4 & 0xffffff) + ((a3 / TWO_24) | 0) + (carry >>> 24);
  const l4 = carry & 0xffffff;
  const l5 = ((a4 / TWO_24) | 0) + (carry >>> 24); // bits 120..; only its low 8 bits are kept
  storeWords(
    words,
    offset,
    negative,
    (a0 & 0xffffff) | (l1 << 24),
    (l1 >>> 8) | (l2 << 16),
    (l2 >>> 16) | (l3 << 8),
    l4 | (l5 << 24),
  );
  return true;
}

/**
 * The value of the digit characters `from..to` of `text`, skipping the point at `point`, or -1
 * if one is not an ASCII digit. Exact for at most 15 digits.
 */
function digitRun(text: string, from: number, to: number, point: number): number {
  let value = 0;
  for (let i = from; i < to; i++) {
    if (i === point) {
      continue;
    }
    const d = text.charCodeAt(i) - ZERO;
    if (!(d >= 0 && d <= 9)) {
      return -1;
    }
    value = value * 10 + d;
  }
  return value;
}

/** The character index of digit `k` (0 = most significant) of a number with a point after `integerDigits`. */
function charOfDigit(start: number, integerDigits: number, k: number): number {
  return k < integerDigits ? start + k : start + k + 1;
}

/**
 * Stores the magnitude `w0..w3` (uint32 or int32 bit patterns, least significant first), negated
 * in two's complement when `negative`. A typed-array store keeps the low 32 bits, so int32 results
 * of `-`, `~` and `|` land as the right uint32; a zero magnitude stays all zeros.
 */
function storeWords(
  words: Uint32Array,
  offset: number,
  negative: boolean,
  w0: number,
  w1: number,
  w2: number,
  w3: number,
): void {
  if (!negative) {
    words[offset] = w0;
    words[offset + 1] = w1;
    words[offset + 2] = w2;
    words[offset + 3] = w3;
  } else if (w0 !== 0) {
    // -x = ~x + 1: the +1 carries through the low words that are zero
    words[offset] = -w0;
    words[offset + 1] = ~w1;
    words[offset + 2] = ~w2;
    words[offset + 3] = ~w3;
  } else if (w1 !== 0) {
    words[offset] = 0;
    words[offset + 1] = -w1;
    words[offset + 2] = ~w2;
    words[offset + 3] = ~w3;
  } else if (w2 !== 0) {
    words[offset] = 0;
    words[offset + 1] = 0;
    words[offset + 2] = -w2;
    words[offset + 3] = ~w3;
  } else {
    words[offset] = 0;
    words[offset + 1] = 0;
    words[offset + 2] = 0;
    words[offset + 3] = -w3;
  }
}
