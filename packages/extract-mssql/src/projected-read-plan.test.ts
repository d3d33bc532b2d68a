import { SqlSyncError } from '@sync/core';
import { checkTsql } from '@sync/mssql-emulator';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectStatement } from './batch-stream.js';
import type { TableReadPlan } from './catalog.js';
import { projectedReadPlan } from './projected-read-plan.js';
import { type MappedColumn, mapColumn } from './type-mapping.js';

const mapped = (
  [
    ['Id', 'int', 0, 0],
    ['Region', 'nvarchar', 0, 0],
    ['At', 'datetime2', 27, 7],
    ['Amount', 'decimal', 38, 10],
  ] as const
).map(
  ([name, typeName, precision, scale]) =>
    mapColumn({ name, typeName, maxLength: 8, precision, scale, nullable: false }, 'dbo.T') as MappedColumn,
);
const plan: TableReadPlan = {
  schema: { schemaName: 'dbo', tableName: 'T', columns: mapped.map((c) => c.column) },
  columns: mapped,
};

describe('projectedReadPlan', () => {
  // Loading the ANTLR T-SQL grammar takes seconds on a busy machine: not the first case's time.
  beforeAll(async () => {
    await checkTsql('SELECT 1;');
  }, 60_000);

  it('reads only the named columns, in the order named, as the full plan reads them', async () => {
    const keys = projectedReadPlan(plan, ['At', 'region']);
    expect(keys.columns).toEqual([mapped[2], mapped[1]]);
    expect(keys.schema).toEqual({
      schemaName: 'dbo',
      tableName: 'T',
      columns: [mapped[2]?.column, mapped[1]?.column],
    });
    const statement = selectStatement(keys);
    expect(statement).toBe(
      "SELECT DATEDIFF(day, CAST('0001-01-01' AS date), [At]) AS [At], DATEDIFF(second, CAST([At] AS date), [At]) AS [At$second], DATEPART(nanosecond, [At]) AS [At$nanosecond], [Region] FROM [dbo].[T];",
    );
    expect(await checkTsql(statement)).toEqual([]);
  });

  it('names a column the plan does not read', () => {
    try {
      projectedReadPlan(plan, ['Id', 'Nope']);
      throw new Error('expected an error');
    } catch (error) {
      expect(error).toBeInstanceOf(SqlSyncError);
      expect((error as SqlSyncError).code).toBe('CONFIG_INVALID');
      expect((error as SqlSyncError).message).toBe('dbo.T: Nope is not a column the table is read with');
      expect((error as SqlSyncError).context).toMatchObject({ table: 'dbo.T', column: 'Nope' });
    }
  });

  it('refuses no columns and a column named twice', () => {
    expect(() => projectedReadPlan(plan, [])).toThrow(/no columns named/);
    expect(() => projectedReadPlan(plan, ['Id', 'ID'])).toThrow(/column Id named twice/);
  });
});
