import { SqlSyncError } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { createColumnBuilder, type DecodeStats } from './column-builders.js';

// A decimal the lake column cannot hold keeps its meaning in the run summary: the DecimalError of
// @sync/arrow-decimal becomes PRECISION_LOSS, VALUE_OUT_OF_RANGE or VALUE_INVALID, never INTERNAL.
describe('decimal column errors', () => {
  const context = { table: 'dbo.T', column: 'Amount' };

  it.each([
    ['123.456', 'PRECISION_LOSS'],
    ['12345.67', 'VALUE_OUT_OF_RANGE'],
    ['12,5', 'VALUE_INVALID'],
  ])('%s into DECIMAL(5,2) is %s, naming table and column', (text, code) => {
    const stats: DecodeStats = { droppedSubMicrosecondValues: 0 };
    const builder = createColumnBuilder(
      { kind: 'decimal', precision: 5, scale: 2 },
      'decimal-text',
      stats,
      context,
    );
    let caught: unknown;
    try {
      builder.append([text], 0);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(SqlSyncError);
    expect(caught).toMatchObject({ code, context, message: expect.stringMatching(/^dbo\.T\.Amount: /) });
    expect((caught as SqlSyncError).toJSON().cause).toMatchObject({ name: 'DecimalError' });
  });
});
