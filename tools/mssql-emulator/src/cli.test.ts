import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const cli = join(packageDir, 'dist', 'cli.js');
let child: ChildProcess | undefined;

beforeAll(() => {
  // The CLI runs from the build; build it when a test run comes before `nx build`.
  if (!existsSync(cli)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.lib.json'], { cwd: packageDir, stdio: 'inherit' });
  }
}, 120_000);

afterAll(() => {
  child?.kill('SIGTERM');
});

describe('cli', () => {
  it('prints the listening line, serves a seeded database and stops on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mssql-emulator-'));
    const seed = join(dir, 'seed.sql');
    writeFileSync(
      seed,
      'CREATE TABLE dbo.Seeded (Id int NOT NULL PRIMARY KEY)\nGO\nINSERT INTO dbo.Seeded VALUES (1), (2)\nGO\n',
    );
    const proc = spawn(process.execPath, [cli, '--port', '0', '--password', 'Cli!Passw0rd', '--seed', seed], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      proc.stdout?.on('data', (b: Buffer) => {
        out += b.toString();
        const nl = out.indexOf('\n');
        if (nl >= 0) {
          resolve(out.slice(0, nl));
        }
      });
      proc.on('exit', (code) => reject(new Error(`exited with ${code}`)));
    });
    const m = line.match(/^listening on 127\.0\.0\.1:(\d+)$/);
    expect(m).not.toBeNull();
    const pool = new sql.ConnectionPool({
      server: '127.0.0.1',
      port: Number(m?.[1]),
      user: 'sa',
      password: 'Cli!Passw0rd',
      database: 'master',
      options: { encrypt: false, trustServerCertificate: true },
    });
    await pool.connect();
    const r = await pool.request().query('SELECT COUNT(*) AS n FROM dbo.Seeded');
    expect(r.recordset[0].n).toBe(2);
    await pool.close();
    const exitCode = await new Promise<number | null>((resolve) => {
      proc.on('exit', (code) => resolve(code));
      proc.kill('SIGTERM');
    });
    expect(exitCode).toBe(0);
    child = undefined;
  }, 60_000);
});
