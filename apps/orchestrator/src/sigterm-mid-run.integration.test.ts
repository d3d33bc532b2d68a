import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './cli-main.js';

/** The built CLI, run directly so SIGTERM reaches the process that handles it. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');
const PASSWORD = 'Sigterm!Passw0rd';
const REGIONS = 8;
const ROWS_PER_REGION = 40_000;

/** Every file under `dir` (relative path → size and mtime), so a changed or new file shows. */
async function snapshotTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) {
    return out;
  }
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      const info = await stat(path);
      out[relative(dir, path)] = `${info.size}@${info.mtimeMs}`;
    }
  }
  return out;
}

interface StoppedRun {
  readonly code: number | null;
  /** Milliseconds from SIGTERM to the process's exit. */
  readonly exitMs: number;
  readonly last: string;
  readonly stderr: string;
}

/** Starts `sqlsync run`, sends SIGTERM once the first unit has staged its rows, waits for the exit. */
function terminateMidRun(config: string): Promise<StoppedRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let sentAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (sentAt === undefined && stderr.includes('"msg":"unit staged"')) {
        sentAt = performance.now();
        child.kill('SIGTERM');
      }
    });
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        exitMs: sentAt === undefined ? Number.NaN : performance.now() - sentAt,
        last: stdout.trim().split('\n').pop() ?? '',
        stderr,
      }),
    );
  });
}

function runToEnd(config: string): Promise<{ code: number | null; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, last: stdout.trim().split('\n').pop() ?? '' }));
  });
}

describe('sqlsync run stopped by SIGTERM while units run', () => {
  let emulator: Emulator;
  let work: string;
  let config: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-sigterm-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Events] (
      [Id] int NOT NULL PRIMARY KEY, [Region] int NOT NULL, [Amount] decimal(18,4) NULL, [Note] nvarchar(60) NULL);`);
    await emulator.duckdb(`INSERT INTO dbo."Events" SELECT i, i % ${REGIONS}, (i * 7 % 100000) / 100.0,
      'note ' || i FROM range(${REGIONS * ROWS_PER_REGION}) t(i)`);
    config = join(work, 'sqlsync.yaml');
    // Every partition is re-read on every run (newest_partitions_to_refresh covers them all), so
    // each run has 8 units to do, two at a time.
    await writeFile(
      config,
      `database: {server: 127.0.0.1, port: ${emulator.port}, database: master, username: sa, password: '${PASSWORD}', encrypt: false}
log_level: INFO
processing: {max_workers: 2, partition_parallel_limit: 2}
state: {parquet_directory: ${join(work, 'lake')}, state_directory: ${join(work, 'state')}}
partition_tables: [{table_name: Events, partition_column: Region, newest_partitions_to_refresh: ${REGIONS}}]
`,
    );
  }, 120_000);
  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('exits 143 within 10 s with the INTERRUPTED summary; lake, state and staging as before; the next run completes', async () => {
    const first = await runToEnd(config);
    expect(first.code, first.last).toBe(EXIT.ok);
    const lakeTable =
      (JSON.parse(first.last) as { tables: { lake_path: string }[] }).tables[0]?.lake_path ?? '';
    const lakeBefore = await snapshotTree(lakeTable);
    const stateBefore = await readFile(join(work, 'state', 'dbo.Events.json'), 'utf8');
    expect(Object.keys(lakeBefore)).toHaveLength(REGIONS);

    const stopped = await terminateMidRun(config);
    expect(stopped.code, stopped.stderr.slice(-2000)).toBe(EXIT.terminated);
    expect(stopped.exitMs).toBeLessThan(10_000);
    // The signal came after the first unit: the others were cancelled, not run to their end.
    expect(stopped.stderr.match(/"msg":"unit staged"/g)?.length ?? 0).toBeLessThan(REGIONS);
    expect(JSON.parse(stopped.last)).toMatchObject({
      status: 'failed',
      error: { code: 'INTERRUPTED', message: 'interrupted by SIGTERM' },
    });
    // Nothing was published: no file of the stopped run in the lake, the old files untouched.
    expect(await snapshotTree(lakeTable)).toEqual(lakeBefore);
    expect(await readFile(join(work, 'state', 'dbo.Events.json'), 'utf8')).toBe(stateBefore);
    expect(await snapshotTree(join(work, 'lake', '_sqlsync', 'staging'))).toEqual({});
    expect(await snapshotTree(join(work, 'lake', '_sqlsync', 'journal'))).toEqual({});

    const next = await runToEnd(config);
    expect(next.code).toBe(EXIT.ok);
    expect(JSON.parse(next.last)).toMatchObject({ status: 'ok', total_records: REGIONS * ROWS_PER_REGION });
    expect(await snapshotTree(lakeTable)).not.toEqual(lakeBefore);
  }, 180_000);
});
