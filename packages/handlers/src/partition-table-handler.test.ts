import { type PartitionTableConfig, parseConfig } from '@sync/core';
import { partitionPredicate, partitionSpecFor } from '@sync/extract-mssql';
import { describe, expect, it } from 'vitest';
import { type PartitionSnapshot, partitionTableHandler } from './partition-table-handler.js';

const table = parseConfig({
  database: { server: 'db', database: 'shop', username: 'u', password: 'p' },
  state: { parquet_directory: '/lake', state_directory: '/state' },
  partition_tables: [
    {
      schema_name: 'sales',
      table_name: 'Orders',
      target_schema: 'warehouse',
      partition_column: 'OrderDate',
      granularity: 'month',
      custom_where_clause: '[Region] = 1',
    },
  ],
}).partitionTables[0] as PartitionTableConfig;

const spec = partitionSpecFor(
  'sales.Orders',
  [
    {
      name: 'OrderDate',
      sqlType: 'date',
      maxLength: 3,
      precision: 10,
      scale: 0,
      nullable: true,
      lakeType: { kind: 'date' },
    },
  ],
  { column: 'OrderDate', granularity: 'month' },
  undefined,
);

const snapshot: PartitionSnapshot = {
  spec,
  partitioning: 'granularity month over [OrderDate] (date), no source partition scheme',
  directoryKey: 'OrderDate_month',
  partitions: [
    {
      value: null,
      fingerprint: { rowCount: '2', rowHashSum: '7' },
      predicate: partitionPredicate(spec, null),
    },
    {
      value: '2024-01',
      fingerprint: { rowCount: '5', rowHashSum: '1' },
      predicate: partitionPredicate(spec, '2024-01-01'),
    },
  ],
};
const run = { runId: 'r1', lakeRoot: '/lake', now: new Date('2024-02-01T00:00:00Z') };

describe('partitionTableHandler.plan', () => {
  it('plans serialisable units: id, staging twin of the partition directory, predicate and fingerprint', () => {
    const units = partitionTableHandler.plan(table, snapshot, undefined, run);
    expect(JSON.parse(JSON.stringify(units))).toEqual(units);
    expect(units.map((u) => [u.id, u.lakeDir, u.stagingDir])).toEqual([
      [
        'sales.Orders#OrderDate_month=__HIVE_DEFAULT_PARTITION__',
        '/lake/warehouse/Orders/OrderDate_month=__HIVE_DEFAULT_PARTITION__',
        '/lake/_sqlsync/staging/r1/warehouse/Orders/OrderDate_month=__HIVE_DEFAULT_PARTITION__',
      ],
      [
        'sales.Orders#OrderDate_month=2024-01',
        '/lake/warehouse/Orders/OrderDate_month=2024-01',
        '/lake/_sqlsync/staging/r1/warehouse/Orders/OrderDate_month=2024-01',
      ],
    ]);
    expect(units[0]?.predicate).toEqual({ sql: '([Region] = 1) AND ([OrderDate] IS NULL)', params: [] });
    expect(units[1]?.predicate).toEqual({
      sql: '([Region] = 1) AND ([OrderDate] >= @partition_lo AND [OrderDate] < @partition_hi)',
      params: [
        { name: 'partition_lo', type: 'date', value: '2024-01-01' },
        { name: 'partition_hi', type: 'date', value: '2024-02-01' },
      ],
    });
    expect(units[1]?.partition).toEqual({
      key: 'OrderDate_month',
      value: '2024-01',
      action: 'replace',
      fingerprint: { rowCount: '5', rowHashSum: '1' },
    });
  });

  it('plans nothing once the state holds the same fingerprints (newest N defaults to 0)', async () => {
    const state = await partitionTableHandler.commit(table, [], [], snapshot, undefined, run);
    expect(state.partitions).toHaveLength(2);
    expect(table.newestPartitionsToRefresh).toBe(0);
    expect(partitionTableHandler.plan(table, snapshot, state, run)).toEqual([]);
    const newest = { ...table, newestPartitionsToRefresh: 1 };
    expect(partitionTableHandler.plan(newest, snapshot, state, run).map((u) => u.reason)).toEqual([
      'newest 1',
    ]);
  });
});
