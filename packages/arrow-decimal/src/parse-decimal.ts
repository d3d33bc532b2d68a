import { assertPrecisionScale, type Decimal, pow10 } from './decimal.js';
import { DecimalError, quoteForMessage, sqlType } from './decimal-error.js';

// sign, integer digits, fraction digits, exponent. Either side of the point may be empty, not both.
const DECIMAL_TEXT = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * Parses decimal text into the unscaled bigint at `scale`, checking it fits `DECIMAL(p,s)`.
 * Arguments are not validated here (callers on the hot path have done so once).
 */
export function parseUnscaled(text: string, precision: number, scale: number): bigint {
  const match = DECIMAL_TEXT.exec(text);
  const integerPart = match?.[2] ?? '';
  const fractionPart = match?.[3] ?? '';
  if (match === null || integerPart.length + fractionPart.length === 0) {
    throw new DecimalError(
      'DECIMAL_PARSE',
      `${quoteForMessage(text)} is not a decimal number (expected text like '-123.45', '.5' or '1E+3')`,
      text,
      { precision, scale },
    );
  }
  const digits = integerPart + fractionPart;
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 48) {
    first++;
  }
  if (first === digits.length) {
    return 0n; // any spelling of zero, '-0.00' included: bigint has no negative zero
  }
  let last = digits.length - 1;
  while (digits.charCodeAt(last) === 48) {
    last--;
  }
  // value = significand * 10^exponent, significand without leading or trailing zeros.
  // The exponent is a double so that absurd exponents ('1e999999999999') still compare correctly
  // without ever building a huge bigint.
  const significandLength = last - first + 1;
  const exponent = Number(match[4] ?? '0') - fractionPart.length + (digits.length - 1 - last);
  const integerDigits = significandLength + exponent;
  if (integerDigits > precision - scale) {
    throw new DecimalError(
      'DECIMAL_OVERFLOW',
      `${quoteForMessage(text)} does not fit ${sqlType(precision, scale)}: it has ${integerDigits} integer digits, at most ${precision - scale} fit`,
      text,
      { precision, scale },
    );
  }
  const shift = exponent + scale;
  if (shift < 0) {
    throw new DecimalError(
      'DECIMAL_PRECISION_LOSS',
      `${quoteForMessage(text)} has more than ${scale} fractional digits and would lose digits in ${sqlType(precision, scale)}`,
      text,
      { precision, scale },
    );
  }
  const magnitude = BigInt(digits.slice(first, last + 1)) * pow10(shift);
  return match[1] === '-' ? -magnitude : magnitude;
}

/**
 * Parses decimal text exactly into a `DECIMAL(precision, scale)` value.
 *
 * Accepted: an optional sign, digits with an optional point where either side may be empty but
 * not both, and an optional exponent (`'-123.45'`, `'+1'`, `'.5'`, `'1.'`, `'0.000'`, `'1E+3'`,
 * `'2.5e-1'`); the exponent is applied exactly, so `'1E+3'` is `1000`. Not accepted (throws
 * `DECIMAL_PARSE`): leading or trailing whitespace, thousands separators, `'.'`, `''`, hex,
 * `Infinity`/`NaN`. Fewer fractional digits than `scale` are padded exactly; extra fractional
 * digits are accepted only when they are zeros. Negative zero (`'-0.00'`) is plain zero.
 *
 * @throws {DecimalError} `DECIMAL_PARSE` for malformed text, `DECIMAL_OVERFLOW` when there are
 * more than `precision - scale` integer digits, `DECIMAL_PRECISION_LOSS` when non-zero digits
 * lie beyond `scale`. The error's `value` is the text; its message names `DECIMAL(p,s)`.
 * @throws {RangeError} when `precision` is not 1..38 or `scale` not 0..precision.
 *
 * @example
 * parseDecimal('-123.45', 10, 2); // { value: -12345n, precision: 10, scale: 2 }
 * parseDecimal('.5', 5, 3);       // { value: 500n, precision: 5, scale: 3 }
 * parseDecimal('1E+3', 6, 2);     // { value: 100000n, precision: 6, scale: 2 }
 * parseDecimal('1.005', 5, 2);    // throws DecimalError DECIMAL_PRECISION_LOSS
 */
export function parseDecimal(text: string, precision: number, scale: number): Decimal {
  assertPrecisionScale(precision, scale);
  return { value: parseUnscaled(text, precision, scale), precision, scale };
}
