import { describe, expect, it } from 'vitest';
import { checkTsql } from './tsql-grammar-check.js';

// Real T-SQL the destination (issue 17) sends, which ANTLR's TSqlParser has no rule for: see
// https://learn.microsoft.com/sql/t-sql/statements/alter-table-transact-sql (SWITCH),
// https://learn.microsoft.com/sql/t-sql/statements/create-partition-function-transact-sql,
// https://learn.microsoft.com/sql/t-sql/statements/create-partition-scheme-transact-sql and
// MS-TDS 2.2.6.1 (the INSERT BULK statement a bulk load starts with).
describe('checkTsql on statements the grammar lacks', () => {
  it.each([
    'insert bulk [warehouse].[Orders_stage1]([OrderId] int, [OrderDate] date, [Amount] decimal(19, 4), [Note] nvarchar(50)) WITH (KEEP_NULLS)',
    'insert bulk [dbo].[B]([name] nvarchar(20) COLLATE SQL_Latin1_General_CP1_CI_AS)',
    'ALTER TABLE [warehouse].[Orders] SWITCH PARTITION 2 TO [warehouse].[Orders_trash2];',
    'ALTER TABLE [warehouse].[Orders_stage1] SWITCH TO [warehouse].[Orders] PARTITION 2;',
    "CREATE PARTITION FUNCTION [pfMonth] (date) AS RANGE RIGHT FOR VALUES (CONVERT(date, N'2024-01-01', 126), CONVERT(date, N'2024-02-01', 126));",
    'CREATE PARTITION FUNCTION pfId (int) AS RANGE LEFT FOR VALUES (100, 200)',
    'CREATE PARTITION SCHEME [psMonth] AS PARTITION [pfMonth] ALL TO ([PRIMARY]);',
    'CREATE TABLE [warehouse].[Orders] ([OrderId] int NOT NULL, [OrderDate] date NOT NULL, CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([OrderId], [OrderDate])) ON [psMonth]([OrderDate]);',
  ])(
    'accepts %s',
    async (sql) => {
      expect(await checkTsql(sql)).toEqual([]);
      // The first call loads ANTLR's grammar: seconds on a loaded machine.
    },
    60_000,
  );

  it.each([
    'ALTER TABLE [a] SWITCH TO [b] PARTITION 2 LIMIT 5',
    'insert bulk [a]([x] int) WITH (KEEP_NULLS, SOMETHING_ELSE)',
    "CREATE PARTITION FUNCTION pf (date) AS RANGE RIGHT FOR VALUES ('2024-01-01'::date)",
    'CREATE TABLE [t] ([a] int) ON [ps]([a]) LIMIT 1',
  ])(
    'still refuses %s',
    async (sql) => {
      expect((await checkTsql(sql)).length).toBeGreaterThan(0);
    },
    60_000,
  );
});
