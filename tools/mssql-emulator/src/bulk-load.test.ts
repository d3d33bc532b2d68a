import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql:
      'CREATE TABLE dbo.B (id int IDENTITY PRIMARY KEY, name nvarchar(20) NOT NULL, amount decimal(19,4), ts datetime2(7), flag bit)',
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('bulk load', () => {
  it('loads rows through mssql bulk() with identities and NULLs', async () => {
    const table = new sql.Table('dbo.B');
    table.columns.add('name', sql.NVarChar(20), { nullable: false });
    table.columns.add('amount', sql.Decimal(19, 4), { nullable: true });
    table.columns.add('ts', sql.DateTime2(7), { nullable: true });
    table.columns.add('flag', sql.Bit, { nullable: true });
    for (let i = 0; i < 5000; i++) {
      table.rows.add(`n${i}`, i / 4, new Date(Date.UTC(2024, 0, 1) + i * 1000), i % 2 === 0);
    }
    table.rows.add('nulls', null, null, null);
    const result = await pool.request().bulk(table);
    expect(result.rowsAffected).toBe(5001);
    const r = await pool.request().query('SELECT COUNT(*) AS n, SUM(amount) AS s, MAX(id) AS m FROM dbo.B');
    expect(r.recordset[0]).toEqual({ n: 5001, s: 3124375, m: 5001 });
    const last = await pool
      .request()
      .query('SELECT TOP 1 name, amount, ts, flag FROM dbo.B ORDER BY id DESC');
    expect(last.recordset[0]).toEqual({ name: 'nulls', amount: null, ts: null, flag: null });
  });

  it('generates rows with GENERATE_SERIES', async () => {
    await emulator.exec('CREATE TABLE dbo.G (id int NOT NULL PRIMARY KEY, label nvarchar(20))');
    await pool
      .request()
      .batch(
        "INSERT INTO dbo.G SELECT value, N'row ' + CAST(value AS nvarchar(10)) FROM GENERATE_SERIES(1, 1000)",
      );
    const r = await pool.request().query('SELECT COUNT(*) AS n, MAX(label) AS m FROM dbo.G WHERE id > 990');
    expect(r.recordset[0]).toEqual({ n: 10, m: 'row 999' });
  });
});
