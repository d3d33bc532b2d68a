import { beforeAll, describe, expect, it } from 'vitest';
import { checkTsql } from './tsql-grammar-check.js';

/** Every statement shape @sync/extract-mssql builds, as captured from its test suite. */
const extractorShapes = [
  // COLUMNS_QUERY
  `SELECT c.column_id, c.name, t.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable
   FROM sys.columns AS c JOIN sys.types AS t ON t.user_type_id = c.user_type_id
   JOIN sys.tables AS tb ON tb.object_id = c.object_id JOIN sys.schemas AS s ON s.schema_id = tb.schema_id
   WHERE s.name = @schema AND tb.name = @table ORDER BY c.column_id;`,
  // selectStatement, whole table and key range
  'SELECT [Id], CONVERT(varchar(41), [Amount]) AS [Amount], [Small], [Label] FROM [dbo].[Facts];',
  'SELECT [Id], CONVERT(varchar(41), CAST([c_money] AS decimal(19,4))) AS [c_money] FROM [dbo].[Facts] WHERE [Id] BETWEEN @from AND @to;',
  // aggregateStatement (exact decimal sums split into integer and fraction halves)
  `SELECT COUNT_BIG(*) AS [row_count], CONVERT(varchar(41), SUM(CAST(ROUND([Amount], 0, 1) AS decimal(38,0)))) AS [int_1],
   CONVERT(varchar(41), SUM(CAST([Amount] - ROUND([Amount], 0, 1) AS decimal(38,10)))) AS [frac_1] FROM [shop].[Skeleton];`,
  // partition catalog
  `SELECT ps.name AS scheme_name, pf.name AS function_name, pf.function_id, pf.boundary_value_on_right, c.name AS column_name
   FROM sys.tables AS t JOIN sys.schemas AS s ON s.schema_id = t.schema_id
   JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.index_id IN (0, 1)
   JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id
   JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
   JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
   JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
   WHERE s.name = @schema AND t.name = @table;`,
  'SELECT prv.boundary_id, prv.value FROM sys.partition_range_values AS prv WHERE prv.function_id = @function_id ORDER BY prv.boundary_id;',
  `SELECT p.partition_number, SUM(p.row_count) AS row_count FROM sys.dm_db_partition_stats AS p
   JOIN sys.tables AS t ON t.object_id = p.object_id JOIN sys.schemas AS s ON s.schema_id = t.schema_id
   WHERE s.name = @schema AND t.name = @table AND p.index_id IN (0, 1) GROUP BY p.partition_number;`,
  // partition fingerprints and partition reads
  `SELECT $PARTITION.[pf_Orders]([OrderDate]) AS [partition_key], COUNT_BIG(*) AS [row_count],
   CHECKSUM_AGG(BINARY_CHECKSUM(*)) AS [checksum], CONVERT(varchar(40), MAX([ModifiedAt]), 126) AS [max_modified]
   FROM [dbo].[Orders] GROUP BY $PARTITION.[pf_Orders]([OrderDate]) ORDER BY $PARTITION.[pf_Orders]([OrderDate]);`,
  'SELECT [Id], [OrderDate] FROM [dbo].[Orders] WHERE $PARTITION.[pf_Orders]([OrderDate]) = @partition_number;',
  'SELECT [Id] FROM [dbo].[Orders] WHERE $partition.pf_Orders(OrderDate) = 3',
  `SELECT CONVERT(char(10), DATEFROMPARTS(YEAR([OrderDate]), MONTH([OrderDate]), 1), 23) AS [partition_key], COUNT_BIG(*) AS [row_count]
   FROM [dbo].[OrdersByMonth] GROUP BY YEAR([OrderDate]), MONTH([OrderDate])
   ORDER BY YEAR([OrderDate]), MONTH([OrderDate]);`,
  'SELECT [Id] FROM [dbo].[OrdersByMonth] WHERE [OrderDate] >= @partition_lo AND [OrderDate] < @partition_hi;',
  // tedious's login batch
  'set ansi_nulls on\nset textsize 2147483647\nset transaction isolation level read committed\nset xact_abort off',
  'SELECT 1;',
  "SELECT TOP (5) [a] FROM [dbo].[t] WHERE [b] = N'LIMIT 5 :: ILIKE `x` || TRUE' ORDER BY [a] OFFSET 0 ROWS FETCH NEXT 5 ROWS ONLY",
  'SELECT [limit], [true] FROM [dbo].[t] -- LIMIT 5',
  'SELECT @@DBTS AS [dbts], MIN_ACTIVE_ROWVERSION() AS [min_active]',
];

const notTsql = [
  ['SELECT [a] FROM [dbo].[t] LIMIT 5', /LIMIT/],
  ['SELECT [a]::int FROM [dbo].[t]', /::/],
  ["SELECT [a] FROM [dbo].[t] WHERE [a] ILIKE 'x%'", /ILIKE/],
  ['SELECT `a` FROM `t`', /backtick/],
  ["SELECT 'a' || 'b'", /\|\|/],
  ['SELECT [a] FROM [dbo].[t] WHERE [b] = TRUE', /boolean/],
  ['SELECT [a] FROM [dbo].[t] ORDER BY [a] NULLS FIRST', /NULLS/],
  ['DELETE FROM [dbo].[t] RETURNING [a]', /RETURNING/],
  ['SELECT [a] FROM [dbo].[t] FETCH FIRST 5 ROWS ONLY', /./],
  ['CREATE TABLE IF NOT EXISTS [t] ([a] int)', /./],
  ['SELECT DISTINCT ON ([a]) [a] FROM [t]', /./],
  ['SELECT [a] FROM [t] WHERE [a] = ?', /./],
  ['SELECT 1 FROM', /./],
  ['SELECT [a] FROM [t] WHERE', /./],
  ['SELECT [a] FROM [t] WHERE [a] IS DISTINCT FROM [b] AND', /./],
] as const;

describe('checkTsql', () => {
  // Loading the ANTLR T-SQL grammar takes seconds on a busy machine: not the first case's time.
  beforeAll(async () => {
    await checkTsql('SELECT 1;');
  }, 60_000);

  it.each(extractorShapes.map((s) => [s.replace(/\s+/g, ' ').slice(0, 70), s]))(
    'accepts %s',
    async (_, s) => {
      expect(await checkTsql(s)).toEqual([]);
    },
  );

  it.each(notTsql)('rejects %s', async (s, why) => {
    const problems = await checkTsql(s);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(why);
  });
});
