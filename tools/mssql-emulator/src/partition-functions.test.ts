import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `
      CREATE PARTITION FUNCTION [pf_month] (datetime2(3)) AS RANGE RIGHT
        FOR VALUES ('2024-02-01T00:00:00', '2024-03-01T00:00:00');
      CREATE PARTITION SCHEME [ps_month] AS PARTITION [pf_month] ALL TO ([PRIMARY]);
      CREATE TABLE [dbo].[Orders] ([Id] bigint NOT NULL, [OrderDate] datetime2(3) NOT NULL,
        [Amount] decimal(19,4) NULL, [ModifiedAt] datetime2(3) NOT NULL,
        CONSTRAINT [PK_Orders] PRIMARY KEY CLUSTERED ([Id], [OrderDate])) ON [ps_month]([OrderDate]);
      INSERT INTO dbo.Orders VALUES
        (1, '2024-01-15', 1.5, '2024-05-01'), (2, '2024-02-01', 2.5, '2024-05-02'),
        (3, '2024-02-20', 3.5, '2024-05-03'), (4, '2024-03-01', 4.5, '2024-05-04'),
        (5, '2024-03-02', 5.5, '2024-05-05');
      CREATE PARTITION FUNCTION [pf_left] (int) AS RANGE LEFT FOR VALUES (10, 20);
      CREATE PARTITION FUNCTION [pf_types_d] (date) AS RANGE RIGHT FOR VALUES ('2024-02-01');
      CREATE PARTITION FUNCTION [pf_types_t] (datetime2(7)) AS RANGE RIGHT FOR VALUES ('2024-02-01T10:00:00.1234567');
      CREATE PARTITION FUNCTION [pf_types_m] (decimal(19,4)) AS RANGE LEFT FOR VALUES (10.5);
      CREATE PARTITION FUNCTION [pf_types_s] (nvarchar(10)) AS RANGE LEFT FOR VALUES (N'm');
      CREATE PARTITION FUNCTION [pf_types_o] (datetimeoffset(7)) AS RANGE LEFT FOR VALUES ('2024-02-01T10:00:00+05:45');
      CREATE PARTITION FUNCTION [pf_split] (date) AS RANGE RIGHT FOR VALUES ('2024-02-01', '2024-03-01');
      CREATE PARTITION SCHEME [ps_split] AS PARTITION [pf_split] ALL TO ([PRIMARY]);
      CREATE TABLE [dbo].[Split] ([Id] int NOT NULL, [D] date NULL) ON [ps_split]([D]);
      INSERT INTO dbo.Split VALUES (1, '2024-01-15'), (2, '2024-02-10'), (3, '2024-02-20'), (4, '2024-03-05'), (5, NULL);
      CREATE PARTITION FUNCTION [pf_listed] (int) AS RANGE LEFT FOR VALUES (10, 20);
      CREATE PARTITION SCHEME [ps_listed] AS PARTITION [pf_listed] TO ([PRIMARY], [PRIMARY], [PRIMARY]);
      CREATE PARTITION SCHEME [ps_types_t] AS PARTITION [pf_types_t] ALL TO ([PRIMARY]);
      CREATE TABLE [dbo].[Ticks] ([Id] int NOT NULL, [T] datetime2(7) NULL) ON [ps_types_t]([T]);
      INSERT INTO dbo.Ticks VALUES (1, '2024-02-01T10:00:00.1234566'), (2, '2024-02-01T10:00:00.1234567'),
        (3, '2024-02-01T10:00:00.1234568');`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('partition functions and schemes', () => {
  it('describes the scheme in the catalog the way the extractor reads it', async () => {
    const r = await pool
      .request()
      .input('schema', sql.NVarChar(128), 'dbo')
      .input('table', sql.NVarChar(128), 'Orders')
      .query(`SELECT ps.name AS scheme_name, pf.name AS function_name, pf.function_id,
          pf.boundary_value_on_right, c.name AS column_name
        FROM sys.tables AS t
        JOIN sys.schemas AS s ON s.schema_id = t.schema_id
        JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.index_id IN (0, 1)
        JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id
        JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
        JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
        JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        WHERE s.name = @schema AND t.name = @table;`);
    expect(r.recordset).toHaveLength(1);
    const row = r.recordset[0];
    expect(row).toMatchObject({
      scheme_name: 'ps_month',
      function_name: 'pf_month',
      boundary_value_on_right: true,
    });
    expect(row.column_name).toBe('OrderDate');
    const b = await pool
      .request()
      .input('function_id', sql.Int, row.function_id)
      .query(
        'SELECT prv.boundary_id, prv.value FROM sys.partition_range_values AS prv WHERE prv.function_id = @function_id ORDER BY prv.boundary_id;',
      );
    expect(b.recordset.map((x: { value: Date }) => x.value.toISOString())).toEqual([
      '2024-02-01T00:00:00.000Z',
      '2024-03-01T00:00:00.000Z',
    ]);
    const ints = await pool
      .request()
      .query(
        "SELECT prv.value FROM sys.partition_range_values AS prv JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_left' ORDER BY prv.boundary_id",
      );
    expect(ints.recordset.map((x: { value: number }) => x.value)).toEqual([10, 20]);
  });

  it('assigns rows with $PARTITION (RANGE RIGHT and LEFT) and counts them per partition', async () => {
    const r = await pool
      .request()
      .query('SELECT [Id], $PARTITION.[pf_month]([OrderDate]) AS p FROM [dbo].[Orders] ORDER BY [Id]');
    expect(r.recordset.map((x: { p: number }) => x.p)).toEqual([1, 2, 2, 3, 3]);
    const left = await pool
      .request()
      .query(
        'SELECT $PARTITION.pf_left(10) AS a, $PARTITION.pf_left(11) AS b, $PARTITION.pf_left(NULL) AS c',
      );
    expect(left.recordset[0]).toEqual({ a: 1, b: 2, c: 1 });
    const stats = await pool.request().query(`SELECT p.partition_number, SUM(p.row_count) AS row_count
      FROM sys.dm_db_partition_stats AS p JOIN sys.tables AS t ON t.object_id = p.object_id
      JOIN sys.schemas AS s ON s.schema_id = t.schema_id
      WHERE s.name = 'dbo' AND t.name = 'Orders' AND p.index_id IN (0, 1)
      GROUP BY p.partition_number ORDER BY p.partition_number`);
    expect(stats.recordset.map((x: { row_count: unknown }) => Number(x.row_count))).toEqual([1, 2, 2]);
  });

  it('computes fingerprints per partition that change when a row changes', async () => {
    const fingerprint = async (): Promise<
      { partition_key: number; row_count: string; checksum: number; max_modified: string }[]
    > =>
      (
        await pool
          .request()
          .query(`SELECT $PARTITION.[pf_month]([OrderDate]) AS [partition_key], COUNT_BIG(*) AS [row_count],
          CHECKSUM_AGG(BINARY_CHECKSUM(*)) AS [checksum], CONVERT(varchar(40), MAX([ModifiedAt]), 126) AS [max_modified]
          FROM [dbo].[Orders] GROUP BY $PARTITION.[pf_month]([OrderDate]) ORDER BY $PARTITION.[pf_month]([OrderDate]);`)
      ).recordset;
    const before = await fingerprint();
    expect(before.map((x) => [x.partition_key, x.row_count, x.max_modified])).toEqual([
      [1, '1', '2024-05-01T00:00:00.000'],
      [2, '2', '2024-05-03T00:00:00.000'],
      [3, '2', '2024-05-05T00:00:00.000'],
    ]);
    await pool
      .request()
      .input('n', sql.Int, 2)
      .query(
        'UPDATE [dbo].[Orders] SET [Amount] = [Amount] + 1 WHERE $PARTITION.[pf_month]([OrderDate]) = @n AND [Id] = 3',
      );
    const after = await fingerprint();
    expect(after[0]?.checksum).toBe(before[0]?.checksum);
    expect(after[1]?.checksum).not.toBe(before[1]?.checksum);
    expect(after[2]?.checksum).toBe(before[2]?.checksum);
  });
});

/** The boundaries of a function, each cast back to its base type and shown in an exact style. */
async function boundaries(fn: string, expr: string): Promise<unknown[]> {
  const r = await pool
    .request()
    .input('fn', sql.NVarChar(128), fn)
    .query(`SELECT ${expr} AS v FROM sys.partition_range_values AS prv
      JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id
      WHERE pf.name = @fn ORDER BY prv.boundary_id`);
  return r.recordset.map((x: { v: unknown }) => x.v);
}

async function sqlError(query: string): Promise<{ number: number; message: string }> {
  try {
    await pool.request().query(query);
  } catch (error) {
    const e = error as { number: number; message: string };
    return { number: e.number, message: e.message };
  }
  throw new Error(`no error from ${query}`);
}

describe('sys.partition_range_values.value is a sql_variant of the function type', () => {
  // SQL Server: "value sql_variant: The actual boundary value" and CAST/CONVERT of a sql_variant
  // converts its base type (https://learn.microsoft.com/sql/relational-databases/system-catalog-views/sys-partition-range-values-transact-sql,
  // https://learn.microsoft.com/sql/t-sql/data-types/sql-variant-transact-sql).
  it('casts back to its base type exactly, 7th digit included', async () => {
    expect(await boundaries('pf_types_d', 'CONVERT(char(10), CAST(prv.value AS date), 23)')).toEqual([
      '2024-02-01',
    ]);
    expect(
      await boundaries('pf_types_t', 'CONVERT(varchar(40), CAST(prv.value AS datetime2(7)), 126)'),
    ).toEqual(['2024-02-01T10:00:00.1234567']);
    expect(await boundaries('pf_types_m', 'CAST(prv.value AS decimal(19,4))')).toEqual([10.5]);
    expect(await boundaries('pf_types_m', 'CONVERT(nvarchar(40), prv.value)')).toEqual(['10.5000']);
    expect(await boundaries('pf_left', 'CAST(prv.value AS int) + 1')).toEqual([11, 21]);
    expect(await boundaries('pf_types_s', 'CAST(prv.value AS nvarchar(10))')).toEqual(['m']);
    expect(await boundaries('pf_types_d', 'CAST(prv.value AS datetime2(0))')).toEqual([
      new Date('2024-02-01T00:00:00.000Z'),
    ]);
  });

  it('refuses, naming the conversion, what it cannot convert as SQL Server does', async () => {
    // SQL Server: date to int is not allowed (Msg 529); the emulator must not answer a number.
    const toInt = await sqlError(
      "SELECT CAST(prv.value AS int) FROM sys.partition_range_values AS prv JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_types_d'",
    );
    expect(toInt.message).toMatch(
      /CAST\/CONVERT of a sql_variant to int is not supported by the emulator for this value's base type: date/,
    );
    const offset = await sqlError(
      "SELECT CONVERT(nvarchar(40), prv.value) FROM sys.partition_range_values AS prv JOIN sys.partition_functions AS pf ON pf.function_id = prv.function_id WHERE pf.name = 'pf_types_o'",
    );
    expect(offset.message).toMatch(/base type: datetimeoffset\(7\)/);
  });
});

describe('$PARTITION of a datetime2(7) function', () => {
  it('compares at 100 ns, the 7th digit of values and boundaries included', async () => {
    const r = await pool
      .request()
      .query('SELECT $PARTITION.pf_types_t([T]) AS p FROM dbo.Ticks ORDER BY [Id]');
    expect(r.recordset.map((x: { p: number }) => x.p)).toEqual([1, 2, 2]);
    const literal = await pool
      .request()
      .query("SELECT $PARTITION.pf_types_t(CAST('2024-02-01T10:00:00.1234566' AS datetime2(7))) AS p");
    expect(literal.recordset[0].p).toBe(1);
    const stats = await pool.request().query(`SELECT p.row_count FROM sys.dm_db_partition_stats AS p
      JOIN sys.tables AS t ON t.object_id = p.object_id WHERE t.name = 'Ticks' ORDER BY p.partition_number`);
    expect(stats.recordset.map((x: { row_count: unknown }) => Number(x.row_count))).toEqual([1, 2]);
  });
});

describe('ALTER PARTITION FUNCTION … SPLIT RANGE / MERGE RANGE', () => {
  // https://learn.microsoft.com/sql/t-sql/statements/alter-partition-function-transact-sql
  const numbers = async (): Promise<number[]> =>
    (
      await pool.request().query('SELECT $PARTITION.pf_split([D]) AS p FROM dbo.Split ORDER BY [Id]')
    ).recordset.map((x: { p: number }) => x.p);
  const stats = async (): Promise<number[]> =>
    (
      await pool.request().query(`SELECT p.row_count FROM sys.dm_db_partition_stats AS p
        JOIN sys.tables AS t ON t.object_id = p.object_id WHERE t.name = 'Split' ORDER BY p.partition_number`)
    ).recordset.map((x: { row_count: unknown }) => Number(x.row_count));

  it('splits a partition in two and merges two into one, in boundary order', async () => {
    expect(await numbers()).toEqual([1, 2, 2, 3, 1]);
    await pool.request().query("ALTER PARTITION FUNCTION pf_split() SPLIT RANGE ('2024-02-15')");
    expect(await boundaries('pf_split', 'CONVERT(char(10), CAST(prv.value AS date), 23)')).toEqual([
      '2024-02-01',
      '2024-02-15',
      '2024-03-01',
    ]);
    expect(await numbers()).toEqual([1, 2, 3, 4, 1]);
    expect(await stats()).toEqual([2, 1, 1, 1]);
    const fanout = await pool
      .request()
      .query("SELECT fanout FROM sys.partition_functions WHERE name = 'pf_split'");
    expect(fanout.recordset[0].fanout).toBe(4);
    await pool.request().query("ALTER PARTITION FUNCTION pf_split() MERGE RANGE ('2024-02-01')");
    expect(await boundaries('pf_split', 'CONVERT(char(10), CAST(prv.value AS date), 23)')).toEqual([
      '2024-02-15',
      '2024-03-01',
    ]);
    expect(await numbers()).toEqual([1, 1, 2, 3, 1]);
    expect(await stats()).toEqual([3, 1, 1]);
  });

  it("raises SQL Server's errors", async () => {
    expect(await sqlError("ALTER PARTITION FUNCTION pf_split() SPLIT RANGE ('2024-03-01')")).toMatchObject({
      number: 7721,
      message: expect.stringMatching(/already present at ordinal 2 of the boundary value list/),
    });
    expect(await sqlError("ALTER PARTITION FUNCTION pf_split() MERGE RANGE ('2024-03-02')")).toMatchObject({
      number: 7715,
      message: 'The specified partition range value could not be found.',
    });
    expect(await sqlError('ALTER PARTITION FUNCTION pf_nope() SPLIT RANGE (1)')).toMatchObject({
      number: 7718,
    });
    // A scheme listing one filegroup per partition has none left for a new one until NEXT USED names one.
    expect(await sqlError('ALTER PARTITION FUNCTION pf_listed() SPLIT RANGE (15)')).toMatchObject({
      number: 7707,
    });
    await pool.request().query('ALTER PARTITION SCHEME ps_listed NEXT USED [PRIMARY]');
    await pool.request().query('ALTER PARTITION FUNCTION pf_listed() SPLIT RANGE (15)');
    expect(await boundaries('pf_listed', 'CAST(prv.value AS int)')).toEqual([10, 15, 20]);
    expect(await sqlError('ALTER PARTITION FUNCTION pf_listed() SPLIT RANGE (17)')).toMatchObject({
      number: 7707,
    });
  });
});
