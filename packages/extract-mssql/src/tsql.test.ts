import { describe, expect, it } from 'vitest';
import { qualifiedName, quoteIdentifier } from './tsql.js';

describe('quoteIdentifier', () => {
  it('brackets names and doubles closing brackets like QUOTENAME', () => {
    expect(quoteIdentifier('Orders')).toBe('[Orders]');
    expect(quoteIdentifier('Order Lines')).toBe('[Order Lines]');
    expect(quoteIdentifier('a]b')).toBe('[a]]b]');
    expect(quoteIdentifier('x]; DROP TABLE t; --')).toBe('[x]]; DROP TABLE t; --]');
  });

  it('rejects empty and over-long names', () => {
    expect(() => quoteIdentifier('')).toThrow(/1..128/);
    expect(() => quoteIdentifier('x'.repeat(129))).toThrow(/1..128/);
  });

  it('qualifies schema and table', () => {
    expect(qualifiedName('sales', 'Orders')).toBe('[sales].[Orders]');
  });
});
