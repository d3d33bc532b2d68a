import type { SourceColumn } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { partitionFingerprintStatement } from './partition-catalog.js';
import { nextBucketStart, partitionPredicate, partitionSpecFor } from './partitioning.js';
import { rowHashFoldExpression } from './row-hash.js';

function column(name: string, sqlType: string, scale = 0, maxLength = 8): SourceColumn {
  return { name, sqlType, maxLength, precision: 0, scale, nullable: true, lakeType: { kind: 'string' } };
}

const columns = [
  column('Day', 'datetime2', 3),
  column('D', 'date'),
  column('Cob', 'int'),
  column('Note', 'nvarchar', 0, -1),
];

describe('partitionSpecFor', () => {
  it('prefers the source partition scheme, then granularity, then one partition per value', () => {
    const scheme = {
      schemeName: 'ps',
      functionName: 'pf',
      rangeRight: true,
      column: 'Day',
      boundaries: ['x'],
    };
    expect(partitionSpecFor('dbo.T', columns, { column: 'day', granularity: 'month' }, scheme).mode).toBe(
      'scheme',
    );
    expect(partitionSpecFor('dbo.T', columns, { column: 'Day', granularity: 'month' }, undefined)).toEqual({
      mode: 'granularity',
      column: 'Day',
      columnType: 'datetime2',
      scale: 3,
      granularity: 'month',
    });
    expect(partitionSpecFor('dbo.T', columns, { column: 'Cob' }, undefined)).toEqual({
      mode: 'value',
      column: 'Cob',
      columnType: 'int',
    });
  });

  it('says which config field is wrong', () => {
    const scheme = { schemeName: 'ps', functionName: 'pf', rangeRight: true, column: 'D', boundaries: [] };
    expect(() => partitionSpecFor('dbo.T', columns, { column: 'Day' }, scheme)).toThrow(
      'dbo.T: the table is stored on partition scheme ps over column D, but partition_column is Day; set partition_column: D',
    );
    expect(() =>
      partitionSpecFor('dbo.T', columns, { column: 'Cob', granularity: 'day' }, undefined),
    ).toThrow(
      /granularity day needs a date, datetime, datetime2 or smalldatetime partition_column; Cob is int/,
    );
    expect(() => partitionSpecFor('dbo.T', columns, { column: 'Day' }, undefined)).toThrow(/set granularity/);
    expect(() => partitionSpecFor('dbo.T', columns, { column: 'Note' }, undefined)).toThrow(
      /nvarchar\(max\)/,
    );
    expect(() => partitionSpecFor('dbo.T', columns, { column: 'Nope' }, undefined)).toThrow(
      'dbo.T: partition_column Nope is not a column of the table',
    );
  });
});

describe('partitionPredicate', () => {
  it('reads a calendar bucket as a half-open range typed as the column', () => {
    const spec = partitionSpecFor('dbo.T', columns, { column: 'Day', granularity: 'month' }, undefined);
    expect(partitionPredicate(spec, '2024-12-01')).toEqual({
      sql: '[Day] >= @partition_lo AND [Day] < @partition_hi',
      params: [
        { name: 'partition_lo', type: 'datetime2', value: '2024-12-01T00:00:00.000Z', scale: 3 },
        { name: 'partition_hi', type: 'datetime2', value: '2025-01-01T00:00:00.000Z', scale: 3 },
      ],
    });
    const daily = partitionSpecFor('dbo.T', columns, { column: 'D', granularity: 'year' }, undefined);
    expect(partitionPredicate(daily, '9999-01-01')).toEqual({
      sql: '[D] >= @partition_lo',
      params: [{ name: 'partition_lo', type: 'date', value: '9999-01-01' }],
    });
    expect(partitionPredicate(daily, null)).toEqual({ sql: '[D] IS NULL' });
  });

  it('reads a scheme partition with $PARTITION and a value with =', () => {
    const scheme = {
      schemeName: 'ps',
      functionName: 'pf]x',
      rangeRight: false,
      column: 'Cob',
      boundaries: [],
    };
    expect(partitionPredicate(partitionSpecFor('dbo.T', columns, { column: 'Cob' }, scheme), '3')).toEqual({
      sql: '$PARTITION.[pf]]x]([Cob]) = @partition_number',
      params: [{ name: 'partition_number', type: 'int', value: 3 }],
    });
    expect(
      partitionPredicate(partitionSpecFor('dbo.T', columns, { column: 'Cob' }, undefined), '20240131'),
    ).toEqual({
      sql: '[Cob] = @partition_value',
      params: [{ name: 'partition_value', type: 'int', value: 20240131 }],
    });
  });
});

describe('nextBucketStart', () => {
  it('steps days, months and years, including years below 100', () => {
    expect(nextBucketStart('2024-02-28', 'day')).toBe('2024-02-29');
    expect(nextBucketStart('0099-12-01', 'month')).toBe('0100-01-01');
    expect(nextBucketStart('9999-12-31', 'day')).toBeUndefined();
    expect(nextBucketStart('2023-01-01', 'year')).toBe('2024-01-01');
  });
});

describe('partitionFingerprintStatement', () => {
  it('groups by the partition key with COUNT_BIG, the row hash fold and the exact MAX of the last-modified column', () => {
    const plan = {
      schema: { schemaName: 'sales', tableName: 'Orders', columns },
      columns: [],
    };
    const spec = partitionSpecFor(
      'sales.Orders',
      columns,
      { column: 'Day', granularity: 'month' },
      undefined,
    );
    expect(
      partitionFingerprintStatement(plan, spec, { lastModifiedColumn: 'D', where: { sql: '[Cob] > 0' } }),
    ).toBe(
      `SELECT CONVERT(char(10), DATEFROMPARTS(YEAR([Day]), MONTH([Day]), 1), 23) AS [partition_key], COUNT_BIG(*) AS [row_count], ${rowHashFoldExpression(columns, 'hashbytes_sha256')} AS [row_hash_sum], CONVERT(varchar(40), MAX([D]), 126) AS [max_modified] FROM [sales].[Orders] WHERE [Cob] > 0 GROUP BY YEAR([Day]), MONTH([Day]) ORDER BY YEAR([Day]), MONTH([Day]);`,
    );
  });
});
