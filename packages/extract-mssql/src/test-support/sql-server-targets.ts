import { randomBytes } from 'node:crypto';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { type MssqlConnectionOptions, tediousConfig } from '../connection-options.js';
import { ConnectionPool } from '../connection-pool.js';
import { tedious } from '../driver.js';

/**
 * The connection string of a real SQL Server to run the dual-target tests against as well, e.g.
 * `Server=db.example,1433;Database=scratch;User Id=etl;Password=…;Encrypt=true;TrustServerCertificate=true`.
 * The tests create and drop their own uniquely named tables in that database.
 */
export const REAL_SQL_SERVER = process.env.SQLSYNC_TEST_MSSQL;

/** A SQL Server a test can run T-SQL on and read from. */
export interface SqlServerTarget {
  readonly options: MssqlConnectionOptions;
  /** Runs a T-SQL batch. */
  exec(tsql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Parses an ADO.NET-style connection string (`Server=host,port;Database=…;User Id=…;Password=…`).
 *
 * @example
 * parseConnectionString('Server=localhost,1433;Database=tempdb;User Id=sa;Password=x;Encrypt=false')
 */
export function parseConnectionString(text: string): MssqlConnectionOptions {
  const fields = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) {
      fields.set(part.slice(0, at).trim().toLowerCase().replace(/\s+/g, ' '), part.slice(at + 1).trim());
    }
  }
  const field = (...names: string[]): string | undefined =>
    names.map((n) => fields.get(n)).find((v) => v !== undefined);
  const flag = (value: string | undefined): boolean | undefined =>
    value === undefined
      ? undefined
      : ['true', 'yes', '1', 'mandatory', 'strict'].includes(value.toLowerCase());
  const server = (field('server', 'data source', 'address') ?? '').replace(/^tcp:/i, '');
  const [host = '', port] = server.split(',');
  if (host === '') {
    throw new Error('SQLSYNC_TEST_MSSQL: no Server= in the connection string');
  }
  const encrypt = flag(field('encrypt'));
  const trust = flag(field('trustservercertificate', 'trust server certificate'));
  const username = field('user id', 'uid', 'user');
  const password = field('password', 'pwd');
  return {
    server: host,
    database: field('database', 'initial catalog') ?? 'master',
    ...(port === undefined ? {} : { port: Number(port) }),
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    ...(encrypt === undefined ? {} : { encrypt }),
    ...(trust === undefined ? {} : { trustServerCertificate: trust }),
  };
}

/**
 * How the tests log in to an emulator: `sa` with the emulator's password, database master, no TLS
 * (an emulator started without a certificate cannot encrypt).
 *
 * @example
 * source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
 */
export function emulatorLogin(
  emulator: Pick<Emulator, 'host' | 'port'>,
  password: string,
): MssqlConnectionOptions {
  return {
    server: emulator.host,
    port: emulator.port,
    database: 'master',
    username: 'sa',
    password,
    encrypt: false,
  };
}

/** The embedded emulator as a target. */
export async function emulatorTarget(): Promise<SqlServerTarget> {
  const password = 'Targets!Passw0rd';
  const emulator: Emulator = await startEmulator({ port: 0, password });
  return {
    options: emulatorLogin(emulator, password),
    exec: async (tsql) => {
      await emulator.exec(tsql);
    },
    close: () => emulator.close(),
  };
}

/** The real SQL Server of `SQLSYNC_TEST_MSSQL` as a target. */
export async function realSqlServerTarget(connectionString: string): Promise<SqlServerTarget> {
  const options = parseConnectionString(connectionString);
  const pool = await ConnectionPool.open(tediousConfig(options), 1);
  return {
    options,
    // A SQL batch (`execSqlBatch`), not an RPC: the tests' scripts hold several statements.
    exec: async (tsql) => {
      const connection = await pool.acquire();
      try {
        await new Promise<void>((resolve, reject) => {
          connection.execSqlBatch(new tedious.Request(tsql, (error) => (error ? reject(error) : resolve())));
        });
      } finally {
        pool.release(connection);
      }
    },
    close: () => pool.close(),
  };
}

/** A table name no other run uses. */
export function uniqueTableName(prefix: string): string {
  return `${prefix}_${randomBytes(4).toString('hex')}`;
}
