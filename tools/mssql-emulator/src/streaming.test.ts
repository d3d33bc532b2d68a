import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

const rowCount = 200_000;
let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Big ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(40) NOT NULL,
      [Amount] decimal(19,4) NOT NULL, [Ts] datetime2(7) NOT NULL)`,
  });
  // Side-door inserts name their columns: datetime2(7) columns have a hidden 100 ns digit column.
  await emulator.duckdb(`INSERT INTO dbo."Big" ("Id", "Name", "Amount", "Ts")
    SELECT i, 'name ' || i, (i * 3) / 7.0, TIMESTAMP '2024-01-01' + to_seconds(i) FROM range(${rowCount}) t(i)`);
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('streaming', () => {
  it(`streams ${rowCount} rows through request.stream with pause/resume without loss`, async () => {
    const request = pool.request();
    request.stream = true;
    let rows = 0;
    let idSum = 0;
    let lastId = -1;
    let ordered = true;
    const done = new Promise<number[]>((resolve, reject) => {
      request.on('row', (row: { Id: number; Name: string }) => {
        rows++;
        idSum += row.Id;
        if (row.Id !== lastId + 1 || row.Name !== `name ${row.Id}`) {
          ordered = false;
        }
        lastId = row.Id;
        if (rows % 20_000 === 0) {
          request.pause();
          setTimeout(() => request.resume(), 20);
        }
      });
      request.on('error', reject);
      request.on('done', (r: { rowsAffected: number[] }) => resolve(r.rowsAffected));
    });
    request.query('SELECT [Id], [Name], [Amount], [Ts] FROM [dbo].[Big] ORDER BY [Id]');
    const affected = await done;
    expect(rows).toBe(rowCount);
    expect(ordered).toBe(true);
    expect(idSum).toBe((rowCount * (rowCount - 1)) / 2);
    expect(affected).toEqual([rowCount]);
  }, 60_000);

  it('cancels a running query and keeps the connection usable', async () => {
    const request = pool.request();
    request.stream = true;
    let rows = 0;
    const finished = new Promise<void>((resolve) => {
      request.on('row', () => {
        rows++;
        if (rows === 1000) {
          request.cancel();
        }
      });
      request.on('error', () => undefined);
      request.on('done', () => resolve());
    });
    request.query('SELECT [Id] FROM [dbo].[Big]');
    await finished;
    expect(rows).toBeLessThan(rowCount);
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM [dbo].[Big]');
    expect(r.recordset[0].n).toBe(rowCount);
  }, 60_000);

  it('serves many concurrent connections', async () => {
    const wide = new sql.ConnectionPool({
      server: emulator.host,
      port: emulator.port,
      user: emulator.user,
      password: emulator.password,
      database: emulator.database,
      options: { encrypt: false, trustServerCertificate: true },
      pool: { max: 16 },
    });
    await wide.connect();
    await emulator.exec('CREATE TABLE dbo.C (Worker int NOT NULL, N int NOT NULL)');
    const results = await Promise.all(
      Array.from({ length: 32 }, async (_, k) => {
        await wide.request().input('w', sql.Int, k).query('INSERT INTO dbo.C VALUES (@w, 1), (@w, 2)');
        const r = await wide
          .request()
          .input('lo', sql.Int, k * 1000)
          .query('SELECT COUNT(*) AS n FROM [dbo].[Big] WHERE [Id] >= @lo AND [Id] < @lo + 1000');
        return r.recordset[0].n as number;
      }),
    );
    expect(results).toEqual(Array.from({ length: 32 }, () => 1000));
    const total = await wide.request().query('SELECT COUNT(*) AS n, SUM(N) AS s FROM dbo.C');
    expect(total.recordset[0]).toEqual({ n: 64, s: 96 });
    await wide.close();
  }, 60_000);
});
