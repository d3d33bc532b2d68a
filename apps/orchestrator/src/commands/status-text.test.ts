import { describe, expect, it } from 'vitest';
import { statusText } from './status-text.js';

describe('statusText', () => {
  it('lays out the database line and one aligned row per table, then any table errors', () => {
    const text = statusText({
      pipeline_name: 'shop',
      database_connected: false,
      database_error: 'connect ECONNREFUSED 127.0.0.1:1433',
      lake_root: '/data/lake',
      state_directory: '/data/state',
      tables: [
        {
          table: 'sales.Orders',
          kind: 'partition',
          state: 'ok',
          last_run_id: 'r1',
          age_seconds: 7530,
          lake_rows: 5,
        },
        {
          table: 'dbo.T',
          kind: 'static',
          state: 'corrupt',
          age_seconds: 90_000,
          error: 'state file is damaged',
        },
      ],
    });
    expect(text.split('\n')).toEqual([
      'pipeline: shop   lake: /data/lake   state: /data/state',
      'database: NOT reachable: connect ECONNREFUSED 127.0.0.1:1433',
      'table         kind       state    last run  age    lake rows',
      'sales.Orders  partition  ok       r1        2h 5m  5',
      'dbo.T         static     corrupt  -         1d 1h  -',
      'dbo.T: state file is damaged',
    ]);
  });
});
