import { SqlSyncError } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MssqlConnectionOptions, tediousConfig } from './connection-options.js';
import { ConnectionPool } from './connection-pool.js';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Pool!Passw0rd';

/** Whether a promise has settled, after letting pending callbacks run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  await new Promise((resolve) => setTimeout(resolve, 50));
  return done;
}

describe('ConnectionPool against the emulator', () => {
  let emulator: Emulator;
  let options: MssqlConnectionOptions;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec('CREATE TABLE [dbo].[Numbers] ([Id] int NOT NULL PRIMARY KEY);');
    const values = Array.from({ length: 5_000 }, (_, i) => `(${i + 1})`);
    await emulator.exec(`INSERT INTO [dbo].[Numbers] VALUES ${values.join(',')};`);
    options = emulatorLogin(emulator, PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
  });

  it('hands its one connection to one caller at a time, the next waiting its turn', async () => {
    const pool = await ConnectionPool.open(tediousConfig(options), 1);
    const first = await pool.acquire();
    const second = pool.acquire();
    expect(await settled(second)).toBe(false);
    pool.release(first);
    expect(await second).toBe(first);
    pool.release(first);
    await pool.close();
  });

  it('opens up to max connections for callers at the same time', async () => {
    const pool = await ConnectionPool.open(tediousConfig(options), 2);
    const [a, b] = await Promise.all([pool.acquire(), pool.acquire()]);
    expect(a).not.toBe(b);
    const third = pool.acquire();
    expect(await settled(third)).toBe(false);
    pool.release(b);
    expect(await third).toBe(b);
    pool.release(a);
    pool.release(b);
    await pool.close();
  });

  it('closes once the connection in use is released, and refuses new callers meanwhile', async () => {
    const pool = await ConnectionPool.open(tediousConfig(options), 1);
    const connection = await pool.acquire();
    const closing = pool.close();
    await expect(pool.acquire()).rejects.toMatchObject({ code: 'ENOTOPEN' });
    expect(await settled(closing)).toBe(false);
    pool.release(connection);
    await closing;
  });

  it('fails a read cut off mid-stream as retryable, then works on a fresh connection', async () => {
    const source = await SourceConnection.open(options);
    try {
      const plan = await source.describe('dbo', 'Numbers');
      emulator.faults.dropConnectionAfterRows(1_000);
      const read = async (): Promise<number> => {
        let rows = 0;
        for await (const batch of source.read(plan, { batchRows: 500 })) {
          rows += batch.numRows;
        }
        return rows;
      };
      const error = await read().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SqlSyncError);
      // tedious reports the reset socket on the request (ECONNRESET): a query error, retryable.
      expect(error).toMatchObject({ retryable: true, context: { table: 'dbo.Numbers' } });
      expect(await read()).toBe(5_000);
    } finally {
      emulator.faults.reset();
      await source.close();
    }
  });

  it('reports a failed login as SOURCE_CONNECTION, without the password', async () => {
    const error = await SourceConnection.open({ ...options, password: 'wrong-password' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'SOURCE_CONNECTION', retryable: false });
    expect(String((error as Error).message)).not.toContain('wrong-password');
  });
});
