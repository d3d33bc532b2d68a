import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CrashTable,
  directoryDigests,
  lakeGarbage,
  rowsDigest,
  runCrashing,
} from './test-support/crash-lake.js';

// Issue 14's crash suite: through the built CLI, a static lake (a replace and an upsert table), a
// partition table (2 workers) and an SCD2 table (detect_deletes) are killed with SIGKILL at named
// points of a run (the crash hook, SQLSYNC_TEST_CRASH_AT: extraction, staging, journal, version
// built, switched, between two directories, state temp written / renamed). Each kill starts from
// the same published lake (run 1 of source S1) with the source at S2; right after the kill a
// reader must see, per published directory, the whole old or the whole new data and no directory
// missing; then a rerun without the hook must give the lake an undisturbed run gives (the source's
// rows; SCD2: the same history) and leave no garbage under `_sqlsync/`.

const PASSWORD = 'Crash!Suite0Passw0rd';

let emulator: Emulator;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-crash-'));
  emulator = await startEmulator({ port: 0, password: PASSWORD });
}, 60_000);

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

/** One table kind's scenario: its config, tables, source change and kill points. */
interface Scenario {
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly tables: readonly CrashTable[];
  /** Creates and fills the source tables (S1). */
  readonly seed: () => Promise<void>;
  /** Turns S1 into S2: updates, inserts, deletes. */
  readonly change: () => Promise<void>;
  readonly points: readonly string[];
}

const SCD_HASH =
  'AccountID, Owner, Amount, LastModified, effective_date, IsLatest, IsDeleted, CASE WHEN IsDeleted THEN NULL ELSE end_date END';

const scenarios: readonly Scenario[] = [
  {
    name: 'static',
    config: {
      static_tables: [
        { schema_name: 'dbo', table_name: 'Items', target_schema: 'shop', batch_size: 500 },
        {
          schema_name: 'dbo',
          table_name: 'Stock',
          target_schema: 'shop',
          load_strategy: 'upsert',
          batch_size: 500,
        },
      ],
    },
    tables: [
      { path: 'shop/Items', unit: 'table', rowHash: 'Id, Name, Price', source: 'Items' },
      { path: 'shop/Stock', unit: 'table', rowHash: 'Sku, Qty, Note', source: 'Stock' },
    ],
    seed: async () => {
      await emulator.exec(`CREATE TABLE [dbo].[Items] ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(40) NOT NULL,
        [Price] decimal(19,4) NULL)`);
      await emulator.duckdb(`INSERT INTO dbo."Items" SELECT i, 'item ' || i, CAST(i * 7 AS DECIMAL(19,4)) / 100
        FROM range(1, 3001) t(i)`);
      await emulator.exec(`CREATE TABLE [dbo].[Stock] ([Sku] int NOT NULL PRIMARY KEY, [Qty] int NOT NULL,
        [Note] nvarchar(40) NULL)`);
      await emulator.duckdb(`INSERT INTO dbo."Stock" SELECT i, i % 97, 'sku ' || i FROM range(1, 3001) t(i)`);
    },
    change: async () => {
      await emulator.duckdb(`UPDATE dbo."Items" SET "Price" = "Price" + 1 WHERE "Id" % 30 = 0`);
      await emulator.duckdb(`DELETE FROM dbo."Items" WHERE "Id" % 100 = 1`);
      await emulator.duckdb(`INSERT INTO dbo."Items" SELECT i, 'new ' || i, 1.5 FROM range(3001, 3051) t(i)`);
      await emulator.duckdb(`UPDATE dbo."Stock" SET "Qty" = "Qty" + 1000 WHERE "Sku" % 30 = 0`);
      await emulator.duckdb(`DELETE FROM dbo."Stock" WHERE "Sku" % 100 = 1`);
      await emulator.duckdb(`INSERT INTO dbo."Stock" SELECT i, 5, 'new ' || i FROM range(3001, 3051) t(i)`);
    },
    points: [
      'extract.batch#1',
      'extract.batch#4',
      'unit.staged#1',
      'unit.staged#2',
      'publish.journal-written#1',
      'publish.journal-written#2',
      'publish.version-built#1',
      'publish.version-built#2',
      'publish.switched#1',
      'publish.switched#2',
      'publish.done#1',
      'state.temp-written#1',
      'state.written#1',
      'state.temp-written#2',
    ],
  },
  {
    name: 'partition',
    config: {
      processing: { max_workers: 2, partition_parallel_limit: 4 },
      partition_tables: [
        {
          schema_name: 'dbo',
          table_name: 'Orders',
          target_schema: 'sales',
          partition_column: 'OrderDate',
          granularity: 'month',
          newest_partitions_to_refresh: 0,
          batch_size: 200,
        },
      ],
    },
    tables: [
      { path: 'sales/Orders', unit: 'directory', rowHash: 'Id, OrderDate, Amount, Note', source: 'Orders' },
    ],
    seed: async () => {
      await emulator.exec(`CREATE TABLE [dbo].[Orders] ([Id] bigint NOT NULL, [OrderDate] datetime2(3) NOT NULL,
        [Amount] decimal(19,4) NULL, [Note] nvarchar(40) NULL, CONSTRAINT [PK_Orders] PRIMARY KEY ([Id], [OrderDate]))`);
      // 3000 rows over January to June 2024 (181 days).
      await emulator.duckdb(`INSERT INTO dbo."Orders" SELECT i, TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % (181 * 86400)),
        CAST(i AS DECIMAL(19,4)) / 10, 'order ' || i FROM range(1, 3001) t(i)`);
    },
    change: async () => {
      await emulator.duckdb(`UPDATE dbo."Orders" SET "Amount" = "Amount" + 1
        WHERE month("OrderDate") IN (2, 5) AND "Id" % 10 = 0`);
      await emulator.duckdb(`DELETE FROM dbo."Orders" WHERE month("OrderDate") = 3 AND "Id" % 20 = 0`);
      await emulator.duckdb(`INSERT INTO dbo."Orders" SELECT i, TIMESTAMP '2024-07-01' + to_seconds(i * 600),
        1, 'july ' || i FROM range(3001, 3401) t(i)`);
    },
    points: [
      'extract.batch#1',
      'extract.batch#3',
      'unit.staged#1',
      'unit.staged#2',
      'publish.journal-written#1',
      'publish.version-built#2',
      'publish.switched#1',
      'publish.switched#3',
      'publish.done#2',
      'state.temp-written#1',
      'state.written#1',
    ],
  },
  {
    name: 'scd2',
    config: {
      scd_tables: [
        {
          schema_name: 'dbo',
          table_name: 'Accounts',
          target_schema: 'crm',
          bucket_count: 8,
          detect_deletes: true,
        },
      ],
    },
    tables: [{ path: 'crm/Accounts', unit: 'directory', rowHash: SCD_HASH }],
    seed: async () => {
      await emulator.exec(`CREATE TABLE [dbo].[Accounts] ([AccountID] int NOT NULL PRIMARY KEY,
        [Owner] nvarchar(50) NOT NULL, [Amount] decimal(19,4) NULL, [LastModified] datetime2(7) NOT NULL)`);
      await emulator.duckdb(`INSERT INTO dbo."Accounts" ("AccountID", "Owner", "Amount", "LastModified") SELECT i, 'owner ' || i, CAST(i AS DECIMAL(19,4)) / 100,
        date_trunc('second', CAST(now() AS TIMESTAMP)) - INTERVAL 2 HOUR - to_seconds(2000 - i) FROM range(1, 2001) t(i)`);
    },
    change: async () => {
      await emulator.duckdb(`UPDATE dbo."Accounts" SET "Owner" = 'moved ' || "AccountID",
        "LastModified" = date_trunc('second', CAST(now() AS TIMESTAMP)) - INTERVAL 30 MINUTE - to_seconds("AccountID")
        WHERE "AccountID" % 40 = 0`);
      await emulator.duckdb(`DELETE FROM dbo."Accounts" WHERE "AccountID" % 90 = 1`);
      await emulator.duckdb(`INSERT INTO dbo."Accounts" ("AccountID", "Owner", "Amount", "LastModified") SELECT i, 'owner ' || i, 1,
        date_trunc('second', CAST(now() AS TIMESTAMP)) - INTERVAL 20 MINUTE - to_seconds(i - 2000) FROM range(2001, 2031) t(i)`);
    },
    points: [
      'extract.batch#1',
      'unit.staged#1',
      'publish.journal-written#1',
      'publish.version-built#3',
      'publish.switched#2',
      'publish.switched#6',
      'publish.done#4',
      'state.temp-written#1',
      'state.written#1',
    ],
  },
];

/** A lake and state directory pair. */
interface LakeDirs {
  readonly lake: string;
  readonly state: string;
}

async function writeConfig(dir: string, dirs: LakeDirs, scenario: Scenario): Promise<string> {
  const file = join(dir, 'sqlsync.json');
  await writeFile(
    file,
    JSON.stringify({
      pipeline_name: `crash-${scenario.name}`,
      database: {
        server: '127.0.0.1',
        port: emulator.port,
        database: 'master',
        username: 'sa',
        encrypt: false,
      },
      processing: { retry_attempts: 1, retry_delay_seconds: 0.1 },
      state: { parquet_directory: dirs.lake, state_directory: dirs.state },
      log_level: 'WARNING',
      ...scenario.config,
    }),
  );
  return file;
}

/** Copies a lake and its state (symlinks kept as links) into `to`. */
async function copyLake(from: LakeDirs, to: string): Promise<LakeDirs> {
  const dirs = { lake: join(to, 'lake'), state: join(to, 'state') };
  await cp(from.lake, dirs.lake, { recursive: true, verbatimSymlinks: true });
  await cp(from.state, dirs.state, { recursive: true });
  return dirs;
}

const env = (): NodeJS.ProcessEnv => ({
  ...process.env,
  SQLSYNC_PASSWORD: PASSWORD,
  // Crash-point hits are counted here (across threads), removed with the work directory.
  SQLSYNC_TEST_CRASH_COUNT_DIR: join(work, 'crash-points'),
});

async function runOk(config: string): Promise<void> {
  const run = await runCrashing(['run', '--config', config], env());
  expect(run.code, `${run.stderr.slice(-3000)}\n${run.stdout.slice(-2000)}`).toBe(0);
}

type Digests = Record<string, Record<string, string>>;

async function digests(scenario: Scenario, lake: string): Promise<Digests> {
  const out: Digests = {};
  for (const table of scenario.tables) {
    out[table.path] = await directoryDigests(lake, table);
  }
  return out;
}

/** What a reader saw that it must not: a directory missing, or one that is neither old nor new. */
function readerProblems(old: Digests, now: Digests, fresh: Digests): string[] {
  const problems: string[] = [];
  for (const [table, oldDirs] of Object.entries(old)) {
    const nowDirs = now[table] ?? {};
    const newDirs = fresh[table] ?? {};
    for (const dir of new Set([...Object.keys(oldDirs), ...Object.keys(newDirs), ...Object.keys(nowDirs)])) {
      const seen = nowDirs[dir];
      if (seen === undefined) {
        if (oldDirs[dir] !== undefined && newDirs[dir] !== undefined) {
          problems.push(`${table}/${dir}: missing`);
        }
      } else if (seen !== oldDirs[dir] && seen !== newDirs[dir]) {
        problems.push(`${table}/${dir}: neither old (${oldDirs[dir]}) nor new (${newDirs[dir]}): ${seen}`);
      }
    }
  }
  return problems;
}

let covered = 0;
let tried = 0;

describe('the crash suite: SIGKILL at named points of each table kind, then a rerun', () => {
  afterAll(() => {
    console.log(`crash suite: ${covered} of ${tried} kill points reached and recovered`);
  });

  for (const scenario of scenarios) {
    it(`${scenario.name}: a reader sees whole directories after each kill; the rerun equals an undisturbed run and leaves no garbage`, async () => {
      const root = join(work, scenario.name);
      await mkdir(root, { recursive: true });
      await scenario.seed();
      // Run 1 (S1) publishes the lake every kill starts from.
      const base: LakeDirs = { lake: join(root, 'base', 'lake'), state: join(root, 'base', 'state') };
      await mkdir(join(root, 'base'), { recursive: true });
      await runOk(await writeConfig(join(root, 'base'), base, scenario));
      await scenario.change();
      const old = await digests(scenario, base.lake);
      // The undisturbed run 2 (S2).
      const reference = await copyLake(base, join(root, 'reference'));
      await runOk(await writeConfig(join(root, 'reference'), reference, scenario));
      const fresh = await digests(scenario, reference.lake);
      expect(fresh).not.toEqual(old);
      expect(await lakeGarbage(reference.lake)).toEqual([]);
      // The undisturbed run's lake equals the source, row for row (SCD2: the SCD suites check it).
      for (const table of scenario.tables) {
        if (table.source !== undefined) {
          const exported = join(root, `${table.source}.parquet`);
          await emulator.duckdb(
            `COPY (SELECT * FROM dbo."${table.source}") TO '${exported}' (FORMAT PARQUET)`,
          );
          const text = table.rowHash
            .split(',')
            .map((c) => `CAST(${c.trim()} AS VARCHAR)`)
            .join(', ');
          expect(await rowsDigest([join(reference.lake, table.path, '**', '*.parquet')], text)).toBe(
            await rowsDigest([exported], text),
          );
        }
      }

      const failures: string[] = [];
      let reached = 0;
      const unreached: string[] = [];
      for (const [n, point] of scenario.points.entries()) {
        tried += 1;
        const dirs = await copyLake(base, join(root, `kill-${n}`));
        const config = await writeConfig(join(root, `kill-${n}`), dirs, scenario);
        const killed = await runCrashing(['run', '--config', config], env(), point);
        if (killed.signal === 'SIGKILL') {
          reached += 1;
          const problems = readerProblems(old, await digests(scenario, dirs.lake), fresh);
          failures.push(...problems.map((p) => `${point}: reader: ${p}`));
        } else {
          expect(killed.code, `${point}: ${killed.stderr.slice(-2000)}`).toBe(0);
          unreached.push(point);
        }
        const rerun = await runCrashing(['run', '--config', config], env());
        if (rerun.code !== 0) {
          failures.push(
            `${point}: rerun exited ${rerun.code}: ${rerun.stderr.slice(-1500)} ${rerun.stdout.slice(-1500)}`,
          );
          continue;
        }
        const after = await digests(scenario, dirs.lake);
        if (JSON.stringify(after) !== JSON.stringify(fresh)) {
          failures.push(
            `${point}: lake after the rerun differs from an undisturbed run: ${JSON.stringify(after)}`,
          );
        }
        const garbage = await lakeGarbage(dirs.lake);
        if (garbage.length > 0) {
          failures.push(`${point}: garbage after the rerun: ${garbage.join(', ')}`);
        }
        await rm(join(root, `kill-${n}`), { recursive: true, force: true });
      }
      covered += reached;
      expect(failures).toEqual([]);
      // Every point of the list is one this kind's run passes: each must have killed it.
      expect(unreached).toEqual([]);
    }, 600_000);
  }

  it('covers at least 30 kill points', () => {
    expect(covered).toBeGreaterThanOrEqual(30);
  });
});
