import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from './test-support/run-cli.js';

// `sqlsync repair-scd` through the built CLI: on a lake table written directly with the SCD2
// layout (bucket directories, the spec's columns and file metadata; no source needed), and on a
// lake written by `sqlsync run` from the emulator and then corrupted.

const BUCKETS = 4;
const RUN_1 = '20240101T000000Z-aaaaaa';
const RUN_2 = '20240102T000000Z-bbbbbb';
const OPEN = '9999-12-31 00:00:00';

let root: string;
let work: string;
let duckdb: DuckDBInstance;
const lakeRoot = (): string => join(work, 'lake');
const tableDir = (): string => join(lakeRoot(), 'dw', 'customers');

async function query(sql: string): Promise<unknown[][]> {
  const connection = await duckdb.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRows();
  } finally {
    connection.closeSync();
  }
}

/** The spec's bucket of a key: md5_number of its length-prefixed text, modulo the bucket count. */
const BUCKET_OF = `md5_number(length(CustomerId::VARCHAR) || ':' || CustomerId::VARCHAR || ';') % ${BUCKETS}`;

/**
 * Writes versions `[id, name, effective, end, latest, deleted]` as run `runId` would: one file per
 * bucket they hash to, with the source's columns, then effective, end, is-latest, is-deleted.
 */
async function writeRun(
  runId: string,
  versions: readonly (readonly [number, string, string, string, boolean, boolean])[],
): Promise<void> {
  const values = versions
    .map(
      ([id, name, eff, end, latest, deleted]) =>
        `(${id}, '${name}', TIMESTAMP '${eff}', TIMESTAMP '${eff}', TIMESTAMP '${end}', ${latest}, ${deleted})`,
    )
    .join(', ');
  const rows = `SELECT * FROM (VALUES ${values}) t(CustomerId, Name, LastModified, effective_date, end_date, IsLatest, IsDeleted)`;
  for (const [bucket] of await query(`SELECT DISTINCT ${BUCKET_OF} FROM (${rows})`)) {
    const dir = join(tableDir(), `bucket=${String(bucket).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    const metadata: Record<string, string> = {
      'sqlsync.run_id': runId,
      'sqlsync.table': 'crm.Customers',
      'sqlsync.unit': 'crm.Customers',
      'sqlsync.version': '0.1.0',
      'sqlsync.scd.bucket': String(bucket),
      'sqlsync.scd.bucket_count': String(BUCKETS),
      'sqlsync.scd.bucket_hash': 'md5-length-prefixed-v1',
      'sqlsync.scd.business_key': '["CustomerId"]',
      'sqlsync.scd.watermark': '2024-06-01 00:00:00.000',
    };
    const kv = Object.entries(metadata)
      .map(([k, v]) => `'${k}': '${v}'`)
      .join(', ');
    await query(
      `COPY (SELECT * FROM (${rows}) WHERE ${BUCKET_OF} = ${bucket} ORDER BY CustomerId, effective_date)
       TO '${join(dir, `part-${runId}-0.parquet`)}' (FORMAT PARQUET, KV_METADATA {${kv}})`,
    );
  }
}

const d = (day: string): string => `2024-${day} 00:00:00`;

/** Keys 1 and 5 valid; 2 has two latest versions, 3 an overlap, 4 a gap, 6 a duplicate. */
async function writeCorruptLake(): Promise<void> {
  await writeRun(RUN_1, [
    [1, 'a', d('01-01'), d('02-01'), false, false],
    [1, 'b', d('02-01'), OPEN, true, false],
    [2, 'a', d('01-01'), d('02-01'), true, false],
    [2, 'b', d('02-01'), OPEN, true, false],
    [3, 'a', d('01-01'), d('03-01'), false, false],
    [3, 'b', d('02-01'), OPEN, true, false],
    [4, 'a', d('01-01'), d('01-15'), false, false],
    [4, 'b', d('02-01'), OPEN, true, false],
    [5, 'a', d('01-01'), d('01-15'), false, true],
    [5, 'b', d('02-01'), OPEN, true, false],
    [6, 'old', d('01-01'), OPEN, true, false],
  ]);
  await writeRun(RUN_2, [[6, 'new', d('01-01'), OPEN, true, false]]);
}

/** Every file under the lake by path: modification time and size. */
async function lakeFiles(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // Table directories are symlinks to versions under _sqlsync/versions: list through the links
  // (string entries follow them) and leave the versions' own paths out.
  for (const entry of await readdir(lakeRoot(), { recursive: true })) {
    const info = await stat(join(lakeRoot(), entry));
    if (info.isFile() && !entry.startsWith('_sqlsync')) {
      out[entry] = `${info.mtimeMs}:${info.size}`;
    }
  }
  return out;
}

async function writeConfig(): Promise<string> {
  const file = join(work, 'sqlsync.json');
  await writeFile(
    file,
    JSON.stringify({
      // Never connected to: repair-scd reads the lake only.
      database: {
        server: '127.0.0.1',
        port: 1,
        database: 'crm',
        username: 'sa',
        password: 'unused',
        encrypt: false,
      },
      state: { parquet_directory: lakeRoot(), state_directory: join(work, 'state') },
      scd_tables: [
        {
          schema_name: 'crm',
          table_name: 'Customers',
          target_schema: 'dw',
          target_table: 'customers',
          business_key_columns: ['CustomerId'],
          bucket_count: BUCKETS,
        },
      ],
      static_tables: [{ schema_name: 'dbo', table_name: 'Rates' }],
      log_level: 'WARNING',
    }),
  );
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'repair-scd-cli-'));
  duckdb = await DuckDBInstance.create(':memory:');
});

beforeEach(async () => {
  work = await mkdtemp(join(root, 'work-'));
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(root, { recursive: true, force: true });
});

describe('sqlsync repair-scd', () => {
  it('reports each violation on a dry run without touching a file, repairs, then finds the history valid', async () => {
    const config = await writeConfig();
    await writeCorruptLake();
    const before = await lakeFiles();

    const dry = await runCli(
      ['repair-scd', '--config', config, '--table', 'crm.Customers', '--dry-run'],
      process.env,
    );
    expect(dry.code, dry.stderr).toBe(1);
    const report = dry.summary() as Record<string, unknown> & {
      violations: Record<string, { count: number; examples: { key: Record<string, string> }[] }>;
    };
    expect(report).toMatchObject({
      status: 'invalid',
      table: 'crm.Customers',
      dryRun: true,
      valid: false,
      rows: 12,
    });
    const found = Object.fromEntries(
      Object.entries(report.violations).map(([rule, v]) => [rule, v.examples.map((e) => e.key.CustomerId)]),
    );
    expect(found).toEqual({
      latestCount: ['2'],
      latestNotLast: ['2'],
      duplicates: ['6'],
      overlaps: ['3'],
      gaps: ['4'],
      lastEnd: [],
      deletedEnd: [],
      wrongBucket: [],
    });
    expect(report).toMatchObject({ rowsRemoved: 1, rowsChanged: 3 });
    expect(await lakeFiles()).toEqual(before);

    const repair = await runCli(['repair-scd', '--config', config, '--table', 'crm.customers'], process.env);
    expect(repair.code, repair.stderr).toBe(0);
    const repaired = repair.summary();
    expect(repaired).toMatchObject({
      status: 'ok',
      dryRun: false,
      valid: false,
      rowsRemoved: 1,
      rowsChanged: 3,
    });
    expect(repaired.bucketsRewritten).toEqual(report.bucketsRewritten);
    const runId = String(repaired.runId);
    const after = await lakeFiles();
    for (const bucket of repaired.bucketsRewritten as number[]) {
      const dir = `dw/customers/bucket=${String(bucket).padStart(2, '0')}`;
      expect(Object.keys(after).filter((f) => f.startsWith(`${dir}/`))).toEqual([
        `${dir}/part-${runId}-0.parquet`,
      ]);
    }
    // Buckets left alone keep their files as they were.
    for (const [file, stamp] of Object.entries(before)) {
      const bucket = Number(/bucket=(\d+)/.exec(file)?.[1]);
      if (!(repaired.bucketsRewritten as number[]).includes(bucket)) {
        expect(after[file]).toBe(stamp);
      }
    }
    expect(
      await query(`SELECT Name FROM read_parquet('${tableDir()}/*/*.parquet') WHERE CustomerId = 6`),
    ).toEqual([['new']]);

    const check = await runCli(
      ['repair-scd', '--config', config, '--table', 'crm.Customers', '--dry-run'],
      process.env,
    );
    expect(check.code, check.stderr).toBe(0);
    const clean = check.summary() as {
      status: string;
      valid: boolean;
      violations: Record<string, { count: number }>;
    };
    expect(clean).toMatchObject({ status: 'ok', valid: true, rows: 11, bucketsRewritten: [] });
    expect(Object.values(clean.violations).every((v) => v.count === 0)).toBe(true);
  }, 180_000);

  it('exits 2 naming an unknown table, a table that is not SCD2, or --dry-run elsewhere, and lists itself in --help', async () => {
    const config = await writeConfig();
    const unknown = await runCli(['repair-scd', '--config', config, '--table', 'crm.Nope'], process.env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.toLowerCase()).toContain('--table crm.nope: no such table');
    expect(unknown.summary()).toMatchObject({ status: 'failed', error: { code: 'USAGE' } });

    const statik = await runCli(
      ['repair-scd', '--config', config, '--table', 'dbo.Rates', '--dry-run'],
      process.env,
    );
    expect(statik.code).toBe(2);
    expect(statik.stderr).toContain('dbo.Rates is a static table');

    const none = await runCli(['repair-scd', '--config', config], process.env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('exactly one --table');

    const elsewhere = await runCli(['status', '--config', config, '--dry-run'], process.env);
    expect(elsewhere.code).toBe(2);
    expect(elsewhere.stderr).toContain('--dry-run applies to repair-scd only');

    const help = await runCli(['--help'], process.env);
    expect(help.stdout).toContain('repair-scd --table ID [--dry-run]');
  }, 180_000);
});

describe('sqlsync repair-scd on a lake written by sqlsync run', () => {
  const PASSWORD = 'RepairScd!Passw0rd';
  let emulator: Emulator;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
  });

  const env = (): NodeJS.ProcessEnv => ({ ...process.env, SQLSYNC_PASSWORD: PASSWORD });

  async function writeRunConfig(): Promise<string> {
    const file = join(work, 'run.json');
    await writeFile(
      file,
      JSON.stringify({
        database: {
          server: '127.0.0.1',
          port: emulator.port,
          database: 'master',
          username: 'sa',
          encrypt: false,
        },
        state: { parquet_directory: lakeRoot(), state_directory: join(work, 'state') },
        scd_tables: [
          { table_name: 'Members', target_schema: 'dw', target_table: 'customers', bucket_count: BUCKETS },
        ],
        log_level: 'WARNING',
      }),
    );
    return file;
  }

  const expectOk = (run: CliRun): void => {
    expect(run.code, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
  };

  /** Writes `rows` (a SELECT over the lake's files) as a newer file into a bucket directory, with the lake's metadata. */
  async function addFile(bucketDir: string, runId: string, rows: string, like: string): Promise<void> {
    const metadata = await query(`SELECT decode(key), decode(value) FROM parquet_kv_metadata('${like}')`);
    const kv = metadata.map(([k, v]) => `'${String(k)}': '${String(v).replaceAll("'", "''")}'`).join(', ');
    await query(
      `COPY (${rows}) TO '${join(bucketDir, `part-${runId}-0.parquet`)}' (FORMAT PARQUET, KV_METADATA {${kv}})`,
    );
  }

  it('repairs a corrupted history that the next sqlsync run then extends', async () => {
    const values = Array.from(
      { length: 40 },
      (_, i) => `(${i + 1}, N'member ${i + 1}', '2024-01-01 10:00:${String(i).padStart(2, '0')}.000')`,
    );
    await emulator.exec(`CREATE TABLE [dbo].[Members] ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(50) NOT NULL,
      [LastModified] datetime2(3) NOT NULL)`);
    await emulator.exec(
      `INSERT INTO [dbo].[Members] ([Id], [Name], [LastModified]) VALUES ${values.join(', ')}`,
    );
    const config = await writeRunConfig();
    expectOk(await runCli(['run', '--config', config], env()));
    await emulator.exec(
      `UPDATE [dbo].[Members] SET [Name] = N'moved', [LastModified] = '2024-02-01 10:00:00.000' WHERE [Id] IN (5, 9)`,
    );
    expectOk(await runCli(['run', '--config', config], env()));
    const valid = await runCli(
      ['repair-scd', '--config', config, '--table', 'dbo.Members', '--dry-run'],
      env(),
    );
    expectOk(valid);
    expect(valid.summary()).toMatchObject({ status: 'ok', valid: true, rows: 42, keys: 40 });

    // Corrupt it as a faulty writer would: a newer file in key 5's bucket repeats its first version
    // as if still current (a duplicate that, kept, makes two latest versions and an overlap), and
    // a newer file in a wrong bucket repeats key 9's current version.
    const scan = `read_parquet('${tableDir()}/*/*.parquet', filename = true)`;
    const [[file5]] = (await query(`SELECT filename FROM ${scan} WHERE Id = 5 LIMIT 1`)) as [[string]];
    const [[file9]] = (await query(`SELECT filename FROM ${scan} WHERE Id = 9 LIMIT 1`)) as [[string]];
    const bucket9 = Number(/bucket=(\d+)/.exec(file9)?.[1]);
    const wrong = join(tableDir(), `bucket=${String((bucket9 + 1) % BUCKETS).padStart(2, '0')}`);
    await mkdir(wrong, { recursive: true });
    const corruptRun = '20990101T000000Z-cccccc';
    await addFile(
      join(file5, '..'),
      corruptRun,
      `SELECT * REPLACE (true AS IsLatest, TIMESTAMP '9999-12-31' AS end_date) FROM read_parquet('${file5}')
       WHERE Id = 5 AND effective_date < TIMESTAMP '2024-02-01'`,
      file5,
    );
    await addFile(
      wrong,
      corruptRun,
      `SELECT * FROM read_parquet('${file9}') WHERE Id = 9 AND IsLatest`,
      file9,
    );
    const corrupt = await lakeFiles();

    const dry = await runCli(
      ['repair-scd', '--config', config, '--table', 'dbo.Members', '--dry-run'],
      env(),
    );
    expect(dry.code, dry.stderr).toBe(1);
    const report = dry.summary() as Record<string, unknown> & {
      violations: Record<string, { count: number; examples: { key: Record<string, string> }[] }>;
    };
    const keysOf = (rule: string): string[] =>
      (report.violations[rule]?.examples ?? []).map((e) => e.key.Id as string);
    expect(report).toMatchObject({ status: 'invalid', rows: 44 });
    expect(keysOf('duplicates')).toEqual(['5', '9']);
    expect(keysOf('latestCount')).toEqual(['5']);
    expect(keysOf('overlaps')).toEqual(['5']);
    expect(keysOf('wrongBucket')).toEqual(['9']);
    expect(await lakeFiles()).toEqual(corrupt);

    expectOk(await runCli(['repair-scd', '--config', config, '--table', 'dbo.Members'], env()));
    const repaired = await runCli(
      ['repair-scd', '--config', config, '--table', 'dbo.Members', '--dry-run'],
      env(),
    );
    expectOk(repaired);
    expect(repaired.summary()).toMatchObject({ status: 'ok', valid: true, rows: 42, keys: 40 });

    // The merge reads the repaired buckets as its own: a further change of key 5 adds a version.
    await emulator.exec(
      `UPDATE [dbo].[Members] SET [Name] = N'back', [LastModified] = '2024-03-01 10:00:00.000' WHERE [Id] = 5`,
    );
    const next = await runCli(['run', '--config', config], env());
    expectOk(next);
    expect(next.summary().tables?.[0]).toMatchObject({ status: 'ok', scd: { versions_added: 1 } });
    const after = await runCli(
      ['repair-scd', '--config', config, '--table', 'dbo.Members', '--dry-run'],
      env(),
    );
    expectOk(after);
    expect(after.summary()).toMatchObject({ valid: true, rows: 43 });
    expect(
      await query(
        `SELECT Name, IsLatest, end_date::VARCHAR FROM ${scan} WHERE Id = 5 ORDER BY effective_date`,
      ),
    ).toEqual([
      ['member 5', false, '2024-02-01 10:00:00'],
      ['moved', false, '2024-03-01 10:00:00'],
      ['back', true, OPEN],
    ]);
  }, 300_000);
});
