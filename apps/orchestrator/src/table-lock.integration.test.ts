import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import { cliSearchPath } from './test-support/run-cli.js';

// Issue 14's acceptance of the per-table lock through the built CLI: two `sqlsync run` on one
// config at once leave a correct lake and the second says it waited; with a short
// lock_timeout_seconds a run facing a live holder fails the table (exit 1) naming it; a lock left
// by a killed run (its pid gone) is taken over at once.

const PASSWORD = 'TableLock!Passw0rd';
const ROWS = 50_000;

let emulator: Emulator;
let work: string;
let lake: CliLake;
const TABLE = [{ schema_name: 'dbo', table_name: 'Big', target_schema: 'ref' }];
const LOCK = (): string => join(lake.work, 'state', 'dbo.Big.lock');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-table-lock-'));
  emulator = await startEmulator({ port: 0, password: PASSWORD });
  await emulator.exec(`CREATE TABLE [dbo].[Big] ([Id] int NOT NULL PRIMARY KEY, [Note] nvarchar(60) NOT NULL,
    [Amount] decimal(14,2) NOT NULL);`);
  await emulator.duckdb(`INSERT INTO dbo."Big" SELECT i, 'a note about row ' || i, CAST(i AS DECIMAL(14,2)) / 3
    FROM range(1, ${ROWS + 1}) t(i)`);
  lake = new CliLake(emulator, work, PASSWORD);
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

async function lakeRows(): Promise<{ rows: number; distinct: number }> {
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const row = (
      await connection.runAndReadAll(
        `SELECT count(*), count(DISTINCT Id) FROM read_parquet('${join(lake.lakeRoot, 'ref', 'Big', '*.parquet')}')`,
      )
    ).getRows()[0];
    return { rows: Number(row?.[0]), distinct: Number(row?.[1]) };
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

async function lockAppears(timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if ((await readdir(join(lake.work, 'state')).catch(() => [])).some((n) => n.endsWith('.lock'))) {
      return true;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

interface Summary {
  run_id: string;
  tables: { rows?: number; lock?: { waited_seconds: number; holder: string } }[];
}

/** `sqlsync run --config <file>` as a child process whose stderr can be awaited line by line. */
function start(config: string): {
  pid: number;
  said: (pattern: RegExp, timeoutMs: number) => Promise<void>;
  done: Promise<{ code: number; stderr: string; summary: Summary }>;
} {
  const child = spawn('sqlsync', ['run', '--config', config], {
    env: { ...process.env, SQLSYNC_PASSWORD: PASSWORD, PATH: cliSearchPath(process.env) },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const done = new Promise<{ code: number; stderr: string; summary: Summary }>((resolve) => {
    child.on('close', (code) =>
      resolve({
        code: code ?? 1,
        stderr,
        summary: JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Summary,
      }),
    );
  });
  const said = async (pattern: RegExp, timeoutMs: number): Promise<void> => {
    const until = Date.now() + timeoutMs;
    while (!pattern.test(stderr)) {
      if (Date.now() > until) {
        throw new Error(
          `no ${pattern} in the second run's log within ${timeoutMs} ms:\n${stderr.slice(-2000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return { pid: child.pid ?? 0, said, done };
}

describe('one table, two runs at once', () => {
  it('the second waits for the first, says so, and the lake is correct after both', async () => {
    const config = join(work, 'concurrent.json');
    await writeFile(
      config,
      JSON.stringify({
        database: {
          server: '127.0.0.1',
          port: emulator.port,
          database: 'master',
          username: 'sa',
          encrypt: false,
        },
        state: { parquet_directory: lake.lakeRoot, state_directory: join(lake.work, 'state') },
        static_tables: TABLE,
        log_level: 'INFO',
      }),
    );
    const first = start(config);
    // Deterministic overlap: once the first holds the table's lock it is paused (SIGSTOP: alive, so
    // never taken over) until the second has said it is waiting, then resumed.
    expect(await lockAppears(120_000)).toBe(true);
    process.kill(first.pid, 'SIGSTOP');
    const second = start(config);
    try {
      await second.said(/table locked by another run; waiting/, 120_000);
    } finally {
      process.kill(first.pid, 'SIGCONT');
    }
    const [a, b] = await Promise.all([first.done, second.done]);
    expect(a.code, a.stderr.slice(-2000)).toBe(0);
    expect(b.code, b.stderr.slice(-2000)).toBe(0);
    const firstTable = a.summary.tables[0] ?? {};
    const secondTable = b.summary.tables[0] ?? {};
    expect(firstTable.rows).toBe(ROWS);
    expect(firstTable.lock).toBeUndefined();
    expect(secondTable.lock?.waited_seconds).toBeGreaterThan(0);
    expect(secondTable.lock?.holder).toMatch(
      new RegExp(`^run ${a.summary.run_id} \\(host ${hostname()}, pid ${first.pid}\\)$`),
    );
    // It planned from the first's state: the table is unchanged, so nothing is read again.
    expect(secondTable.rows).toBe(0);
    expect(await lakeRows()).toEqual({ rows: ROWS, distinct: ROWS });
    expect((await readdir(join(lake.work, 'state'))).filter((n) => n.includes('.lock'))).toEqual([]);
  }, 300_000);

  it('with a short lock_timeout_seconds, a run facing a live holder fails the table (exit 1) naming it', async () => {
    const now = new Date().toISOString();
    await writeFile(
      LOCK(),
      JSON.stringify({
        tableId: 'dbo.Big',
        host: hostname(),
        pid: process.pid,
        runId: 'holder-run',
        token: 't',
        acquiredAt: now,
        heartbeatAt: now,
      }),
    );
    try {
      const started = Date.now();
      const run = await lake.run(TABLE, {
        state: {
          parquet_directory: lake.lakeRoot,
          state_directory: join(lake.work, 'state'),
          lock_timeout_seconds: 2,
        },
      });
      expect(run.code).toBe(1);
      expect(Date.now() - started).toBeGreaterThan(2000);
      const table = run.summary().tables?.[0] as Record<string, unknown> & {
        error?: { code: string; message: string };
      };
      expect(table.status).toBe('failed');
      expect(table.error?.code).toBe('STATE_LOCKED');
      expect(table.error?.message).toMatch(
        new RegExp(`locked by run holder-run \\(host ${hostname()}, pid ${process.pid}`),
      );
    } finally {
      await rm(LOCK(), { force: true });
    }
  }, 120_000);

  it('takes over at once a lock left by a killed run (its pid gone on this host)', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => child.on('exit', r));
    const now = new Date().toISOString();
    await writeFile(
      LOCK(),
      JSON.stringify({
        tableId: 'dbo.Big',
        host: hostname(),
        pid: child.pid,
        runId: 'killed-run',
        token: 't',
        acquiredAt: now,
        heartbeatAt: now,
      }),
    );
    const run = await lake.run(TABLE, {
      state: {
        parquet_directory: lake.lakeRoot,
        state_directory: join(lake.work, 'state'),
        lock_timeout_seconds: 2,
      },
    });
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    expect(run.stderr).toMatch(/stale table lock taken over/);
    const table = (run.summary().tables ?? [])[0] as { lock?: { holder: string } } | undefined;
    expect(table?.lock?.holder).toMatch(/^run killed-run/);
    expect(await lakeRows()).toEqual({ rows: ROWS, distinct: ROWS });
  }, 120_000);
});
