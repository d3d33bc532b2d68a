import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import type { CliRun } from './test-support/run-cli.js';
import { bucketLayoutProblems, compareScdHistory, deleteTimes } from './test-support/scd-lake-history.js';
import { minusMinutes, ScdReference } from './test-support/scd-reference.js';
import { emulatorNow, type ScdSourceTable, sourceSnapshot } from './test-support/scd-source-snapshot.js';

// Issue 13's acceptance tests of incremental SCD2 runs through the built CLI, one table and lake
// each: a run with no source change, a run touching two keys, a composite nvarchar key, and a
// datetime2(7) watermark whose changed rows differ from it in the 7th digit only.

const PASSWORD = 'Scd2Runs!Passw0rd';

let emulator: Emulator;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-scd2-runs-'));
  emulator = await startEmulator({ port: 0, password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

/** A fresh lake and state directory for one describe. */
async function lakeFor(name: string): Promise<CliLake> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  return new CliLake(emulator, dir, PASSWORD);
}

type TableSummary = Record<string, unknown> & { rows?: number; scd?: Record<string, number> };

/** Runs the SCD table, expects success, returns the table's summary. */
async function runScd(lake: CliLake, table: Record<string, unknown>): Promise<TableSummary> {
  const run: CliRun = await lake.run([], { scd_tables: [table] });
  expect(run.code, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
  const summary = run.summary().tables?.[0] as TableSummary;
  expect(summary.status, JSON.stringify(summary.error)).toBe('ok');
  return summary;
}

/** The lake's history equals the reference's, and every key sits in its bucket. */
async function expectHistory(
  tableDir: string,
  table: ScdSourceTable,
  reference: ScdReference,
  buckets: number,
): Promise<void> {
  const comparison = await compareScdHistory(tableDir, table, reference.history());
  expect(
    comparison.differingRows,
    `lake vs reference (${comparison.lakeRows} vs ${comparison.expectedRows} rows)\nonly in the lake:\n${comparison.onlyInLake.join('\n')}\nexpected, missing:\n${comparison.onlyExpected.join('\n')}`,
  ).toBe(0);
  expect(await bucketLayoutProblems(tableDir, table, buckets)).toEqual([]);
}

/** The bucket directories (`bucket=nn`) whose files differ between two `treeFiles` listings. */
function touchedBuckets(before: Record<string, string>, after: Record<string, string>): string[] {
  const paths = new Set([...Object.keys(before), ...Object.keys(after)]);
  const dirs = [...paths].filter((p) => before[p] !== after[p]).map((p) => p.split(/[\\/]/)[0] as string);
  return [...new Set(dirs)].sort();
}

/** `bucket=nn` of each integer key by the spec's hash (md5_number of `len:text;`), via DuckDB. */
async function bucketsOf(keys: readonly number[], buckets: number): Promise<string[]> {
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const result = await connection.runAndReadAll(
      `SELECT DISTINCT 'bucket=' || lpad(CAST(md5_number(length(CAST(k AS VARCHAR)) || ':' || CAST(k AS VARCHAR) || ';') % ${buckets} AS VARCHAR), ${buckets > 100 ? 3 : 2}, '0')
       FROM (SELECT CAST(unnest([${keys.join(', ')}]) AS INTEGER) AS k) ORDER BY 1`,
    );
    return result.getRows().map((r) => String(r[0]));
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

/** A table of `rows` accounts, last modified one second apart ending an hour ago (side door). */
async function createAccounts(name: string, rows: number): Promise<ScdSourceTable> {
  await emulator.exec(`CREATE TABLE [dbo].[${name}] ([AccountID] int NOT NULL PRIMARY KEY,
    [Owner] nvarchar(50) NOT NULL, [Amount] decimal(19,4) NULL, [LastModified] datetime2(7) NOT NULL)`);
  await emulator.duckdb(`INSERT INTO dbo."${name}" ("AccountID", "Owner", "Amount", "LastModified")
    SELECT i, 'owner ' || i, CAST(i * 37 AS DECIMAL(19,0)) * CAST(0.0001 AS DECIMAL(5,4)),
      date_trunc('second', CAST(now() AS TIMESTAMP)) - INTERVAL 1 HOUR - to_seconds(${rows} - i)
    FROM range(1, ${rows + 1}) t(i)`);
  return {
    schema: 'dbo',
    table: name,
    columns: ['AccountID', 'Owner', 'Amount', 'LastModified'],
    timestampColumns: ['LastModified'],
    businessKey: ['AccountID'],
    lastModified: 'LastModified',
  };
}

describe('a run with no source change', () => {
  it('rewrites no file and reads no row with lookback 0, and only the window with lookback 30', async () => {
    const lake = await lakeFor('no-change');
    const rows = 20_000;
    const table = await createAccounts('Accounts', rows);
    // No business_key_columns: the primary key is the business key.
    const config = (lookback: number): Record<string, unknown> => ({
      table_name: 'Accounts',
      target_schema: 'bank',
      lookback_minutes: lookback,
    });
    const tableDir = join(lake.lakeRoot, 'bank', 'Accounts');
    const reference = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });
    const snapshot = await sourceSnapshot(emulator, table);

    expect((await runScd(lake, config(0))).rows).toBe(rows);
    reference.run(snapshot, await emulatorNow(emulator));
    await expectHistory(tableDir, table, reference, 16);
    const files = await lake.treeFiles('bank', 'Accounts');
    expect(Object.keys(files).length).toBeGreaterThan(0);

    const again = await runScd(lake, config(0));
    expect(again.rows).toBe(0);
    expect(again.scd).toMatchObject({ versions_added: 0, buckets_rewritten: 0 });
    expect(await lake.treeFiles('bank', 'Accounts')).toEqual(files);

    // Lookback 30 minutes re-reads the rows modified within 30 minutes of the watermark — rows
    // 18,201..20,000, one second apart — and, as identical versions, they change no file.
    const window = await runScd(lake, config(30));
    const inWindow = new ScdReference({ lookbackMinutes: 30, detectDeletes: false });
    inWindow.run(snapshot, '');
    expect(inWindow.run(snapshot, '').rowsRead).toBe(1800);
    expect(window.rows).toBe(1800);
    expect(window.scd).toMatchObject({ versions_added: 0, buckets_rewritten: 0 });
    expect(await lake.treeFiles('bank', 'Accounts')).toEqual(files);
    await expectHistory(tableDir, table, reference, 16);
  }, 180_000);
});

describe('a run that changes two keys', () => {
  it('rewrites only the buckets of those two keys; another bucket_count later is refused', async () => {
    const lake = await lakeFor('two-keys');
    const table = await createAccounts('Products', 20_000);
    const buckets = 32;
    const config = {
      table_name: 'Products',
      target_schema: 'shop',
      business_key_columns: ['AccountID'],
      bucket_count: buckets,
    };
    const tableDir = join(lake.lakeRoot, 'shop', 'Products');
    const reference = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });
    reference.run(await sourceSnapshot(emulator, table), '');
    await runScd(lake, config);
    const before = await lake.treeFiles('shop', 'Products');

    const changed = `${await emulatorNow(emulator)}0`;
    await emulator.exec(`UPDATE [dbo].[Products] SET [Amount] = [Amount] * 2, [Owner] = N'changed',
      [LastModified] = '${changed}' WHERE [AccountID] IN (17, 4242)`);
    const expected = reference.run(await sourceSnapshot(emulator, table), '');
    const summary = await runScd(lake, config);
    expect(summary.rows).toBe(2);
    expect(expected.versionsAdded).toBe(2);
    expect(summary.scd?.versions_added).toBe(2);

    const touched = touchedBuckets(before, await lake.treeFiles('shop', 'Products'));
    expect(touched).toEqual(await bucketsOf([17, 4242], buckets));
    expect(summary.scd?.buckets_rewritten).toBe(touched.length);
    await expectHistory(tableDir, table, reference, buckets);

    // The bucket count is fixed at the first load: another one is refused, and nothing moves.
    const files = await lake.treeFiles('shop', 'Products');
    const rebucketed = await lake.run([], { scd_tables: [{ ...config, bucket_count: 16 }] });
    expect(rebucketed.code).not.toBe(0);
    const refused = rebucketed.summary().tables?.[0] as TableSummary & {
      error?: { code?: string; message?: string };
    };
    expect(refused.error?.code).toBe('CONFIG_INVALID');
    expect(refused.error?.message).toMatch(/bucket_count/);
    expect(refused.error?.message).toMatch(/\b32\b/);
    expect(await lake.treeFiles('shop', 'Products')).toEqual(files);
  }, 180_000);
});

describe('a composite nvarchar business key', () => {
  const pairs: ScdSourceTable = {
    schema: 'dbo',
    table: 'Pairs',
    columns: ['A', 'B', 'Val', 'LastModified'],
    timestampColumns: ['LastModified'],
    businessKey: ['A', 'B'],
    lastModified: 'LastModified',
  };
  const config = {
    table_name: 'Pairs',
    target_schema: 'keys',
    business_key_columns: ['A', 'B'],
    detect_deletes: true,
    bucket_count: 4,
  };

  it("keeps ('ab','c') and ('a','bc') apart: an update and a delete touch only their own key", async () => {
    const lake = await lakeFor('composite');
    await emulator.exec(`CREATE TABLE [dbo].[Pairs] ([A] nvarchar(10) NOT NULL, [B] nvarchar(10) NOT NULL,
      [Val] int NULL, [LastModified] datetime2(7) NOT NULL, CONSTRAINT [PK_Pairs] PRIMARY KEY ([A], [B]))`);
    const t0 = `${await emulatorNow(emulator)}0`;
    // Pairs a separator-less (or ';'/':'-joined) encoding would merge.
    await emulator.exec(`INSERT INTO [dbo].[Pairs] ([A], [B], [Val], [LastModified]) VALUES
      (N'ab', N'c', 1, '${t0}'), (N'a', N'bc', 2, '${t0}'), (N'abc', N'', 3, '${t0}'), (N'', N'abc', 4, '${t0}'),
      (N'a;b', N'c', 5, '${t0}'), (N'a', N'b;c', 6, '${t0}'), (N'1:a', N'b', 7, '${t0}'), (N'1', N'a:b', 8, '${t0}')`);
    const tableDir = join(lake.lakeRoot, 'keys', 'Pairs');
    const reference = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });

    reference.run(await sourceSnapshot(emulator, pairs), '');
    await runScd(lake, config);
    await expectHistory(tableDir, pairs, reference, 4);

    const t1 = `${await emulatorNow(emulator)}0`;
    await emulator.exec(
      `UPDATE [dbo].[Pairs] SET [Val] = 10, [LastModified] = '${t1}' WHERE [A] = N'ab' AND [B] = N'c'`,
    );
    reference.run(await sourceSnapshot(emulator, pairs), '');
    expect((await runScd(lake, config)).rows).toBe(1);
    await expectHistory(tableDir, pairs, reference, 4);

    await emulator.exec(`DELETE FROM [dbo].[Pairs] WHERE [A] = N'a' AND [B] = N'bc'`);
    const snapshot = await sourceSnapshot(emulator, pairs);
    const before = await emulatorNow(emulator);
    const summary = await runScd(lake, config);
    const after = await emulatorNow(emulator);
    expect(summary.scd?.keys_deleted).toBe(1);
    // The delete time is the run's source time, which only the lake can tell: read it back.
    const times = await deleteTimes(tableDir);
    expect(times.length, times.join(', ')).toBe(1);
    const deleteTime = times[0] as string;
    expect(deleteTime >= before && deleteTime <= after, `${before} <= ${deleteTime} <= ${after}`).toBe(true);
    reference.run(snapshot, deleteTime);
    await expectHistory(tableDir, pairs, reference, 4);
  }, 180_000);

  it('refuses a NULL in a business-key column, naming the column and the table', async () => {
    const lake = await lakeFor('null-key');
    await emulator.exec(`CREATE TABLE [dbo].[NullPairs] ([A] nvarchar(10) NOT NULL, [B] nvarchar(10) NULL,
      [Val] int NULL, [LastModified] datetime2(7) NOT NULL)`);
    await emulator.exec(`INSERT INTO [dbo].[NullPairs] ([A], [B], [Val], [LastModified]) VALUES
      (N'a', N'b', 1, '2026-01-01 10:00:00.0000000'), (N'a', NULL, 2, '2026-01-01 10:00:00.0000000')`);
    const run = await lake.run([], {
      scd_tables: [{ ...config, table_name: 'NullPairs' }],
    });
    expect(run.code).not.toBe(0);
    const table = run.summary().tables?.[0] as TableSummary & { error?: { code?: string; message?: string } };
    expect(table.status).toBe('failed');
    expect(table.error?.code).toBe('DATA_QUALITY');
    expect(table.error?.message).toMatch(/\bB\b/);
    expect(table.error?.message).toMatch(/NullPairs/);
  }, 120_000);
});

describe('deleted keys that come back', () => {
  it('re-opens a version that returns unchanged (inside or below the window) and starts a new one for a changed row; custom lake column names', async () => {
    const lake = await lakeFor('returning');
    const members: ScdSourceTable = {
      schema: 'dbo',
      table: 'Members',
      columns: ['Id', 'Tier', 'LastModified'],
      timestampColumns: ['LastModified'],
      businessKey: ['Id'],
      lastModified: 'LastModified',
    };
    const lakeColumns = { effective: 'ValidFrom', end: 'ValidTo', isLatest: 'Current', isDeleted: 'Deleted' };
    const config = {
      table_name: 'Members',
      target_schema: 'club',
      detect_deletes: true,
      lookback_minutes: 60,
      effective_date_column: 'ValidFrom',
      end_date_column: 'ValidTo',
      is_latest_column: 'Current',
      is_deleted_column: 'Deleted',
    };
    await emulator.exec(`CREATE TABLE [dbo].[Members] ([Id] int NOT NULL PRIMARY KEY, [Tier] nvarchar(10) NOT NULL,
      [LastModified] datetime2(7) NOT NULL)`);
    // Five members changed within the last hour (minutes apart, 100 ns digits set), a sixth two
    // hours ago: below the next runs' window (watermark − 60 minutes).
    const now = `${await emulatorNow(emulator)}0`;
    const at = (minutesAgo: number, digit: number): string =>
      `${minusMinutes(now, minutesAgo).slice(0, -1)}${digit}`;
    const rows = [1, 2, 3, 4, 5].map((id) => `(${id}, N'tier ${id}', '${at(10 * id, id)}')`);
    rows.push(`(6, N'tier 6', '${at(120, 6)}')`);
    await emulator.exec(
      `INSERT INTO [dbo].[Members] ([Id], [Tier], [LastModified]) VALUES ${rows.join(', ')}`,
    );
    const tableDir = join(lake.lakeRoot, 'club', 'Members');
    const reference = new ScdReference({ lookbackMinutes: 60, detectDeletes: true });
    const known: string[] = [];

    /** One run: the reference gets the snapshot and the run's delete time read back from the lake. */
    const step = async (): Promise<void> => {
      const snapshot = await sourceSnapshot(emulator, members);
      const before = await emulatorNow(emulator);
      const summary = await runScd(lake, config);
      const after = await emulatorNow(emulator);
      const fresh = (await deleteTimes(tableDir, lakeColumns)).filter((t) => !known.includes(t));
      expect(fresh.length).toBeLessThanOrEqual(1);
      const sourceNow = fresh[0] ?? after;
      expect(sourceNow >= before && sourceNow <= after, `${before} <= ${sourceNow} <= ${after}`).toBe(true);
      known.push(...fresh);
      const expected = reference.run(snapshot, sourceNow);
      expect(summary.rows).toBe(expected.rowsRead);
      expect(summary.scd?.keys_deleted).toBe(expected.keysDeleted);
      const comparison = await compareScdHistory(tableDir, members, reference.history(), lakeColumns);
      expect(
        comparison.differingRows,
        `only in the lake:\n${comparison.onlyInLake.join('\n')}\nexpected, missing:\n${comparison.onlyExpected.join('\n')}`,
      ).toBe(0);
    };

    await step();
    await emulator.exec('DELETE FROM [dbo].[Members] WHERE [Id] IN (2, 3, 6)');
    await step();
    expect(known).toHaveLength(1);
    // Members 2 and 6 come back exactly as they were (same last_modified, to 100 ns) — 6 below the
    // window, found by the key-set comparison; member 3 comes back changed.
    await emulator.exec(`INSERT INTO [dbo].[Members] ([Id], [Tier], [LastModified]) VALUES
      (2, N'tier 2', '${at(20, 2)}'), (6, N'tier 6', '${at(120, 6)}'),
      (3, N'gold', '${`${await emulatorNow(emulator)}0`}')`);
    await step();
    const history = reference.history().filter((r) => ['2', '3', '6'].includes(r.key[0] as string));
    expect(history.map((r) => `${r.key[0]}:${r.isLatest}:${r.isDeleted}`).sort()).toEqual([
      '2:true:false',
      '3:false:true',
      '3:true:false',
      '6:true:false',
    ]);
    // Then nothing changes: only the lookback window is read again, and no file is rewritten.
    const files = await lake.treeFiles('club', 'Members');
    await step();
    expect(await lake.treeFiles('club', 'Members')).toEqual(files);
  }, 180_000);
});

describe('a key deleted, then restored with an older last-modified value', () => {
  it('ends with a current version, is not read again, and the history passes repair-scd', async () => {
    const lake = await lakeFor('restored-older');
    const config = { table_name: 'Pets', target_schema: 'zoo', detect_deletes: true };
    await emulator.exec(`CREATE TABLE [dbo].[Pets] ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(20) NOT NULL,
      [LastModified] datetime2(7) NOT NULL)`);
    await emulator.exec(`INSERT INTO [dbo].[Pets] ([Id], [Name], [LastModified]) VALUES
      (1, N'rex', '2024-01-01 00:00:00'), (2, N'tom', '2024-03-01 00:00:00')`);
    await runScd(lake, config);
    await emulator.exec('DELETE FROM [dbo].[Pets] WHERE [Id] = 2');
    expect((await runScd(lake, config)).scd?.keys_deleted).toBe(1);
    // Back with a last-modified value older than the deleted version's.
    await emulator.exec(
      "INSERT INTO [dbo].[Pets] ([Id], [Name], [LastModified]) VALUES (2, N'tom again', '2024-02-01 00:00:00')",
    );
    const back = await runScd(lake, config);
    expect(back.scd).toMatchObject({ versions_added: 1, keys_deleted: 0 });
    const files = await lake.treeFiles('zoo', 'Pets');
    const again = await runScd(lake, config);
    expect(again.rows).toBe(0);
    expect(again.scd).toMatchObject({ versions_added: 0, versions_replaced: 0, versions_unchanged: 0 });
    expect(await lake.treeFiles('zoo', 'Pets')).toEqual(files);

    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const rows = (
        await connection.runAndReadAll(`SELECT Name, CAST(LastModified AS VARCHAR), effective_date > TIMESTAMP '2024-03-01',
            IsLatest, IsDeleted
          FROM read_parquet('${join(lake.lakeRoot, 'zoo', 'Pets')}/*/*.parquet') WHERE Id = 2 ORDER BY effective_date`)
      ).getRows();
      // The restored row is the key's current version, after the deleted one; its LastModified
      // keeps the source value.
      expect(rows).toEqual([
        ['tom', '2024-03-01 00:00:00', false, false, true],
        ['tom again', '2024-02-01 00:00:00', true, true, false],
      ]);
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
    const check = await lake.command(['repair-scd', '--table', 'dbo.Pets', '--dry-run'], [], {
      scd_tables: [config],
    });
    expect(check.code, check.stderr).toBe(0);
    expect(check.summary()).toMatchObject({ status: 'ok', valid: true, rows: 3, bucketsRewritten: [] });
  }, 180_000);
});

describe('a datetime2(7) watermark', () => {
  it('reads rows changed to values differing from it in the 7th digit only, once', async () => {
    const lake = await lakeFor('ticks');
    const ticks: ScdSourceTable = {
      schema: 'dbo',
      table: 'Ticks',
      columns: ['Id', 'Val', 'LastModified'],
      timestampColumns: ['LastModified'],
      businessKey: ['Id'],
      lastModified: 'LastModified',
    };
    await emulator.exec(`CREATE TABLE [dbo].[Ticks] ([Id] int NOT NULL PRIMARY KEY, [Val] int NOT NULL,
      [LastModified] datetime2(7) NOT NULL)`);
    // Rows 1..999 a second apart; row 1000 holds the maximum, .1234560 (7th digit 0).
    const base = (await emulatorNow(emulator)).slice(0, 11);
    await emulator.duckdb(`INSERT INTO dbo."Ticks" ("Id", "Val", "LastModified")
      SELECT i, i, TIMESTAMP '${base}00:00:00' + to_seconds(i) FROM range(1, 1000) t(i)`);
    const watermark = `${base}00:16:40.1234560`;
    await emulator.exec(
      `INSERT INTO [dbo].[Ticks] ([Id], [Val], [LastModified]) VALUES (1000, 1000, '${watermark}')`,
    );
    const config = { table_name: 'Ticks', target_schema: 'clock' };
    const tableDir = join(lake.lakeRoot, 'clock', 'Ticks');
    const stateFile = join(lake.work, 'state', 'dbo.Ticks.json');
    const stateWatermark = async (): Promise<string | undefined> =>
      /"watermark"\s*:\s*"([^"]+)"/.exec(await readFile(stateFile, 'utf8'))?.[1];
    const reference = new ScdReference({ lookbackMinutes: 0, detectDeletes: false });

    reference.run(await sourceSnapshot(emulator, ticks), '');
    expect((await runScd(lake, config)).rows).toBe(1000);
    expect(await stateWatermark()).toBe(watermark);

    // Three rows move to .1234567 (same µs as the watermark, 700 ns later); row 1000 itself to
    // .1234563: the same version in the µs lake, whose values the later read replaces.
    const later = `${base}00:16:40.1234567`;
    await emulator.exec(
      `UPDATE [dbo].[Ticks] SET [Val] = [Val] + 1, [LastModified] = '${later}' WHERE [Id] IN (1, 2, 3)`,
    );
    await emulator.exec(
      `UPDATE [dbo].[Ticks] SET [Val] = -1, [LastModified] = '${base}00:16:40.1234563' WHERE [Id] = 1000`,
    );
    const expected = reference.run(await sourceSnapshot(emulator, ticks), '');
    expect(expected).toMatchObject({ rowsRead: 4, versionsAdded: 3, watermark: later });
    const changed = await runScd(lake, config);
    expect(changed.rows, 'rows newer than the watermark by 300 and 700 ns').toBe(4);
    expect(await stateWatermark()).toBe(later);
    await expectHistory(tableDir, ticks, reference, 16);

    const files = await lake.treeFiles('clock', 'Ticks');
    expect(reference.run(await sourceSnapshot(emulator, ticks), '').rowsRead).toBe(0);
    const after = await runScd(lake, config);
    expect(after.rows, 'nothing newer than .1234567').toBe(0);
    expect(await lake.treeFiles('clock', 'Ticks')).toEqual(files);
    await expectHistory(tableDir, ticks, reference, 16);
  }, 180_000);
});
