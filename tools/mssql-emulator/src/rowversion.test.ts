/** rowversion: bumped on every write, readable through @@DBTS and MIN_ACTIVE_ROWVERSION(). */
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator();
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('rowversion', () => {
  it('is bumped on every insert and update and readable through @@DBTS / MIN_ACTIVE_ROWVERSION()', async () => {
    await emulator.exec('CREATE TABLE dbo.Rv (id int NOT NULL PRIMARY KEY, a int NULL, rv rowversion)');
    const dbts = async (): Promise<{ dbts: Buffer; minActive: Buffer }> => {
      const r = await pool.request().query('SELECT @@DBTS AS dbts, MIN_ACTIVE_ROWVERSION() AS minActive');
      return r.recordset[0];
    };
    const rowRv = async (id: number): Promise<Buffer> =>
      (await pool.request().query(`SELECT rv FROM dbo.Rv WHERE id = ${id}`)).recordset[0].rv;
    const big = (b: Buffer): bigint => b.readBigUInt64BE(0);

    const start = await dbts();
    expect(start.dbts.length).toBe(8);
    await pool.request().query('INSERT INTO dbo.Rv (id, a) VALUES (1, 1), (2, 2)');
    const r1 = big(await rowRv(1));
    const r2 = big(await rowRv(2));
    expect(r1).toBeGreaterThan(big(start.dbts));
    expect(r2).toBeGreaterThan(r1);
    const afterInsert = await dbts();
    // @@DBTS is the last rowversion used; MIN_ACTIVE_ROWVERSION() is the next one when no
    // transaction is open.
    expect(big(afterInsert.dbts)).toBe(r2);
    expect(big(afterInsert.minActive)).toBe(big(afterInsert.dbts) + 1n);

    await pool.request().query('UPDATE dbo.Rv SET a = 10 WHERE id = 1');
    const r1b = big(await rowRv(1));
    expect(r1b).toBeGreaterThan(big(afterInsert.dbts));
    expect(big(await rowRv(2))).toBe(r2);
    expect(big((await dbts()).dbts)).toBe(r1b);
  });

  it('keeps MIN_ACTIVE_ROWVERSION() at or below the rowversions of an open transaction', async () => {
    const big = (b: Buffer): bigint => b.readBigUInt64BE(0);
    const tx = new sql.Transaction(pool);
    await tx.begin();
    try {
      await new sql.Request(tx).query('INSERT INTO dbo.Rv (id, a) VALUES (3, 3)');
      const inFlight = big(
        (await new sql.Request(tx).query('SELECT rv FROM dbo.Rv WHERE id = 3')).recordset[0].rv,
      );
      const other = await pool.request().query('SELECT @@DBTS AS dbts, MIN_ACTIVE_ROWVERSION() AS minActive');
      expect(big(other.recordset[0].minActive)).toBeLessThanOrEqual(inFlight);
      expect(big(other.recordset[0].dbts)).toBeGreaterThanOrEqual(inFlight);
    } finally {
      await tx.commit();
    }
    const after = await pool.request().query('SELECT @@DBTS AS dbts, MIN_ACTIVE_ROWVERSION() AS minActive');
    expect(big(after.recordset[0].minActive)).toBe(big(after.recordset[0].dbts) + 1n);
  });
});
