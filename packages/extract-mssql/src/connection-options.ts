import { SqlSyncError } from '@sync/core';
import type { ConnectionConfiguration } from 'tedious';

/**
 * What sqlsync needs to reach SQL Server; structurally the camelCased `database` section of the
 * pipeline config.
 */
export interface MssqlConnectionOptions {
  readonly server: string;
  readonly database: string;
  /** Defaults to 1433. */
  readonly port?: number;
  /** A SQL Server login. Defaults to ''. */
  readonly username?: string;
  /** Defaults to ''. */
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
 * The tedious configuration of a connection: a SQL login, TDS 7.4, and rows handed over one by one
 * (`row` events), never collected by the driver.
 *
 * @example
 * new tedious.Connection(tediousConfig({ server: 'localhost', database: 'shop', username: 'etl', password }))
 */
export function tediousConfig(options: MssqlConnectionOptions): ConnectionConfiguration {
  if (options.integratedSecurity === true) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      'database.integrated_security: Windows integrated authentication is not available through the tedious driver; set username and password (for example via SQLSYNC_USERNAME / SQLSYNC_PASSWORD)',
      { context: { configPath: 'database.integrated_security' } },
    );
  }
  return {
    server: options.server,
    authentication: {
      type: 'default',
      options: { userName: options.username ?? '', password: options.password ?? '' },
    },
    options: {
      port: options.port ?? 1433,
      database: options.database,
      encrypt: options.encrypt ?? true,
      trustServerCertificate: options.trustServerCertificate ?? false,
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
