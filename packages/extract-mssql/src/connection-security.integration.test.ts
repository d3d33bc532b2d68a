import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, connect as netConnect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqlSyncError } from '@sync/core';
import {
  createTestCertificates,
  type Emulator,
  startEmulator,
  type TestCertificates,
} from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MssqlConnectionOptions, tediousConfig } from './connection-options.js';
import { ConnectionPool } from './connection-pool.js';
import { tedious } from './driver.js';
import { classifyDriverError } from './driver-error.js';
import { SourceConnection } from './source-connection.js';

let dir: string;
let certs: TestCertificates;
let tlsEmulator: Emulator;
let plainEmulator: Emulator;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-tls-'));
  certs = await createTestCertificates(dir);
  tlsEmulator = await startEmulator({ tls: { key: certs.key, cert: certs.cert }, accessTokens: ['token-1'] });
  plainEmulator = await startEmulator();
}, 60_000);

afterAll(async () => {
  await tlsEmulator?.close();
  await plainEmulator?.close();
  await rm(dir, { recursive: true, force: true });
});

const login = (e: Emulator): MssqlConnectionOptions => ({
  server: 'localhost',
  port: e.port,
  database: e.database,
  username: e.user,
  password: e.password,
  connectionTimeout: 10,
});

async function openError(options: MssqlConnectionOptions): Promise<SqlSyncError> {
  try {
    const source = await SourceConnection.open(options);
    await source.close();
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    return error as SqlSyncError;
  }
  throw new Error('expected the connection to be refused');
}

/** Connects as sqlsync does and asks the server whether this session is encrypted. */
async function encryptOption(options: MssqlConnectionOptions): Promise<unknown> {
  const pool = await ConnectionPool.open(() => tediousConfig(options), 1).catch((error: unknown) => {
    throw classifyDriverError(error);
  });
  const connection = await pool.acquire();
  try {
    return await new Promise((resolve, reject) => {
      let value: unknown;
      const request = new tedious.Request(
        'SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID',
        (error) => (error ? reject(error) : resolve(value)),
      );
      request.on('row', (columns: { value: unknown }[]) => {
        value = columns[0]?.value;
      });
      connection.execSql(request);
    });
  } finally {
    pool.release(connection);
    await pool.close();
  }
}

describe('TLS against the emulator', () => {
  it('verifies by default: an unknown CA is refused, naming the server, the failure and both fixes', async () => {
    const error = await openError(login(tlsEmulator));
    expect(error.code).toBe('SOURCE_CONNECTION');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain(
      `localhost:${tlsEmulator.port}: the server certificate failed verification`,
    );
    expect(error.message).toContain('issued by an unknown CA');
    expect(error.message).toContain('database.ca_file');
    expect(error.message).toContain('database.trust_server_certificate: true');
  });

  it('ca_file naming the test CA: connected', async () => {
    expect(await encryptOption({ ...login(tlsEmulator), caFile: certs.caFile })).toBe('TRUE');
  });

  it('a host name the certificate does not carry is refused, pointing at host_name_in_certificate', async () => {
    const error = await openError({
      ...login(tlsEmulator),
      caFile: certs.caFile,
      hostNameInCertificate: 'db.example.com',
    });
    expect(error.message).toContain('the certificate does not name the host');
    expect(error.message).toContain('database.host_name_in_certificate');
  });

  it('an expired certificate is refused as expired', async () => {
    const expired = await startEmulator({ tls: { key: certs.key, cert: certs.expiredCert } });
    try {
      const error = await openError({ ...login(expired), caFile: certs.caFile });
      expect(error.message).toContain(
        `localhost:${expired.port}: the server certificate failed verification`,
      );
      expect(error.message).toContain('the certificate has expired');
    } finally {
      await expired.close();
    }
  });

  it('trust_server_certificate: true connects without verification', async () => {
    expect(await encryptOption({ ...login(tlsEmulator), trustServerCertificate: true })).toBe('TRUE');
  });

  it('an access token logs in; another is refused with 18456', async () => {
    const token = { ...login(tlsEmulator), caFile: certs.caFile, username: undefined, password: undefined };
    expect(
      await encryptOption({ ...token, authentication: 'entra-access-token', accessToken: 'token-1' }),
    ).toBe('TRUE');
    const error = await openError({ ...token, authentication: 'entra-access-token', accessToken: 'wrong' });
    expect(error.message).toContain("Login failed for user '<token-identified principal>'");
  });
});

describe('a server that cannot encrypt', () => {
  let proxy: Server;
  let port: number;
  /** Packet types the client sent through the proxy. */
  const sent: number[] = [];

  beforeAll(async () => {
    // Between sqlsync and the plain emulator: records every TDS packet type the client sends.
    proxy = createServer((client) => {
      const upstream = netConnect(plainEmulator.port, plainEmulator.host);
      let pending = Buffer.alloc(0);
      client.on('data', (chunk: Buffer) => {
        pending = Buffer.concat([pending, chunk]);
        while (pending.length >= 8 && pending.length >= pending.readUInt16BE(2)) {
          sent.push(pending[0] as number);
          pending = pending.subarray(pending.readUInt16BE(2));
        }
        upstream.write(chunk);
      });
      upstream.pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.on('error', () => upstream.destroy());
      upstream.on('error', () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    port = (proxy.address() as { port: number }).port;
  });

  afterAll(async () => {
    await new Promise((resolve) => proxy.close(resolve));
  });

  it('is refused with encrypt on (the default) before the login is sent', async () => {
    sent.length = 0;
    const error = await openError({ ...login(plainEmulator), server: '127.0.0.1', port });
    expect(error.code).toBe('SOURCE_CONNECTION');
    expect(error.message).toContain(`127.0.0.1:${port} does not support encryption`);
    expect(error.message).toContain('database.encrypt: false');
    expect(sent).toEqual([0x12]); // PRELOGIN only: no LOGIN7 (0x10) with its password
  });

  it('is used with encrypt: false', async () => {
    sent.length = 0;
    expect(await encryptOption({ ...login(plainEmulator), server: '127.0.0.1', port, encrypt: false })).toBe(
      'FALSE',
    );
    expect(sent).toContain(0x10);
  });
});
