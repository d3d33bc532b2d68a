import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createTestCertificates,
  type Emulator,
  startEmulator,
  type TestCertificates,
} from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from './test-support/run-cli.js';

// `sqlsync run` against the emulator speaking TLS inside TDS with a test CA: the certificate is
// verified by default, and an Entra ID access token logs in end to end.

const PASSWORD = 'Tls!Passw0rd-SECRET';
const TOKEN = 'eyJ0eXAi.access-token-SECRET.sig';

/** Every file under `dir`, recursively (absolute paths). */
async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) {
    return [];
  }
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('sqlsync run over TLS', { timeout: 60_000 }, () => {
  let emulator: Emulator;
  let certs: TestCertificates;
  let work: string;
  let runs = 0;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-tls-'));
    certs = await createTestCertificates(join(work, 'certs'));
    emulator = await startEmulator({
      password: PASSWORD,
      tls: { key: certs.key, cert: certs.cert },
      accessTokens: [TOKEN],
    });
    await emulator.exec(`CREATE SCHEMA [shop];
GO
CREATE TABLE [shop].[Items] ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(20) NULL);
GO
INSERT INTO [shop].[Items] VALUES (1, N'one'), (2, N'two');`);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** A config with `database` lines added (YAML), in its own lake and state directories. */
  async function run(databaseLines: string, env: NodeJS.ProcessEnv = {}): Promise<CliRun & { dir: string }> {
    const dir = join(work, `run${++runs}`);
    const config = join(dir, 'sqlsync.yaml');
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await writeFile(
      config,
      `database:
  server: localhost
  port: ${emulator.port}
  database: master
  connection_timeout: 10
${databaseLines}
processing:
  retry_attempts: 0
log_level: DEBUG
log_file: ${join(dir, 'sqlsync.log')}
state:
  parquet_directory: ${join(dir, 'lake')}
  state_directory: ${join(dir, 'state')}
static_tables:
  - schema_name: shop
    table_name: Items
`,
    );
    const clean: NodeJS.ProcessEnv = { ...process.env };
    for (const name of Object.keys(clean)) {
      if (name.startsWith('SQLSYNC_') && name !== 'SQLSYNC_CAPTURE_STATEMENTS') {
        delete clean[name];
      }
    }
    return { ...(await runCli(['run', '--config', config], { ...clean, ...env })), dir };
  }

  const sqlLogin = `  username: sa`;
  const withPassword = { SQLSYNC_PASSWORD: PASSWORD };

  it('default settings and an unknown CA: the verification error, exit 1, nothing written', async () => {
    const before = emulator.logins.length;
    const result = await run(sqlLogin, withPassword);
    expect(result.code, result.stderr).toBe(1);
    const output = result.stdout + result.stderr;
    expect(output).toContain(`localhost:${emulator.port}: the server certificate failed verification`);
    expect(output).toContain('issued by an unknown CA');
    expect(output).toContain('database.ca_file');
    expect(output).toContain('database.trust_server_certificate: true');
    expect(emulator.logins.length).toBe(before);
    expect((await filesUnder(join(result.dir, 'lake'))).filter((f) => f.endsWith('.parquet'))).toEqual([]);
    expect(await filesUnder(join(result.dir, 'state'))).toEqual([]);
  });

  it('ca_file naming the test CA: the run succeeds, every session encrypted', async () => {
    const before = emulator.logins.length;
    const result = await run(`${sqlLogin}\n  ca_file: ${certs.caFile}`, withPassword);
    expect(result.code, result.stderr).toBe(0);
    expect(result.summary()).toMatchObject({ status: 'ok', total_records: 2 });
    const logins = emulator.logins.slice(before);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((l) => l.encrypted && l.method === 'password')).toBe(true);
  });

  it('a host name the certificate does not carry is refused', async () => {
    const result = await run(
      `${sqlLogin}\n  ca_file: ${certs.caFile}\n  host_name_in_certificate: warehouse.example.com`,
      withPassword,
    );
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toContain('the certificate does not name the host');
    expect(result.stdout + result.stderr).toContain('database.host_name_in_certificate');
  });

  it('entra-access-token logs in end to end; a wrong token is refused clearly', async () => {
    const before = emulator.logins.length;
    const tokenConfig = `  authentication: entra-access-token\n  ca_file: ${certs.caFile}`;
    const ok = await run(tokenConfig, { SQLSYNC_ACCESS_TOKEN: TOKEN });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.summary()).toMatchObject({ status: 'ok', total_records: 2 });
    const logins = emulator.logins.slice(before);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((l) => l.encrypted && l.method === 'access-token')).toBe(true);

    const refused = await run(tokenConfig, { SQLSYNC_ACCESS_TOKEN: 'not-the-token' });
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toContain("Login failed for user '<token-identified principal>'");
  });

  // Six runs, two of which wait for Azure's token endpoint to be found unreachable.
  it('no secret of any mode reaches the log, state, lake files or summary', {
    timeout: 180_000,
  }, async () => {
    const tokenFile = join(work, 'token.txt');
    await writeFile(tokenFile, `${TOKEN}\n`);
    const clientSecret = 'client-secret-SECRET-value';
    const runsToCheck = [
      // SQL login, password from the environment.
      await run(`${sqlLogin}\n  ca_file: ${certs.caFile}`, withPassword),
      // SQL login, password written in the file.
      await run(`${sqlLogin}\n  password: ${PASSWORD}\n  ca_file: ${certs.caFile}`),
      // Access token from a file and from the environment.
      await run(
        `  authentication: entra-access-token\n  access_token_file: ${tokenFile}\n  ca_file: ${certs.caFile}`,
      ),
      await run(`  authentication: entra-access-token\n  ca_file: ${certs.caFile}`, {
        SQLSYNC_ACCESS_TOKEN: TOKEN,
      }),
      // NTLM (the emulator refuses it) and a service principal (Azure is out of reach): they fail,
      // and their failures must not carry the secrets either.
      await run(
        `  authentication: ntlm\n  username: sa\n  domain: CORP\n  ca_file: ${certs.caFile}`,
        withPassword,
      ),
      await run(
        `  authentication: entra-service-principal\n  tenant_id: 00000000-0000-0000-0000-000000000000\n  client_id: 11111111-1111-1111-1111-111111111111\n  ca_file: ${certs.caFile}`,
        { SQLSYNC_CLIENT_SECRET: clientSecret },
      ),
    ];
    expect(runsToCheck.slice(0, 4).map((r) => r.code)).toEqual([0, 0, 0, 0]);
    expect(runsToCheck.slice(4).map((r) => r.code)).toEqual([1, 1]);
    for (const result of runsToCheck) {
      const texts = [result.stdout, result.stderr];
      const files = [
        ...(await filesUnder(join(result.dir, 'lake'))),
        ...(await filesUnder(join(result.dir, 'state'))),
        join(result.dir, 'sqlsync.log'),
      ];
      expect(files.some((f) => f.endsWith('.parquet')) || result.code === 1).toBe(true);
      for (const file of files) {
        if (existsSync(file)) {
          texts.push((await readFile(file)).toString('latin1'));
        }
      }
      for (const secret of [PASSWORD, TOKEN, clientSecret]) {
        for (const text of texts) {
          expect(text.includes(secret), `${secret} in a file of ${result.dir}`).toBe(false);
        }
      }
    }
  });
});
