import type { SourceColumn } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { boundaryLabel, parameterTypeDeclaration } from './partition-boundary.js';
import { partitionFingerprintStatement } from './partition-catalog.js';
import {
  nextBucketStart,
  partitionPredicate,
  partitionSpecFor,
  type SourcePartitionScheme,
} from './partitioning.js';
import { rowHashFoldExpression } from './row-hash.js';

const INT = { name: 'int', maxLength: 4, precision: 10, scale: 0 };

function schemeOf(fields: Partial<SourcePartitionScheme>): SourcePartitionScheme {
  return {
    schemeName: 'ps',
    functionName: 'pf',
    functionId: 65536,
    rangeRight: true,
    column: 'Day',
    parameterType: INT,
    parameterDeclaration: 'int',
    boundaries: [],
    ...fields,
  };
}

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
    const scheme = schemeOf({ boundaries: ['x'] });
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
    const scheme = schemeOf({ column: 'D' });
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

  it('reads a scheme partition by the range between its boundaries, LEFT/RIGHT aware, the first with the NULLs', () => {
    const left = partitionSpecFor(
      'dbo.T',
      columns,
      { column: 'Cob' },
      schemeOf({ column: 'Cob', rangeRight: false, boundaries: ['10', '20'] }),
    );
    expect(partitionPredicate(left, null)).toEqual({
      sql: '([Cob] <= CONVERT(int, @partition_hi) OR [Cob] IS NULL)',
      params: [{ name: 'partition_hi', type: 'nvarchar', value: '10' }],
    });
    expect(partitionPredicate(left, '10')).toEqual({
      sql: '[Cob] > CONVERT(int, @partition_lo) AND [Cob] <= CONVERT(int, @partition_hi)',
      params: [
        { name: 'partition_lo', type: 'nvarchar', value: '10' },
        { name: 'partition_hi', type: 'nvarchar', value: '20' },
      ],
    });
    expect(partitionPredicate(left, '20')).toEqual({
      sql: '[Cob] > CONVERT(int, @partition_lo)',
      params: [{ name: 'partition_lo', type: 'nvarchar', value: '20' }],
    });
    expect(() => partitionPredicate(left, '15')).toThrow('15 is not a boundary of partition function pf');
    const right = partitionSpecFor(
      'dbo.T',
      columns,
      { column: 'Day' },
      schemeOf({
        parameterType: { name: 'datetime2', maxLength: 8, precision: 23, scale: 3 },
        parameterDeclaration: 'datetime2(3)',
        boundaries: ['2024-02-01T00:00:00.000'],
      }),
    );
    expect(partitionPredicate(right, '2024-02-01T00:00:00.000')).toEqual({
      sql: '[Day] >= CONVERT(datetime2(3), @partition_lo, 126)',
      params: [{ name: 'partition_lo', type: 'nvarchar', value: '2024-02-01T00:00:00.000' }],
    });
    expect(
      partitionPredicate(partitionSpecFor('dbo.T', columns, { column: 'Day' }, schemeOf({})), null),
    ).toEqual({
      sql: '1 = 1',
    });
    expect(
      partitionPredicate(partitionSpecFor('dbo.T', columns, { column: 'Cob' }, undefined), '20240131'),
    ).toEqual({
      sql: '[Cob] = @partition_value',
      params: [{ name: 'partition_value', type: 'int', value: 20240131 }],
    });
  });
});

describe('partition boundaries', () => {
  it('declares the parameter type from the catalog, and refuses one that cannot label partitions', () => {
    expect(
      parameterTypeDeclaration({ name: 'datetime2', maxLength: 8, precision: 27, scale: 7 }, 'dbo.T'),
    ).toBe('datetime2(7)');
    expect(
      parameterTypeDeclaration({ name: 'decimal', maxLength: 9, precision: 19, scale: 4 }, 'dbo.T'),
    ).toBe('decimal(19,4)');
    expect(
      parameterTypeDeclaration({ name: 'nvarchar', maxLength: 40, precision: 0, scale: 0 }, 'dbo.T'),
    ).toBe('nvarchar(20)');
    expect(() =>
      parameterTypeDeclaration({ name: 'nvarchar', maxLength: -1, precision: 0, scale: 0 }, 'dbo.T'),
    ).toThrow("dbo.T: the partition function's parameter type nvarchar cannot label lake partitions");
  });

  it('labels a boundary like the calendar labels: a day at midnight, fractions without trailing zeros', () => {
    expect(boundaryLabel('2024-02-01', 'date')).toBe('2024-02-01');
    expect(boundaryLabel('2024-02-01T00:00:00.0000000', 'datetime2')).toBe('2024-02-01');
    expect(boundaryLabel('2024-02-01T00:00:00', 'datetime')).toBe('2024-02-01');
    expect(boundaryLabel('2024-02-01T10:30:00.1200000', 'datetime2')).toBe('2024-02-01T10:30:00.12');
    expect(boundaryLabel('2024-02-01T00:00:00.0000000+05:45', 'datetimeoffset')).toBe(
      '2024-02-01T00:00:00+05:45',
    );
    expect(boundaryLabel('10:00:00.5000000', 'time')).toBe('10:00:00.5');
    expect(boundaryLabel('10:00:00', 'time')).toBe('10:00:00');
    expect(boundaryLabel('-20', 'int')).toBe('-20');
    expect(boundaryLabel('10.5000', 'decimal')).toBe('10.5000');
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
