import { describe, expect, it } from 'vitest';
import { recordedState } from './table-status.js';

describe('recordedState', () => {
  it('reads what a static and a partition state record', () => {
    expect(
      recordedState({ version: 1, lastRunId: 'r1', lastLoadedAt: '2026-01-01T00:00:00.000Z', rowCount: 5 }),
    ).toEqual({ last_run_id: 'r1', last_loaded_at: '2026-01-01T00:00:00.000Z', last_run_rows: 5 });
    expect(recordedState({ lastRunId: 'r2', partitions: [{ value: 'a' }, { value: 'b' }] })).toEqual({
      last_run_id: 'r2',
      partitions: 2,
    });
  });

  it('yields nothing, not an error, for a state of another shape', () => {
    expect(recordedState(undefined)).toEqual({});
    expect(recordedState('text')).toEqual({});
    expect(recordedState({ lastRunId: 7, watermark: 42 })).toEqual({ watermark: '42' });
  });
});
