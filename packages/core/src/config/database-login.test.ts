import { describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { parseConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';

const base = { server: 'db', database: 'Sales' };

function problems(database: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): string {
  try {
    parseConfig({ database: { ...base, ...database } }, 'sqlsync.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    return (error as SqlSyncError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('database.authentication', () => {
  it('sql by default, needing username and a password (or password_file)', () => {
    expect(parseConfig({ database: { ...base, username: 'u', password: 'p' } }).database.authentication).toBe(
      'sql',
    );
    expect(
      parseConfig({ database: { ...base, username: 'u', password_file: '/run/pw' } }).database,
    ).toMatchObject({
      authentication: 'sql',
      passwordFile: '/run/pw',
    });
    expect(problems({ username: 'u' })).toContain(
      'database.password: required for authentication sql: set password (or SQLSYNC_PASSWORD) or password_file',
    );
    expect(problems({ username: 'u', password: 'p', password_file: '/f' })).toContain(
      'database.password_file: give password or password_file, not both',
    );
  });

  it("maps the original tool's integrated_security: true to ntlm, which needs a domain", () => {
    const ntlm = { username: 'u', password: 'p', domain: 'CORP' };
    expect(parseConfig({ database: { ...base, ...ntlm, integrated_security: true } }).database).toMatchObject(
      {
        authentication: 'ntlm',
        domain: 'CORP',
      },
    );
    expect(problems({ username: 'u', password: 'p', integrated_security: true })).toContain(
      'database.domain: required for authentication ntlm',
    );
    expect(problems({ authentication: 'entra-default', integrated_security: true })).toContain(
      'database.integrated_security: means authentication: ntlm, but authentication is entra-default',
    );
  });

  it('entra-service-principal needs tenant, client id and a secret', () => {
    const sp = { authentication: 'entra-service-principal', tenant_id: 't', client_id: 'c' };
    expect(parseConfig({ database: { ...base, ...sp, client_secret_file: '/s' } }).database).toMatchObject({
      tenantId: 't',
      clientId: 'c',
      clientSecretFile: '/s',
    });
    expect(problems(sp)).toContain(
      'database.client_secret: required for authentication entra-service-principal',
    );
  });

  it('entra-managed-identity and entra-default take an optional client id only', () => {
    expect(parseConfig({ database: { ...base, authentication: 'entra-managed-identity' } }).database).toEqual(
      expect.objectContaining({ authentication: 'entra-managed-identity' }),
    );
    expect(
      parseConfig({ database: { ...base, authentication: 'entra-default', client_id: 'c' } }).database
        .clientId,
    ).toBe('c');
  });

  it('refuses a field the mode does not use instead of ignoring it, naming its variable', () => {
    const message = problems(
      { authentication: 'entra-access-token', access_token: 't' },
      { SQLSYNC_USERNAME: 'u', SQLSYNC_PASSWORD: 'p' },
    );
    expect(message).toContain(
      'database.password: not used by authentication entra-access-token; remove it (and unset SQLSYNC_PASSWORD)',
    );
    expect(message).toContain('database.username: not used by authentication entra-access-token');
  });

  it('takes the secrets and the mode from the environment', () => {
    const config = parseConfig({ database: base }, 'sqlsync.yaml', {
      SQLSYNC_AUTHENTICATION: 'entra-service-principal',
      SQLSYNC_TENANT_ID: 't',
      SQLSYNC_CLIENT_ID: 'c',
      SQLSYNC_CLIENT_SECRET: 'the-secret',
    });
    expect(config.database).toMatchObject({
      authentication: 'entra-service-principal',
      clientSecret: 'the-secret',
    });
    const token = parseConfig({ database: { ...base, authentication: 'entra-access-token' } }, 'x', {
      SQLSYNC_ACCESS_TOKEN: 'the-token',
    });
    expect(token.database.accessToken).toBe('the-token');
  });
});

describe('TLS settings', () => {
  const login = { username: 'u', password: 'p' };

  it('verifies the certificate by default; ca_file and host_name_in_certificate reach the config', () => {
    const config = parseConfig({
      database: { ...base, ...login, ca_file: '/ca.pem', host_name_in_certificate: 'sql.internal' },
    });
    expect(config.database).toMatchObject({
      encrypt: true,
      trustServerCertificate: false,
      caFile: '/ca.pem',
      hostNameInCertificate: 'sql.internal',
    });
  });

  it('refuses ca_file and host_name_in_certificate where nothing is verified', () => {
    expect(problems({ ...login, encrypt: false, ca_file: '/ca.pem' })).toContain(
      'database.ca_file: not used with encrypt: false',
    );
    expect(problems({ ...login, trust_server_certificate: true, host_name_in_certificate: 'h' })).toContain(
      'database.host_name_in_certificate: not used with trust_server_certificate: true',
    );
  });
});

describe('redactConfig hides every secret', () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ['password', { username: 'u', password: 'pw-SECRET-1' }, 'pw-SECRET-1'],
    [
      'password (ntlm)',
      { username: 'u', password: 'pw-SECRET-2', domain: 'D', authentication: 'ntlm' },
      'pw-SECRET-2',
    ],
    [
      'client_secret',
      {
        authentication: 'entra-service-principal',
        tenant_id: 't',
        client_id: 'c',
        client_secret: 'cs-SECRET-3',
      },
      'cs-SECRET-3',
    ],
    ['access_token', { authentication: 'entra-access-token', access_token: 'at-SECRET-4' }, 'at-SECRET-4'],
  ];
  it.each(cases)('%s', (_name, database, secret) => {
    const config = parseConfig({ database: { ...base, ...database } });
    expect(JSON.stringify(config)).toContain(secret);
    const redacted = JSON.stringify(redactConfig(config));
    expect(redacted).not.toContain(secret);
    expect(redacted).toContain('***');
  });
});
