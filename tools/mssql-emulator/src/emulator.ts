import { appendFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { createSecureContext } from 'node:tls';
import { DuckDBInstance } from '@duckdb/node-api';
import { CAPTURE_ENV } from './capture-env.js';
import { Catalog } from './catalog.js';
import { type CapturedStatement, ClientConnection, type ServerHost } from './client-connection.js';
import { type AcceptedLogin, ConnectionRegistry } from './connection-registry.js';
import { FaultInjector } from './faults.js';
import { registerHostFunctions } from './host-functions.js';
import { Session } from './session/session.js';
import { TokenType } from './tds/protocol.js';

/** Options of {@link startEmulator}. */
export interface EmulatorOptions {
  /** TCP port to listen on; 0 picks a free port. Defaults to 0. */
  readonly port?: number;
  /** Address to listen on. Defaults to `'127.0.0.1'`. */
  readonly host?: string;
  /** The one login the emulator accepts. Defaults to `'sa'`. */
  readonly user?: string;
  /** Its password. Defaults to `'Emulator!Passw0rd'`. */
  readonly password?: string;
  /** The database clients connect to (the only one). Defaults to `'master'`. */
  readonly database?: string;
  /** T-SQL run before the first connection is accepted; `GO` lines separate batches. */
  readonly seedSql?: string;
  /**
   * A server certificate and its key (PEM): clients asking for encryption get TLS inside TDS, as
   * from SQL Server. Without it PRELOGIN answers ENCRYPT_NOT_SUP. Defaults to none.
   */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
  /**
   * Access tokens accepted from a LOGIN7 FEDAUTH extension (Entra ID access-token logins), as
   * the emulator's user; any other token is refused with error 18456. Defaults to none.
   */
  readonly accessTokens?: readonly string[];
}

/** A running emulator. */
export interface Emulator {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /**
   * Runs T-SQL the way a client batch runs (`GO` lines separate batches); rejects with a
   * {@link SqlServerError} on the first error.
   */
  exec(tsql: string): Promise<void>;
  /**
   * Runs raw DuckDB SQL on the backing database (bulk seeding) and returns the rows as plain JS
   * objects. Tables made here are not in the SQL Server catalog: create them with {@link exec}.
   */
  duckdb(sql: string): Promise<Record<string, unknown>[]>;
  /** Every SQL batch and sp_executesql statement clients sent, in order. */
  readonly statements: readonly CapturedStatement[];
  clearStatements(): void;
  /** Every login accepted so far: session id, whether it ran over TLS, password or access token. */
  readonly logins: readonly AcceptedLogin[];
  readonly faults: FaultInjector;
  /** Closes client connections, the listener and the database. */
  close(): Promise<void>;
}

/** Splits a script at lines holding only `GO` (SQL Server tools' batch separator). */
export function splitGoBatches(script: string): string[] {
  return script
    .split(/^\s*GO\s*(?:\d+\s*)?(?:--.*)?$/gim)
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
}

/**
 * Starts a TDS 7.4 server over an in-memory DuckDB database that SQL Server clients
 * (`mssql`/tedious with `encrypt: false`) connect to unchanged.
 *
 * @example
 * const emulator = await startEmulator({ seedSql: 'CREATE TABLE dbo.T (Id int NOT NULL PRIMARY KEY)' });
 * const pool = new sql.ConnectionPool({
 *   server: emulator.host, port: emulator.port, user: emulator.user, password: emulator.password,
 *   database: emulator.database, options: { encrypt: false, trustServerCertificate: true },
 * });
 * // …
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config = Object.freeze({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    user: options.user ?? 'sa',
    password: options.password ?? 'Emulator!Passw0rd',
    database: options.database ?? 'master',
  });
  // SQL Server's default collation is case-insensitive, int / int is integer division, and NULL
  // sorts lowest: first in ascending order, last in descending order.
  const instance = await DuckDBInstance.create(':memory:', {
    default_collation: 'nocase',
    integer_division: 'true',
    default_null_order: 'nulls_first_on_asc_last_on_desc',
  });
  const catalog = new Catalog(config.database);
  const setup = await instance.connect();
  await catalog.install(setup);
  registerHostFunctions(setup);
  setup.closeSync();

  const statements: CapturedStatement[] = [];
  const captureDir = process.env[CAPTURE_ENV];
  const captureFile =
    captureDir === undefined || captureDir === '' ? undefined : join(captureDir, `${process.pid}.jsonl`);
  const faults = new FaultInjector();
  const connections = new ConnectionRegistry(instance);
  const host: ServerHost = {
    instance,
    catalog,
    database: config.database,
    user: config.user,
    password: config.password,
    faults,
    rowversionFloors: new Map(),
    // TLS 1.2 at most: inside TDS (not TDS 8 "strict") that is what SQL Server and tedious speak.
    tls:
      options.tls === undefined
        ? undefined
        : createSecureContext({ key: options.tls.key, cert: options.tls.cert, maxVersion: 'TLSv1.2' }),
    accessTokens: [...(options.accessTokens ?? [])],
    connections,
    capture: (s) => {
      statements.push(s);
      if (captureFile !== undefined) {
        // Synchronous so that a worker or child process that exits right after still leaves
        // every statement it sent on disk.
        appendFileSync(captureFile, `${JSON.stringify({ kind: s.kind, sql: s.sql })}\n`);
      }
    },
  };

  const execSession = await Session.create(host, 1);
  let execQueue: Promise<unknown> = Promise.resolve();
  const exec = (tsql: string): Promise<void> => {
    const run = async (): Promise<void> => {
      for (const batch of splitGoBatches(tsql)) {
        await execSession.runBatch(batch, new Map(), {
          writer: undefined,
          doneToken: TokenType.Done,
          cancelled: () => false,
          destroy: () => undefined,
        });
      }
    };
    const p = execQueue.then(run, run);
    execQueue = p.catch(() => undefined);
    return p;
  };

  if (options.seedSql !== undefined) {
    await exec(options.seedSql);
  }

  const sockets = new Set<Socket>();
  let nextSpid = 51;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new ClientConnection(socket, host, nextSpid++);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;

  let closed = false;
  return {
    host: config.host,
    port,
    user: config.user,
    password: config.password,
    database: config.database,
    exec,
    async duckdb(sqlText: string): Promise<Record<string, unknown>[]> {
      const c = await instance.connect();
      try {
        const reader = await c.runAndReadAll(sqlText);
        return reader.getRowObjectsJS() as Record<string, unknown>[];
      } finally {
        c.closeSync();
      }
    },
    get statements(): readonly CapturedStatement[] {
      return statements;
    },
    clearStatements(): void {
      statements.length = 0;
    },
    get logins(): readonly AcceptedLogin[] {
      return connections.logins;
    },
    faults,
    async close(): Promise<void> {
      if (closed) {
        return;
      }
      closed = true;
      for (const s of sockets) {
        s.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await execQueue;
      // Give sessions a moment to unwind before the instance goes.
      await new Promise((r) => setTimeout(r, 20));
      execSession.close();
      await connections.close();
      instance.closeSync();
    },
  };
}
