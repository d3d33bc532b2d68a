import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import { bucketLayoutProblems, compareScdHistory, deleteTimes } from './test-support/scd-lake-history.js';
import { minusMinutes, ScdReference } from './test-support/scd-reference.js';
import { emulatorNow, type ScdSourceTable, sourceSnapshot } from './test-support/scd-source-snapshot.js';

// Issue 13's first acceptance test: 200,000 customers, three `sqlsync run`s through the built CLI
// with updates, inserts, deletes, returning keys and late-committed rows between them; after each
// run the lake's whole history must equal the one a plain reference model (test-support/
// scd-reference.ts) computes from the source snapshots the runs saw.

const PASSWORD = 'Scd2History!Passw0rd';
const CUSTOMERS = 200_000;
const LOOKBACK_MINUTES = 10;
const BUCKETS = 16;

const customers: ScdSourceTable = {
  schema: 'dbo',
  table: 'Customers',
  columns: ['CustomerID', 'Name', 'Segment', 'Balance', 'LastModified'],
  timestampColumns: ['LastModified'],
  businessKey: ['CustomerID'],
  lastModified: 'LastModified',
};

const scdTable = {
  schema_name: 'dbo',
  table_name: 'Customers',
  target_schema: 'crm',
  target_table: 'customers',
  business_key_columns: ['CustomerID'],
  last_modified_column: 'LastModified',
  lookback_minutes: LOOKBACK_MINUTES,
  detect_deletes: true,
};

describe('SCD2 history of 200,000 customers over three runs, against a reference model', () => {
  let emulator: Emulator;
  let work: string;
  let lake: CliLake;
  const reference = new ScdReference({ lookbackMinutes: LOOKBACK_MINUTES, detectDeletes: true });
  const knownDeleteTimes: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-scd2-history-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    lake = new CliLake(emulator, work, PASSWORD);
    await emulator.exec(`CREATE TABLE [dbo].[Customers] ([CustomerID] int NOT NULL PRIMARY KEY,
      [Name] nvarchar(100) NOT NULL, [Segment] nvarchar(20) NULL, [Balance] decimal(19,4) NULL,
      [LastModified] datetime2(7) NOT NULL)`);
    // Set-based through the side door (see the emulator's README): last-modified values spread over
    // ~23 days ending a week ago, with the hidden 100 ns digit set, so the lake's truncation to µs
    // is part of what is compared; some non-ASCII names, NULL segments and balances.
    await emulator.duckdb(`INSERT INTO dbo."Customers"
        ("CustomerID", "Name", "Segment", "Balance", "LastModified", "LastModified__100ns")
      SELECT i,
        'Customer ' || i || CASE WHEN i % 7 = 0 THEN ' Müller-Łódź ✓' ELSE '' END,
        CASE WHEN i % 5 = 0 THEN NULL ELSE ['retail', 'smb', 'corp', 'gov'][i % 4 + 1] END,
        CASE WHEN i % 11 = 0 THEN NULL
             ELSE CAST((i * 7919) % 2000000000 - 1000000000 AS DECIMAL(19,0)) * CAST(0.0001 AS DECIMAL(5,4)) END,
        date_trunc('second', CAST(now() AS TIMESTAMP)) - INTERVAL 30 DAY
          + to_microseconds(((i * 104729) % 2000000000) * 1000 + i % 997),
        CAST(i % 10 AS UTINYINT)
      FROM range(1, ${CUSTOMERS + 1}) t(i)`);
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  const tableDir = (): string => join(lake.lakeRoot, 'crm', 'customers');

  /**
   * Runs `sqlsync run`, feeds the reference the snapshot the run saw (taken just before it: nothing
   * else writes the source) and its source time (read back from the lake's new delete end dates,
   * checked to lie within the emulator's clock before and after the run), and compares.
   */
  async function runAndCompare(expectDeletes: boolean): Promise<void> {
    const snapshot = await sourceSnapshot(emulator, customers);
    const before = await emulatorNow(emulator);
    const run = await lake.run([], { scd_tables: [scdTable] });
    const after = await emulatorNow(emulator);
    expect(run.code, run.stderr).toBe(0);
    const fresh = (await deleteTimes(tableDir())).filter((t) => !knownDeleteTimes.includes(t));
    expect(fresh.length, `new delete times ${fresh.join(', ')}`).toBe(expectDeletes ? 1 : 0);
    const sourceNow = fresh[0] ?? after;
    expect(sourceNow >= before && sourceNow <= after, `${before} <= ${sourceNow} <= ${after}`).toBe(true);
    knownDeleteTimes.push(...fresh);
    const expected = reference.run(snapshot, sourceNow);

    const table = run.summary().tables?.[0] as Record<string, unknown> & { scd?: Record<string, number> };
    expect(table.status, JSON.stringify(table.error)).toBe('ok');
    expect(table.rows, 'rows read: the window watermark − lookback').toBe(expected.rowsRead);
    expect(table.scd?.versions_added).toBe(expected.versionsAdded);
    expect(table.scd?.keys_deleted).toBe(expected.keysDeleted);

    const history = reference.history();
    const comparison = await compareScdHistory(tableDir(), customers, history);
    expect(
      comparison.differingRows,
      `lake vs reference (${comparison.lakeRows} vs ${comparison.expectedRows} rows)\nonly in the lake:\n${comparison.onlyInLake.join('\n')}\nexpected, missing:\n${comparison.onlyExpected.join('\n')}`,
    ).toBe(0);
    expect(comparison.lakeRows).toBe(history.length);
    expect(await bucketLayoutProblems(tableDir(), customers, BUCKETS)).toEqual([]);
  }

  it('run 1 loads, run 2 and run 3 follow updates, inserts, deletes, returning keys and late commits', async () => {
    await runAndCompare(false);
    expect(reference.history().length).toBe(CUSTOMERS);

    // Between runs 1 and 2: ~2,060 updates (lm spread over one second from now), 1,500 inserts,
    // ~1,980 deletes. DATEADD's result has no 100 ns digit in the emulator; SQL Server's would.
    const c1 = `${await emulatorNow(emulator)}0`;
    await emulator.exec(`UPDATE [dbo].[Customers] SET [Balance] = [Balance] + 1.2345, [Segment] = N'vip',
        [LastModified] = DATEADD(millisecond, [CustomerID] % 1000, CAST('${c1}' AS datetime2(7)))
      WHERE [CustomerID] % 97 = 1`);
    await emulator.exec(`INSERT INTO [dbo].[Customers] ([CustomerID], [Name], [Segment], [Balance], [LastModified])
      SELECT [CustomerID] + 1000000, N'New ' + [Name], [Segment], [Balance], CAST('${c1}' AS datetime2(7))
      FROM [dbo].[Customers] WHERE [CustomerID] <= 1500`);
    await emulator.exec('DELETE FROM [dbo].[Customers] WHERE [CustomerID] % 101 = 3');
    await runAndCompare(true);

    // Between runs 2 and 3: updates (some keys for the third time, some new keys), inserts,
    // deletes, three deleted keys come back, and two late commits 5 minutes older than the
    // watermark (inside the 10-minute lookback): key 98, whose latest version (c1 + 98 ms) is
    // newer, gets a version between its first two; key 3,000,000 is inserted in the past.
    const c2 = `${await emulatorNow(emulator)}0`;
    const late = minusMinutes(c1, 5);
    await emulator.exec(`UPDATE [dbo].[Customers] SET [Segment] = N'gold', [Balance] = [Balance] - 0.0001,
        [Name] = [Name] + N' ✓', [LastModified] = DATEADD(millisecond, [CustomerID] % 500, CAST('${c2}' AS datetime2(7)))
      WHERE [CustomerID] % 89 = 2`);
    await emulator.exec(`INSERT INTO [dbo].[Customers] ([CustomerID], [Name], [Segment], [Balance], [LastModified])
      SELECT [CustomerID] + 2000000, N'Newer ' + [Name], NULL, [Balance], CAST('${c2}' AS datetime2(7))
      FROM [dbo].[Customers] WHERE [CustomerID] BETWEEN 1501 AND 2000`);
    await emulator.exec('DELETE FROM [dbo].[Customers] WHERE [CustomerID] % 103 = 5');
    await emulator.exec(`INSERT INTO [dbo].[Customers] ([CustomerID], [Name], [Segment], [Balance], [LastModified])
      VALUES (3, N'Back 3', N'retail', 10.5000, '${c2}'), (104, N'Back 104', NULL, NULL, '${c2}'),
        (205, N'Back 205', N'smb', -0.0001, '${c2}')`);
    await emulator.exec(
      `UPDATE [dbo].[Customers] SET [Segment] = N'late', [LastModified] = '${late}' WHERE [CustomerID] = 98`,
    );
    await emulator.exec(`INSERT INTO [dbo].[Customers] ([CustomerID], [Name], [Segment], [Balance], [LastModified])
      VALUES (3000000, N'Late insert', NULL, 0.0001, '${late}')`);
    await runAndCompare(true);

    // The scenario did what it says: key 98's late version sits between its first and its c1 one.
    const key98 = reference
      .history()
      .filter((r) => r.key[0] === '98')
      .sort((a, b) => (a.effective < b.effective ? -1 : 1))
      .map((r) => `${r.values[2]}:${r.isLatest}`);
    expect(key98).toEqual(['corp:false', 'late:false', 'vip:true']);

    // sqlsync's own integrity check (repair-scd, dry run) finds the history valid too.
    const check = await lake.command(['repair-scd', '--table', 'dbo.Customers', '--dry-run'], [], {
      scd_tables: [scdTable],
    });
    expect(check.code, `${check.stderr}\n${check.stdout.slice(-2000)}`).toBe(0);
    expect(check.summary()).toMatchObject({ valid: true, dryRun: true });
  }, 300_000);
});
