import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE SCHEMA sales
      GO
      CREATE TABLE sales.Orders (id int NOT NULL PRIMARY KEY)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('HAS_PERMS_BY_NAME', () => {
  it('answers 1 for an existing object (bound name, quoted or not) and NULL for a missing one', async () => {
    const ask = async (name: string): Promise<unknown> =>
      (
        await pool
          .request()
          .input('name', name)
          .query(`SELECT HAS_PERMS_BY_NAME(@name, N'OBJECT', N'SELECT') AS can_select;`)
      ).recordset[0]?.can_select;
    expect(await ask('[sales].[Orders]')).toBe(1);
    expect(await ask('sales.Orders')).toBe(1);
    expect(await ask('sales.Nope')).toBeNull();
  });
});
