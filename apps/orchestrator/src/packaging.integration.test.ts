import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The repository root (this file is apps/orchestrator/src/…). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
/** Every package another team may install: the libraries and the CLI. */
const PACKAGES = [
  '@sync/core',
  '@sync/arrow-decimal',
  '@sync/extract-mssql',
  '@sync/parquet-duckdb',
  '@sync/handlers',
  '@sync/load-mssql',
  '@sync/orchestrator',
];
const PASSWORD = 'Packed!Passw0rd';

/** Runs a command to its end; rejects with its output when it fails. */
function exec(
  file: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        timeout: options.timeoutMs ?? 180_000,
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ stdout, stderr, code });
      },
    );
  });
}

/**
 * What another team does: `npm pack` each package (from its built dist), `npm install` the tarballs
 * into an empty project outside this repository, then use them there. Nothing may resolve back
 * into the monorepo.
 */
describe('the packed packages, installed outside the repository', () => {
  let work: string;
  let app: string;
  let emulator: Emulator;
  /** This Node first on the PATH, for npm and the `#!/usr/bin/env node` of the bin shim. */
  const env = { ...process.env, PATH: [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter) };

  beforeAll(async () => {
    work = await realpath(await mkdtemp(join(tmpdir(), 'sqlsync-packed-')));
    const packs = join(work, 'packs');
    app = join(work, 'app');
    await mkdir(packs);
    await mkdir(app);
    const packed = await exec(
      'npm',
      ['pack', '--pack-destination', packs, ...PACKAGES.flatMap((p) => ['-w', p])],
      { cwd: ROOT, env },
    );
    expect(packed.code, packed.stderr).toBe(0);
    const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz')).map((f) => join(packs, f));
    expect(tarballs).toHaveLength(PACKAGES.length);
    await writeFile(
      join(app, 'package.json'),
      JSON.stringify({ name: 'other-team', private: true, type: 'module' }),
    );
    // The npm cache is warm after `npm ci`: only the tarballs' own third-party dependencies are needed.
    const installed = await exec(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', ...tarballs],
      { cwd: app, env, timeoutMs: 180_000 },
    );
    expect(installed.code, installed.stderr).toBe(0);
    emulator = await startEmulator({ port: 0, password: PASSWORD });
  }, 240_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('installs real copies, not links into the monorepo, whose source maps resolve inside the package', async () => {
    for (const name of PACKAGES) {
      const dir = await realpath(join(app, 'node_modules', name));
      expect(dir.startsWith(join(app, 'node_modules'))).toBe(true);
      const maps = (await readdir(join(dir, 'dist'), { recursive: true })).filter((f) => f.endsWith('.map'));
      expect(maps.length).toBeGreaterThan(0);
      for (const map of maps) {
        const { sources } = JSON.parse(await readFile(join(dir, 'dist', map), 'utf8')) as {
          sources: string[];
        };
        for (const source of sources) {
          const path = resolve(dirname(join(dir, 'dist', map)), source);
          expect(path.startsWith(dir) && existsSync(path), `${name}: ${map} -> ${source}`).toBe(true);
        }
      }
    }
  });

  it('imports @sync/arrow-decimal and round-trips a decimal through Arrow', async () => {
    const script = `
      import { decimalVectorToStrings, formatDecimal, makeDecimal128Vector, parseDecimal } from '@sync/arrow-decimal';
      const d = parseDecimal('-1234567890123456789012345678.0123456789', 38, 10);
      const vector = makeDecimal128Vector([d.value, null], 38, 10);
      console.log(JSON.stringify({ text: formatDecimal(d), arrow: decimalVectorToStrings(vector), from: import.meta.resolve('@sync/arrow-decimal') }));
    `;
    await writeFile(join(app, 'round-trip.mjs'), script);
    const result = await exec(process.execPath, ['round-trip.mjs'], { cwd: app, env });
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as { text: string; arrow: (string | null)[]; from: string };
    expect(out.text).toBe('-1234567890123456789012345678.0123456789');
    expect(out.arrow).toEqual(['-1234567890123456789012345678.0123456789', null]);
    expect(fileURLToPath(out.from).startsWith(app)).toBe(true);
  });

  it('runs the installed sqlsync against the emulator (worker threads included)', async () => {
    await emulator.exec(
      `CREATE TABLE [dbo].[Sales] ([Id] int NOT NULL PRIMARY KEY, [Day] date NOT NULL, [Amount] decimal(38,4) NULL);`,
    );
    await emulator.duckdb(
      `INSERT INTO dbo."Sales" SELECT i, DATE '2024-01-01' + CAST(i % 60 AS INTEGER), i * 1.5 FROM range(5000) t(i)`,
    );
    const config = join(app, 'sqlsync.yaml');
    await writeFile(
      config,
      `database: {server: 127.0.0.1, port: ${emulator.port}, database: master, username: sa, password: '${PASSWORD}', encrypt: false}
processing: {max_workers: 2}
state: {parquet_directory: ${join(work, 'lake')}, state_directory: ${join(work, 'state')}}
partition_tables: [{table_name: Sales, partition_column: Day, granularity: month}]
`,
    );
    const bin = join(app, 'node_modules', '.bin');
    const version = await exec('sqlsync', ['--version'], {
      cwd: app,
      env: { ...env, PATH: `${bin}${delimiter}${env.PATH}` },
    });
    expect(version.code, version.stderr).toBe(0);
    const result = await exec('sqlsync', ['run', '--config', config], {
      cwd: app,
      env: { ...env, PATH: `${bin}${delimiter}${env.PATH}` },
    });
    expect(result.code, result.stderr.slice(-2000)).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '') as {
      status: string;
      total_records: number;
      tables: { units: unknown[] }[];
    };
    expect(summary.status).toBe('ok');
    expect(summary.total_records).toBe(5000);
    expect(summary.tables[0]?.units).toHaveLength(2);
  }, 120_000);
});
