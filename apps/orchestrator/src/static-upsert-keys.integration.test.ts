import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import type { CliRun } from './test-support/run-cli.js';

const PASSWORD = 'UpsertKeys!Passw0rd';

function tableOf(run: CliRun): Record<string, unknown> & { error?: { code: string; message: string } } {
  return run.summary().tables?.[0] ?? {};
}

// Which key an upsert uses, and when it must read the whole table; a few CLI runs per test.
describe('load_strategy: upsert keys, through the CLI', { timeout: 120_000 }, () => {
  let emulator: Emulator;
  let work: string;
  let lake: CliLake;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-upsert-keys-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [k];
GO
CREATE TABLE [k].[Heap] ([Code] nvarchar(3) NOT NULL, [Rate] decimal(9,4) NULL);
GO
INSERT INTO [k].[Heap] VALUES (N'EUR', 1), (N'USD', 2), (N'EUR', 3);
GO
CREATE TABLE [k].[Events] ([At] datetime2(7) NOT NULL PRIMARY KEY, [Note] nvarchar(10) NULL);
GO
CREATE TABLE [k].[Codes] ([Id] int NOT NULL PRIMARY KEY, [Note] nvarchar(10) NULL);
GO
INSERT INTO [k].[Codes] VALUES (1, N'a'), (2, N'b'), (3, N'c'), (4, N'd'), (5, N'e'), (6, N'f');
GO
INSERT INTO [k].[Events] VALUES ('2025-01-01T00:00:00.0000001', N'a'), ('2025-01-02T00:00:00', N'b'), ('2025-01-03T00:00:00', N'c'), ('2025-01-04T00:00:00', N'd'), ('2025-01-05T00:00:00', N'e'), ('2025-01-06T00:00:00', N'f');`);
    lake = new CliLake(emulator, work, PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function lakeNotes(): Promise<string[]> {
    const duckdb = await DuckDBInstance.create(':memory:');
    try {
      const connection = await duckdb.connect();
      const glob = join(lake.lakeRoot, 'k', 'Events', '*.parquet').replaceAll("'", "''");
      const rows = (
        await connection.runAndReadAll(`SELECT "Note" FROM read_parquet('${glob}') ORDER BY "At"`)
      ).getRows();
      connection.closeSync();
      return rows.map((r) => String(r[0]));
    } finally {
      duckdb.closeSync();
    }
  }

  it('a table without a primary key needs primary_key_columns', async () => {
    const run = await lake.run([{ schema_name: 'k', table_name: 'Heap', load_strategy: 'upsert' }]);
    expect(run.code).toBe(1);
    expect(tableOf(run).error).toMatchObject({
      code: 'CONFIG_INVALID',
      message:
        'k.Heap: load_strategy: upsert: the table has no primary key in the source; set primary_key_columns',
    });
  });

  it('a configured key held by two source rows fails the table, naming the key value', async () => {
    const run = await lake.run([
      { schema_name: 'k', table_name: 'Heap', load_strategy: 'upsert', primary_key_columns: ['Code'] },
    ]);
    expect(run.code).toBe(1);
    expect(tableOf(run).error).toMatchObject({
      code: 'DATA_QUALITY',
      message:
        'k.Heap: load_strategy: upsert needs a unique key, but (Code) = (EUR) is held by 2 source rows; set primary_key_columns to a unique key',
    });
  });

  it('a datetime2 key cannot be bound exactly: changed rows are found, and the table is read in full', async () => {
    const table = { schema_name: 'k', table_name: 'Events', load_strategy: 'upsert' };
    const first = await lake.run([table]);
    expect(first.code, first.stderr).toBe(0);
    await emulator.exec(`UPDATE [k].[Events] SET [Note] = N'A' WHERE [At] = '2025-01-01T00:00:00.0000001';`);
    const run = await lake.run([table]);
    expect(run.code, run.stderr).toBe(0);
    expect(tableOf(run)).toMatchObject({
      rows: 6,
      upsert: {
        inserted: 0,
        updated: 1,
        deleted: 0,
        unchanged: 5,
        full_read: 'key column At is datetime2, whose values cannot be bound exactly',
      },
    });
    expect(await lakeNotes()).toEqual(['A', 'b', 'c', 'd', 'e', 'f']);
  });

  it('a replace run drops the row hashes, so the next upsert reads in full', async () => {
    await emulator.exec(`UPDATE [k].[Events] SET [Note] = N'B' WHERE [At] = '2025-01-02T00:00:00';`);
    const replace = await lake.run([{ schema_name: 'k', table_name: 'Events' }]);
    expect(replace.code, replace.stderr).toBe(0);
    expect(Object.keys(await lake.files('k', 'Events'))).not.toContain('_sqlsync_row_hashes');
    await emulator.exec(`UPDATE [k].[Events] SET [Note] = N'C' WHERE [At] = '2025-01-03T00:00:00';`);
    const upsert = await lake.run([{ schema_name: 'k', table_name: 'Events', load_strategy: 'upsert' }]);
    expect(upsert.code, upsert.stderr).toBe(0);
    expect(tableOf(upsert)).toMatchObject({
      upsert: { inserted: 6, full_read: 'full read: the lake has no row hashes yet' },
    });
    expect(await lakeNotes()).toEqual(['A', 'B', 'C', 'd', 'e', 'f']);
  });

  it('force_reload_after_days makes an upsert read in full; a partial upsert keeps the last full load', async () => {
    const table = { schema_name: 'k', table_name: 'Codes', load_strategy: 'upsert' };
    const stateFile = join(work, 'state', 'k.Codes.json');
    const lastFullLoad = async (): Promise<string> =>
      JSON.parse(await readFile(stateFile, 'utf8')).state.lastFullLoadAt as string;
    expect((await lake.run([table])).code).toBe(0);
    const fullLoad = await lastFullLoad();
    await emulator.exec(`UPDATE [k].[Codes] SET [Note] = N'B' WHERE [Id] = 2;`);
    const partial = await lake.run([table]);
    expect(tableOf(partial)).toMatchObject({ rows: 1, upsert: { updated: 1, unchanged: 5 } });
    expect(await lastFullLoad()).toBe(fullLoad);
    // As if the last full load were long ago.
    const file = JSON.parse(await readFile(stateFile, 'utf8'));
    file.state.lastFullLoadAt = '2000-01-01T00:00:00.000Z';
    await writeFile(stateFile, JSON.stringify(file));
    const forced = await lake.run([{ ...table, force_reload_after_days: 1 }]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(tableOf(forced)).toMatchObject({
      rows: 6,
      upsert: {
        updated: 0,
        unchanged: 6,
        full_read: expect.stringMatching(/^forced reload: last full load \d+ days ago/),
      },
    });
    expect(await lastFullLoad()).not.toBe('2000-01-01T00:00:00.000Z');
  });
});
