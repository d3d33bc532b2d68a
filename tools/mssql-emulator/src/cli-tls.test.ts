import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestCertificates } from './test-certificates.js';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const cli = join(packageDir, 'dist', 'cli.js');
let child: ChildProcess | undefined;
let dir: string | undefined;

beforeAll(() => {
  // The CLI runs from the build; build it when a test run comes before `nx build`.
  if (!existsSync(cli)) {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.lib.json'], { cwd: packageDir, stdio: 'inherit' });
  }
}, 120_000);

afterAll(async () => {
  child?.kill('SIGTERM');
  if (dir !== undefined) {
    await rm(dir, { recursive: true, force: true });
  }
});

/** Starts the CLI with `args` and resolves with the port it prints. */
function start(args: string[]): Promise<number> {
  const proc = spawn(process.execPath, [cli, '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  child = proc;
  return new Promise((resolve, reject) => {
    let out = '';
    proc.stdout?.on('data', (b: Buffer) => {
      out += b.toString();
      const m = out.match(/^listening on 127\.0\.0\.1:(\d+)\n/);
      if (m !== null) {
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => reject(new Error(`exited with ${code}`)));
  });
}

describe('cli with TLS and an access token', () => {
  it('--tls-cert/--tls-key encrypt; --access-token-file admits that token', async () => {
    dir = await mkdtemp(join(tmpdir(), 'mssql-emulator-tls-cli-'));
    const certs = await createTestCertificates(dir);
    await writeFile(join(dir, 'cert.pem'), certs.cert);
    await writeFile(join(dir, 'key.pem'), certs.key);
    await writeFile(join(dir, 'token.txt'), 'cli-token\n');
    const port = await start([
      ...['--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
      ...['--access-token-file', join(dir, 'token.txt')],
    ]);
    const pool = new sql.ConnectionPool({
      server: 'localhost',
      port,
      database: 'master',
      authentication: { type: 'azure-active-directory-access-token', options: { token: 'cli-token' } },
      options: { encrypt: true, cryptoCredentialsDetails: { ca: await readFile(certs.caFile, 'utf8') } },
    });
    await pool.connect();
    const r = await pool
      .request()
      .query('SELECT encrypt_option AS e FROM sys.dm_exec_connections WHERE session_id = @@SPID');
    expect(r.recordset[0].e).toBe('TRUE');
    await pool.close();
  }, 60_000);

  it('refuses --tls-cert without --tls-key', async () => {
    await expect(start(['--tls-cert', 'x.pem'])).rejects.toThrow('exited with 1');
  }, 30_000);
});
