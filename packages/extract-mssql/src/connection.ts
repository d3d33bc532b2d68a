import { isTransientSqlServerError, SqlSyncError } from '@sync/core';
import type sql from 'mssql';
import { mssql } from './driver.js';

/**
 * What sqlsync needs to reach SQL Server; structurally the camelCased `database` section of the
 * pipeline config.
 */
export interface MssqlConnectionOptions {
  readonly server: string;
  readonly database: string;
  /** Defaults to 1433. */
  readonly port?: number;
  readonly username?: string;
  readonly password?: string;
  /** Windows integrated authentication; not available through the tedious driver. Defaults to false. */
  readonly integratedSecurity?: boolean;
  /** TLS to SQL Server. Defaults to true; the emulator needs false. */
  readonly encrypt?: boolean;
  /** Accept a self-signed server certificate. Defaults to false. */
  readonly trustServerCertificate?: boolean;
  /** Seconds to wait for a connection. Defaults to 30. */
  readonly connectionTimeout?: number;
  /** Seconds a statement may run. Defaults to 600. */
  readonly commandTimeout?: number;
  /** Shown in sys.dm_exec_sessions. Defaults to 'sqlsync'. */
  readonly applicationName?: string;
  /** TDS packet size asked for, 512..32767 bytes. Defaults to 32767 (fewer rows straddle packets). */
  readonly packetSize?: number;
}

/**
 * Driver error codes that mean the connection was lost. tedious reports a connection dropped
 * mid-request as `ECLOSE` ("Connection closed before request completed") on the request and
 * `ESOCKET` on the connection.
 */
const TRANSIENT_DRIVER_CODES = new Set([
  'ESOCKET',
  'ECLOSE',
  'ECONNCLOSED',
  'ETIMEOUT',
  'ECONNRESET',
  'ENOTOPEN',
]);

/**
 * Wraps a driver error as a classified {@link SqlSyncError} (retryable for transient errors).
 * The message never contains the connection's credentials.
 */
export function classifyDriverError(
  error: unknown,
  context: { table?: string; unit?: string } = {},
): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const record = error as {
    number?: number;
    code?: string;
    message?: string;
    originalError?: { code?: string };
  };
  const number = typeof record.number === 'number' ? record.number : undefined;
  const code = record.code ?? record.originalError?.code;
  const retryable =
    (number !== undefined && isTransientSqlServerError(number)) ||
    (code !== undefined && TRANSIENT_DRIVER_CODES.has(code));
  const where = context.table === undefined ? '' : `${context.table}: `;
  const detail = number === undefined ? (code ?? 'driver error') : `SQL Server error ${number}`;
  return new SqlSyncError(
    code === 'ELOGIN' || code === 'ESOCKET' || code === 'ECLOSE' ? 'SOURCE_CONNECTION' : 'SOURCE_QUERY',
    `${where}${detail}: ${record.message ?? String(error)}`,
    {
      retryable,
      cause: error,
      context: { ...context, ...(number === undefined ? {} : { sqlErrorNumber: number }) },
    },
  );
}

/**
 * Opens a connection pool of `maxConnections` to SQL Server.
 *
 * @example
 * const pool = await openPool({ server: 'localhost', database: 'shop', username: 'etl', password, encrypt: false });
 */
export async function openPool(
  options: MssqlConnectionOptions,
  maxConnections = 1,
): Promise<sql.ConnectionPool> {
  if (options.integratedSecurity === true) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      'database.integrated_security: Windows integrated authentication is not available through the tedious driver; set username and password (for example via SQLSYNC_USERNAME / SQLSYNC_PASSWORD)',
      { context: { configPath: 'database.integrated_security' } },
    );
  }
  const pool = new mssql.ConnectionPool({
    server: options.server,
    port: options.port ?? 1433,
    database: options.database,
    user: options.username ?? '',
    password: options.password ?? '',
    connectionTimeout: (options.connectionTimeout ?? 30) * 1000,
    requestTimeout: (options.commandTimeout ?? 600) * 1000,
    pool: { min: 0, max: maxConnections },
    options: {
      encrypt: options.encrypt ?? true,
      trustServerCertificate: options.trustServerCertificate ?? false,
      appName: options.applicationName ?? 'sqlsync',
      packetSize: options.packetSize ?? 32_767,
      useUTC: true,
      enableArithAbort: true,
    },
  });
  try {
    await pool.connect();
  } catch (error) {
    throw classifyDriverError(error);
  }
  return pool;
}
