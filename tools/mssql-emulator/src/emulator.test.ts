import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('login', () => {
  it('answers SELECT 1 after login', async () => {
    const r = await pool.request().query('SELECT 1 AS one;');
    expect(r.recordset).toEqual([{ one: 1 }]);
  });

  it('rejects a wrong password with error 18456', async () => {
    const err = await connectPool(emulator, 'wrong').then(
      () => undefined,
      (e: unknown) => e as { originalError?: { message?: string }; message: string },
    );
    expect(err).toBeDefined();
    expect(err?.message).toContain("Login failed for user 'sa'.");
  });

  it('reports version and database', async () => {
    const r = await pool.request().query('SELECT @@VERSION AS v, DB_NAME() AS db');
    expect(r.recordset[0].v).toContain('Microsoft SQL Server');
    expect(r.recordset[0].db).toBe('master');
  });
});

describe('types round-trip', () => {
  beforeAll(async () => {
    await emulator.exec(`
      CREATE TABLE [dbo].[Types] (
        [Id] int NOT NULL PRIMARY KEY,
        [Big] bigint NULL,
        [Name] nvarchar(50) NULL,
        [Amount] decimal(38,10) NULL,
        [Ts] datetime2(7) NULL,
        [Flag] bit NULL
      );
      INSERT INTO [dbo].[Types] VALUES
        (1, 9223372036854775807, N'héllo wörld', 1234567890123456789012345678.1234567890, '2024-01-01T10:00:00.1234567', 1),
        (2, -9223372036854775808, N'', -1234567890123456789012345678.1234567890, '0001-01-01T00:00:00', 0),
        (3, NULL, NULL, NULL, NULL, NULL),
        (4, 0, N'x', -123.45, '9999-12-31T23:59:59.9999999', 1),
        (5, -1, N'zero', 0, '1970-01-01T00:00:00', 0);
    `);
  });

  it('returns ints, bigints as strings, nvarchar, bit and NULLs', async () => {
    const r = await pool
      .request()
      .query('SELECT [Id], [Big], [Name], [Flag] FROM [dbo].[Types] ORDER BY [Id];');
    expect(r.recordset).toEqual([
      { Id: 1, Big: '9223372036854775807', Name: 'héllo wörld', Flag: true },
      { Id: 2, Big: '-9223372036854775808', Name: '', Flag: false },
      { Id: 3, Big: null, Name: null, Flag: null },
      { Id: 4, Big: '0', Name: 'x', Flag: true },
      { Id: 5, Big: '-1', Name: 'zero', Flag: false },
    ]);
    expect(r.recordset.columns.Name?.type).toBe(sql.NVarChar);
    // TDS (and so mssql) reports nvarchar lengths in bytes.
    expect(r.recordset.columns.Name?.length).toBe(100);
    expect(r.recordset.columns.Big?.type).toBe(sql.BigInt);
  });

  it('returns decimal(38,10) exactly through CONVERT(varchar(41), …)', async () => {
    const r = await pool
      .request()
      .query('SELECT [Id], CONVERT(varchar(41), [Amount]) AS [Amount] FROM [dbo].[Types] ORDER BY [Id];');
    expect(r.recordset.map((x: { Amount: string | null }) => x.Amount)).toEqual([
      '1234567890123456789012345678.1234567890',
      '-1234567890123456789012345678.1234567890',
      null,
      '-123.4500000000',
      '0.0000000000',
    ]);
    expect(r.recordset.columns.Amount?.type).toBe(sql.VarChar);
    expect(r.recordset.columns.Amount?.length).toBe(41);
  });

  it('sends the declared decimal(38,10) type for a plain column', async () => {
    const r = await pool.request().query('SELECT [Amount] FROM [dbo].[Types] WHERE [Id] = 4;');
    expect(r.recordset.columns.Amount?.type).toBe(sql.Decimal);
    expect(r.recordset.columns.Amount?.precision).toBe(38);
    expect(r.recordset.columns.Amount?.scale).toBe(10);
    expect(r.recordset[0].Amount).toBe(-123.45);
  });

  it('returns datetime2(7) with all seven fractional digits (Date plus nanosecondsDelta)', async () => {
    const r = await pool.request().query('SELECT [Id], [Ts] FROM [dbo].[Types] ORDER BY [Id];');
    const ts = r.recordset.map((x: { Ts: Date | null }) => x.Ts);
    expect(r.recordset.columns.Ts?.type).toBe(sql.DateTime2);
    expect(r.recordset.columns.Ts?.scale).toBe(7);
    expect(ts[0]?.toISOString()).toBe('2024-01-01T10:00:00.123Z');
    expect((ts[0] as Date & { nanosecondsDelta: number }).nanosecondsDelta).toBeCloseTo(0.0004567, 9);
    expect(ts[1]?.toISOString()).toBe('0001-01-01T00:00:00.000Z');
    expect(ts[2]).toBeNull();
    expect(ts[3]?.toISOString()).toBe('9999-12-31T23:59:59.999Z');
    expect((ts[3] as Date & { nanosecondsDelta: number }).nanosecondsDelta).toBeCloseTo(0.0009999, 9);
  });

  it('formats datetime2 with CONVERT style 121', async () => {
    const r = await pool
      .request()
      .query(
        'SELECT CONVERT(varchar(27), [Ts], 121) AS t FROM [dbo].[Types] WHERE [Id] IN (1, 2) ORDER BY [Id];',
      );
    expect(r.recordset).toEqual([{ t: '2024-01-01 10:00:00.1234567' }, { t: '0001-01-01 00:00:00.0000000' }]);
  });

  it('aggregates with SQL Server result types', async () => {
    const r = await pool
      .request()
      .query(
        'SELECT COUNT_BIG(*) AS [row_count], COUNT(*) AS [n], SUM([Amount]) AS [sum_Amount] FROM [dbo].[Types];',
      );
    expect(r.recordset[0].row_count).toBe('5');
    expect(r.recordset[0].n).toBe(5);
    expect(r.recordset.columns.sum_Amount?.type).toBe(sql.Decimal);
    expect(r.recordset.columns.sum_Amount?.precision).toBe(38);
    expect(r.recordset.columns.sum_Amount?.scale).toBe(10);
    const exact = await pool
      .request()
      .query('SELECT CONVERT(varchar(41), SUM([Amount])) AS s FROM [dbo].[Types] WHERE [Id] > 2;');
    expect(exact.recordset[0].s).toBe('-123.4500000000');
  });
});

describe('catalog', () => {
  it('answers the extractor catalog query through sp_executesql', async () => {
    const r = await pool
      .request()
      .input('schema', sql.NVarChar(128), 'dbo')
      .input('table', sql.NVarChar(128), 'Types')
      .query(`
        SELECT c.column_id, c.name, t.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable
        FROM sys.columns AS c
        JOIN sys.types AS t ON t.user_type_id = c.user_type_id
        JOIN sys.tables AS tb ON tb.object_id = c.object_id
        JOIN sys.schemas AS s ON s.schema_id = tb.schema_id
        WHERE s.name = @schema AND tb.name = @table
        ORDER BY c.column_id;`);
    expect(r.recordset).toEqual([
      {
        column_id: 1,
        name: 'Id',
        type_name: 'int',
        max_length: 4,
        precision: 10,
        scale: 0,
        is_nullable: false,
      },
      {
        column_id: 2,
        name: 'Big',
        type_name: 'bigint',
        max_length: 8,
        precision: 19,
        scale: 0,
        is_nullable: true,
      },
      {
        column_id: 3,
        name: 'Name',
        type_name: 'nvarchar',
        max_length: 100,
        precision: 0,
        scale: 0,
        is_nullable: true,
      },
      {
        column_id: 4,
        name: 'Amount',
        type_name: 'decimal',
        max_length: 17,
        precision: 38,
        scale: 10,
        is_nullable: true,
      },
      {
        column_id: 5,
        name: 'Ts',
        type_name: 'datetime2',
        max_length: 8,
        precision: 27,
        scale: 7,
        is_nullable: true,
      },
      {
        column_id: 6,
        name: 'Flag',
        type_name: 'bit',
        max_length: 1,
        precision: 1,
        scale: 0,
        is_nullable: true,
      },
    ]);
  });

  it('serves INFORMATION_SCHEMA and OBJECT_ID', async () => {
    const r = await pool.request().query(`
      SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH, NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION
      FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'dbo' AND TABLE_NAME = 'Types' ORDER BY ORDINAL_POSITION`);
    expect(r.recordset[2]).toEqual({
      COLUMN_NAME: 'Name',
      DATA_TYPE: 'nvarchar',
      CHARACTER_MAXIMUM_LENGTH: 50,
      NUMERIC_PRECISION: null,
      NUMERIC_SCALE: null,
      DATETIME_PRECISION: null,
    });
    expect(r.recordset[4].DATETIME_PRECISION).toBe(7);
    const ids = await pool
      .request()
      .query(
        "SELECT OBJECT_ID(N'dbo.Types') AS a, OBJECT_ID(N'[dbo].[Types]') AS b, OBJECT_ID('dbo.Nope') AS c",
      );
    expect(ids.recordset[0].a).toBeGreaterThan(0);
    expect(ids.recordset[0].b).toBe(ids.recordset[0].a);
    expect(ids.recordset[0].c).toBeNull();
  });
});

describe('sp_executesql parameters', () => {
  it('binds parameters of several types', async () => {
    const r = await pool
      .request()
      .input('i', sql.Int, 42)
      .input('b', sql.BigInt, '9007199254740993')
      .input('s', sql.NVarChar(20), 'héllo')
      .input('v', sql.VarChar(20), 'plain')
      .input('d', sql.Decimal(18, 4), 12.3456)
      .input('f', sql.Float, 1.5)
      .input('bit', sql.Bit, true)
      .input('dt', sql.DateTime2(7), new Date('2024-05-06T07:08:09.123Z'))
      .input('day', sql.Date, new Date('2024-05-06T00:00:00Z'))
      .input('g', sql.UniqueIdentifier, '6F9619FF-8B86-D011-B42D-00C04FC964FF')
      .input('bin', sql.VarBinary(10), Buffer.from([1, 2, 255]))
      .input('n', sql.Int, null)
      .query(`
        SELECT @i AS i, @b AS b, @s AS s, @v AS v, CONVERT(varchar(30), @d) AS d, @f AS f, @bit AS bit,
               @dt AS dt, @day AS day, @g AS g, @bin AS bin, @n AS n, @i + 1 AS i1`);
    const row = r.recordset[0];
    expect(row.i).toBe(42);
    expect(row.b).toBe('9007199254740993');
    expect(row.s).toBe('héllo');
    expect(row.v).toBe('plain');
    expect(row.d).toBe('12.3456');
    expect(row.f).toBe(1.5);
    expect(row.bit).toBe(true);
    expect((row.dt as Date).toISOString()).toBe('2024-05-06T07:08:09.123Z');
    expect((row.day as Date).toISOString()).toBe('2024-05-06T00:00:00.000Z');
    expect(row.g).toBe('6F9619FF-8B86-D011-B42D-00C04FC964FF');
    expect(row.bin).toEqual(Buffer.from([1, 2, 255]));
    expect(row.n).toBeNull();
    expect(row.i1).toBe(43);
    const captured = emulator.statements[emulator.statements.length - 1];
    expect(captured?.kind).toBe('rpc');
    expect(captured?.params.i).toBe(42);
    expect(captured?.params.d).toBe('12.3456');
  });

  it('filters with parameters', async () => {
    const r = await pool
      .request()
      .input('min', sql.Int, 2)
      .query('SELECT [Id] FROM [dbo].[Types] WHERE [Id] >= @min ORDER BY [Id] DESC');
    expect(r.recordset.map((x: { Id: number }) => x.Id)).toEqual([5, 4, 3, 2]);
  });
});

describe('errors', () => {
  it('gives 208 for an unknown table', async () => {
    await expect(pool.request().query('SELECT * FROM [dbo].[Missing]')).rejects.toMatchObject({
      number: 208,
      message: "Invalid object name 'dbo.Missing'.",
    });
  });

  it('gives 102 for bad syntax', async () => {
    await expect(pool.request().query('SELEC 1')).rejects.toMatchObject({ number: 102 });
    await expect(pool.request().batch('SELECT * FROM')).rejects.toMatchObject({ number: 102 });
  });

  it('gives 207 for an unknown column and 2714 for an existing table', async () => {
    await expect(pool.request().query('SELECT [Nope] FROM [dbo].[Types]')).rejects.toMatchObject({
      number: 207,
    });
    await expect(pool.request().batch('CREATE TABLE dbo.Types (a int)')).rejects.toMatchObject({
      number: 2714,
    });
  });

  it('gives 2627 for a duplicate primary key and keeps the connection usable', async () => {
    await expect(pool.request().query('INSERT INTO dbo.Types (Id) VALUES (1)')).rejects.toMatchObject({
      number: 2627,
    });
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.Types');
    expect(r.recordset[0].n).toBe(5);
  });
});

describe('datetime2(7) seventh digit', () => {
  it('keeps the 100 ns digit through parameters, UPDATE and SELECT *', async () => {
    await emulator.exec('CREATE TABLE dbo.Ns (Id int NOT NULL PRIMARY KEY, Ts datetime2(7) NULL)');
    const d = new Date('2024-05-06T07:08:09.123Z') as Date & { nanosecondDelta: number };
    d.nanosecondDelta = 0.0004567;
    await pool.request().input('p', sql.DateTime2(7), d).query('INSERT INTO dbo.Ns VALUES (1, @p)');
    await pool.request().query("INSERT INTO dbo.Ns (Id, Ts) VALUES (2, '2024-01-01 00:00:00.0000001')");
    await pool.request().query("UPDATE dbo.Ns SET Ts = '2020-02-02T02:02:02.9999999' WHERE Id = 2");
    const r = await pool.request().query('SELECT * FROM dbo.Ns ORDER BY Id');
    expect(Object.keys(r.recordset.columns)).toEqual(['Id', 'Ts']);
    const [a, b] = r.recordset.map((x: { Ts: Date & { nanosecondsDelta: number } }) => x.Ts);
    expect(a?.toISOString()).toBe('2024-05-06T07:08:09.123Z');
    expect(a?.nanosecondsDelta).toBeCloseTo(0.0004567, 9);
    expect(b?.toISOString()).toBe('2020-02-02T02:02:02.999Z');
    expect(b?.nanosecondsDelta).toBeCloseTo(0.0009999, 9);
    const text = await pool
      .request()
      .query('SELECT CONVERT(varchar(27), Ts, 121) AS t FROM dbo.Ns ORDER BY Id');
    expect(text.recordset).toEqual([
      { t: '2024-05-06 07:08:09.1234567' },
      { t: '2020-02-02 02:02:02.9999999' },
    ]);
  });
});

describe('names DuckDB reserves but T-SQL does not', () => {
  it('reads and writes columns called DO, Map and Limit unquoted', async () => {
    // None of them is in "Reserved Keywords (Transact-SQL)": SQL Server takes them as names.
    await emulator.exec(
      'CREATE TABLE dbo.Words (Id int NOT NULL PRIMARY KEY, DO int NULL, Map int NULL, Limit int NULL)',
    );
    await pool.request().query('INSERT INTO dbo.Words (Id, DO, Map, Limit) VALUES (1, 2, 3, 4)');
    await pool.request().query('UPDATE dbo.Words SET DO = DO + 10 WHERE DO = 2');
    const r = await pool
      .request()
      .query(
        'SELECT DO, w.Map, Limit AS L FROM dbo.Words w WHERE DO > 1 ORDER BY DO OFFSET 0 ROWS FETCH NEXT 1 ROWS ONLY',
      );
    expect(r.recordset).toEqual([{ DO: 12, Map: 3, L: 4 }]);
  });
});
