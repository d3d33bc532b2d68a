import { SqlSyncError } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { type CatalogColumn, mapColumn } from './type-mapping.js';

const column = (typeName: string, precision = 0, scale = 0, maxLength = 8): CatalogColumn => ({
  name: 'C',
  typeName,
  maxLength,
  precision,
  scale,
  nullable: true,
});

describe('mapColumn', () => {
  it('keeps decimal precision and scale and reads wide decimals as text', () => {
    const wide = mapColumn(column('decimal', 38, 10), 'dbo.T');
    expect(wide?.column.lakeType).toEqual({ kind: 'decimal', precision: 38, scale: 10 });
    expect(wide?.decoder).toBe('decimal-text');
    expect(wide?.selectExpression).toBe('CONVERT(nvarchar(41), [C]) AS [C]');
    const narrow = mapColumn(column('numeric', 15, 4), 'dbo.T');
    expect(narrow?.decoder).toBe('decimal-number');
    expect(narrow?.selectExpression).toBe('[C]');
    expect(mapColumn(column('decimal', 16, 4), 'dbo.T')?.decoder).toBe('decimal-text');
  });

  it('maps money exactly to decimal(19,4) through an exact CAST', () => {
    const money = mapColumn(column('money', 19, 4), 'dbo.T');
    expect(money?.column.lakeType).toEqual({ kind: 'decimal', precision: 19, scale: 4 });
    expect(money?.selectExpression).toBe('CONVERT(nvarchar(41), CAST([C] AS decimal(19,4))) AS [C]');
  });

  it('maps datetime2 to µs by default and ns when configured', () => {
    expect(mapColumn(column('datetime2', 27, 7), 'dbo.T')?.column.lakeType.kind).toBe('timestamp_us');
    expect(
      mapColumn(column('datetime2', 27, 7), 'dbo.T', { timestampPrecision: 'ns' })?.column.lakeType.kind,
    ).toBe('timestamp_ns');
    expect(mapColumn(column('datetimeoffset', 34, 7), 'dbo.T')?.column.lakeType.kind).toBe('timestamptz_us');
  });

  it('reads date, time and datetime2 as integers, exact to 100 ns', () => {
    expect(mapColumn(column('date'), 'dbo.T')?.selectExpression).toBe(
      "DATEDIFF(day, CAST('0001-01-01' AS date), [C]) AS [C]",
    );
    const datetime2 = mapColumn(column('datetime2', 27, 7), 'dbo.T');
    expect(datetime2?.decoder).toBe('datetime2-parts');
    expect(datetime2?.selectExpression).toBe(
      "DATEDIFF(day, CAST('0001-01-01' AS date), [C]) AS [C], DATEDIFF(second, CAST([C] AS date), [C]) AS [C$second], DATEPART(nanosecond, [C]) AS [C$nanosecond]",
    );
    expect(mapColumn(column('time', 16, 7), 'dbo.T')?.selectExpression).toBe(
      "DATEDIFF(second, CAST('00:00:00' AS time), [C]) AS [C], DATEPART(nanosecond, [C]) AS [C$nanosecond]",
    );
  });

  it('reads rowversion as a bigint watermark', () => {
    const rv = mapColumn(column('timestamp'), 'dbo.T');
    expect(rv?.column.lakeType.kind).toBe('int64');
    expect(rv?.selectExpression).toBe('CONVERT(bigint, [C]) AS [C]');
  });

  it('fails on unsupported types naming table, column and the setting, unless configured', () => {
    let error: unknown;
    try {
      mapColumn(column('sql_variant'), 'dbo.T');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('TYPE_UNSUPPORTED');
    expect((error as SqlSyncError).message).toMatch(
      /dbo\.T\.C: SQL Server type sql_variant .*unsupported_types/,
    );
    expect(mapColumn(column('geography'), 'dbo.T', {}, 'skip')).toBeUndefined();
    expect(mapColumn(column('hierarchyid'), 'dbo.T', {}, 'as_text')?.selectExpression).toBe(
      'CONVERT(nvarchar(max), [C]) AS [C]',
    );
  });
});
