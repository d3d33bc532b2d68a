import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecimalError } from './decimal-error.js';
import { decimalFromNumber } from './decimal-from-number.js';

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

/** The decimal text of `unscaled / 10^scale`, built without the library. */
function text(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${sign}${digits}` : `${sign}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** JavaScript's Number(text) is the correctly rounded, nearest double for <= 20 digits. */
function nearestDouble(unscaled: bigint, scale: number): number {
  return Number(text(unscaled, scale));
}

describe('decimalFromNumber', () => {
  it('recovers what tedious hands out', () => {
    expect(decimalFromNumber(0.1, 10, 2)).toEqual({ value: 10n, precision: 10, scale: 2 });
    expect(decimalFromNumber(-1234.5678, 15, 4).value).toBe(-12345678n);
    expect(decimalFromNumber(-0, 5, 2).value).toBe(0n);
    expect(decimalFromNumber(999999999999999, 15, 0).value).toBe(999999999999999n);
    expect(decimalFromNumber(0.999999999999999, 15, 15).value).toBe(999999999999999n);
  });

  it('refuses precision above 15 and says to read the column as text', () => {
    let error: unknown;
    try {
      decimalFromNumber(1.5, 16, 2);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(DecimalError);
    expect((error as DecimalError).code).toBe('DECIMAL_PRECISION_LOSS');
    expect((error as DecimalError).message).toMatch(/DECIMAL\(16,2\).*read the column as text/);
  });

  it('rejects numbers that are not a value of the column', () => {
    expect(codeOf(() => decimalFromNumber(0.125, 10, 2))).toBe('DECIMAL_PRECISION_LOSS');
    // 0.1 + 0.2 is 0.30000000000000004, not the double a driver returns for 0.30: strict, not rounded.
    expect(codeOf(() => decimalFromNumber(0.1 + 0.2, 15, 2))).toBe('DECIMAL_PRECISION_LOSS');
    expect(codeOf(() => decimalFromNumber(-0.004, 10, 2))).toBe('DECIMAL_PRECISION_LOSS');
    expect(codeOf(() => decimalFromNumber(1000, 5, 2))).toBe('DECIMAL_OVERFLOW');
    expect(codeOf(() => decimalFromNumber(1e300, 15, 0))).toBe('DECIMAL_OVERFLOW');
    expect(codeOf(() => decimalFromNumber(Number.NaN, 5, 2))).toBe('DECIMAL_PARSE');
    expect(codeOf(() => decimalFromNumber(Number.POSITIVE_INFINITY, 5, 2))).toBe('DECIMAL_PARSE');
  });

  it('round-trips every DECIMAL(4,s) value through its nearest double (exhaustive)', () => {
    for (let scale = 0; scale <= 4; scale++) {
      for (let n = -9999; n <= 9999; n++) {
        const unscaled = BigInt(n);
        if (decimalFromNumber(nearestDouble(unscaled, scale), 4, scale).value !== unscaled) {
          throw new Error(`${text(unscaled, scale)} did not round-trip`);
        }
      }
    }
  });

  it('round-trips the 15-digit values next to the limits at every scale', () => {
    const max = 10n ** 15n - 1n;
    for (let scale = 0; scale <= 15; scale++) {
      for (let k = 0n; k < 2000n; k++) {
        for (const unscaled of [max - k, -(max - k), k, -k, 10n ** 14n + k, 10n ** 14n - k]) {
          if (decimalFromNumber(nearestDouble(unscaled, scale), 15, scale).value !== unscaled) {
            throw new Error(`${text(unscaled, scale)} did not round-trip`);
          }
        }
      }
    }
  });

  it('round-trips any DECIMAL(p<=15,s) value through its nearest double (property)', () => {
    const column = fc
      .integer({ min: 1, max: 15 })
      .chain((precision) => fc.tuple(fc.constant(precision), fc.integer({ min: 0, max: precision })));
    const value = column.chain(([precision, scale]) =>
      fc.tuple(
        fc.constant(precision),
        fc.constant(scale),
        fc.bigInt({ min: -(10n ** BigInt(precision) - 1n), max: 10n ** BigInt(precision) - 1n }),
      ),
    );
    fc.assert(
      fc.property(value, ([precision, scale, unscaled]) => {
        expect(decimalFromNumber(nearestDouble(unscaled, scale), precision, scale).value).toBe(unscaled);
      }),
      { numRuns: 20000 },
    );
  });

  it('shows why 16 digits are refused: two DECIMAL(16,0) values share a double', () => {
    expect(nearestDouble(9007199254740993n, 0)).toBe(nearestDouble(9007199254740992n, 0));
  });
});
