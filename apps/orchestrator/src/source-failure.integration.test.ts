import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './cli-main.js';
import { cliSearchPath } from './test-support/run-cli.js';

// The source dies or freezes under a partition run with two workers (issue 14): every run must end
// with exit 1 and its JSON summary within command_timeout + 10 s, the lake as it was. The emulator
// runs in a child process of its own, so that it can be SIGKILLed and SIGSTOPped like a server.

const EMULATOR_BIN = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  '..',
  'tools',
  'mssql-emulator',
  'bin',
  'mssql-emulator.js',
);
const PASSWORD = 'SourceFail!Passw0rd';
const REGIONS = 6;
/** Region 0 holds 350,000 rows, the others 50,000: the big read is still streaming while the small ones stage. */
const ROWS = 600_000;
// Generous: on a loaded CI machine the emulator may take seconds to answer a catalog query.
const COMMAND_TIMEOUT_S = 15;
const FROZEN_COMMAND_TIMEOUT_S = 8;

const SEED = `CREATE TABLE [dbo].[Events] ([Id] int NOT NULL PRIMARY KEY, [Region] int NOT NULL,
  [Amount] decimal(18,4) NULL, [Note] nvarchar(80) NULL);
GO
CREATE TABLE [dbo].[Digits] ([v] int NOT NULL);
GO
INSERT INTO [dbo].[Digits] ([v]) VALUES (0),(1),(2),(3),(4),(5),(6),(7),(8),(9);
GO
INSERT INTO [dbo].[Events] ([Id], [Region], [Amount], [Note])
SELECT x.n, CASE WHEN x.n >= 300000 THEN 0 ELSE x.n % ${REGIONS} END,
  CAST((x.n * 7) % 100000 AS decimal(18,4)) / 100, CONCAT(N'note ', x.n, N' ', REPLICATE(N'x', 40))
FROM (SELECT a.v + 10 * b.v + 100 * c.v + 1000 * d.v + 10000 * e.v + 100000 * f.v AS n
  FROM [dbo].[Digits] a CROSS JOIN [dbo].[Digits] b CROSS JOIN [dbo].[Digits] c
  CROSS JOIN [dbo].[Digits] d CROSS JOIN [dbo].[Digits] e CROSS JOIN [dbo].[Digits] f) x
WHERE x.n < ${ROWS};
GO
DROP TABLE [dbo].[Digits];
`;

/** The emulator as a server process of its own, seeded with the table. */
interface SourceProcess {
  readonly child: ChildProcess;
  readonly port: number;
}

function startSource(seedFile: string): Promise<SourceProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [EMULATOR_BIN, '--port', '0', '--password', PASSWORD, '--seed', seedFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const listening = /listening on [^\s]+:(\d+)/.exec(out);
      if (listening !== null) {
        resolve({ child, port: Number(listening[1]) });
      }
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the emulator exited (${code}) before listening: ${err}`)));
  });
}

/** Ends a source process (continued first if frozen) and waits for it. */
async function stopSource(source: SourceProcess | undefined): Promise<void> {
  if (source === undefined || source.child.exitCode !== null || source.child.signalCode !== null) {
    return;
  }
  const exited = new Promise<void>((resolve) => source.child.once('exit', () => resolve()));
  source.child.kill('SIGCONT');
  source.child.kill('SIGKILL');
  await exited;
}

/** Every file, directory and link under `dir`: relative path → content hash, 'dir', or the link's target. */
async function lakeTree(dir: string): Promise<Record<string, string>> {
  const tree: Record<string, string> = {};
  if (!existsSync(dir)) {
    return tree;
  }
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) {
      tree[relative(dir, path)] = 'dir';
    } else if (entry.isSymbolicLink()) {
      // A versioned table directory is switched by a symbolic link: where it points is what counts.
      tree[relative(dir, path)] = `-> ${await readlink(path)}`;
    } else {
      tree[relative(dir, path)] = createHash('sha256')
        .update(await readFile(path))
        .digest('hex');
    }
  }
  return tree;
}

/**
 * Where in a run the source fails: once `count` log lines with message `msg` were seen, plus
 * `delayMs`; or as soon as `staged()` (polled every 10 ms) says so.
 */
type FailurePoint =
  | { readonly msg: 'planned' | 'unit staged'; readonly count: number; readonly delayMs: number }
  | { readonly staged: () => Promise<boolean> };

interface FailedRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Milliseconds from the source's failure to the exit of sqlsync; NaN if the point never came. */
  readonly exitMs: number;
  readonly lastLine: string;
  readonly stderr: string;
}

/**
 * Runs `sqlsync run` (from the PATH) and sends `signal` to the source at `point`. sqlsync is
 * SIGKILLed after `giveUpMs`, so a hang fails the test instead of stalling it.
 */
function runAndFailSource(
  config: string,
  source: SourceProcess,
  point: FailurePoint,
  signal: 'SIGKILL' | 'SIGSTOP',
  giveUpMs: number,
): Promise<FailedRun> {
  return new Promise((resolve, reject) => {
    const run = spawn('sqlsync', ['run', '--config', config], {
      env: { ...process.env, PATH: cliSearchPath(process.env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let seen = 0;
    let failedAt: number | undefined;
    const giveUp = setTimeout(() => run.kill('SIGKILL'), giveUpMs);
    const fail = (): void => {
      if (failedAt === undefined) {
        failedAt = performance.now();
        source.child.kill(signal);
      }
    };
    const poll =
      'staged' in point
        ? setInterval(() => {
            void point.staged().then((now) => {
              if (now) {
                clearInterval(poll);
                fail();
              }
            });
          }, 10)
        : undefined;
    run.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    run.stderr.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      stderr += text;
      if ('staged' in point || seen >= point.count) {
        return;
      }
      seen += text.split('\n').filter((line) => line.includes(`"msg":"${point.msg}"`)).length;
      if (seen >= point.count) {
        setTimeout(fail, point.delayMs);
      }
    });
    run.on('error', reject);
    run.on('close', (code, exitSignal) => {
      clearTimeout(giveUp);
      clearInterval(poll);
      resolve({
        code,
        signal: exitSignal,
        exitMs: failedAt === undefined ? Number.NaN : performance.now() - failedAt,
        lastLine: stdout.trim().split('\n').pop() ?? '',
        stderr,
      });
    });
  });
}

/** Runs `sqlsync run` to its end, the source left alone. */
function runToEnd(config: string): Promise<{ code: number | null; lastLine: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const run = spawn('sqlsync', ['run', '--config', config], {
      env: { ...process.env, PATH: cliSearchPath(process.env) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    run.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    run.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    run.on('error', reject);
    run.on('close', (code) => resolve({ code, lastLine: stdout.trim().split('\n').pop() ?? '', stderr }));
  });
}

describe('sqlsync run when the source fails mid-run (partition table, 2 workers)', () => {
  let work: string;
  let seedFile: string;
  let lakeDir: string;
  let stateDir: string;
  let source: SourceProcess | undefined;

  const writeConfig = async (port: number, extra: { commandTimeoutS?: number; processing?: string } = {}) => {
    const config = join(work, 'sqlsync.yaml');
    await writeFile(
      config,
      `database: {server: 127.0.0.1, port: ${port}, database: master, username: sa, password: '${PASSWORD}', encrypt: false, command_timeout: ${extra.commandTimeoutS ?? COMMAND_TIMEOUT_S}}
log_level: INFO
processing: {max_workers: 2, partition_parallel_limit: 2${extra.processing ?? ''}}
state: {parquet_directory: ${lakeDir}, state_directory: ${stateDir}}
partition_tables: [{table_name: Events, partition_column: Region, newest_partitions_to_refresh: ${REGIONS}}]
`,
    );
    return config;
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-source-failure-'));
    seedFile = join(work, 'seed.sql');
    lakeDir = join(work, 'lake');
    stateDir = join(work, 'state');
    await writeFile(seedFile, SEED);
    // The first load, with the source alive: what every failed run must leave exactly as it is.
    source = await startSource(seedFile);
    const first = await runToEnd(await writeConfig(source.port));
    expect(first.code, first.stderr.slice(-3000)).toBe(EXIT.ok);
    expect(JSON.parse(first.lastLine)).toMatchObject({ status: 'ok', total_records: ROWS });
    await stopSource(source);
  }, 120_000);

  afterAll(async () => {
    await stopSource(source);
    await rm(work, { recursive: true, force: true });
  });

  /** Asserts what every failed run must show: exit 1 in time, the summary naming the table, the lake unchanged. */
  const expectFailedRun = (run: FailedRun, timeoutS: number, where: string): Record<string, unknown> => {
    const context = `${where}: exit ${run.code}/${run.signal} after ${Math.round(run.exitMs)} ms\n${run.stderr.slice(-3000)}`;
    expect(run.exitMs, context).not.toBeNaN();
    expect(run.signal, context).toBeNull();
    expect(run.code, context).toBe(EXIT.failed);
    expect(run.exitMs, context).toBeLessThan((timeoutS + 10) * 1000);
    const summary = JSON.parse(run.lastLine) as Record<string, unknown> & {
      tables: Record<string, unknown>[];
    };
    expect(summary, context).toMatchObject({ status: 'failed', tables_failed: 1 });
    expect(summary.tables[0], context).toMatchObject({ table: 'dbo.Events', status: 'failed' });
    // No driver error reached Node's handlers (which would print a stack, not a JSON log line).
    expect(run.stderr, context).not.toMatch(/^\s+at .*tedious/m);
    return summary.tables[0] as Record<string, unknown>;
  };

  it('SIGKILL of the source at 10 points: exit 1 within command_timeout + 10 s, the summary line, the lake byte-identical', async () => {
    const points: FailurePoint[] = [
      { msg: 'planned', count: 1, delayMs: 0 },
      { msg: 'planned', count: 1, delayMs: 150 },
      { msg: 'planned', count: 1, delayMs: 400 },
      { msg: 'planned', count: 1, delayMs: 800 },
      { msg: 'unit staged', count: 1, delayMs: 0 },
      { msg: 'unit staged', count: 1, delayMs: 200 },
      { msg: 'unit staged', count: 2, delayMs: 0 },
      { msg: 'unit staged', count: 2, delayMs: 200 },
      { msg: 'unit staged', count: 3, delayMs: 0 },
      { msg: 'unit staged', count: 4, delayMs: 0 },
    ];
    const lakeBefore = await lakeTree(lakeDir);
    const stateBefore = await lakeTree(stateDir);
    expect(new Set(Object.keys(lakeBefore).flatMap((p) => /Region=\d+/.exec(p) ?? []))).toHaveProperty(
      'size',
      REGIONS,
    );
    for (const point of points) {
      const where = 'msg' in point ? `SIGKILL after ${point.msg} #${point.count} + ${point.delayMs} ms` : '';
      source = await startSource(seedFile);
      const run = runAndFailSource(await writeConfig(source.port), source, point, 'SIGKILL', 120_000);
      const failed = await run;
      await stopSource(source);
      const table = expectFailedRun(failed, COMMAND_TIMEOUT_S, where);
      expect(table.error, where).toMatchObject({
        code: expect.stringMatching(/^SOURCE_(CONNECTION|QUERY)$/),
      });
      expect(await lakeTree(lakeDir), where).toEqual(lakeBefore);
      expect(await lakeTree(stateDir), where).toEqual(stateBefore);
    }
    // Nothing was left wedged: with the source back, the next run completes.
    source = await startSource(seedFile);
    const next = await runToEnd(await writeConfig(source.port));
    await stopSource(source);
    expect(next.code, next.stderr.slice(-3000)).toBe(EXIT.ok);
    expect(JSON.parse(next.lastLine)).toMatchObject({ status: 'ok', total_records: ROWS });
  }, 400_000);

  it('a source frozen mid-result (SIGSTOP) is caught by the idle-read timeout: exit 1 within command_timeout + 10 s, the lake unchanged', async () => {
    const lakeBefore = await lakeTree(lakeDir);
    source = await startSource(seedFile);
    // No retry and no source figures after a read: the one failure is the read the freeze cut.
    const config = await writeConfig(source.port, {
      commandTimeoutS: FROZEN_COMMAND_TIMEOUT_S,
      processing: ', retry_attempts: 0, validate_precision_end_to_end: false',
    });
    // Frozen once the big partition's first Parquet part is being written (DuckDB's temporary file
    // or the part itself in its staging directory): 184,320 of its 350,000 rows are read, the rest
    // is still streaming. (At a unit's start the freeze would hit its catalog query instead, which
    // tedious's own request timeout catches.)
    const staging = join(lakeDir, '_sqlsync', 'staging');
    const bigPartStarted = async (): Promise<boolean> => {
      if (!existsSync(staging)) {
        return false;
      }
      const entries = await readdir(staging, { recursive: true, withFileTypes: true }).catch(() => []);
      return entries.some((e) => e.isFile() && e.parentPath.endsWith('Region=0'));
    };
    const frozen = await runAndFailSource(config, source, { staged: bigPartStarted }, 'SIGSTOP', 120_000);
    await stopSource(source);
    const table = expectFailedRun(frozen, FROZEN_COMMAND_TIMEOUT_S, 'SIGSTOP after the first unit staged');
    expect(table.error).toMatchObject({
      code: 'SOURCE_QUERY',
      retryable: true,
      message: expect.stringMatching(
        new RegExp(
          `^dbo\\.Events: SQL Server sent no data for ${FROZEN_COMMAND_TIMEOUT_S} s while rows were streaming \\(database\\.command_timeout`,
        ),
      ),
    });
    expect(frozen.exitMs).toBeGreaterThanOrEqual(FROZEN_COMMAND_TIMEOUT_S * 1000);
    expect(await lakeTree(lakeDir)).toEqual(lakeBefore);
  }, 180_000);
});
