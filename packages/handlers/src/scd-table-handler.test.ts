import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { createLogger, type PipelineConfig, parseConfig, type SCDTableConfig } from '@sync/core';
import { SourceConnection } from '@sync/extract-mssql';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScdTableState } from './scd-plan.js';
import { scdTableHandler } from './scd-table-handler.js';
import { TEST_PASSWORD } from './test-support/static-table-context.js';
import type { UnitContext } from './unit-context.js';

let emulator: Emulator;
let source: SourceConnection;
let work: string;

function scdConfig(tables: readonly Record<string, unknown>[]): PipelineConfig {
  return parseConfig({
    database: {
      server: '127.0.0.1',
      port: emulator.port,
      database: 'master',
      username: 'sa',
      password: TEST_PASSWORD,
      encrypt: false,
    },
    state: { parquet_directory: join(work, 'lake'), state_directory: join(work, 'state') },
    scd_tables: tables.map((t) => ({ schema_name: 'dbo', target_schema: 'dim', bucket_count: 4, ...t })),
  });
}

function contextOf(config: PipelineConfig): UnitContext {
  return { config, source, logger: createLogger({ level: 'silent' }) };
}

let runs = 0;

/** One run of the table through the handler's four steps, as the orchestrator takes them. */
async function runOnce(config: PipelineConfig, state: ScdTableState | undefined) {
  runs += 1;
  const table = config.scdTables[0] as SCDTableConfig;
  const ctx = contextOf(config);
  const run = { runId: `run${runs}`, lakeRoot: config.state.parquetDirectory, now: new Date() };
  const snapshot = await scdTableHandler.snapshot(table, ctx);
  const units = scdTableHandler.plan(table, snapshot, state, run);
  const results = [];
  for (const unit of units) {
    results.push(await scdTableHandler.run(table, unit, ctx));
  }
  const next = await scdTableHandler.commit(table, units, results, snapshot, state, run);
  return {
    table,
    snapshot,
    units,
    result: results[0],
    state: next,
    lakeDir: scdTableHandler.lakeDir(table, run.lakeRoot),
  };
}

async function history(lakeDir: string, order: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT * EXCLUDE (effective_date, end_date), effective_date::VARCHAR AS eff, end_date::VARCHAR AS "end" FROM read_parquet('${lakeDir}/*/*.parquet', hive_partitioning = false) ORDER BY ${order}`,
      );
      return reader.getRows().map((row) => row.map((v) => (v === null ? 'NULL' : String(v))).join('|'));
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-scd-'));
  emulator = await startEmulator({ port: 0, password: TEST_PASSWORD });
  await emulator.exec(`CREATE TABLE [dbo].[Customers] (
    [CustomerId] int NOT NULL PRIMARY KEY, [Name] nvarchar(50) NOT NULL, [Balance] decimal(18,2) NULL,
    [LastModified] datetime2(7) NOT NULL);`);
  await emulator.exec(`INSERT INTO [dbo].[Customers] VALUES
    (1, N'Ann', 10.50, '2024-01-01 10:00:00.1234567'),
    (2, N'Bob', NULL, '2024-01-01 11:00:00'),
    (3, N'Cid', 3.25, '2024-01-02 09:00:00');`);
  await emulator.exec(`CREATE TABLE [dbo].[Pairs] ([A] varchar(10) NOT NULL, [B] varchar(10) NOT NULL, [V] int NOT NULL,
    [Changed] datetime NOT NULL, PRIMARY KEY ([A], [B]));`);
  await emulator.exec(
    `INSERT INTO [dbo].[Pairs] VALUES ('ab', 'c', 1, '2024-01-01 00:00:00.003'), ('a', 'bc', 2, '2024-01-01 00:00:00.003');`,
  );
  // No primary key: the business key is the only unique constraint, or none, or ambiguous.
  await emulator.exec(`CREATE TABLE [dbo].[Members] ([Code] nvarchar(10) NOT NULL, [Name] nvarchar(50) NOT NULL,
    [LastModified] datetime2(7) NOT NULL, CONSTRAINT [UQ_Members_Code] UNIQUE ([Code]));`);
  await emulator.exec(`INSERT INTO [dbo].[Members] VALUES (N'm1', N'Ann', '2024-01-01 10:00:00');`);
  await emulator.exec(
    `CREATE TABLE [dbo].[Loose] ([Code] nvarchar(10) NOT NULL, [LastModified] datetime2(7) NOT NULL);`,
  );
  await emulator.exec(`CREATE TABLE [dbo].[TwoKeys] ([A] int NOT NULL, [B] int NOT NULL, [LastModified] datetime2(7) NOT NULL,
    CONSTRAINT [UQ_TwoKeys_A] UNIQUE ([A]), CONSTRAINT [UQ_TwoKeys_B] UNIQUE ([B]));`);
  source = await SourceConnection.open(scdConfig([{ table_name: 'Customers' }]).database);
}, 120_000);

afterAll(async () => {
  await source?.close();
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

describe('scd table against the emulator', () => {
  it('loads, then merges changes incrementally, rewrites nothing when nothing changed, and closes deleted keys', async () => {
    const config = scdConfig([
      { table_name: 'Customers', target_table: 'customers', detect_deletes: true, lookback_minutes: 60 },
    ]);
    const first = await runOnce(config, undefined);
    expect(first.snapshot.businessKey).toEqual(['CustomerId']);
    expect(first.units[0]?.reason).toBe('full read (first load)');
    expect(first.result?.scd).toMatchObject({ versionsAdded: 3, versionsReplaced: 0, keysDeleted: 0 });
    expect(first.state).toMatchObject({
      watermark: '2024-01-02 09:00:00.0000000',
      bucketCount: 4,
      businessKey: ['CustomerId'],
      versions: 3,
    });
    expect(await history(first.lakeDir, 'CustomerId, eff')).toEqual([
      '1|Ann|10.50|2024-01-01 10:00:00.123456|true|false|2024-01-01 10:00:00.123456|9999-12-31 00:00:00',
      '2|Bob|NULL|2024-01-01 11:00:00|true|false|2024-01-01 11:00:00|9999-12-31 00:00:00',
      '3|Cid|3.25|2024-01-02 09:00:00|true|false|2024-01-02 09:00:00|9999-12-31 00:00:00',
    ]);

    await emulator.exec(`UPDATE [dbo].[Customers] SET [Name] = N'Ann B', [LastModified] = '2024-01-03 08:00:00' WHERE [CustomerId] = 1;
      INSERT INTO [dbo].[Customers] VALUES (4, N'Dee', 1.00, '2024-01-03 09:00:00');
      DELETE FROM [dbo].[Customers] WHERE [CustomerId] = 2;`);
    const second = await runOnce(config, first.state);
    expect(second.units[0]?.reason).toBe(
      'rows with LastModified > 2024-01-02 08:00:00.0000000 (watermark 2024-01-02 09:00:00.0000000 less lookback 60 min)',
    );
    expect(second.result?.rows).toBe(3); // Ann's new version, Dee, and Cid again (inside the lookback)
    expect(second.result?.scd).toMatchObject({
      versionsAdded: 2,
      versionsReplaced: 0,
      versionsUnchanged: 1,
      keysDeleted: 1,
    });
    const rows = await history(second.lakeDir, 'CustomerId, eff');
    expect(rows).toHaveLength(5);
    expect(rows[0]).toBe(
      '1|Ann|10.50|2024-01-01 10:00:00.123456|false|false|2024-01-01 10:00:00.123456|2024-01-03 08:00:00',
    );
    expect(rows[1]).toBe(
      '1|Ann B|10.50|2024-01-03 08:00:00|true|false|2024-01-03 08:00:00|9999-12-31 00:00:00',
    );
    expect(rows[2]).toMatch(/^2\|Bob\|NULL\|2024-01-01 11:00:00\|true\|true\|2024-01-01 11:00:00\|\d{4}-/);
    expect(rows[2]).not.toContain('9999');

    // Nothing changed: the lake's files stay as they were (no bucket rewritten).
    const files = (await readdir(second.lakeDir, { recursive: true })).filter((f) =>
      String(f).endsWith('.parquet'),
    );
    const mtimes = await Promise.all(
      files.map(async (f) => (await stat(join(second.lakeDir, String(f)))).mtimeMs),
    );
    const third = await runOnce(config, second.state);
    expect(third.result?.scd).toMatchObject({
      versionsAdded: 0,
      versionsReplaced: 0,
      keysDeleted: 0,
      bucketsRewritten: 0,
    });
    expect(third.result?.files).toEqual([]);
    expect(
      await Promise.all(files.map(async (f) => (await stat(join(second.lakeDir, String(f)))).mtimeMs)),
    ).toEqual(mtimes);
    expect(third.state.watermark).toBe('2024-01-03 09:00:00.0000000');

    // Bob comes back as he was (a restored row, last-modified older than the read): read by key,
    // his deleted version is re-opened.
    await emulator.exec(`INSERT INTO [dbo].[Customers] VALUES (2, N'Bob', NULL, '2024-01-01 11:00:00');`);
    const fourth = await runOnce(config, third.state);
    expect(fourth.result?.scd).toMatchObject({
      versionsAdded: 0,
      versionsReplaced: 1,
      keysDeleted: 0,
      bucketsRewritten: 1,
    });
    expect((await history(fourth.lakeDir, 'CustomerId, eff'))[2]).toBe(
      '2|Bob|NULL|2024-01-01 11:00:00|true|false|2024-01-01 11:00:00|9999-12-31 00:00:00',
    );
  }, 120_000);

  it('takes the only unique constraint as the business key of a table without a primary key, and refuses none or two', async () => {
    const members = await runOnce(scdConfig([{ table_name: 'Members', target_table: 'members' }]), undefined);
    expect(members.state.businessKey).toEqual(['Code']);
    for (const name of ['Loose', 'TwoKeys']) {
      await expect(
        runOnce(scdConfig([{ table_name: name, target_table: name.toLowerCase() }]), undefined),
      ).rejects.toMatchObject({ code: 'CONFIG_INVALID', context: { configPath: 'business_key_columns' } });
    }
  }, 120_000);

  it("keeps ('ab','c') and ('a','bc') apart, with a datetime last-modified column", async () => {
    const config = scdConfig([
      { table_name: 'Pairs', target_table: 'pairs', last_modified_column: 'Changed' },
    ]);
    const first = await runOnce(config, undefined);
    expect(first.snapshot.lastModifiedType).toBe('datetime');
    expect(first.state.watermark).toBe('2024-01-01 00:00:00.003');
    await emulator.exec(
      `UPDATE [dbo].[Pairs] SET [V] = 3, [Changed] = '2024-01-02 00:00:00.007' WHERE [A] = 'ab';`,
    );
    const second = await runOnce(config, first.state);
    expect(second.result?.scd).toMatchObject({ versionsAdded: 1, versionsUnchanged: 0 });
    expect(await history(second.lakeDir, 'A, B, eff')).toEqual([
      'a|bc|2|2024-01-01 00:00:00.003|true|false|2024-01-01 00:00:00.003|9999-12-31 00:00:00',
      'ab|c|1|2024-01-01 00:00:00.003|false|false|2024-01-01 00:00:00.003|2024-01-02 00:00:00.007',
      'ab|c|3|2024-01-02 00:00:00.007|true|false|2024-01-02 00:00:00.007|9999-12-31 00:00:00',
    ]);
  }, 120_000);

  it('refuses another bucket count than the first load, and a source column named like an SCD column', async () => {
    const config = scdConfig([
      { table_name: 'Pairs', target_table: 'pairs2', last_modified_column: 'Changed' },
    ]);
    const first = await runOnce(config, undefined);
    const other = scdConfig([
      { table_name: 'Pairs', target_table: 'pairs2', last_modified_column: 'Changed', bucket_count: 8 },
    ]);
    await expect(runOnce(other, first.state)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { configPath: 'bucket_count' },
    });
    // The state file gone, the lake's own metadata still says 4.
    await expect(runOnce(other, undefined)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { configPath: 'bucket_count' },
    });
    const clash = scdConfig([
      { table_name: 'Pairs', target_table: 'pairs3', last_modified_column: 'Changed', is_latest_column: 'v' },
    ]);
    await expect(runOnce(clash, undefined)).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { column: 'V', configPath: 'is_latest_column' },
    });
    expect(existsSync(join(work, 'lake', 'dim', 'pairs3'))).toBe(false);
  }, 120_000);
});
