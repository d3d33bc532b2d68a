import { describe, expect, it } from 'vitest';
import { DecimalError } from './decimal-error.js';
import { formatDecimal } from './format-decimal.js';
import { parseDecimal } from './parse-decimal.js';

const MAX38 = 10n ** 38n - 1n;

function decimalErrorOf(run: () => unknown): DecimalError {
  try {
    run();
  } catch (error) {
    if (error instanceof DecimalError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a DecimalError');
}

describe('parseDecimal', () => {
  it.each([
    ['-123.45', 10, 2, -12345n],
    ['+1', 5, 2, 100n],
    ['.5', 5, 3, 500n],
    ['1.', 5, 0, 1n],
    ['0.000', 5, 3, 0n],
    ['-0.00', 5, 2, 0n],
    ['-0', 5, 0, 0n],
    ['000123.4500', 7, 2, 12345n],
    ['1E+3', 6, 2, 100000n],
    ['1e3', 4, 0, 1000n],
    ['2.5e-1', 5, 2, 25n],
    ['12.30e-1', 5, 3, 1230n],
    ['0e99999999', 1, 0, 0n],
    ['5', 1, 0, 5n],
  ])('parses %s as DECIMAL(%i,%i)', (text, precision, scale, value) => {
    expect(parseDecimal(text, precision, scale)).toEqual({ value, precision, scale });
  });

  it('holds DECIMAL(38,0) at ±(10^38 - 1)', () => {
    expect(parseDecimal('9'.repeat(38), 38, 0).value).toBe(MAX38);
    expect(parseDecimal(`-${'9'.repeat(38)}`, 38, 0).value).toBe(-MAX38);
    expect(decimalErrorOf(() => parseDecimal(`1${'0'.repeat(38)}`, 38, 0)).code).toBe('DECIMAL_OVERFLOW');
  });

  it('holds DECIMAL(38,10) with 28 integer digits', () => {
    const text = `-${'9'.repeat(28)}.${'9'.repeat(10)}`;
    expect(parseDecimal(text, 38, 10).value).toBe(-MAX38);
    expect(parseDecimal(`1${'0'.repeat(27)}`, 38, 10).value).toBe(10n ** 37n);
    const error = decimalErrorOf(() => parseDecimal(`1${'0'.repeat(28)}`, 38, 10));
    expect(error.code).toBe('DECIMAL_OVERFLOW');
    expect(error.message).toContain('DECIMAL(38,10)');
    expect(error.message).toContain('29 integer digits');
  });

  it('holds DECIMAL(38,38): only a fraction', () => {
    expect(parseDecimal(`0.${'9'.repeat(38)}`, 38, 38).value).toBe(MAX38);
    expect(parseDecimal(`-.${'0'.repeat(37)}1`, 38, 38).value).toBe(-1n);
    expect(parseDecimal('0', 38, 38).value).toBe(0n);
    expect(decimalErrorOf(() => parseDecimal('1', 38, 38)).code).toBe('DECIMAL_OVERFLOW');
    expect(decimalErrorOf(() => parseDecimal(`0.${'0'.repeat(38)}1`, 38, 38)).code).toBe(
      'DECIMAL_PRECISION_LOSS',
    );
  });

  it('accepts extra fractional zeros but not extra fractional digits', () => {
    expect(parseDecimal('1.2300000', 5, 2).value).toBe(123n);
    const error = decimalErrorOf(() => parseDecimal('1.005', 5, 2));
    expect(error.code).toBe('DECIMAL_PRECISION_LOSS');
    expect(error.value).toBe('1.005');
    expect(error.precision).toBe(5);
    expect(error.scale).toBe(2);
    expect(error.message).toContain("'1.005'");
    expect(error.message).toContain('DECIMAL(5,2)');
  });

  it('reports overflow with the value and target type', () => {
    const error = decimalErrorOf(() => parseDecimal('-1234.5', 5, 2));
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('DecimalError');
    expect(error.code).toBe('DECIMAL_OVERFLOW');
    expect(error.value).toBe('-1234.5');
    expect(error.message).toContain("'-1234.5' does not fit DECIMAL(5,2)");
  });

  it('treats absurd exponents without building huge numbers', () => {
    expect(decimalErrorOf(() => parseDecimal('1e999999999999', 38, 0)).code).toBe('DECIMAL_OVERFLOW');
    expect(decimalErrorOf(() => parseDecimal('1e-999999999999', 38, 38)).code).toBe('DECIMAL_PRECISION_LOSS');
  });

  it.each([
    '',
    '.',
    '-',
    '+',
    ' 1',
    '1 ',
    '1,5',
    '1.2.3',
    '0x10',
    'Infinity',
    'NaN',
    '1e',
    'e5',
    '1_000',
    '--1',
    '١',
  ])('rejects %j as DECIMAL_PARSE', (text) => {
    const error = decimalErrorOf(() => parseDecimal(text, 10, 2));
    expect(error.code).toBe('DECIMAL_PARSE');
    expect(error.value).toBe(text);
  });

  it('rejects impossible target types with RangeError', () => {
    expect(() => parseDecimal('1', 0, 0)).toThrow(RangeError);
    expect(() => parseDecimal('1', 39, 0)).toThrow(RangeError);
    expect(() => parseDecimal('1', 5, 6)).toThrow(RangeError);
    expect(() => parseDecimal('1', 5, -1)).toThrow(RangeError);
    expect(() => parseDecimal('1', 5.5, 1)).toThrow(RangeError);
  });
});

describe('formatDecimal', () => {
  it.each([
    [500n, 10, 4, '0.0500'],
    [-500n, 10, 4, '-0.0500'],
    [12n, 5, 0, '12'],
    [-12n, 5, 0, '-12'],
    [-123400n, 10, 4, '-12.3400'],
    [0n, 5, 2, '0.00'],
    [0n, 5, 0, '0'],
    [1n, 38, 38, `0.${'0'.repeat(37)}1`],
    [-(10n ** 38n - 1n), 38, 0, `-${'9'.repeat(38)}`],
    [10n ** 38n - 1n, 38, 10, `${'9'.repeat(28)}.${'9'.repeat(10)}`],
  ])('formats %s at DECIMAL(%i,%i) as %s', (value, precision, scale, text) => {
    expect(formatDecimal({ value, precision, scale })).toBe(text);
    expect(parseDecimal(text, precision, scale).value).toBe(value);
  });
});
