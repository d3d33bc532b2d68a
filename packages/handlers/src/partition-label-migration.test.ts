import type { PartitionSpec } from '@sync/extract-mssql';
import { describe, expect, it } from 'vitest';
import { isNumberedSchemeState, migrateNumberedLabels } from './partition-label-migration.js';
import type { PartitionTableState } from './partition-table-state.js';

const spec = (boundaries: string[]): PartitionSpec => ({
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
    boundaries,
  },
});

/** A state as sqlsync wrote it before boundary labels: numbered, boundaries as the driver decoded them. */
const numbered: PartitionTableState = {
  version: 1,
  tableId: 'dbo.Orders',
  lastRunId: 'r1',
  lastLoadedAt: '2024-03-01T00:00:00.000Z',
  mode: 'scheme',
  partitioning: 'source partition scheme ps …',
  directoryKey: 'OrderDate_partition',
  boundaries: ['2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
  partitions: [
    {
      value: '00001',
      fingerprint: {
        rowCount: '5',
        rowHashSum: '1',
        catalogRows: '5',
        lowerBoundary: null,
        upperBoundary: '2024-02-01T00:00:00.000Z',
      },
    },
    {
      value: '00002',
      fingerprint: {
        rowCount: '7',
        rowHashSum: '2',
        catalogRows: '7',
        lowerBoundary: '2024-02-01T00:00:00.000Z',
        upperBoundary: '2024-03-01T00:00:00.000Z',
      },
    },
    {
      value: '00003',
      fingerprint: {
        rowCount: '9',
        rowHashSum: '3',
        catalogRows: '9',
        lowerBoundary: '2024-03-01T00:00:00.000Z',
        upperBoundary: null,
      },
    },
  ],
};

describe('migrateNumberedLabels', () => {
  it('relabels numbered partitions by their lower boundary and rewrites the boundaries exactly, reading nothing', () => {
    expect(isNumberedSchemeState(numbered)).toBe(true);
    const exact = ['2024-02-01T00:00:00.000', '2024-03-01T00:00:00.000'];
    const migration = migrateNumberedLabels(numbered, spec(exact));
    expect(migration?.renames).toEqual([
      { from: '00001', to: null },
      { from: '00002', to: '2024-02-01' },
      { from: '00003', to: '2024-03-01' },
    ]);
    expect(migration?.dropped).toEqual([]);
    expect(migration?.state.labels).toBe('lower-boundary');
    expect(migration?.state.boundaries).toEqual(exact);
    expect(migration?.state.partitions[1]).toEqual({
      value: '2024-02-01',
      fingerprint: {
        rowCount: '7',
        rowHashSum: '2',
        catalogRows: '7',
        lowerBoundary: exact[0],
        upperBoundary: exact[1],
      },
    });
    expect(isNumberedSchemeState(migration?.state as PartitionTableState)).toBe(false);
    expect(migrateNumberedLabels(migration?.state as PartitionTableState, spec(exact))).toBeUndefined();
  });

  it('drops a numbered partition whose lower boundary was merged away; one split keeps its label', () => {
    // Since the numbered run: MERGE RANGE ('2024-02-01'), SPLIT RANGE ('2024-03-15').
    const migration = migrateNumberedLabels(
      numbered,
      spec(['2024-03-01T00:00:00.000', '2024-03-15T00:00:00.000']),
    );
    expect(migration?.renames).toEqual([
      { from: '00001', to: null },
      { from: '00003', to: '2024-03-01' },
    ]);
    expect(migration?.dropped.map((p) => p.value)).toEqual(['00002']);
    // Its upper boundary is no boundary now: kept as recorded, so the fingerprint differs and it is re-read.
    expect(migration?.state.partitions.map((p) => p.fingerprint.upperBoundary)).toEqual([
      '2024-02-01T00:00:00.000Z',
      null,
    ]);
  });
});
