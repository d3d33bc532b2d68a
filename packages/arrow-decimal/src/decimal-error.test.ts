import { describe, expect, it } from 'vitest';
import { DecimalError } from './decimal-error.js';
import { parseDecimal } from './parse-decimal.js';

// @sync/core's toSqlSyncError recognises a DecimalError by this shape (it cannot import the class).
describe('DecimalError', () => {
  it('has the name and string code that sqlsync reports it by', () => {
    let caught: unknown;
    try {
      parseDecimal('123.456', 5, 2);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(DecimalError);
    expect(caught).toMatchObject({ name: 'DecimalError', code: 'DECIMAL_PRECISION_LOSS', value: '123.456' });
    expect(String((caught as Error).message)).toContain('123.456');
  });
});
