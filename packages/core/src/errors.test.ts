import { describe, expect, it } from 'vitest';
import { SqlSyncError, toSqlSyncError } from './errors.js';

/** The shape of `@sync/arrow-decimal`'s DecimalError (core may not import it). */
class DecimalError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DecimalError';
    this.code = code;
  }
}

describe('toSqlSyncError', () => {
  it('keeps a SqlSyncError as it is', () => {
    const error = new SqlSyncError('PUBLISH', 'rename failed');
    expect(toSqlSyncError(error, 'INTERNAL')).toBe(error);
  });

  it('gives anything else the code asked for, with the context', () => {
    const error = toSqlSyncError(new TypeError('boom'), 'INTERNAL', { table: 'sales.Orders' });
    expect(error).toMatchObject({ code: 'INTERNAL', message: 'boom', context: { table: 'sales.Orders' } });
  });

  it.each([
    ['DECIMAL_PRECISION_LOSS', 'PRECISION_LOSS'],
    ['DECIMAL_OVERFLOW', 'VALUE_OUT_OF_RANGE'],
    ['DECIMAL_PARSE', 'VALUE_INVALID'],
  ])('turns a DecimalError %s into %s, keeping its message and its own code', (decimalCode, code) => {
    const message = "'1.005' has more fractional digits than DECIMAL(5,2) keeps";
    const error = toSqlSyncError(new DecimalError(decimalCode, message), 'INTERNAL', { column: 'Amount' });
    expect(error).toMatchObject({ code, message, retryable: false, context: { column: 'Amount' } });
    expect(error.toJSON().cause).toEqual({ name: 'DecimalError', message, code: decimalCode });
  });

  it('does not mistake another error with a code for a DecimalError', () => {
    const other = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    expect(toSqlSyncError(other).code).toBe('INTERNAL');
    const unknownDecimal = new DecimalError('DECIMAL_SOMETHING_NEW', 'x');
    expect(toSqlSyncError(unknownDecimal, 'SOURCE_QUERY').code).toBe('SOURCE_QUERY');
  });

  it('keeps code and cause across a thread: toJSON, fromJSON and toJSON again', () => {
    const inWorker = toSqlSyncError(new DecimalError('DECIMAL_OVERFLOW', 'too big'), 'INTERNAL', {
      unit: 'dbo.T#1',
    });
    const onMain = SqlSyncError.fromJSON(structuredClone(inWorker.toJSON()));
    expect(onMain.code).toBe('VALUE_OUT_OF_RANGE');
    expect(onMain.toJSON().cause).toEqual({
      name: 'DecimalError',
      message: 'too big',
      code: 'DECIMAL_OVERFLOW',
    });
  });
});
