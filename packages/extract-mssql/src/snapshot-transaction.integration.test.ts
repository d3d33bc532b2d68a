import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Snapshot!Passw0rd';

describe('SourceConnection.inSnapshot against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Ledger] ([Id] int NOT NULL PRIMARY KEY, [Amount] decimal(19,4) NOT NULL);
GO
INSERT INTO [dbo].[Ledger] VALUES (1, 10.5), (2, 20.25), (3, 30);`);
    // One connection: the snapshot's connection is the one every later call gets back.
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD), 1);
  }, 60_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  async function ids(from: SourceConnection): Promise<number[]> {
    const plan = await from.describe('dbo', 'Ledger');
    const out: number[] = [];
    for await (const batch of from.read(plan)) {
      for (const row of batch) {
        out.push(Number(row?.Id));
      }
    }
    return out.sort((a, b) => a - b);
  }

  it('reports the database flag, off by default and on after ALTER DATABASE', async () => {
    expect(await source.snapshotIsolation()).toEqual({ database: 'master', allowed: false });
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    expect((await source.snapshotIsolation()).allowed).toBe(true);
  });

  it('reads rows and figures of one snapshot while another session commits, then sees the commits', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const seen = await source.inSnapshot('dbo.Ledger', async (snapshot) => {
      const plan = await snapshot.describe('dbo', 'Ledger');
      const before = await ids(snapshot);
      await emulator.exec('INSERT INTO dbo.Ledger VALUES (4, 40); DELETE FROM dbo.Ledger WHERE Id = 1;');
      const after = await ids(snapshot);
      const figures = await snapshot.aggregates(plan);
      return { before, after, figures };
    });
    expect(seen.before).toEqual([1, 2, 3]);
    expect(seen.after).toEqual([1, 2, 3]);
    expect(seen.figures).toEqual({ rowCount: 3n, sums: { Amount: '60.7500' } });
    expect(await ids(source)).toEqual([2, 3, 4]);
  });

  it('puts the connection back at READ COMMITTED: reads work after the database stops allowing snapshots', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    await source.inSnapshot('dbo.Ledger', (snapshot) => ids(snapshot));
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    expect(await ids(source)).toEqual([2, 3, 4]);
  });

  it('fails with SQL Server error 3952 where snapshots are not allowed, rolls back and keeps the connection usable', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    const failure = await source
      .inSnapshot('dbo.Ledger', (snapshot) => ids(snapshot))
      .catch((e: unknown) => e);
    expect(failure).toMatchObject({ context: { sqlErrorNumber: 3952, table: 'dbo.Ledger' } });
    expect(await ids(source)).toEqual([2, 3, 4]);
  });

  it('rolls back when the work fails, and the error is the work’s', async () => {
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON');
    const failure = await source
      .inSnapshot('dbo.Ledger', async () => {
        throw new Error('writer crashed');
      })
      .catch((e: unknown) => e);
    expect((failure as Error).message).toBe('writer crashed');
    await emulator.exec('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION OFF');
    expect(await ids(source)).toEqual([2, 3, 4]);
  });
});
