/**
 * Property-based checks against a reference written independently of the library: text is built
 * with BigInt division and padStart, parsing and comparison work on digit strings aligned with
 * padEnd, rounding decides from the dropped digits themselves, and Arrow bytes come from repeated
 * division by 256. Nothing here calls the library to check the library.
 */
import type { Decimal as ArrowDecimal, Vector } from 'apache-arrow';
import { makeVector, Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDecimal } from './add-decimal.js';
import { compareDecimal } from './compare-decimal.js';
import type { Decimal } from './decimal.js';
import { DecimalError } from './decimal-error.js';
import { Decimal128ColumnBuilder } from './decimal128-column-builder.js';
import { formatDecimal } from './format-decimal.js';
import { makeDecimal128Data } from './make-decimal128-data.js';
import { parseDecimal } from './parse-decimal.js';
import { decimalVectorToStrings, readDecimal128 } from './read-decimal128.js';
import { type DecimalRounding, rescale } from './rescale.js';
import { sumDecimals } from './sum-decimals.js';

// ---------------------------------------------------------------- reference implementation

const TEN = 10n;

function refText(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const magnitude = unscaled < 0n ? -unscaled : unscaled;
  const unit = TEN ** BigInt(scale);
  const whole = (magnitude / unit).toString();
  return scale === 0
    ? `${sign}${whole}`
    : `${sign}${whole}.${(magnitude % unit).toString().padStart(scale, '0')}`;
}

/** Splits plain decimal text into sign, integer digits and fraction digits. */
function refSplit(text: string): { negative: boolean; whole: string; fraction: string } {
  const negative = text.startsWith('-');
  const [whole = '', fraction = ''] = text.replace(/^[+-]/, '').split('.');
  return { negative, whole, fraction };
}

/** The digits of `text` at `scale` as one bigint, by padding the fraction with zeros. */
function refUnscaled(text: string, scale: number): bigint {
  const { negative, whole, fraction } = refSplit(text);
  if (fraction.length > scale) {
    throw new Error(`reference: ${text} has more than ${scale} fractional digits`);
  }
  const magnitude = BigInt(`${whole}${fraction.padEnd(scale, '0')}` || '0');
  return negative ? -magnitude : magnitude;
}

function refCompare(a: string, b: string): number {
  const scale = Math.max(refSplit(a).fraction.length, refSplit(b).fraction.length);
  const left = refUnscaled(a, scale);
  const right = refUnscaled(b, scale);
  return left === right ? 0 : left < right ? -1 : 1;
}

/** Rounds plain text to `scale` fractional digits, deciding from the dropped digit characters. */
function refRound(text: string, scale: number, rounding: Exclude<DecimalRounding, 'error'>): bigint {
  const { negative, whole, fraction } = refSplit(text);
  const kept = fraction.slice(0, scale).padEnd(scale, '0');
  const dropped = fraction.slice(scale);
  let magnitude = BigInt(`${whole}${kept}` || '0');
  const first = dropped.length > 0 ? Number(dropped[0]) : 0;
  const restNonZero = /[1-9]/.test(dropped.slice(1));
  const lastKeptOdd = Number(`${whole}${kept}`.slice(-1)) % 2 === 1;
  const up =
    rounding === 'half-up'
      ? first >= 5
      : rounding === 'half-even'
        ? first > 5 || (first === 5 && (restNonZero || lastKeptOdd))
        : false;
  if (up) {
    magnitude += 1n;
  }
  return negative ? -magnitude : magnitude;
}

function refBytes(values: readonly (bigint | null)[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 16);
  values.forEach((value, row) => {
    let rest = ((value ?? 0n) + 2n ** 128n) % 2n ** 128n;
    for (let i = 0; i < 16; i++) {
      bytes[row * 16 + i] = Number(rest % 256n);
      rest /= 256n;
    }
  });
  return bytes;
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof DecimalError) {
      return error.code;
    }
    throw error;
  }
  return 'no error';
}

// ---------------------------------------------------------------- arbitraries

const columnType = fc
  .integer({ min: 1, max: 38 })
  .chain((precision) =>
    fc.record({ precision: fc.constant(precision), scale: fc.integer({ min: 0, max: precision }) }),
  );

function unscaledIn(precision: number): fc.Arbitrary<bigint> {
  const max = TEN ** BigInt(precision) - 1n;
  return fc.oneof(
    { weight: 8, arbitrary: fc.bigInt({ min: -max, max }) },
    { weight: 1, arbitrary: fc.constantFrom(max, -max, 0n, 1n, -1n) },
    { weight: 1, arbitrary: fc.bigInt({ min: -999n, max: 999n }).filter((v) => v <= max && v >= -max) },
  );
}

const decimal: fc.Arbitrary<Decimal> = columnType.chain(({ precision, scale }) =>
  unscaledIn(precision).map((value) => ({ value, precision, scale })),
);

const RUNS = { numRuns: 2000 };

// ---------------------------------------------------------------- properties

describe('text round trip', () => {
  it('formats like the reference and parses back', () => {
    fc.assert(
      fc.property(decimal, (d) => {
        const text = formatDecimal(d);
        expect(text).toBe(refText(d.value, d.scale));
        expect(parseDecimal(text, d.precision, d.scale)).toEqual(d);
      }),
      RUNS,
    );
  });

  it('parses every spelling of the same number to the same value', () => {
    const spelling = fc.record({
      d: decimal,
      variant: fc.integer({ min: 0, max: 6 }),
      extra: fc.integer({ min: 1, max: 5 }),
    });
    fc.assert(
      fc.property(spelling, ({ d, variant, extra }) => {
        const canonical = refText(d.value, d.scale);
        const { negative, whole, fraction } = refSplit(canonical);
        const sign = negative ? '-' : '';
        const digits = `${whole}${fraction}`;
        const spellings = [
          negative ? canonical : `+${canonical}`,
          `${sign}${'0'.repeat(extra)}${whole}${fraction ? `.${fraction}` : ''}`,
          `${sign}${whole}.${fraction}${'0'.repeat(extra)}`,
          whole === '0' && fraction ? `${sign}.${fraction}` : `${sign}${whole}.${fraction}`,
          `${sign}${digits}E-${d.scale}`,
          `${sign}${digits}${'0'.repeat(extra)}e-${d.scale + extra}`,
          `${sign}${digits.slice(0, 1)}.${digits.slice(1)}e+${digits.length - 1 - d.scale}`,
        ];
        const text = spellings[variant] ?? canonical;
        expect(parseDecimal(text, d.precision, d.scale).value).toBe(refUnscaled(canonical, d.scale));
      }),
      RUNS,
    );
  });

  it('refuses a non-zero digit past the scale and an integer digit past the precision', () => {
    fc.assert(
      fc.property(decimal, fc.integer({ min: 1, max: 9 }), (d, digit) => {
        const text = refText(d.value, d.scale);
        const longer = `${text}${d.scale === 0 ? '.' : ''}${'0'.repeat(digit % 3)}${digit}`;
        expect(codeOf(() => parseDecimal(longer, d.precision, d.scale))).toBe('DECIMAL_PRECISION_LOSS');
        const outside = d.value + (d.value < 0n ? -1n : 1n) * TEN ** BigInt(d.precision);
        expect(codeOf(() => parseDecimal(refText(outside, d.scale), d.precision, d.scale))).toBe(
          'DECIMAL_OVERFLOW',
        );
      }),
      RUNS,
    );
  });
});

describe('arithmetic', () => {
  it('compares like the reference', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        expect(compareDecimal(a, b)).toBe(refCompare(refText(a.value, a.scale), refText(b.value, b.scale)));
        expect(compareDecimal(a, a)).toBe(0);
      }),
      RUNS,
    );
  });

  it('adds like the reference or overflows past 38 digits', () => {
    fc.assert(
      fc.property(decimal, decimal, (a, b) => {
        const scale = Math.max(a.scale, b.scale);
        const expected =
          refUnscaled(refText(a.value, a.scale), scale) + refUnscaled(refText(b.value, b.scale), scale);
        const precision = Math.min(38, Math.max(a.precision - a.scale, b.precision - b.scale) + scale + 1);
        if (refText(expected < 0n ? -expected : expected, 0).length > precision) {
          expect(codeOf(() => addDecimal(a, b))).toBe('DECIMAL_OVERFLOW');
        } else {
          const sum = addDecimal(a, b);
          expect({ ...sum, text: formatDecimal(sum) }).toEqual({
            value: expected,
            precision,
            scale,
            text: refText(expected, scale),
          });
        }
      }),
      RUNS,
    );
  });

  it('sums like the reference, skipping nulls', () => {
    fc.assert(
      fc.property(fc.array(fc.option(decimal, { nil: null }), { maxLength: 30 }), (values) => {
        const present = values.filter((v): v is Decimal => v !== null);
        const scale = Math.max(0, ...present.map((v) => v.scale));
        const expected = present.reduce(
          (total, v) => total + refUnscaled(refText(v.value, v.scale), scale),
          0n,
        );
        if (refText(expected < 0n ? -expected : expected, 0).length > 38) {
          expect(codeOf(() => sumDecimals(values))).toBe('DECIMAL_OVERFLOW');
        } else {
          expect(sumDecimals(values)).toEqual({ value: expected, precision: 38, scale });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('rescales like the reference for every rounding mode', () => {
    const rounding = fc.constantFrom<Exclude<DecimalRounding, 'error'>>('half-up', 'half-even', 'truncate');
    fc.assert(
      fc.property(decimal, fc.integer({ min: 0, max: 38 }), rounding, (d, newScale, mode) => {
        const text = refText(d.value, d.scale);
        const expected = newScale >= d.scale ? refUnscaled(text, newScale) : refRound(text, newScale, mode);
        if (refText(expected < 0n ? -expected : expected, 0).length > 38) {
          expect(codeOf(() => rescale(d, newScale, { rounding: mode, precision: 38 }))).toBe(
            'DECIMAL_OVERFLOW',
          );
          return;
        }
        expect(rescale(d, newScale, { rounding: mode, precision: 38 }).value).toBe(expected);
        const exact = newScale >= d.scale || /^0*$/.test(refSplit(text).fraction.slice(newScale));
        if (exact) {
          expect(rescale(d, newScale, { precision: 38 }).value).toBe(expected);
        } else {
          expect(codeOf(() => rescale(d, newScale, { precision: 38 }))).toBe('DECIMAL_PRECISION_LOSS');
        }
      }),
      RUNS,
    );
  });
});

describe('Arrow Decimal128 round trip', () => {
  const column = columnType.chain(({ precision, scale }) =>
    fc.record({
      precision: fc.constant(precision),
      scale: fc.constant(scale),
      values: fc.array(fc.option(unscaledIn(precision), { nil: null, freq: 4 }), { maxLength: 70 }),
      initialCapacity: fc.integer({ min: 1, max: 16 }),
    }),
  );

  it('writes the reference bytes and reads them back, also through IPC', () => {
    fc.assert(
      fc.property(column, ({ precision, scale, values, initialCapacity }) => {
        const builder = new Decimal128ColumnBuilder(precision, scale, { initialCapacity });
        builder.append(1n); // a first batch, so the second reuses dirty buffers
        builder.append(null);
        builder.finish();
        for (const value of values) {
          builder.append(value);
        }
        const built = builder.finish();
        const made = makeDecimal128Data(values, precision, scale);
        const strings = values.map((v) => (v === null ? null : refText(v, scale)));
        const nulls = values.filter((v) => v === null).length;

        const table = tableFromIPC(tableToIPC(new Table({ amount: makeVector(built) })));
        const back = table.getChild('amount') as Vector<ArrowDecimal> | null;
        expect(back).not.toBeNull();
        if (back === null) {
          return;
        }
        expect([back.type.precision, back.type.scale, back.type.bitWidth]).toEqual([precision, scale, 128]);
        expect(back.nullCount).toBe(nulls);

        for (const data of [built, made, ...back.data]) {
          expect(data.length).toBe(values.length);
          expect(new Uint8Array(data.values.buffer, data.values.byteOffset, values.length * 16)).toEqual(
            refBytes(values),
          );
          if (nulls > 0) {
            const bitmap = data.nullBitmap ?? new Uint8Array(0);
            values.forEach((v, row) => {
              expect(((bitmap[row >> 3] ?? 0) >> (row & 7)) & 1).toBe(v === null ? 0 : 1);
            });
          }
          expect(decimalVectorToStrings(data)).toEqual(strings);
        }
        values.forEach((v, row) => {
          expect(readDecimal128(back, row)).toBe(v);
        });
      }),
      { numRuns: 300 },
    );
  });
});
