import { SqlSyncError } from '@sync/core';
import { checkTsql } from '@sync/mssql-emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectStatement } from './batch-stream.js';
import type { TableReadPlan } from './catalog.js';
import { andPredicates } from './predicate.js';
import { type CatalogColumn, type MappedColumn, mapColumn } from './type-mapping.js';
import {
  lastModifiedProblem,
  lastModifiedType,
  watermarkLowerBound,
  watermarkPredicate,
  watermarkStatement,
} from './watermark.js';

function planOf(columns: [string, string, number?][]): TableReadPlan {
  const mapped = columns.map(([name, typeName, scale = 0]) => {
    const catalog: CatalogColumn = { name, typeName, maxLength: 8, precision: 0, scale, nullable: true };
    return mapColumn(catalog, 'dbo.Customers') as MappedColumn;
  });
  return {
    schema: { schemaName: 'dbo', tableName: 'Customers', columns: mapped.map((c) => c.column) },
    columns: mapped,
  };
}

const plan = planOf([
  ['Id', 'int'],
  ['Modified At', 'datetime2', 7],
  ['At3', 'datetime2', 3],
  ['At0', 'datetime2', 0],
  ['Legacy', 'datetime'],
  ['Small', 'smalldatetime'],
  ['Day', 'date'],
  ['Offset', 'datetimeoffset', 7],
  ['Version', 'rowversion'],
  ['Name', 'nvarchar'],
]);

function thrown(fn: () => unknown): SqlSyncError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    return error as SqlSyncError;
  }
  throw new Error('expected an error');
}

describe('watermarkLowerBound', () => {
  it('keeps the watermark as written with no lookback', () => {
    expect(watermarkLowerBound('2024-03-01 10:00:00.1234567', 0, 'datetime2(7)')).toBe(
      '2024-03-01 10:00:00.1234567',
    );
    expect(watermarkLowerBound('2024-03-01', 0, 'date')).toBe('2024-03-01');
  });

  it('moves back whole minutes, keeping seconds and all 7 fractional digits', () => {
    expect(watermarkLowerBound('2024-03-01 10:00:59.9999999', 1, 'datetime2(7)')).toBe(
      '2024-03-01 09:59:59.9999999',
    );
    expect(watermarkLowerBound('2024-03-01 10:30:07.0000001', 90, 'datetime2(7)')).toBe(
      '2024-03-01 09:00:07.0000001',
    );
  });

  it('crosses day, month and year boundaries', () => {
    expect(watermarkLowerBound('2024-05-17 00:04:00.5000000', 5, 'datetime2(7)')).toBe(
      '2024-05-16 23:59:00.5000000',
    );
    expect(watermarkLowerBound('2024-05-01 00:00:00.0000000', 1, 'datetime2(7)')).toBe(
      '2024-04-30 23:59:00.0000000',
    );
    expect(watermarkLowerBound('2024-01-01 00:00:00.0000001', 1, 'datetime2(7)')).toBe(
      '2023-12-31 23:59:00.0000001',
    );
    expect(watermarkLowerBound('2024-01-01 00:10:00', 60 * 24 * 365 + 10, 'datetime2(0)')).toBe(
      '2023-01-01 00:00:00',
    );
  });

  it('knows leap years of the proleptic Gregorian calendar', () => {
    expect(watermarkLowerBound('2024-03-01 00:00:00.000', 1, 'datetime2(3)')).toBe('2024-02-29 23:59:00.000');
    expect(watermarkLowerBound('2023-03-01 00:00:00.000', 1, 'datetime2(3)')).toBe('2023-02-28 23:59:00.000');
    expect(watermarkLowerBound('2000-03-01 00:00:00.000', 1, 'datetime2(3)')).toBe('2000-02-29 23:59:00.000');
    expect(watermarkLowerBound('1900-03-01 00:00:00.000', 1, 'datetime')).toBe('1900-02-28 23:59:00.000');
    expect(watermarkLowerBound('0004-03-01', 1, 'date')).toBe('0004-02-29');
    expect(watermarkLowerBound('2024-03-01', 1440 * 366, 'date')).toBe('2023-03-01');
  });

  it("keeps a datetime's 1/300 s fraction (.003, .007) exactly", () => {
    expect(watermarkLowerBound('2024-01-01 00:00:00.003', 1, 'datetime')).toBe('2023-12-31 23:59:00.003');
    expect(watermarkLowerBound('2024-06-30 12:00:59.997', 720, 'datetime')).toBe('2024-06-30 00:00:59.997');
  });

  it('moves a smalldatetime back in minutes, in its .000 form', () => {
    expect(watermarkLowerBound('2024-01-01 00:00:00.000', 15, 'smalldatetime')).toBe(
      '2023-12-31 23:45:00.000',
    );
  });

  it('moves a date back whole days, rounding the lookback up', () => {
    expect(watermarkLowerBound('2024-03-01', 1, 'date')).toBe('2024-02-29');
    expect(watermarkLowerBound('2024-03-01', 1440, 'date')).toBe('2024-02-29');
    expect(watermarkLowerBound('2024-03-01', 1441, 'date')).toBe('2024-02-28');
    expect(watermarkLowerBound('2024-01-01', 1, 'date')).toBe('2023-12-31');
  });

  it('clamps at the first day of the type', () => {
    expect(watermarkLowerBound('0001-01-01 00:03:00.0000007', 5, 'datetime2(7)')).toBe(
      '0001-01-01 00:00:00.0000000',
    );
    expect(watermarkLowerBound('0001-01-01 00:05:00.0000007', 5, 'datetime2(7)')).toBe(
      '0001-01-01 00:00:00.0000007',
    );
    expect(watermarkLowerBound('0001-01-02', 1440 * 5, 'date')).toBe('0001-01-01');
    expect(watermarkLowerBound('1753-01-01 00:00:00.003', 1, 'datetime')).toBe('1753-01-01 00:00:00.000');
    expect(watermarkLowerBound('1900-01-01 00:01:00.000', 60, 'smalldatetime')).toBe(
      '1900-01-01 00:00:00.000',
    );
    expect(watermarkLowerBound('9999-12-31 23:59:59.9999999', Number.MAX_SAFE_INTEGER, 'datetime2(7)')).toBe(
      '0001-01-01 00:00:00.0000000',
    );
  });

  it('refuses a text not in the type’s style 121 form, and a negative lookback', () => {
    for (const [text, type] of [
      ['2024-03-01 10:00:00.123', 'datetime2(7)'],
      ['2024-03-01T10:00:00.1234567', 'datetime2(7)'],
      ['2024-02-30', 'date'],
      ['2024-13-01 00:00:00.000', 'datetime'],
      ['2024-01-01 24:00:00.000', 'datetime'],
      ['2024-01-01', 'smalldatetime'],
      ['', 'date'],
    ] as const) {
      const error = thrown(() => watermarkLowerBound(text, 1, type));
      expect(error.code).toBe('VALUE_INVALID');
      expect(error.message).toContain(type);
    }
    expect(thrown(() => watermarkLowerBound('2024-01-01', -1, 'date')).code).toBe('USAGE');
    expect(thrown(() => watermarkLowerBound('2024-01-01', 1.5, 'date')).code).toBe('USAGE');
  });
});

describe('lastModifiedType and lastModifiedProblem', () => {
  it('accepts date, smalldatetime, datetime and datetime2(n), finding the column ignoring case', () => {
    expect(lastModifiedType(plan, 'Modified At')).toBe('datetime2(7)');
    expect(lastModifiedType(plan, 'modified at')).toBe('datetime2(7)');
    expect(lastModifiedType(plan, 'At0')).toBe('datetime2(0)');
    expect(lastModifiedType(plan, 'Legacy')).toBe('datetime');
    expect(lastModifiedType(plan, 'Small')).toBe('smalldatetime');
    expect(lastModifiedType(plan, 'Day')).toBe('date');
    expect(lastModifiedProblem(plan, 'Day')).toBeUndefined();
  });

  it('names the table, the column and the type it refuses', () => {
    expect(lastModifiedProblem(plan, 'Offset')).toMatch(
      /^dbo\.Customers: last_modified_column Offset is datetimeoffset; it must be date, smalldatetime, datetime or datetime2/,
    );
    expect(lastModifiedProblem(plan, 'Version')).toMatch(/last_modified_column Version is rowversion;/);
    expect(lastModifiedProblem(plan, 'Id')).toMatch(/last_modified_column Id is int;/);
    expect(lastModifiedProblem(plan, 'Name')).toMatch(/last_modified_column Name is nvarchar;/);
    expect(lastModifiedProblem(plan, 'Nope')).toMatch(
      /^dbo\.Customers: last_modified_column Nope is not a column of the table \(columns: Id, Modified At,/,
    );
    const error = thrown(() => lastModifiedType(plan, 'Offset'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.context).toMatchObject({
      table: 'dbo.Customers',
      column: 'Offset',
      configPath: 'last_modified_column',
    });
  });
});

describe('watermarkPredicate', () => {
  // Loading the ANTLR T-SQL grammar takes seconds on a busy machine: not the first case's time.
  beforeAll(async () => {
    await checkTsql('SELECT 1;');
  }, 60_000);

  it("compares the column with the text converted to the column's own type, style 121", async () => {
    const predicate = watermarkPredicate(plan, 'modified at', '2024-03-01 09:10:00.1234567');
    expect(predicate).toEqual({
      sql: '[Modified At] > CONVERT(datetime2(7), @sqlsync_watermark, 121)',
      params: [{ name: 'sqlsync_watermark', type: 'nvarchar', value: '2024-03-01 09:10:00.1234567' }],
    });
    expect(watermarkPredicate(plan, 'Legacy', '2024-03-01 09:10:00.003').sql).toBe(
      '[Legacy] > CONVERT(datetime, @sqlsync_watermark, 121)',
    );
    expect(watermarkPredicate(plan, 'Day', '2024-03-01').sql).toBe(
      '[Day] > CONVERT(date, @sqlsync_watermark, 121)',
    );
    const statement = selectStatement(plan, andPredicates({ sql: '[Id] > 0' }, predicate));
    expect(await checkTsql(statement)).toEqual([]);
  });

  it('refuses a text of another type, naming the table and column, and an unsupported column', () => {
    const error = thrown(() => watermarkPredicate(plan, 'Legacy', '2024-03-01 09:10:00.1234567'));
    expect(error.code).toBe('VALUE_INVALID');
    expect(error.message).toBe(
      'dbo.Customers.Legacy: watermark "2024-03-01 09:10:00.1234567" is not a datetime value as CONVERT style 121 writes it (yyyy-mm-dd hh:mi:ss.fff)',
    );
    expect(error.context).toEqual({ table: 'dbo.Customers', column: 'Legacy' });
    expect(thrown(() => watermarkPredicate(plan, 'Name', '2024-03-01')).code).toBe('CONFIG_INVALID');
  });
});

describe('watermarkStatement', () => {
  beforeAll(async () => {
    await checkTsql('SELECT 1;');
  }, 60_000);

  it('reads MAX and the server clock in style 121 of the column type, as T-SQL', async () => {
    const statement = watermarkStatement(plan, 'Legacy', { sql: '[Id] > 0' });
    expect(statement).toBe(
      'SELECT CONVERT(varchar(40), MAX([Legacy]), 121) AS [watermark], CONVERT(varchar(40), CAST(SYSDATETIME() AS datetime), 121) AS [source_now] FROM [dbo].[Customers] WHERE [Id] > 0;',
    );
    expect(await checkTsql(statement)).toEqual([]);
    expect(await checkTsql(watermarkStatement(plan, 'Modified At'))).toEqual([]);
    expect(await checkTsql(watermarkStatement(plan, 'Day'))).toEqual([]);
  });
});
