import { parseConfig, type SCDTableConfig } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { planScdUnit, type ScdSnapshot, type ScdTableState } from './scd-plan.js';

function tableOf(fields: Record<string, unknown> = {}): SCDTableConfig {
  const config = parseConfig({
    database: { server: 'db', database: 'crm', username: 'u', password: 'p' },
    state: { parquet_directory: '/lake', state_directory: '/state' },
    scd_tables: [{ schema_name: 'crm', table_name: 'Customers', target_schema: 'dim', ...fields }],
  });
  return config.scdTables[0] as SCDTableConfig;
}

const snapshot: ScdSnapshot = {
  businessKey: ['CustomerId'],
  lastModified: {
    name: 'LastModified',
    sqlType: 'datetime2',
    maxLength: 8,
    precision: 27,
    scale: 7,
    nullable: false,
    lakeType: { kind: 'timestamp_us' },
  },
  lastModifiedType: 'datetime2(7)',
  watermark: '2024-03-01 09:15:00.1234567',
  sourceNow: '2024-03-01 09:20:00.0000000',
  lakeHasBuckets: true,
};

const state: ScdTableState = {
  version: 1,
  tableId: 'crm.Customers',
  lastRunId: 'r1',
  lastLoadedAt: '2024-03-01T08:00:00.000Z',
  watermark: '2024-03-01 08:00:00.0000001',
  lastModifiedType: 'datetime2(7)',
  bucketCount: 16,
  businessKey: ['CustomerId'],
  versions: 10,
};

const run = { runId: 'r2', lakeRoot: '/lake', now: new Date('2024-03-01T09:20:00Z') };

describe('planScdUnit', () => {
  it('reads everything on a first load, staged under the run, with the snapshot in the unit', () => {
    const [unit, ...rest] = planScdUnit(tableOf(), snapshot, undefined, run);
    expect(rest).toEqual([]);
    expect(unit).toMatchObject({
      id: 'crm.Customers',
      kind: 'scd',
      lakeDir: '/lake/dim/Customers',
      stagingDir: '/lake/_sqlsync/staging/r2/dim/Customers',
      reason: 'full read (first load)',
      scd: {
        bucketCount: 16,
        businessKey: ['CustomerId'],
        lastModifiedColumn: 'LastModified',
        lastModifiedType: 'datetime2(7)',
        watermark: '2024-03-01 09:15:00.1234567',
        sourceNow: '2024-03-01 09:20:00.0000000',
      },
    });
    expect(unit?.predicate).toBeUndefined();
    expect(unit?.scd.readAfter).toBeUndefined();
  });

  it('reads after the watermark less lookback_minutes, exactly, bound as text of the column type', () => {
    const [unit] = planScdUnit(
      tableOf({ lookback_minutes: 30, custom_where_clause: '[Region] = 1' }),
      snapshot,
      state,
      run,
    );
    expect(unit?.reason).toBe(
      'rows with LastModified > 2024-03-01 07:30:00.0000001 (watermark 2024-03-01 08:00:00.0000001 less lookback 30 min)',
    );
    expect(unit?.scd.readAfter).toBe('2024-03-01 07:30:00.0000001');
    expect(unit?.predicate).toEqual({
      sql: '([Region] = 1) AND ([LastModified] > CONVERT(datetime2(7), @sqlsync_watermark, 121))',
      params: [{ name: 'sqlsync_watermark', type: 'nvarchar', value: '2024-03-01 07:30:00.0000001' }],
    });
    // JSON-safe: it crosses into workers and Airflow tasks.
    expect(JSON.parse(JSON.stringify(unit))).toEqual(unit);
  });

  it('reads everything again when the table was empty, the lake lost its buckets, or the column changed type', () => {
    const reason = (s: ScdTableState, snap: ScdSnapshot = snapshot): string | undefined =>
      planScdUnit(tableOf(), snap, s, run)[0]?.reason;
    expect(reason({ ...state, watermark: null })).toBe(
      'full read (no watermark recorded: the table was empty)',
    );
    expect(reason(state, { ...snapshot, lakeHasBuckets: false })).toBe(
      'full read (the lake table has no bucket file: reloading)',
    );
    expect(reason(state, { ...snapshot, lastModifiedType: 'datetime' })).toBe(
      'full read (LastModified changed type from datetime2(7) to datetime)',
    );
  });

  it('refuses another bucket count or business key than the lake was loaded with', () => {
    expect(() => planScdUnit(tableOf({ bucket_count: 32 }), snapshot, state, run)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        context: { table: 'crm.Customers', configPath: 'bucket_count' },
      }),
    );
    expect(() => planScdUnit(tableOf(), { ...snapshot, businessKey: ['Email'] }, state, run)).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        context: { table: 'crm.Customers', configPath: 'business_key_columns' },
      }),
    );
  });
});
