/**
 * Semantics conformance (issue 16): where DuckDB's semantics differ from SQL Server's, the
 * emulator translates them or raises SQL Server's error, never a different answer. One row per
 * case: the statement (sent through mssql/tedious as an application would), what SQL Server
 * answers as its documentation says (the `docs` URL), and the emulator must give exactly those
 * rows or that error. Rows marked `refused` are what the emulator cannot do right: it raises an
 * error naming the feature (`docs` says what SQL Server would do instead).
 */
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

/** One semantic case. */
interface Case {
  /** The semantic (the issue's list). */
  readonly semantic: string;
  /** The statement (batch) whose last result set or error is compared. */
  readonly sql: string;
  /** The rows SQL Server returns, each value as {@link shown} writes it. */
  readonly rows?: readonly (readonly string[])[];
  /** The error SQL Server raises: number and message (a RegExp where the message holds a value). */
  readonly error?: { readonly number: number; readonly message: string | RegExp };
  /** The emulator's refusal of what it cannot do right: an error naming the feature. */
  readonly refused?: RegExp;
  /** Where SQL Server's answer is documented. */
  readonly docs: string;
}

const errors0to999 =
  'https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors-0-to-999';
const errors8000 =
  'https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors-8000-to-8999';
const divide = 'https://learn.microsoft.com/en-us/sql/t-sql/language-elements/divide-transact-sql';
const modulo = 'https://learn.microsoft.com/en-us/sql/t-sql/language-elements/modulo-transact-sql';
const intTypes =
  'https://learn.microsoft.com/en-us/sql/t-sql/data-types/int-bigint-smallint-and-tinyint-transact-sql';
const concatNull =
  'https://learn.microsoft.com/en-us/sql/t-sql/statements/set-concat-null-yields-null-transact-sql';
const concat = 'https://learn.microsoft.com/en-us/sql/t-sql/functions/concat-transact-sql';
const nullSemantics =
  'https://learn.microsoft.com/en-us/sql/t-sql/language-elements/null-and-unknown-transact-sql';
const datetime2 = 'https://learn.microsoft.com/en-us/sql/t-sql/data-types/datetime2-transact-sql';
const castConvert = 'https://learn.microsoft.com/en-us/sql/t-sql/functions/cast-and-convert-transact-sql';
const dateadd = 'https://learn.microsoft.com/en-us/sql/t-sql/functions/dateadd-transact-sql';
// KB 316626 "How SQL Server compares strings with trailing spaces": ANSI SQL-92 padding, so
// 'abc' = 'abc ' for =, <>, <, >, GROUP BY, DISTINCT and keys; LIKE is the exception.
const trailingSpaces = 'https://support.microsoft.com/kb/316626';
const collation =
  'https://learn.microsoft.com/en-us/sql/relational-databases/collations/collation-and-unicode-support';
const like = 'https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql';
const uniqueKeys =
  'https://learn.microsoft.com/en-us/sql/relational-databases/tables/unique-constraints-and-check-constraints';
const truncation =
  'https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/mssqlserver-2628-database-engine-error';
const ansiPadding = 'https://learn.microsoft.com/en-us/sql/t-sql/statements/set-ansi-padding-transact-sql';
const partitionRangeValues =
  'https://learn.microsoft.com/en-us/sql/relational-databases/system-catalog-views/sys-partition-range-values-transact-sql';
const sqlVariant = 'https://learn.microsoft.com/en-us/sql/t-sql/data-types/sql-variant-transact-sql';

const overflowInt = 'Arithmetic overflow error converting expression to data type int.';

const cases: readonly Case[] = [
  // Integer division by zero: 8134 for /, % and every numeric type (ANSI_WARNINGS ON, as clients set).
  {
    semantic: 'x / 0',
    sql: 'SELECT 1 / 0',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: divide,
  },
  {
    semantic: 'x % 0',
    sql: 'SELECT 7 % 0',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: modulo,
  },
  {
    semantic: 'decimal / 0',
    sql: 'SELECT 1.5 / 0',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: errors8000,
  },
  {
    semantic: 'float / 0',
    sql: 'SELECT CAST(1 AS float) / 0',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: errors8000,
  },
  {
    semantic: 'x / zero variable',
    sql: 'DECLARE @d int = 0; SELECT 10 / @d',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: divide,
  },
  {
    semantic: 'x / zero column expression',
    sql: 'SELECT Id / (Id - Id) FROM dbo.Names',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: divide,
  },
  {
    semantic: 'x / CASE … END (zero)',
    sql: 'SELECT 10 / CASE WHEN 1 = 1 THEN 0 ELSE 1 END',
    error: { number: 8134, message: 'Divide by zero error encountered.' },
    docs: divide,
  },
  {
    semantic: 'int / int truncates toward zero, % keeps the dividend sign',
    sql: 'SELECT 7 / 2, -7 / 2, -7 % 3, 7 % -3',
    rows: [['3', '-3', '-1', '1']],
    docs: divide,
  },
  {
    semantic: 'x / non-zero column',
    sql: 'SELECT 10 / Id FROM dbo.Names WHERE Id = 5',
    rows: [['2']],
    docs: divide,
  },

  // Integer overflow on arithmetic and CAST: 8115, or 220/232 for a value into tinyint/smallint
  // or from float (the messages of the Database Engine errors list).
  {
    semantic: 'int + overflow',
    sql: 'SELECT CAST(2147483647 AS int) + 1',
    error: { number: 8115, message: overflowInt },
    docs: intTypes,
  },
  {
    semantic: 'int * overflow',
    sql: 'SELECT CAST(2147483647 AS int) * 2',
    error: { number: 8115, message: overflowInt },
    docs: intTypes,
  },
  {
    semantic: 'bigint + overflow',
    sql: 'SELECT CAST(9223372036854775807 AS bigint) + 1',
    error: { number: 8115, message: 'Arithmetic overflow error converting expression to data type bigint.' },
    docs: intTypes,
  },
  {
    semantic: 'SUM(int) overflow',
    sql: 'SELECT SUM(I) FROM dbo.Big',
    error: { number: 8115, message: overflowInt },
    docs: errors8000,
  },
  {
    semantic: 'CAST numeric to int overflow',
    sql: 'SELECT CAST(3000000000 AS int)',
    error: { number: 8115, message: overflowInt },
    docs: errors8000,
  },
  {
    semantic: 'CAST int to tinyint overflow',
    sql: 'SELECT CAST(300 AS tinyint)',
    error: { number: 220, message: 'Arithmetic overflow error for data type tinyint, value = 300.' },
    docs: errors0to999,
  },
  {
    semantic: 'CAST negative to tinyint',
    sql: 'SELECT CAST(-1 AS tinyint)',
    error: { number: 220, message: 'Arithmetic overflow error for data type tinyint, value = -1.' },
    docs: errors0to999,
  },
  {
    semantic: 'CAST int to smallint overflow',
    sql: 'SELECT CAST(40000 AS smallint)',
    error: { number: 220, message: 'Arithmetic overflow error for data type smallint, value = 40000.' },
    docs: errors0to999,
  },
  {
    semantic: 'CAST float to int overflow',
    sql: 'SELECT CAST(1e10 AS int)',
    error: { number: 232, message: 'Arithmetic overflow error for type int, value = 10000000000.000000.' },
    docs: errors0to999,
  },
  {
    semantic: 'INSERT into tinyint overflow',
    sql: 'INSERT INTO dbo.Ints (T) VALUES (256)',
    error: { number: 220, message: 'Arithmetic overflow error for data type tinyint, value = 256.' },
    docs: errors0to999,
  },
  {
    semantic: 'CAST at the int range ends',
    sql: 'SELECT CAST(-2147483648 AS int), CAST(2147483647 AS int), CAST(255 AS tinyint)',
    rows: [['-2147483648', '2147483647', '255']],
    docs: intTypes,
  },

  // `+` with NULL is NULL (CONCAT_NULL_YIELDS_NULL is always ON in SQL Server 2016+); CONCAT skips NULLs.
  { semantic: "'a' + NULL", sql: "SELECT 'a' + NULL", rows: [['NULL']], docs: concatNull },
  {
    semantic: 'nvarchar + NULL nvarchar',
    sql: "SELECT N'a' + CAST(NULL AS nvarchar(5))",
    rows: [['NULL']],
    docs: concatNull,
  },
  {
    semantic: 'column + NULL column',
    sql: "SELECT Code + Label, Code + N'x' FROM dbo.Names WHERE Id = 4",
    rows: [['NULL', 'NULL']],
    docs: concatNull,
  },
  { semantic: '1 + NULL', sql: 'SELECT 1 + NULL', rows: [['NULL']], docs: nullSemantics },
  { semantic: 'CONCAT with NULL', sql: "SELECT CONCAT('a', NULL, 'b')", rows: [['ab']], docs: concat },

  // datetime2(7) at the range ends keeps its seventh digit (literals, CONVERT styles).
  {
    semantic: 'datetime2(7) range ends read back',
    sql: 'SELECT D FROM dbo.Dt ORDER BY Id',
    rows: [['0001-01-01T00:00:00.000Z+0ticks'], ['9999-12-31T23:59:59.999Z+9999ticks']],
    docs: datetime2,
  },
  {
    semantic: 'CAST literal to datetime2(7), last tick',
    sql: "SELECT CAST('9999-12-31 23:59:59.9999999' AS datetime2(7))",
    rows: [['9999-12-31T23:59:59.999Z+9999ticks']],
    docs: datetime2,
  },
  {
    semantic: 'CAST literal to datetime2(7), first tick',
    sql: "SELECT CAST('0001-01-01 00:00:00.0000001' AS datetime2(7))",
    rows: [['0001-01-01T00:00:00.000Z+1ticks']],
    docs: datetime2,
  },
  {
    semantic: 'CONVERT string style 126 to datetime2(7)',
    sql: "SELECT CONVERT(datetime2(7), '9999-12-31T23:59:59.9999999', 126)",
    rows: [['9999-12-31T23:59:59.999Z+9999ticks']],
    docs: castConvert,
  },
  {
    semantic: 'CONVERT datetime2(7) to text, styles 121/126/21/25/120 and CAST',
    sql: 'SELECT CONVERT(varchar(27), D, 121), CONVERT(varchar(27), D, 126), CONVERT(varchar(27), D, 21), CONVERT(varchar(27), D, 25), CONVERT(varchar(27), D, 120), CAST(D AS varchar(27)) FROM dbo.Dt ORDER BY Id',
    rows: [
      [
        '0001-01-01 00:00:00.0000000',
        '0001-01-01T00:00:00.0000000',
        '0001-01-01 00:00:00.0000000',
        '0001-01-01 00:00:00.0000000',
        '0001-01-01 00:00:00',
        '0001-01-01 00:00:00.0000000',
      ],
      [
        '9999-12-31 23:59:59.9999999',
        '9999-12-31T23:59:59.9999999',
        '9999-12-31 23:59:59.9999999',
        '9999-12-31 23:59:59.9999999',
        '9999-12-31 23:59:59',
        '9999-12-31 23:59:59.9999999',
      ],
    ],
    docs: castConvert,
  },
  {
    semantic: 'compare with the last tick',
    sql: "SELECT Id FROM dbo.Dt WHERE D = '9999-12-31 23:59:59.9999999'",
    rows: [['2']],
    docs: datetime2,
  },
  {
    semantic: 'DATEADD past 9999-12-31',
    sql: "SELECT DATEADD(day, 1, CAST('9999-12-31' AS datetime2(7)))",
    error: { number: 517, message: "Adding a value to a 'datetime2' column caused an overflow." },
    docs: dateadd,
  },
  {
    semantic: 'DATEADD before 0001-01-01',
    sql: "SELECT DATEADD(day, -1, CAST('0001-01-01' AS date))",
    error: { number: 517, message: "Adding a value to a 'date' column caused an overflow." },
    docs: dateadd,
  },
  {
    semantic: 'DATEADD(nanosecond) below a microsecond',
    sql: "SELECT DATEADD(nanosecond, 100, CAST('2024-01-01' AS datetime2(7)))",
    refused: /DATEADD\(nanosecond.*not supported by the emulator/,
    docs: dateadd,
  },

  // SQL_Latin1_General_CP1_CI_AS: case-insensitive, trailing spaces do not count.
  {
    semantic: "'a' = 'A '",
    sql: "SELECT CASE WHEN 'a' = 'A ' THEN 1 ELSE 0 END, CASE WHEN 'a' <> 'A ' THEN 1 ELSE 0 END",
    rows: [['1', '0']],
    docs: trailingSpaces,
  },
  {
    semantic: "'ab' > 'AA ', 'a ' < 'B'",
    sql: "SELECT CASE WHEN 'ab' > 'AA ' THEN 1 ELSE 0 END, CASE WHEN 'a ' < 'B' THEN 1 ELSE 0 END",
    rows: [['1', '1']],
    docs: collation,
  },
  {
    semantic: 'varchar column = literal',
    sql: "SELECT Id FROM dbo.Names WHERE Code = 'A' ORDER BY Id",
    rows: [['1'], ['2'], ['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'nvarchar column = parameter-like variable',
    sql: "DECLARE @p nvarchar(5) = N'a  '; SELECT Id FROM dbo.Names WHERE Label = @p ORDER BY Id",
    rows: [['1'], ['2']],
    docs: trailingSpaces,
  },
  {
    semantic: 'IN list',
    sql: "SELECT Id FROM dbo.Names WHERE Code IN ('A  ', 'zz') ORDER BY Id",
    rows: [['1'], ['2'], ['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'NOT IN subquery',
    sql: 'SELECT Id FROM dbo.Names WHERE Code NOT IN (SELECT Label FROM dbo.Names WHERE Id IN (2, 5)) ORDER BY Id',
    rows: [],
    docs: trailingSpaces,
  },
  {
    semantic: 'BETWEEN',
    sql: "SELECT Id FROM dbo.Names WHERE Code BETWEEN 'a ' AND 'A' ORDER BY Id",
    rows: [['1'], ['2'], ['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'join on string keys',
    sql: 'SELECT a.Id, b.Id FROM dbo.Names a JOIN dbo.Names b ON a.Code = b.Label WHERE a.Id = 3 ORDER BY b.Id',
    rows: [
      ['3', '1'],
      ['3', '2'],
    ],
    docs: trailingSpaces,
  },
  {
    semantic: 'GROUP BY',
    sql: 'SELECT RTRIM(LOWER(Code)) AS c, COUNT(*) AS n FROM dbo.Names GROUP BY Code ORDER BY n, c',
    rows: [
      ['NULL', '1'],
      ['b', '1'],
      ['a', '3'],
    ],
    docs: trailingSpaces,
  },
  {
    semantic: 'GROUP BY with HAVING on the key',
    sql: "SELECT COUNT(*) FROM dbo.Names GROUP BY Code HAVING Code = 'a'",
    rows: [['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'GROUP BY in a derived table',
    sql: 'SELECT COUNT(*) FROM (SELECT Label FROM dbo.Names GROUP BY Label) g',
    rows: [['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'DISTINCT',
    sql: 'SELECT COUNT(*) FROM (SELECT DISTINCT Code FROM dbo.Names) d',
    rows: [['3']],
    docs: trailingSpaces,
  },
  {
    semantic: 'simple CASE on a string',
    sql: "SELECT CASE Code WHEN 'A' THEN 'x' WHEN 'b  ' THEN 'y' ELSE 'z' END FROM dbo.Names ORDER BY Id",
    rows: [['x'], ['x'], ['x'], ['z'], ['y']],
    docs: trailingSpaces,
  },
  {
    semantic: 'NULLIF of strings',
    sql: "SELECT NULLIF(Label, N'a'), NULLIF(Code, 'b ') FROM dbo.Names WHERE Id IN (2, 5) ORDER BY Id",
    rows: [
      ['NULL', 'A'],
      ['B', 'NULL'],
    ],
    docs: 'https://learn.microsoft.com/en-us/sql/t-sql/language-elements/nullif-transact-sql',
  },
  {
    semantic: 'DISTINCT keeps values apart by the 7th digit',
    sql: 'SELECT COUNT(*) FROM (SELECT DISTINCT Code, D FROM dbo.Ticks) d',
    rows: [['2']],
    docs: datetime2,
  },
  {
    semantic: 'DISTINCT at the top',
    sql: "SELECT DISTINCT RTRIM(UPPER(Code)) FROM dbo.Names WHERE Code = 'a'",
    rows: [['A']],
    docs: trailingSpaces,
  },
  {
    semantic: 'COUNT(DISTINCT)',
    sql: 'SELECT COUNT(DISTINCT Code), COUNT(DISTINCT Label) FROM dbo.Names',
    rows: [['2', '2']],
    docs: trailingSpaces,
  },
  {
    semantic: 'PRIMARY KEY on nvarchar',
    sql: "INSERT INTO dbo.Keys (K) VALUES (N'A ')",
    error: {
      number: 2627,
      message: /^Violation of PRIMARY KEY constraint .*Cannot insert duplicate key in object 'dbo\.Keys'/,
    },
    docs: uniqueKeys,
  },
  {
    semantic: 'UNIQUE on varchar',
    sql: "INSERT INTO dbo.Keys (K, U) VALUES (N'b', 'X ')",
    error: {
      number: 2627,
      message: /^Violation of UNIQUE KEY constraint .*Cannot insert duplicate key in object 'dbo\.Keys'/,
    },
    docs: uniqueKeys,
  },
  {
    semantic: 'composite PRIMARY KEY with a string',
    sql: "INSERT INTO dbo.Pairs (A, B) VALUES (1, 'X  ')",
    error: { number: 2627, message: /^Violation of PRIMARY KEY constraint .*'dbo\.Pairs'/ },
    docs: uniqueKeys,
  },
  {
    semantic: 'LIKE is case-insensitive',
    sql: "SELECT Id FROM dbo.Names WHERE Label LIKE N'A%' ORDER BY Id",
    rows: [['1'], ['2']],
    docs: like,
  },
  {
    semantic: 'LIKE on varchar ignores the trailing blanks of the value',
    sql: "SELECT Id FROM dbo.Names WHERE Code LIKE 'a' ORDER BY Id",
    rows: [['1'], ['2'], ['3']],
    docs: like,
  },
  {
    semantic: 'LIKE on nvarchar keeps them',
    sql: "SELECT Id FROM dbo.Names WHERE Label LIKE N'a' ORDER BY Id",
    rows: [['1']],
    docs: like,
  },
  {
    semantic: 'LIKE with a character class',
    sql: "SELECT Id FROM dbo.Names WHERE Code LIKE '[ab]'",
    refused: /character classes.*not supported by the emulator/,
    docs: like,
  },

  // String truncation on INSERT/UPDATE: 2628 naming table, column and the cut value (2019+).
  {
    semantic: 'INSERT varchar too long',
    sql: "INSERT INTO dbo.Short (Id, V) VALUES (2, 'abcd')",
    error: {
      number: 2628,
      message:
        "String or binary data would be truncated in table 'master.dbo.Short', column 'V'. Truncated value: 'abc'.",
    },
    docs: truncation,
  },
  {
    semantic: 'INSERT nvarchar too long',
    sql: "INSERT INTO dbo.Short (Id, N) VALUES (3, N'wxyz')",
    error: {
      number: 2628,
      message:
        "String or binary data would be truncated in table 'master.dbo.Short', column 'N'. Truncated value: 'wxy'.",
    },
    docs: truncation,
  },
  {
    semantic: 'UPDATE too long',
    sql: "UPDATE dbo.Short SET N = N'éèêë' WHERE Id = 1",
    error: {
      number: 2628,
      message:
        "String or binary data would be truncated in table 'master.dbo.Short', column 'N'. Truncated value: 'éèê'.",
    },
    docs: truncation,
  },
  {
    semantic: 'INSERT exactly the length',
    sql: "INSERT INTO dbo.Short (Id, V, N) VALUES (4, 'xyz', N'xyz'); SELECT V, N FROM dbo.Short WHERE Id = 4",
    rows: [['xyz', 'xyz']],
    docs: truncation,
  },
  // SQL Server stores 'ab ' (the excess blanks cut without an error, ANSI_PADDING ON).
  {
    semantic: 'INSERT too long by trailing blanks only',
    sql: "INSERT INTO dbo.Short (Id, V) VALUES (5, 'ab     ')",
    refused: /column 'V'.*trailing spaces only.*not supported by the emulator/,
    docs: ansiPadding,
  },
  // sys.partition_range_values.value is a sql_variant of the function's parameter type; CAST and
  // CONVERT convert its base type (partition-functions.test.ts has more).
  {
    semantic: 'sql_variant boundary cast back to date',
    sql: `CREATE PARTITION FUNCTION pf_conf_d (date) AS RANGE RIGHT FOR VALUES ('2024-02-01');
      SELECT CONVERT(char(10), CAST(prv.value AS date), 23) FROM sys.partition_range_values AS prv
      JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_conf_d'`,
    rows: [['2024-02-01']],
    docs: partitionRangeValues,
  },
  {
    semantic: 'sql_variant boundary cast back to datetime2(7), 7th digit kept',
    sql: `CREATE PARTITION FUNCTION pf_conf_t (datetime2(7)) AS RANGE LEFT FOR VALUES ('2024-02-01T10:00:00.1234567');
      SELECT CONVERT(varchar(27), CAST(prv.value AS datetime2(7)), 126) FROM sys.partition_range_values AS prv
      JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_conf_t'`,
    rows: [['2024-02-01T10:00:00.1234567']],
    docs: sqlVariant,
  },
  {
    semantic: 'sql_variant of decimal(19,4) to text',
    sql: `CREATE PARTITION FUNCTION pf_conf_m (decimal(19,4)) AS RANGE LEFT FOR VALUES (10.5);
      SELECT CONVERT(nvarchar(20), prv.value), CAST(prv.value AS int) FROM sys.partition_range_values AS prv
      JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_conf_m'`,
    rows: [['10.5000', '10']],
    docs: castConvert,
  },
  // SQL Server: '2024-02-01 10:00:00.0000000 +05:45'.
  {
    semantic: 'sql_variant of datetimeoffset to text',
    sql: `CREATE PARTITION FUNCTION pf_conf_o (datetimeoffset(7)) AS RANGE LEFT FOR VALUES ('2024-02-01T10:00:00+05:45');
      SELECT CONVERT(nvarchar(40), prv.value) FROM sys.partition_range_values AS prv
      JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_conf_o'`,
    refused:
      /sql_variant to nvarchar\(40\) is not supported by the emulator for this value's base type: datetimeoffset/,
    docs: sqlVariant,
  },
];

/** A value as the rows above write it: NULL, dates with their sub-millisecond ticks, the rest as text. */
function shown(v: unknown): string {
  if (v === null) {
    return 'NULL';
  }
  if (v instanceof Date) {
    const delta = (v as Date & { nanosecondsDelta?: number }).nanosecondsDelta ?? 0;
    return `${v.toISOString()}+${Math.round(delta * 1e7)}ticks`;
  }
  return String(v);
}

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Names (Id int NOT NULL PRIMARY KEY, Code varchar(10) NULL, Label nvarchar(10) NULL)
GO
INSERT INTO dbo.Names VALUES (1, 'a', N'a'), (2, 'A', N'A '), (3, 'a ', N'b'), (4, NULL, NULL), (5, 'b', N'B')
GO
CREATE TABLE dbo.Keys (K nvarchar(10) NOT NULL PRIMARY KEY, U varchar(10) NULL UNIQUE)
GO
INSERT INTO dbo.Keys VALUES (N'a', 'x')
GO
CREATE TABLE dbo.Pairs (A int NOT NULL, B varchar(5) NOT NULL, CONSTRAINT PK_Pairs PRIMARY KEY (A, B))
GO
INSERT INTO dbo.Pairs VALUES (1, 'x'), (2, 'X')
GO
CREATE TABLE dbo.Short (Id int NOT NULL PRIMARY KEY, V varchar(3) NULL, N nvarchar(3) NULL)
GO
INSERT INTO dbo.Short VALUES (1, 'abc', N'abc')
GO
CREATE TABLE dbo.Ints (T tinyint NULL, S smallint NULL)
GO
CREATE TABLE dbo.Big (I int NOT NULL)
GO
INSERT INTO dbo.Big VALUES (2147483647), (1)
GO
CREATE TABLE dbo.Ticks (Code varchar(5) NOT NULL, D datetime2(7) NOT NULL)
GO
INSERT INTO dbo.Ticks VALUES ('a', '2024-01-01 00:00:00.0000001'), ('a ', '2024-01-01 00:00:00.0000002'), ('A', '2024-01-01 00:00:00.0000001')
GO
CREATE TABLE dbo.Dt (Id int NOT NULL PRIMARY KEY, D datetime2(7) NOT NULL)
GO
INSERT INTO dbo.Dt VALUES (1, '0001-01-01 00:00:00.0000000'), (2, '9999-12-31 23:59:59.9999999')`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('SQL Server semantics the emulator meets or refuses', () => {
  it.each(cases.map((c) => ({ ...c, name: `${c.semantic}: ${c.sql}` })))('$name', async (c) => {
    const run = pool.request().query(c.sql);
    if (c.rows !== undefined) {
      const r = await run;
      const rows = (r.recordset ?? []).map((row) =>
        // Unnamed columns come back as one array under the empty name.
        Object.values(row as Record<string, unknown>)
          .flatMap((v) => (Array.isArray(v) ? v : [v]))
          .map(shown),
      );
      expect(rows).toEqual(c.rows);
      return;
    }
    const err = await run.then(
      () => undefined,
      (e: unknown) => e as { number?: number; message?: string },
    );
    expect(err, 'an error').toBeDefined();
    if (c.error !== undefined) {
      expect(err?.number).toBe(c.error.number);
      if (typeof c.error.message === 'string') {
        expect(err?.message).toBe(c.error.message);
      } else {
        expect(err?.message).toMatch(c.error.message);
      }
    } else {
      expect(err?.message).toMatch(c.refused as RegExp);
    }
  });
});
