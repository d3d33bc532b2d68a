import { describe, expect, it } from 'vitest';
import { addDecimal } from './add-decimal.js';
import { checkPrecision, withPrecision } from './check-precision.js';
import { compareDecimal } from './compare-decimal.js';
import type { Decimal } from './decimal.js';
import { DecimalError } from './decimal-error.js';
import { fromDuckDBDecimal, toDuckDBDecimal } from './duckdb-decimal.js';
import { rescale } from './rescale.js';
import { sumDecimals } from './sum-decimals.js';

const MAX38 = 10n ** 38n - 1n;
const d = (value: bigint, precision: number, scale: number): Decimal => ({ value, precision, scale });

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

describe('rescale', () => {
  it('scales up exactly and keeps the integer digits', () => {
    expect(rescale(d(12345n, 5, 2), 4)).toEqual(d(1234500n, 7, 4));
    expect(rescale(d(MAX38, 38, 0), 0)).toEqual(d(MAX38, 38, 0));
    expect(codeOf(() => rescale(d(MAX38, 38, 0), 1))).toBe('DECIMAL_OVERFLOW');
    expect(rescale(d(5n, 38, 0), 2, { precision: 3 })).toEqual(d(500n, 3, 2));
  });

  it('refuses to drop non-zero digits by default', () => {
    expect(rescale(d(12300n, 7, 4), 2)).toEqual(d(123n, 5, 2));
    expect(codeOf(() => rescale(d(12345n, 5, 2), 1))).toBe('DECIMAL_PRECISION_LOSS');
  });

  it.each([
    // value at scale 2 -> scale 0, per mode: truncate, half-up, half-even
    [250n, 2n, 3n, 2n],
    [350n, 3n, 4n, 4n],
    [-250n, -2n, -3n, -2n],
    [-350n, -3n, -4n, -4n],
    [251n, 2n, 3n, 3n],
    [249n, 2n, 2n, 2n],
    [-251n, -2n, -3n, -3n],
    [-249n, -2n, -2n, -2n],
    [-49n, 0n, 0n, 0n],
    [99n, 0n, 1n, 1n],
  ])('rounds %s/100 to truncate %s, half-up %s, half-even %s', (value, truncated, halfUp, halfEven) => {
    const input = d(value, 5, 2);
    expect(rescale(input, 0, { rounding: 'truncate' }).value).toBe(truncated);
    expect(rescale(input, 0, { rounding: 'half-up' }).value).toBe(halfUp);
    expect(rescale(input, 0, { rounding: 'half-even' }).value).toBe(halfEven);
  });

  it('overflows when rounding adds a digit', () => {
    expect(codeOf(() => rescale(d(999n, 3, 2), 1, { rounding: 'half-up' }))).toBe('DECIMAL_OVERFLOW');
    expect(rescale(d(999n, 3, 2), 1, { rounding: 'half-up', precision: 3 })).toEqual(d(100n, 3, 1));
  });

  it('handles DECIMAL(38,38) down to scale 0', () => {
    expect(rescale(d(MAX38, 38, 38), 0, { rounding: 'half-up' })).toEqual(d(1n, 1, 0));
    expect(rescale(d(-MAX38, 38, 38), 0, { rounding: 'truncate' })).toEqual(d(0n, 1, 0));
  });
});

describe('checkPrecision / withPrecision', () => {
  it('accepts values that fit and rejects those that do not', () => {
    expect(checkPrecision(d(MAX38, 38, 10))).toEqual(d(MAX38, 38, 10));
    expect(codeOf(() => checkPrecision(d(MAX38 + 1n, 38, 10)))).toBe('DECIMAL_OVERFLOW');
    expect(codeOf(() => checkPrecision(d(-1000n, 3, 0)))).toBe('DECIMAL_OVERFLOW');
    expect(() => checkPrecision(d(1n, 39, 0))).toThrow(RangeError);
    expect(withPrecision(d(12345n, 38, 2), 5)).toEqual(d(12345n, 5, 2));
    expect(codeOf(() => withPrecision(d(12345n, 38, 2), 4))).toBe('DECIMAL_OVERFLOW');
    expect(() => withPrecision(d(1n, 38, 5), 4)).toThrow(RangeError);
  });
});

describe('compareDecimal', () => {
  it('compares across scales', () => {
    expect(compareDecimal(d(150n, 3, 2), d(15n, 2, 1))).toBe(0);
    expect(compareDecimal(d(-1n, 38, 38), d(0n, 1, 0))).toBe(-1);
    expect(compareDecimal(d(MAX38, 38, 0), d(MAX38, 38, 38))).toBe(1);
    const sorted = [d(2n, 1, 0), d(-15n, 2, 1), d(1n, 3, 2)].sort(compareDecimal);
    expect(sorted.map((x) => x.value)).toEqual([-15n, 1n, 2n]);
  });
});

describe('addDecimal', () => {
  it('adds across scales with SQL Server result precision', () => {
    expect(addDecimal(d(150n, 5, 2), d(25n, 3, 1))).toEqual(d(400n, 6, 2));
    expect(addDecimal(d(MAX38, 38, 0), d(-MAX38, 38, 0))).toEqual(d(0n, 38, 0));
  });

  it('overflows past 38 digits', () => {
    expect(codeOf(() => addDecimal(d(MAX38, 38, 0), d(1n, 1, 0)))).toBe('DECIMAL_OVERFLOW');
    expect(codeOf(() => addDecimal(d(MAX38, 38, 10), d(1n, 1, 10)))).toBe('DECIMAL_OVERFLOW');
  });
});

describe('sumDecimals', () => {
  it('sums exactly at the largest scale, skipping nulls', () => {
    expect(sumDecimals([d(150n, 5, 2), null, d(25n, 3, 1), d(-1n, 10, 4)])).toEqual(d(39999n, 38, 4));
  });

  it('sums from a generator and to zero when empty', () => {
    function* values(): Generator<Decimal> {
      for (let i = 0; i < 1000; i++) {
        yield d(1n, 3, 2);
      }
    }
    expect(sumDecimals(values())).toEqual(d(1000n, 38, 2));
    expect(sumDecimals([])).toEqual(d(0n, 38, 0));
    expect(sumDecimals([null], { scale: 4, precision: 10 })).toEqual(d(0n, 10, 4));
  });

  it('keeps intermediate overflow that cancels out, but rejects a total past the precision', () => {
    expect(sumDecimals([d(MAX38, 38, 0), d(MAX38, 38, 0), d(-MAX38, 38, 0)])).toEqual(d(MAX38, 38, 0));
    expect(codeOf(() => sumDecimals([d(MAX38, 38, 0), d(1n, 1, 0)]))).toBe('DECIMAL_OVERFLOW');
    expect(codeOf(() => sumDecimals([d(600n, 3, 2), d(500n, 3, 2)], { precision: 3 }))).toBe(
      'DECIMAL_OVERFLOW',
    );
  });
});

describe('DuckDB interop', () => {
  it('maps precision to width and back', () => {
    expect(toDuckDBDecimal(d(-12345n, 18, 2))).toEqual({ width: 18, scale: 2, value: -12345n });
    expect(fromDuckDBDecimal({ width: 38, scale: 10, value: MAX38 })).toEqual(d(MAX38, 38, 10));
    expect(codeOf(() => fromDuckDBDecimal({ width: 4, scale: 2, value: 10000n }))).toBe('DECIMAL_OVERFLOW');
  });
});
