import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let reader: sql.ConnectionPool;
let writer: sql.ConnectionPool;

/** One session (a pool of one connection), so that SET and BEGIN TRAN carry to the next batch. */
async function session(): Promise<sql.ConnectionPool> {
  const pool = new sql.ConnectionPool({
    server: emulator.host,
    port: emulator.port,
    user: emulator.user,
    password: emulator.password,
    database: emulator.database,
    options: { encrypt: false, trustServerCertificate: true },
    pool: { min: 1, max: 1 },
  });
  await pool.connect();
  return pool;
}

async function count(pool: sql.ConnectionPool): Promise<number> {
  const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.Accounts');
  return Number(r.recordset[0].n);
}

async function snapshotState(): Promise<{ state: number; desc: string; rcsi: boolean }> {
  const r = await writer
    .request()
    .query(
      'SELECT snapshot_isolation_state AS state, snapshot_isolation_state_desc AS [desc], is_read_committed_snapshot_on AS rcsi FROM sys.databases WHERE name = DB_NAME()',
    );
  return r.recordset[0];
}

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Accounts (Id int NOT NULL PRIMARY KEY, Amount decimal(19,4) NOT NULL);
      INSERT INTO dbo.Accounts VALUES (1, 10), (2, 20);`,
  });
  reader = await session();
  writer = await connectPool(emulator);
});

afterAll(async () => {
  await reader?.close();
  await writer?.close();
  await emulator?.close();
});

// SQL Server: SET TRANSACTION ISOLATION LEVEL SNAPSHOT succeeds in any database; the first
// statement reading data then fails with 3952 unless ALLOW_SNAPSHOT_ISOLATION is ON
// (https://learn.microsoft.com/en-us/sql/t-sql/statements/set-transaction-isolation-level-transact-sql,
// https://learn.microsoft.com/en-us/sql/relational-databases/errors-events/database-engine-events-and-errors-3000-to-3999).
describe('snapshot isolation', () => {
  it('is off in a new database, and SNAPSHOT reads then fail with 3952', async () => {
    expect(await snapshotState()).toEqual({ state: 0, desc: 'OFF', rcsi: false });
    const error = await reader
      .request()
      .batch('SET TRANSACTION ISOLATION LEVEL SNAPSHOT; SELECT COUNT(*) AS n FROM dbo.Accounts;')
      .catch((e: unknown) => e);
    expect((error as { number?: number }).number).toBe(3952);
    expect(String((error as Error).message)).toContain('snapshot isolation is not allowed in this database');
    await reader.request().batch('SET TRANSACTION ISOLATION LEVEL READ COMMITTED');
    expect(await count(reader)).toBe(2);
  });

  it('ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION turns the flag on and off in sys.databases', async () => {
    await writer.request().batch(`ALTER DATABASE [${emulator.database}] SET ALLOW_SNAPSHOT_ISOLATION ON`);
    expect(await snapshotState()).toEqual({ state: 1, desc: 'ON', rcsi: false });
    await writer.request().batch('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    expect((await snapshotState()).state).toBe(0);
  });

  it('a SNAPSHOT transaction reads one snapshot while another connection commits', async () => {
    await writer.request().batch('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const transaction = new sql.Transaction(reader);
    await transaction.begin(sql.ISOLATION_LEVEL.SNAPSHOT);
    const sums = 'SELECT SUM(Amount) AS s, COUNT(*) AS n FROM dbo.Accounts';
    const first = await new sql.Request(transaction).query(sums);
    await writer
      .request()
      .batch('INSERT INTO dbo.Accounts VALUES (3, 30); UPDATE dbo.Accounts SET Amount = 0 WHERE Id = 1;');
    const again = await new sql.Request(transaction).query(sums);
    expect(again.recordset[0]).toEqual(first.recordset[0]);
    expect(Number(first.recordset[0].n)).toBe(2);
    await transaction.commit();
    expect(await count(reader)).toBe(3);
    await writer.request().batch('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
  });

  it('refuses what it does not model: other databases, other options, and ALTER DATABASE in a transaction', async () => {
    const failure = (text: string, pool = writer): Promise<{ number?: number; message: string }> =>
      pool
        .request()
        .batch(text)
        .then(
          () => ({ message: 'no error' }),
          (e: { number?: number; message: string }) => e,
        );
    expect((await failure('ALTER DATABASE [elsewhere] SET ALLOW_SNAPSHOT_ISOLATION ON')).number).toBe(5011);
    const rcsi = await failure('ALTER DATABASE CURRENT SET READ_COMMITTED_SNAPSHOT ON');
    expect(rcsi.message).toContain('READ_COMMITTED_SNAPSHOT is not supported by the emulator');
    const inTransaction = await failure(
      'BEGIN TRANSACTION; ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON; ROLLBACK TRANSACTION;',
      reader,
    );
    expect(inTransaction.number).toBe(226);
    expect((await failure('SET TRANSACTION ISOLATION LEVEL CHAOS')).number).toBe(102);
  });
});
