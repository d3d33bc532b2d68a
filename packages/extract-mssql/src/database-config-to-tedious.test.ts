import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tediousConfig } from './connection-options.js';

// The parsed `database` section reaches the driver's options: what each authentication mode and
// TLS setting makes of it. Entra modes other than an access token need Azure to log in, so this
// is where they are checked (the emulator covers TLS and access tokens on the wire).
const server = { server: 'db', database: 'Sales' };
const sqlLogin = { ...server, username: 'etl', password: 'pw' };
const tedious = (database: Record<string, unknown>) => tediousConfig(parseConfig({ database }).database);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-driver-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TLS options', () => {
  it('verifies the certificate by default and guards against a server that cannot encrypt', () => {
    const options = tedious(sqlLogin).options;
    expect(options?.encrypt).toBe(true);
    expect(options?.trustServerCertificate).toBe(false);
    expect(typeof options?.connector).toBe('function');
    expect(tedious({ ...sqlLogin, trust_server_certificate: true }).options?.trustServerCertificate).toBe(
      true,
    );
  });

  it('encrypt: false: no guard, nothing to verify', () => {
    const options = tedious({ ...sqlLogin, encrypt: false }).options;
    expect(options?.encrypt).toBe(false);
    expect(options?.connector).toBeUndefined();
  });

  it('ca_file is read into the trusted CAs; host_name_in_certificate is the name checked', async () => {
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const options = tedious({ ...sqlLogin, ca_file: ca, host_name_in_certificate: 'sql.internal' }).options;
    expect(options?.cryptoCredentialsDetails).toEqual({
      ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
    });
    expect(options?.serverName).toBe('sql.internal');
  });

  it('an unreadable ca_file is a config error naming the field and path', () => {
    const missing = join(dir, 'nope.pem');
    expect(() => tedious({ ...sqlLogin, ca_file: missing })).toThrow(
      expect.objectContaining({
        code: 'CONFIG_INVALID',
        message: `database.ca_file: cannot read ${missing}: ENOENT`,
      }),
    );
  });

  it('encrypt, timeouts (seconds to ms), application_name and packet_size', () => {
    const options = tedious({
      ...sqlLogin,
      encrypt: false,
      connection_timeout: 5,
      command_timeout: 60,
      application_name: 'nightly',
      packet_size: 4096,
    }).options;
    expect(options).toMatchObject({
      encrypt: false,
      connectTimeout: 5000,
      requestTimeout: 60_000,
      appName: 'nightly',
      packetSize: 4096,
    });
  });
});

describe('authentication modes', () => {
  it('sql: a SQL login, the password from the file when password_file is given', async () => {
    expect(tedious(sqlLogin).authentication).toEqual({
      type: 'default',
      options: { userName: 'etl', password: 'pw' },
    });
    const file = join(dir, 'pw');
    await writeFile(file, 'from-file\n');
    expect(tedious({ ...server, username: 'etl', password_file: file }).authentication).toEqual({
      type: 'default',
      options: { userName: 'etl', password: 'from-file' },
    });
  });

  it('ntlm, also from integrated_security: true', () => {
    const expected = { type: 'ntlm', options: { userName: 'etl', password: 'pw', domain: 'CORP' } };
    expect(tedious({ ...sqlLogin, authentication: 'ntlm', domain: 'CORP' }).authentication).toEqual(expected);
    expect(tedious({ ...sqlLogin, integrated_security: true, domain: 'CORP' }).authentication).toEqual(
      expected,
    );
  });

  it('entra-service-principal: tenant, client id and secret (or its file)', async () => {
    const sp = { ...server, authentication: 'entra-service-principal', tenant_id: 't', client_id: 'c' };
    expect(tedious({ ...sp, client_secret: 's' }).authentication).toEqual({
      type: 'azure-active-directory-service-principal-secret',
      options: { tenantId: 't', clientId: 'c', clientSecret: 's' },
    });
    const file = join(dir, 'secret');
    await writeFile(file, 'file-secret');
    expect(tedious({ ...sp, client_secret_file: file }).authentication?.options).toMatchObject({
      clientSecret: 'file-secret',
    });
  });

  it('entra-managed-identity and entra-default, with an optional user-assigned client id', () => {
    expect(tedious({ ...server, authentication: 'entra-managed-identity' }).authentication).toEqual({
      type: 'azure-active-directory-msi-vm',
      options: {},
    });
    expect(
      tedious({ ...server, authentication: 'entra-managed-identity', client_id: 'mi' }).authentication,
    ).toEqual({ type: 'azure-active-directory-msi-vm', options: { clientId: 'mi' } });
    expect(tedious({ ...server, authentication: 'entra-default', client_id: 'mi' }).authentication).toEqual({
      type: 'azure-active-directory-default',
      options: { clientId: 'mi' },
    });
  });

  it('entra-access-token: the token, or the file read again for each connection', async () => {
    expect(
      tedious({ ...server, authentication: 'entra-access-token', access_token: 'tok' }).authentication,
    ).toEqual({ type: 'azure-active-directory-access-token', options: { token: 'tok' } });
    const file = join(dir, 'token');
    await writeFile(file, 'first\n');
    const config = parseConfig({
      database: { ...server, authentication: 'entra-access-token', access_token_file: file },
    }).database;
    expect(tediousConfig(config).authentication?.options).toEqual({ token: 'first' });
    await writeFile(file, 'refreshed\n');
    expect(tediousConfig(config).authentication?.options).toEqual({ token: 'refreshed' });
  });
});
