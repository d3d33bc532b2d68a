import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// Change detection through the built CLI, with default settings: an unchanged source reads no
// row and rewrites no file; one changed cell is found, whatever the hash algorithm.

const PASSWORD = 'Change!Passw0rd';
const ALGORITHMS = ['hashbytes_sha256', 'hashbytes_md5', 'checksum'] as const;
const STATIC = ALGORITHMS.map((algorithm) => ({ algorithm, table: `Cells_${algorithm}` }));

interface TableResult {
  readonly table: string;
  readonly rows: number;
  readonly units: readonly { readonly id: string; readonly reason: string; readonly rows: number }[];
}

/** Every Parquet file under `dir` with its inode and modification time: what a rewrite changes. */
async function fileIdentities(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true })) {
    // Published versions are shared by hard link under _sqlsync/versions; the table symlinks lead to them.
    if (entry.endsWith('.parquet') && !entry.startsWith('_sqlsync')) {
      const s = await stat(join(dir, entry));
      files[entry] = `${s.ino}:${s.mtimeMs}`;
    }
  }
  return files;
}

describe('change detection through sqlsync run (default settings)', () => {
  let emulator: Emulator;
  let work: string;
  let configFile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-change-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    for (const { table } of STATIC) {
      await emulator.exec(`CREATE TABLE [dbo].[${table}] ([Id] int NOT NULL PRIMARY KEY, [S] nvarchar(10) NULL,
        [T] nvarchar(10) NULL, [D] decimal(10,2) NULL, [Ts] datetime2(7) NULL);
        INSERT INTO [dbo].[${table}] VALUES (1, NULL, N'x', 1.50, '2025-01-01T00:00:00.1234567'),
          (2, N'ab', N'c', 2.00, '2025-01-02T00:00:00'), (3, N'z', NULL, NULL, NULL);`);
    }
    // The repro: an even number of rows in January, all set to one value later.
    await emulator.exec(`CREATE TABLE [dbo].[Events] ([Id] int NOT NULL PRIMARY KEY, [Day] date NOT NULL, [S] int NOT NULL);
      INSERT INTO [dbo].[Events] VALUES (1, '2025-01-01', 0), (2, '2025-01-02', 0), (3, '2025-02-01', 0);`);
    configFile = join(work, 'sqlsync.yaml');
    const statics = STATIC.map(
      ({ algorithm, table }) => `  - table_name: ${table}
    target_schema: lake
    hash_algorithm: ${algorithm}
    force_reload_after_days: 7`,
    ).join('\n');
    await writeFile(
      configFile,
      `database:
  server: 127.0.0.1
  port: ${emulator.port}
  database: master
  username: sa
  encrypt: false
state:
  parquet_directory: ${join(work, 'lake')}
  state_directory: ${join(work, 'state')}
static_tables:
${statics}
partition_tables:
  - table_name: Events
    target_schema: lake
    partition_column: Day
    granularity: month
`,
    );
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** One `sqlsync run`; its tables by source table name, and the statements the server received. */
  async function sync(): Promise<{ tables: Record<string, TableResult>; statements: string[] }> {
    emulator.clearStatements();
    const result = await runCli(['run', '--config', configFile], {
      ...process.env,
      SQLSYNC_PASSWORD: PASSWORD,
    });
    expect(result.code, result.stderr).toBe(0);
    const summary = result.summary() as unknown as { tables: TableResult[] };
    const tables = Object.fromEntries(summary.tables.map((t) => [t.table.replace('dbo.', ''), t]));
    return { tables, statements: emulator.statements.map((s) => s.sql) };
  }

  /** The statements that read rows (not COUNT_BIG aggregates or catalog queries). */
  function rowReads(statements: readonly string[]): string[] {
    return statements.filter((s) => /FROM \[dbo\]\.\[/.test(s) && !s.includes('COUNT_BIG(*)'));
  }

  async function lakeRows(table: string): Promise<unknown[][]> {
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const glob = join(work, 'lake', 'lake', table, '**', '*.parquet').replaceAll("'", "''");
      const reader = await connection.runAndReadAll(
        `SELECT * EXCLUDE (Id), Id FROM read_parquet('${glob}', hive_partitioning = false) ORDER BY Id`,
      );
      return reader.getRowsJson() as unknown[][];
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  }

  /** Applies one change to every static table, syncs, and says what each table's unit did. */
  async function changeCells(sql: string): Promise<Record<string, string>> {
    for (const { table } of STATIC) {
      await emulator.exec(sql.replaceAll('[Cells]', `[dbo].[${table}]`));
    }
    const { tables } = await sync();
    return Object.fromEntries(STATIC.map(({ table }) => [table, tables[table]?.units[0]?.reason ?? '']));
  }

  const expectEach = (reasons: Record<string, string>, word: 'changed' | 'unchanged') =>
    expect(reasons).toEqual(
      Object.fromEntries(STATIC.map(({ algorithm, table }) => [table, `${word} (${algorithm})`])),
    );

  it('reads nothing and rewrites no file when nothing changed', async () => {
    const first = await sync();
    for (const { table } of STATIC) {
      expect(first.tables[table]?.rows).toBe(3);
    }
    expect(first.tables.Events?.rows).toBe(3);
    const lake = join(work, 'lake');
    const before = await fileIdentities(lake);
    expect(Object.keys(before)).toHaveLength(5);

    const second = await sync();
    for (const { algorithm, table } of STATIC) {
      expect(second.tables[table]).toMatchObject({
        rows: 0,
        units: [{ id: `dbo.${table}`, reason: `unchanged (${algorithm})`, rows: 0 }],
      });
    }
    expect(second.tables.Events).toMatchObject({ rows: 0, units: [] });
    expect(rowReads(second.statements)).toEqual([]);
    expect(await fileIdentities(lake)).toEqual(before);
  }, 120_000);

  it('finds NULL -> empty string, empty string -> NULL, the 7th datetime2 digit and (ab, c) -> (a, bc)', async () => {
    expectEach(await changeCells(`UPDATE [Cells] SET [S] = N'' WHERE [Id] = 1;`), 'changed');
    expectEach(await changeCells(`UPDATE [Cells] SET [S] = NULL WHERE [Id] = 1;`), 'changed');
    expectEach(
      await changeCells(`UPDATE [Cells] SET [Ts] = '2025-01-01T00:00:00.1234568' WHERE [Id] = 1;`),
      'changed',
    );
    expectEach(await changeCells(`UPDATE [Cells] SET [S] = N'a', [T] = N'bc' WHERE [Id] = 2;`), 'changed');
    for (const { table } of STATIC) {
      expect((await lakeRows(table))[1]).toEqual(['a', 'bc', '2.00', '2025-01-02 00:00:00', 2]);
    }
  }, 180_000);

  it('sees no change when 1.50 is written as 1.5 in a decimal(10,2)', async () => {
    expectEach(await changeCells(`UPDATE [Cells] SET [D] = 1.5 WHERE [Id] = 1;`), 'unchanged');
  }, 60_000);

  it('reloads in full once the last full load is force_reload_after_days old', async () => {
    const stateFile = join(work, 'state', 'dbo.Cells_hashbytes_sha256.json');
    const file = JSON.parse(await readFile(stateFile, 'utf8'));
    const eightDaysAgo = new Date(Date.now() - 8 * 86_400_000 - 60_000).toISOString();
    await writeFile(
      stateFile,
      JSON.stringify({ ...file, state: { ...file.state, lastFullLoadAt: eightDaysAgo } }),
    );
    const { tables } = await sync();
    expect(tables.Cells_hashbytes_sha256).toMatchObject({
      rows: 3,
      units: [{ reason: 'forced reload: last full load 8 days ago (force_reload_after_days 7)' }],
    });
    expect(tables.Cells_hashbytes_md5?.rows).toBe(0);
  }, 60_000);

  it('re-reads a partition whose column was set to one value on an even number of rows (the XOR repro)', async () => {
    await emulator.exec('UPDATE [dbo].[Events] SET [S] = 1;');
    const { tables } = await sync();
    expect(tables.Events?.units.map((u) => [u.id, u.reason])).toEqual([
      ['dbo.Events#Day_month=2025-01', 'fingerprint changed (row hash)'],
      ['dbo.Events#Day_month=2025-02', 'fingerprint changed (row hash)'],
    ]);
    expect((await lakeRows('Events')).map((r) => r[1])).toEqual([1, 1, 1]);
    const lake = join(work, 'lake');
    const before = await fileIdentities(lake);
    const again = await sync();
    expect(again.tables.Events).toMatchObject({ rows: 0, units: [] });
    expect(again.statements.filter((s) => s.includes('@partition_'))).toEqual([]);
    expect(await fileIdentities(lake)).toEqual(before);
  }, 120_000);
});
