import { lstat, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { PartitionTableConfig } from '@sync/core';
import type { PartitionSpec } from '@sync/extract-mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateNumberedLabels } from './partition-label-migration.js';
import { relabelPartitions } from './partition-relabel.js';
import { checkPartitionState, rebuildPartitionState } from './partition-state.js';
import type { PartitionSnapshot } from './partition-table-handler.js';
import type { PartitionTableState } from './partition-table-state.js';

const KEY = 'OrderDate_partition';
const EXACT = '2024-02-01T00:00:00.000';
const LEGACY = '2024-02-01T00:00:00.000Z';

const spec: PartitionSpec = {
  mode: 'scheme',
  column: 'OrderDate',
  scheme: {
    schemeName: 'ps',
    functionName: 'pf',
    functionId: 65536,
    rangeRight: true,
    column: 'OrderDate',
    parameterType: { name: 'datetime2', maxLength: 8, precision: 23, scale: 3 },
    parameterDeclaration: 'datetime2(3)',
    boundaries: [EXACT],
  },
};

/** Fingerprints as a state written before boundary labels holds them. */
const legacy = {
  first: { rowCount: '2', rowHashSum: '7', catalogRows: '2', lowerBoundary: null, upperBoundary: LEGACY },
  second: { rowCount: '3', rowHashSum: '9', catalogRows: '3', lowerBoundary: LEGACY, upperBoundary: null },
};

const numbered: PartitionTableState = {
  version: 1,
  tableId: 'dbo.Orders',
  lastRunId: 'r1',
  lastLoadedAt: '2024-03-01T00:00:00.000Z',
  mode: 'scheme',
  partitioning: 'source partition scheme ps',
  directoryKey: KEY,
  boundaries: [LEGACY],
  partitions: [
    { value: '00001', fingerprint: legacy.first },
    { value: '00002', fingerprint: legacy.second },
  ],
};

const table = { id: 'dbo.Orders', targetSchema: 'sales', targetTable: 'orders' } as PartitionTableConfig;

let lakeRoot: string;
const tableDir = (): string => join(lakeRoot, 'sales', 'orders');
const run = () => ({ runId: 'r2', lakeRoot, now: new Date('2024-03-02T00:00:00Z') });

beforeAll(async () => {
  lakeRoot = await mkdtemp(join(tmpdir(), 'sqlsync-relabel-'));
  // A lake as sqlsync wrote it with numbered labels (a plain table directory, written before versions).
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    for (const [n, rows, fingerprint] of [
      ['00001', 2, legacy.first],
      ['00002', 3, legacy.second],
    ] as const) {
      const dir = join(tableDir(), `${KEY}=${n}`);
      await mkdir(dir, { recursive: true });
      await connection.run(`COPY (SELECT i AS Id FROM range(0, ${rows}) t(i)) TO '${join(dir, 'part-r1-0.parquet')}'
        (FORMAT PARQUET, KV_METADATA {'sqlsync.run_id': 'r1', 'sqlsync.partition': '${KEY}=${n}',
          'sqlsync.source_fingerprint': '${JSON.stringify(fingerprint)}'})`);
    }
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
});

afterAll(async () => {
  await rm(lakeRoot, { recursive: true, force: true });
});

describe('moving a lake from numbered scheme labels to boundary labels', () => {
  it('renames every numbered directory in one publish, and only once', async () => {
    expect(await checkPartitionState(table, numbered, run())).toEqual([]);
    const migration = migrateNumberedLabels(numbered, spec);
    expect(migration?.renames).toEqual([
      { from: '00001', to: null },
      { from: '00002', to: '2024-02-01' },
    ]);
    const renames = migration?.renames ?? [];
    const request = {
      lakeRoot,
      runId: 'r2',
      targetSchema: 'sales',
      targetTable: 'orders',
      directoryKey: KEY,
      renames,
    };
    expect(await relabelPartitions(request)).toBe(2);
    expect((await readdir(tableDir())).sort()).toEqual([
      `${KEY}=2024-02-01`,
      `${KEY}=__HIVE_DEFAULT_PARTITION__`,
    ]);
    // Published as a new version of the table: the table directory is now a symlink to it.
    expect((await lstat(tableDir())).isSymbolicLink()).toBe(true);
    expect(await readdir(join(tableDir(), `${KEY}=2024-02-01`))).toEqual(['part-r1-0.parquet']);
    expect(await relabelPartitions(request)).toBe(0);
    expect(await readdir(join(lakeRoot, '_sqlsync', 'journal')).catch(() => [])).toEqual([]);
  });

  it('finds the renamed directories for the numbered state (a run stopped before its state write) and the new one', async () => {
    expect(await checkPartitionState(table, numbered, run())).toEqual([]);
    const migrated = migrateNumberedLabels(numbered, spec)?.state as PartitionTableState;
    expect(await checkPartitionState(table, migrated, run())).toEqual([]);
  });

  it('rebuilds a labelled state from the renamed lake, boundaries as exact texts', async () => {
    const snapshot: PartitionSnapshot = {
      spec,
      partitioning: 'source partition scheme ps',
      directoryKey: KEY,
      partitions: [
        {
          value: null,
          fingerprint: { ...legacy.first, upperBoundary: EXACT },
          predicate: { sql: '1 = 1' },
        },
        {
          value: '2024-02-01',
          fingerprint: { ...legacy.second, lowerBoundary: EXACT },
          predicate: { sql: '1 = 1' },
        },
      ],
    };
    const { state } = await rebuildPartitionState(table, snapshot, run());
    expect(state?.labels).toBe('lower-boundary');
    expect(state?.boundaries).toEqual([EXACT]);
    expect(state?.partitions).toEqual([
      { value: null, fingerprint: { ...legacy.first, upperBoundary: EXACT } },
      { value: '2024-02-01', fingerprint: { ...legacy.second, lowerBoundary: EXACT } },
    ]);
  });
});
