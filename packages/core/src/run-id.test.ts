import { describe, expect, it } from 'vitest';
import { newRunId } from './run-id.js';

describe('newRunId', () => {
  it('carries the start time to the millisecond, file-name safe', () => {
    expect(newRunId(new Date('2026-11-25T12:00:00.123Z'))).toMatch(/^20261125T120000123Z-[0-9a-f]{6}$/);
  });

  it('sorts runs started within one second by their start time, whatever the random tail', () => {
    const ids = Array.from({ length: 200 }, (_, i) =>
      newRunId(new Date(Date.UTC(2026, 0, 1, 0, 0, 0, i * 5))),
    );
    expect([...ids].sort()).toEqual(ids);
  });
});
