import { describe, expect, it } from 'vitest';
import { sumFromParts } from './split-sum.js';

describe('sumFromParts', () => {
  it('adds integer and fractional halves beyond 38 digits exactly', () => {
    // 3 × 9999999999999999999999999999.9999999999 = 29999999999999999999999999999.9999999997
    expect(sumFromParts('29999999999999999999999999997', '2.9999999997', 10)).toBe(
      '29999999999999999999999999999.9999999997',
    );
    const big = `${'9'.repeat(28)}00000`; // 33 integer digits: beyond DECIMAL(38,10)
    expect(sumFromParts(big, '0.5000000000', 10)).toBe(`${big}.5000000000`);
  });

  it('handles signs, zero-fraction integer text, nulls and scale 0', () => {
    expect(sumFromParts('-5', '-0.25', 2)).toBe('-5.25');
    expect(sumFromParts('-5.000', '0.75', 2)).toBe('-4.25');
    expect(sumFromParts(null, null, 4)).toBeNull();
    expect(sumFromParts('12', null, 0)).toBe('12');
    expect(sumFromParts('0', '-0.0000000001', 10)).toBe('-0.0000000001');
  });
});
