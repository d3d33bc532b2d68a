import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { createTestCertificates, type TestCertificates } from './test-certificates.js';

const encryptOption = 'SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID';

let dir: string;
let certs: TestCertificates;
let ca: string;
let emulator: Emulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-tls-'));
  certs = await createTestCertificates(dir);
  ca = await readFile(certs.caFile, 'utf8');
  emulator = await startEmulator({
    tls: { key: certs.key, cert: certs.cert },
    accessTokens: ['good-token'],
  });
}, 30_000);

afterAll(async () => {
  await emulator?.close();
  await rm(dir, { recursive: true, force: true });
});

function pool(options: Partial<sql.config> & { options?: sql.config['options'] }): sql.ConnectionPool {
  return new sql.ConnectionPool({
    server: 'localhost',
    port: emulator.port,
    database: emulator.database,
    user: emulator.user,
    password: emulator.password,
    connectionTimeout: 5000,
    ...options,
    options: {
      encrypt: true,
      trustServerCertificate: false,
      cryptoCredentialsDetails: { ca },
      ...options.options,
    },
  });
}

async function firstValue(p: sql.ConnectionPool, text: string): Promise<unknown> {
  await p.connect();
  try {
    const r = await p.request().query(text);
    return Object.values(r.recordset[0] as object)[0];
  } finally {
    await p.close();
  }
}

describe('TLS inside TDS', () => {
  it('verifies against the test CA, encrypts the session and reports it encrypted', async () => {
    expect(await firstValue(pool({}), encryptOption)).toBe('TRUE');
  });

  it('reports a plain session as not encrypted', async () => {
    expect(await firstValue(pool({ options: { encrypt: false } }), encryptOption)).toBe('FALSE');
  });

  it('refuses an unknown CA', async () => {
    const p = pool({ options: { cryptoCredentialsDetails: {} } });
    await expect(p.connect()).rejects.toThrow(/unable to verify the first certificate/);
  });

  it('refuses a host name the certificate does not name', async () => {
    const p = pool({ options: { serverName: 'db.example.com' } });
    await expect(p.connect()).rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
  });

  it('refuses an expired certificate', async () => {
    const expired = await startEmulator({ tls: { key: certs.key, cert: certs.expiredCert } });
    try {
      const p = new sql.ConnectionPool({
        server: 'localhost',
        port: expired.port,
        user: expired.user,
        password: expired.password,
        database: expired.database,
        connectionTimeout: 5000,
        options: { encrypt: true, trustServerCertificate: false, cryptoCredentialsDetails: { ca } },
      });
      await expect(p.connect()).rejects.toThrow(/certificate has expired/);
    } finally {
      await expired.close();
    }
  });
});

describe('access-token logins (FEDAUTH)', () => {
  const withToken = (token: string): sql.ConnectionPool =>
    pool({
      user: undefined,
      password: undefined,
      authentication: { type: 'azure-active-directory-access-token', options: { token } },
    });

  it('accepts a configured token over TLS', async () => {
    const before = emulator.logins.length;
    expect(await firstValue(withToken('good-token'), 'SELECT SUSER_NAME()')).toBe(emulator.user);
    const logins = emulator.logins.slice(before);
    expect(logins.length).toBeGreaterThan(0);
    expect(logins.every((l) => l.encrypted && l.method === 'access-token')).toBe(true);
  });

  it('refuses another token with error 18456', async () => {
    await expect(withToken('bad-token').connect()).rejects.toThrow(
      "Login failed for user '<token-identified principal>'.",
    );
  });
});
