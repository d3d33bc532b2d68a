import { readFileSync } from 'node:fs';
import { type AuthenticationMode, SqlSyncError } from '@sync/core';
import type { ConnectionAuthentication, ConnectionConfiguration } from 'tedious';
import { refusePlaintextServer } from './connection-security.js';

/**
 * What sqlsync needs to reach SQL Server; structurally the camelCased `database` section of the
 * pipeline config.
 */
export interface MssqlConnectionOptions {
  readonly server: string;
  readonly database: string;
  /** Defaults to 1433. */
  readonly port?: number;
  /** How to log in. Defaults to `'sql'`. */
  readonly authentication?: AuthenticationMode;
  /** Login name (sql, ntlm). Defaults to ''. */
  readonly username?: string;
  /** Password (sql, ntlm). Defaults to '' (or the content of `passwordFile`). */
  readonly password?: string;
  /** A file holding the password, read at each connection. */
  readonly passwordFile?: string;
  /** Windows domain (ntlm). */
  readonly domain?: string;
  /** Entra ID tenant (entra-service-principal). */
  readonly tenantId?: string;
  /** Application (client) id, or a user-assigned managed identity's client id. */
  readonly clientId?: string;
  /** Client secret (entra-service-principal), or `clientSecretFile`. */
  readonly clientSecret?: string;
  readonly clientSecretFile?: string;
  /** Entra ID access token (entra-access-token), or `accessTokenFile`, read at each connection. */
  readonly accessToken?: string;
  readonly accessTokenFile?: string;
  /** TLS to SQL Server; a server that cannot encrypt is refused. Defaults to true; the plain emulator needs false. */
  readonly encrypt?: boolean;
  /** Accept the server certificate without verifying it. Defaults to false. */
  readonly trustServerCertificate?: boolean;
  /** PEM file of the CAs trusted for the server certificate. Defaults to Node's bundled CAs. */
  readonly caFile?: string;
  /** The name the server certificate must carry. Defaults to `server`. */
  readonly hostNameInCertificate?: string;
  /** Seconds to wait for a connection. Defaults to 30. */
  readonly connectionTimeout?: number;
  /**
   * Seconds a statement may wait for its first response, and the longest silence of a result
   * while it streams (see `ReadOptions.idleTimeoutMs`). Defaults to 600.
   */
  readonly commandTimeout?: number;
  /** Shown in sys.dm_exec_sessions. Defaults to 'sqlsync'. */
  readonly applicationName?: string;
  /** TDS packet size asked for, 512..32767 bytes. Defaults to 32767 (fewer rows straddle packets). */
  readonly packetSize?: number;
}

/**
 * The tedious configuration of a connection: the login of `authentication`, TLS as configured
 * (verified unless trusted; a server that cannot encrypt refused when `encrypt` is on), TDS 7.4,
 * and rows handed over one by one (`row` events), never collected by the driver. Secret files
 * and `caFile` are read here, so call it per connection to pick up a refreshed token file.
 *
 * @example
 * new tedious.Connection(tediousConfig({ server: 'localhost', database: 'shop', username: 'etl', password }))
 */
export function tediousConfig(options: MssqlConnectionOptions): ConnectionConfiguration {
  const encrypt = options.encrypt ?? true;
  const port = options.port ?? 1433;
  return {
    server: options.server,
    authentication: tediousAuthentication(options),
    options: {
      port,
      database: options.database,
      encrypt,
      trustServerCertificate: options.trustServerCertificate ?? false,
      ...(options.caFile === undefined
        ? {}
        : { cryptoCredentialsDetails: { ca: readSecretFile(options.caFile, 'ca_file') } }),
      ...(options.hostNameInCertificate === undefined ? {} : { serverName: options.hostNameInCertificate }),
      ...(encrypt ? { connector: refusePlaintextServer(options.server, port) } : {}),
      connectTimeout: (options.connectionTimeout ?? 30) * 1000,
      requestTimeout: (options.commandTimeout ?? 600) * 1000,
      appName: options.applicationName ?? 'sqlsync',
      packetSize: options.packetSize ?? 32_767,
      tdsVersion: '7_4',
      // Dates are read as UTC instants; most temporal columns travel as integers anyway.
      useUTC: true,
      enableArithAbort: true,
      // A row is an array in SELECT-list order (no per-row object by column name), and the driver
      // keeps no copy of the rows: the reader decodes each as it arrives.
      useColumnNames: false,
      rowCollectionOnDone: false,
      rowCollectionOnRequestCompletion: false,
    },
  };
}

/**
 * tedious's `authentication` for a mode. The Entra modes other than an access token get their
 * token through tedious from `@azure/identity` (client secret, managed identity, the default
 * credential chain) when the connection logs in.
 */
function tediousAuthentication(options: MssqlConnectionOptions): ConnectionAuthentication {
  const mode = options.authentication ?? 'sql';
  const password = (): string =>
    options.passwordFile === undefined
      ? (options.password ?? '')
      : readSecretFile(options.passwordFile, 'password_file');
  const clientId = options.clientId === undefined ? {} : { clientId: options.clientId };
  switch (mode) {
    case 'sql':
      return { type: 'default', options: { userName: options.username ?? '', password: password() } };
    case 'ntlm':
      return {
        type: 'ntlm',
        options: { userName: options.username ?? '', password: password(), domain: options.domain ?? '' },
      };
    case 'entra-service-principal':
      return {
        type: 'azure-active-directory-service-principal-secret',
        options: {
          tenantId: options.tenantId ?? '',
          clientId: options.clientId ?? '',
          clientSecret:
            options.clientSecretFile === undefined
              ? (options.clientSecret ?? '')
              : readSecretFile(options.clientSecretFile, 'client_secret_file'),
        },
      };
    case 'entra-managed-identity':
      return { type: 'azure-active-directory-msi-vm', options: clientId };
    case 'entra-default':
      return { type: 'azure-active-directory-default', options: clientId };
    case 'entra-access-token':
      return {
        type: 'azure-active-directory-access-token',
        options: {
          token:
            options.accessTokenFile === undefined
              ? (options.accessToken ?? '')
              : readSecretFile(options.accessTokenFile, 'access_token_file'),
        },
      };
  }
}

/** A file's content without surrounding white space (a trailing newline is no part of a secret). */
function readSecretFile(path: string, field: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (error) {
    // The path is not secret; the content never reaches the message.
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `database.${field}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      { context: { configPath: `database.${field}` } },
    );
  }
}
