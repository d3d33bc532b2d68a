import { checkTsql } from '@sync/mssql-emulator';
import { describe, expect, it } from 'vitest';
import { bulkValue, declarationOf, type WarehouseColumn, warehouseColumns } from './warehouse-columns.js';
import { boundaryLiteral, createTableSql } from './warehouse-table.js';

const amount: WarehouseColumn = {
  name: 'Amount',
  typeName: 'decimal',
  declaration: 'decimal(38,4)',
  nullable: true,
  precision: 38,
  scale: 4,
};

describe('warehouse columns', () => {
  it('declares each source column exactly as the source does', () => {
    const c = (sqlType: string, maxLength: number, precision = 0, scale = 0) =>
      declarationOf({ sqlType, maxLength, precision, scale });
    expect(c('nvarchar', 100)).toBe('nvarchar(50)');
    expect(c('nvarchar', -1)).toBe('nvarchar(max)');
    expect(c('varbinary', 16)).toBe('varbinary(16)');
    expect(c('decimal', 9, 19, 4)).toBe('decimal(19,4)');
    expect(c('datetime2', 8, 27, 7)).toBe('datetime2(7)');
    expect(c('float', 8, 53)).toBe('float');
    expect(c('float', 4, 24)).toBe('real');
    expect(c('uniqueidentifier', 16)).toBe('uniqueidentifier');
  });

  it('types lake columns without a source column (SCD2) by their lake type', () => {
    const cols = warehouseColumns(
      [
        { name: 'Id', type: 'INTEGER' },
        { name: 'effective_date', type: 'TIMESTAMP' },
        { name: 'IsLatest', type: 'BOOLEAN' },
      ],
      [
        {
          name: 'Id',
          sqlType: 'int',
          maxLength: 4,
          precision: 10,
          scale: 0,
          nullable: false,
          lakeType: { kind: 'int32' },
        },
      ],
    );
    expect(cols.map((c) => `${c.name} ${c.declaration} ${c.nullable}`)).toEqual([
      'Id int false',
      'effective_date datetime2(6) true',
      'IsLatest bit true',
    ]);
  });

  it('keeps microseconds and refuses a decimal the bulk load cannot send exactly', () => {
    const ts = bulkValue(amount, -1n, 'TIMESTAMP') as Date & { nanosecondDelta?: number };
    expect(ts.toISOString()).toBe('1969-12-31T23:59:59.999Z');
    expect(ts.nanosecondDelta).toBeCloseTo(0.000999, 9);
    expect(bulkValue(amount, '123456789012.3456', 'DECIMAL(38,4)')).toBe(123456789012.3456);
    expect(() => bulkValue(amount, '12345678901234.5678', 'DECIMAL(38,4)')).toThrow(
      /Amount value 12345678901234\.5678/,
    );
    expect((bulkValue(amount, '0001-01-01', 'DATE') as Date).toISOString()).toBe('0001-01-01T00:00:00.000Z');
  });

  it('writes boundaries and tables as T-SQL', async () => {
    const date = { typeName: 'date', declaration: 'date' };
    expect(boundaryLiteral('2024-01-01T00:00:00.000Z', date)).toBe("CONVERT(date, N'2024-01-01', 126)");
    expect(
      boundaryLiteral('2024-01-01T06:30:00.125Z', { typeName: 'datetime2', declaration: 'datetime2(3)' }),
    ).toBe("CONVERT(datetime2(3), N'2024-01-01T06:30:00.125', 126)");
    expect(boundaryLiteral('100', { typeName: 'int', declaration: 'int' })).toBe('CAST(100 AS int)');
    const sql = createTableSql(
      { schema: 'dw', table: 'T', columns: [amount], primaryKey: ['Amount'] },
      '[dw].[T]',
      'T',
    );
    expect(sql).toBe(
      'CREATE TABLE [dw].[T] ([Amount] decimal(38,4) NULL, CONSTRAINT [PK_T] PRIMARY KEY CLUSTERED ([Amount])) ON [PRIMARY];',
    );
    expect(await checkTsql(sql)).toEqual([]);
    // The first checkTsql loads ANTLR's T-SQL grammar: seconds on a loaded machine.
  }, 60_000);
});
