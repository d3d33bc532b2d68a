#!/usr/bin/env node
// `npm run bench`: starts the SQL Server emulator with the fact table, runs each measurement in its
// own child process (measure.js) against it, prints the table and writes the results JSON.
import { execFileSync, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SourceConnection } from '@sync/extract-mssql';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { type BenchArgs, parseBenchArgs, USAGE } from './cli-args.js';
import {
  createFactTableTsql,
  FACT_FLOAT_TABLE,
  FACT_SCHEMA,
  FACT_TABLE,
  insertFactRowsDuckdb,
} from './fact-table.js';
import { type MeasureOutcome, type MeasureSpec, partitionWorkers, SPEC_ENV } from './measurement.js';
import { deriveFigures, formatReport, judgeTargets } from './report.js';
import { sourceOptions } from './source-options.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const measureScript = fileURLToPath(new URL('./measure.js', import.meta.url));

let args: BenchArgs;
try {
  args = parseBenchArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

const workRoot = await mkdtemp(join(tmpdir(), 'sqlsync-bench-'));
const emulator = await startEmulator({ port: 0, password: 'Bench!Passw0rd' });
try {
  const seedSeconds = await seed(emulator, args);
  log(
    `seeded ${args.rows.toLocaleString('en-US')} rows in ${seedSeconds.toFixed(1)} s (work dir ${workRoot})`,
  );
  log(`emulator warmed up in ${(await warmUp(emulator, args.rows)).toFixed(1)} s`);
  const outcomes: MeasuredInParent[] = [];
  const partitionRuns = args.measurements.filter((m) => partitionWorkers(m) !== undefined);
  // The no-change run reuses the lake and state of the partitioned run with the most workers.
  const lastPartitionRun = partitionRuns[partitionRuns.length - 1];
  const noChangeWorkers = Math.max(...args.workers);
  for (const name of args.measurements) {
    const workDir =
      name === 'sqlsync-no-change'
        ? join(workRoot, lastPartitionRun ?? `sqlsync-partition-${noChangeWorkers}w`)
        : join(workRoot, name);
    const runs: MeasuredInParent[] = [];
    for (let run = 0; run < args.repeat; run++) {
      if (name !== 'sqlsync-no-change') {
        // Every repetition of a full run starts from an empty lake, or it would be incremental.
        await rm(workDir, { recursive: true, force: true });
      }
      const spec: MeasureSpec = {
        name,
        rows: args.rows,
        endpoint: endpointOf(emulator),
        workDir,
        workers: partitionWorkers(name) ?? noChangeWorkers,
      };
      runs.push(await measureInChild(emulator, spec));
      const last = runs[runs.length - 1] as MeasuredInParent;
      log(
        last.status === 'ok'
          ? `${name}: ${last.rows.toLocaleString('en-US')} rows in ${last.seconds.toFixed(2)} s`
          : `${name}: ${last.status}: ${last.reason ?? ''}`,
      );
      if (last.status !== 'ok') {
        break;
      }
    }
    outcomes.push(median(runs));
    if (!args.keep && name !== lastPartitionRun) {
      await rm(workDir, { recursive: true, force: true });
    }
  }
  const measurements = deriveFigures(outcomes);
  const targets = judgeTargets(measurements, args.rows);
  process.stdout.write(`\n${formatReport(measurements, targets)}\n`);
  const out = isAbsolute(args.out) ? args.out : join(repoRoot, args.out);
  await mkdir(dirname(out), { recursive: true });
  await writeFile(
    out,
    `${JSON.stringify(
      {
        benchmark: 'sqlsync issue 6',
        date: new Date().toISOString(),
        rows: args.rows,
        seedSeconds,
        machine: await machine(),
        notes: [
          'Ratios are what count: the machine is shared and noisy; absolute figures drift.',
          'The emulator runs in the parent process on the same cores; server CPU s is its share.',
          'Peak RSS is per measurement process (worker threads included), Node and native libraries included.',
        ],
        measurements,
        targets,
      },
      null,
      2,
    )}\n`,
  );
  process.stdout.write(`\nResults written to ${relative(process.cwd(), out) || out}\n`);
  if (outcomes.some((o) => o.status === 'failed')) {
    process.exitCode = 1;
  }
} finally {
  await emulator.close();
  if (!args.keep) {
    await rm(workRoot, { recursive: true, force: true });
  }
}

/** An outcome with what the parent saw while the child ran. */
type MeasuredInParent = MeasureOutcome & {
  readonly serverCpuSeconds: number;
  readonly statementsReceived: number;
  /** Wall seconds of every repetition, when `--repeat` > 1. */
  readonly repetitions?: readonly number[];
};

async function measureInChild(target: Emulator, spec: MeasureSpec): Promise<MeasuredInParent> {
  target.clearStatements();
  const serverCpu = process.cpuUsage();
  const outcome = await runChild(spec);
  const used = process.cpuUsage(serverCpu);
  const statements = target.statements;
  const measured: MeasuredInParent = {
    ...outcome,
    ...(spec.name === 'sqlsync-no-change'
      ? {
          details: {
            ...outcome.details,
            statements: statements.map((s) => s.sql.replace(/\s+/g, ' ').slice(0, 160)),
          },
        }
      : {}),
    serverCpuSeconds: (used.user + used.system) / 1e6,
    statementsReceived: statements.length,
  };
  target.clearStatements();
  return measured;
}

/** The repetition with the median wall time (the first failure, if any failed). */
function median(runs: readonly MeasuredInParent[]): MeasuredInParent {
  const failed = runs.find((r) => r.status !== 'ok');
  if (failed !== undefined || runs.length === 1) {
    return failed ?? (runs[0] as MeasuredInParent);
  }
  const sorted = [...runs].sort((x, y) => x.seconds - y.seconds);
  const middle = sorted[Math.floor((sorted.length - 1) / 2)] as MeasuredInParent;
  return {
    ...middle,
    peakRssBytes: Math.max(...runs.map((r) => r.peakRssBytes)),
    repetitions: runs.map((r) => r.seconds),
  };
}

/**
 * Streams the first rows of the fact table once, untimed: the emulator's TDS encoders run in this
 * process, and the first measurement should not pay for their JIT warm-up.
 */
async function warmUp(target: Emulator, rows: number): Promise<number> {
  const started = performance.now();
  const source = await SourceConnection.open(sourceOptions(endpointOf(target)));
  try {
    const plan = await source.describe(FACT_SCHEMA, FACT_TABLE);
    const warmRows = Math.min(rows, 300_000);
    const stream = source.read(plan, { predicate: { sql: `[Id] < ${warmRows}` } });
    for await (const _batch of stream) {
      // Discarded: only the server side's warm-up matters.
    }
  } finally {
    await source.close();
  }
  return (performance.now() - started) / 1000;
}

async function seed(target: Emulator, options: BenchArgs): Promise<number> {
  const started = performance.now();
  const variants = options.measurements.some((m) => m.startsWith('decimal-double'))
    ? (['decimal', 'float'] as const)
    : (['decimal'] as const);
  for (const variant of variants) {
    const table = variant === 'decimal' ? FACT_TABLE : FACT_FLOAT_TABLE;
    await target.exec(createFactTableTsql(variant));
    // Tables live in DuckDB schema `dbo` under their T-SQL names (see the emulator's README).
    await target.duckdb(insertFactRowsDuckdb(`${FACT_SCHEMA}."${table}"`, options.rows, variant));
  }
  return (performance.now() - started) / 1000;
}

function endpointOf(target: Emulator): MeasureSpec['endpoint'] {
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    database: target.database,
  };
}

/** Runs one measurement in a child process; its last stdout line is the outcome. */
function runChild(spec: MeasureSpec): Promise<MeasureOutcome> {
  const failed = (reason: string): MeasureOutcome => ({
    name: spec.name,
    status: 'failed',
    reason,
    rows: 0,
    seconds: 0,
    cpuSeconds: 0,
    startRssBytes: 0,
    peakRssBytes: 0,
  });
  return new Promise((resolve) => {
    // SQLSYNC_BENCH_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) goes to each measurement child.
    const nodeArgs = (process.env.SQLSYNC_BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
    const child = spawn(process.execPath, [...nodeArgs, measureScript, spec.name], {
      env: { ...process.env, [SPEC_ENV]: JSON.stringify(spec) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.setEncoding('utf8');
    // With SQLSYNC_BENCH_MEMTRACE set, the child's whole stdout (e.g. --trace-gc lines) is kept beside the trace.
    const trace = process.env.SQLSYNC_BENCH_MEMTRACE;
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (trace !== undefined) {
        appendFileSync(`${trace}.stdout`, chunk);
      }
    });
    child.on('error', (error) => resolve(failed(error.message)));
    child.on('close', (code, signal) => {
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as MeasureOutcome);
      } catch {
        resolve(failed(`measure.js exited with ${signal ?? code} and no result: ${last.slice(0, 200)}`));
      }
    });
  });
}

async function machine(): Promise<Record<string, unknown>> {
  const version = async (name: string): Promise<string> => {
    try {
      const text = await readFile(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8');
      return (JSON.parse(text) as { version: string }).version;
    } catch {
      return 'unknown';
    }
  };
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
  } catch {
    // Not a git checkout: the commit stays unknown.
  }
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    platform: `${process.platform} ${process.arch}`,
    node: process.version,
    commit,
    packages: {
      mssql: await version('mssql'),
      tedious: await version('tedious'),
      '@duckdb/node-api': await version('@duckdb/node-api'),
      'apache-arrow': await version('apache-arrow'),
      piscina: await version('piscina'),
    },
  };
}

function log(line: string): void {
  process.stderr.write(`[bench] ${line}\n`);
}
