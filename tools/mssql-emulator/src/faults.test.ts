import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({ seedSql: 'CREATE TABLE dbo.F (Id int NOT NULL)' });
  await emulator.duckdb('INSERT INTO dbo."F" SELECT i FROM range(50000) t(i)');
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('faults', () => {
  it('fails the next matching statement with the given error', async () => {
    emulator.faults.failNext(/FROM dbo\.F/, 1205, 'deadlock victim');
    await expect(pool.request().query('SELECT COUNT(*) AS n FROM dbo.F')).rejects.toMatchObject({
      number: 1205,
      message: 'deadlock victim',
    });
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.F');
    expect(r.recordset[0].n).toBe(50000);
  });

  it('drops the connection after n rows of the next result', async () => {
    emulator.faults.dropConnectionAfterRows(100);
    const own = await connectPool(emulator);
    await expect(own.request().query('SELECT Id FROM dbo.F')).rejects.toBeDefined();
    await own.close().catch(() => undefined);
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.F');
    expect(r.recordset[0].n).toBe(50000);
  });

  it('adds latency and refuses logins', async () => {
    emulator.faults.latencyMs = 100;
    const started = Date.now();
    await pool.request().query('SELECT 1 AS x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    emulator.faults.latencyMs = 0;
    emulator.faults.refuseLogins = true;
    await expect(connectPool(emulator)).rejects.toBeDefined();
    emulator.faults.refuseLogins = false;
  });
});

describe('transactions', () => {
  beforeAll(async () => {
    await emulator.exec('CREATE TABLE dbo.Tx (Id int NOT NULL PRIMARY KEY, Name nvarchar(10) NULL)');
  });

  it('commits and rolls back through mssql Transaction', async () => {
    const tx = new sql.Transaction(pool);
    await tx.begin();
    await new sql.Request(tx).query("INSERT INTO dbo.Tx VALUES (1, N'a')");
    await tx.rollback();
    const tx2 = new sql.Transaction(pool);
    await tx2.begin();
    await new sql.Request(tx2).input('id', sql.Int, 2).query("INSERT INTO dbo.Tx VALUES (@id, N'b')");
    await tx2.commit();
    const r = await pool.request().query('SELECT Id FROM dbo.Tx ORDER BY Id');
    expect(r.recordset).toEqual([{ Id: 2 }]);
  });

  it('runs BEGIN TRAN / ROLLBACK in a batch', async () => {
    await pool.request().batch("BEGIN TRAN; INSERT INTO dbo.Tx VALUES (3, N'c'); ROLLBACK;");
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.Tx');
    expect(r.recordset[0].n).toBe(1);
  });
});
