/**
 * UNIQUE constraints and unique indexes in `sys.indexes` / `sys.index_columns`, and casts to
 * smalldatetime rounding to the minute, as SQL Server answers them ("sys.indexes (Transact-SQL)",
 * "smalldatetime (Transact-SQL)"). Read through mssql.
 */
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Customers (Id int NOT NULL, Region nchar(2) NOT NULL, No int NOT NULL,
                Email nvarchar(100) NULL, Code int NULL CONSTRAINT UQ_Code UNIQUE,
                CONSTRAINT PK_Customers PRIMARY KEY (Id),
                CONSTRAINT UQ_Customers_RegionNo UNIQUE (No, Region))
              GO
              CREATE UNIQUE INDEX UX_Customers_Email ON dbo.Customers (Email) WHERE Email IS NOT NULL
              GO
              CREATE UNIQUE NONCLUSTERED INDEX UX_Customers_RegionEmail ON dbo.Customers (Region, Email)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

const indexesQuery = `SELECT i.index_id, i.name, i.type_desc, CAST(i.is_unique AS int) AS u,
    CAST(i.is_primary_key AS int) AS pk, CAST(i.is_unique_constraint AS int) AS uc,
    CAST(i.has_filter AS int) AS f, i.filter_definition AS fd
  FROM sys.indexes i WHERE i.object_id = OBJECT_ID('dbo.Customers') ORDER BY i.index_id`;

describe('unique constraints and indexes in the catalog views', () => {
  it('lists the primary key, UNIQUE constraints and unique indexes with their flags', async () => {
    const r = await pool.request().query(indexesQuery);
    expect(r.recordset).toEqual([
      { index_id: 1, name: 'PK_Customers', type_desc: 'CLUSTERED', u: 1, pk: 1, uc: 0, f: 0, fd: null },
      { index_id: 2, name: 'UQ_Code', type_desc: 'NONCLUSTERED', u: 1, pk: 0, uc: 1, f: 0, fd: null },
      {
        index_id: 3,
        name: 'UQ_Customers_RegionNo',
        type_desc: 'NONCLUSTERED',
        u: 1,
        pk: 0,
        uc: 1,
        f: 0,
        fd: null,
      },
      {
        index_id: 4,
        name: 'UX_Customers_Email',
        type_desc: 'NONCLUSTERED',
        u: 1,
        pk: 0,
        uc: 0,
        f: 1,
        fd: '([Email] IS NOT NULL)',
      },
      {
        index_id: 5,
        name: 'UX_Customers_RegionEmail',
        type_desc: 'NONCLUSTERED',
        u: 1,
        pk: 0,
        uc: 0,
        f: 0,
        fd: null,
      },
    ]);
  });

  it('lists key columns in key order and the constraint objects', async () => {
    const cols = await pool.request().query(`SELECT ic.index_id, c.name, ic.key_ordinal
      FROM sys.index_columns ic JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
      WHERE ic.object_id = OBJECT_ID('dbo.Customers') AND ic.index_id = 3 ORDER BY ic.key_ordinal`);
    expect(cols.recordset).toEqual([
      { index_id: 3, name: 'No', key_ordinal: 1 },
      { index_id: 3, name: 'Region', key_ordinal: 2 },
    ]);
    const objects = await pool.request().query(`SELECT name FROM sys.objects
      WHERE parent_object_id = OBJECT_ID('dbo.Customers') AND type = 'UQ' ORDER BY name`);
    expect(objects.recordset.map((x) => x.name)).toEqual(['UQ_Code', 'UQ_Customers_RegionNo']);
  });

  it('DROP INDEX removes an index and keeps the other index ids', async () => {
    await pool.request().batch('DROP INDEX UX_Customers_Email ON dbo.Customers');
    const r = await pool.request().query(indexesQuery);
    expect(r.recordset.map((x) => [x.index_id, x.name])).toEqual([
      [1, 'PK_Customers'],
      [2, 'UQ_Code'],
      [3, 'UQ_Customers_RegionNo'],
      [5, 'UX_Customers_RegionEmail'],
    ]);
  });
});

describe('casts to smalldatetime', () => {
  it('round to the minute: 29.998 s and up round up, below down', async () => {
    const r = await pool.request().query(`SELECT
        CONVERT(varchar(40), CAST(CAST('2024-01-01 10:00:29.997' AS datetime2(3)) AS smalldatetime), 121) AS down,
        CONVERT(varchar(40), CAST(CAST('2024-01-01 10:00:29.998' AS datetime2(3)) AS smalldatetime), 121) AS up,
        CONVERT(varchar(40), CAST('2024-01-01 23:59:45' AS smalldatetime), 121) AS nextDay,
        CONVERT(varchar(40), CAST(SYSDATETIME() AS smalldatetime), 121) AS now`);
    expect(r.recordset[0]).toMatchObject({
      down: '2024-01-01 10:00:00.000',
      up: '2024-01-01 10:01:00.000',
      nextDay: '2024-01-02 00:00:00.000',
    });
    expect(r.recordset[0].now).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:00\.000$/);
  });
});
