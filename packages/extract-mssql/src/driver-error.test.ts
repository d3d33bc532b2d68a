import { describe, expect, it } from 'vitest';
import { classifyDriverError, isTransientSqlServerError } from './driver-error.js';

describe('isTransientSqlServerError', () => {
  it('knows deadlocks, throttling and dropped connections', () => {
    for (const n of [
      1205, 40501, 40613, 49918, 49919, 49920, 10928, 10929, 233, 10053, 10054, 10060, -2, 4060,
    ]) {
      expect(isTransientSqlServerError(n)).toBe(true);
    }
    for (const n of [208, 207, 18456, 2627, 8115]) {
      expect(isTransientSqlServerError(n)).toBe(false);
    }
  });
});

describe('classifyDriverError', () => {
  it('treats a connection closed mid-request as retryable', () => {
    const error = classifyDriverError(
      Object.assign(new Error('Connection closed before request completed.'), { code: 'ECLOSE' }),
      { table: 'sales.Orders' },
    );
    expect(error.retryable).toBe(true);
    expect(error.code).toBe('SOURCE_CONNECTION');
  });
});
