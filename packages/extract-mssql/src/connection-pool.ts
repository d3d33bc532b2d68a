import type { Connection, ConnectionConfiguration } from 'tedious';
import { explainConnectionError } from './connection-security.js';
import { tedious } from './driver.js';

/**
 * An idle connection is closed after this long, as mssql's pool did (tarn's `idleTimeoutMillis`):
 * a connection left idle while a long run writes Parquet may be dropped by a firewall or a
 * failover, and a fresh login costs less than a failed unit.
 */
const IDLE_TIMEOUT_MS = 30_000;

/**
 * How long `close()` waits for a connection still in use before closing it under its request:
 * every request ends by itself within its timeouts, so this only bounds a leak, and a run's exit
 * must never wait on one.
 */
const CLOSE_GRACE_MS = 10_000;

interface Waiter {
  resolve(connection: Connection): void;
  reject(error: unknown): void;
}

/**
 * Where the statements and reads of this package get a tedious connection for one request: the
 * source's pool, or a lease of one connection whose requests share a session (a transaction).
 *
 * @example
 * const connection = await pool.acquire();
 * try { connection.execSql(request); } finally { pool.release(connection); }
 */
export interface ConnectionPool {
  /** A connection for one request; give it back with {@link release} once the request has ended. */
  acquire(): Promise<Connection>;
  /** Takes a connection back; one whose request has not ended yet must not be released. */
  release(connection: Connection): void;
  /** Ends the pool (or the lease); later `acquire` calls fail. */
  close(): Promise<void>;
}

/**
 * Opens the source's pool of tedious connections (see {@link TediousPool.open}).
 *
 * @example
 * const pool = await ConnectionPool.open(tediousConfig(options), 1);
 */
export const ConnectionPool = {
  open: (
    config: ConnectionConfiguration | (() => ConnectionConfiguration),
    max: number,
  ): Promise<ConnectionPool> => TediousPool.open(config, max),
};

/**
 * At most `max` tedious connections, opened on demand and shared one request at a time.
 *
 * Our own, small, on tedious's public `Connection` (`connect`, `close`, the `end` and `error`
 * events): mssql's pool hands out its tedious connections only through methods it does not
 * document, and the read path needs a tedious connection to decode rows without mssql's per-row
 * work. A connection that emitted `end` or `error` is never handed out again; `acquire` waits, in
 * order, while all `max` are busy.
 *
 * @example
 * const pool = await TediousPool.open(tediousConfig(options), 1);
 * const connection = await pool.acquire();
 * try { connection.execSql(request); } finally { pool.release(connection); }
 * await pool.close();
 */
export class TediousPool implements ConnectionPool {
  private readonly idle: { connection: Connection; timer: NodeJS.Timeout }[] = [];
  private readonly waiting: Waiter[] = [];
  private readonly inUse = new Map<Connection, () => void>();
  /** Connections that failed or ended: never handed out again. */
  private readonly broken = new WeakSet<Connection>();
  private readonly ended = new WeakSet<Connection>();
  /** Connections open, opening or in use: never more than `max`. */
  private size = 0;
  private closing = false;

  private constructor(
    private readonly configure: () => ConnectionConfiguration,
    private readonly max: number,
  ) {}

  /**
   * Opens the first connection, so that a wrong server, login or database fails here, and keeps
   * it for the first request. `config` may be a function called for each new connection (so a
   * token or password file is read again: a token refreshed in its file is used by the next
   * connection). A certificate that fails verification or a server that cannot encrypt is
   * reported as a `SqlSyncError` saying what to change.
   */
  static async open(
    config: ConnectionConfiguration | (() => ConnectionConfiguration),
    max: number,
  ): Promise<TediousPool> {
    const pool = new TediousPool(typeof config === 'function' ? config : () => config, max);
    pool.release(await pool.connect());
    return pool;
  }

  /** A connection for one request; give it back with {@link release} once the request has ended. */
  async acquire(): Promise<Connection> {
    if (this.closing) {
      throw Object.assign(new Error('The source connection is closed'), { code: 'ENOTOPEN' });
    }
    let connection: Connection | undefined;
    for (let entry = this.idle.pop(); entry !== undefined; entry = this.idle.pop()) {
      clearTimeout(entry.timer);
      if (!this.isBroken(entry.connection)) {
        connection = entry.connection;
        break;
      }
      void this.discard(entry.connection);
    }
    if (connection === undefined && this.size < this.max) {
      connection = await this.connect();
    }
    if (connection === undefined) {
      connection = await new Promise<Connection>((resolve, reject) => this.waiting.push({ resolve, reject }));
    }
    this.inUse.set(connection, () => {});
    return connection;
  }

  /** Takes a connection back; one whose request has not ended yet must not be released. */
  release(connection: Connection): void {
    const released = this.inUse.get(connection);
    this.inUse.delete(connection);
    if (this.closing || this.isBroken(connection)) {
      void this.discard(connection).then(released);
      return;
    }
    released?.();
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      waiter.resolve(connection);
      return;
    }
    const timer = setTimeout(() => {
      const at = this.idle.findIndex((entry) => entry.connection === connection);
      if (at >= 0) {
        this.idle.splice(at, 1);
        this.discard(connection);
      }
    }, IDLE_TIMEOUT_MS);
    // An idle connection's timer alone does not keep the process alive.
    timer.unref();
    this.idle.push({ connection, timer });
  }

  /**
   * Closes the idle connections now and each connection in use once it is released (as mssql's
   * pool did, it waits for them); later `acquire` calls fail with `ENOTOPEN`.
   */
  async close(): Promise<void> {
    this.closing = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(Object.assign(new Error('The source connection is closed'), { code: 'ENOTOPEN' }));
    }
    const ended = this.idle.splice(0).map((entry) => {
      clearTimeout(entry.timer);
      return this.discard(entry.connection);
    });
    const released = [...this.inUse.keys()].map(
      (connection) =>
        new Promise<void>((resolve) => {
          const grace = setTimeout(() => {
            // Closing ends its request (tedious calls it back with ECLOSE); its reader's release
            // is not waited for.
            this.broken.add(connection);
            connection.close();
            resolve();
          }, CLOSE_GRACE_MS);
          grace.unref();
          this.inUse.set(connection, () => {
            clearTimeout(grace);
            resolve();
          });
        }),
    );
    await Promise.all([...ended, ...released]);
  }

  /**
   * A connection that failed, ended or is closing: never handed out again. tedious marks a
   * connection closed at once but emits `end` only on the next tick, after the failed request's
   * callback, so its own flag is asked as well.
   */
  private isBroken(connection: Connection): boolean {
    return this.broken.has(connection) || connection.closed || connection.state?.name === 'Final';
  }

  /** Opens one more connection, counted from the start so that no two callers overshoot `max`. */
  private connect(): Promise<Connection> {
    this.size++;
    let config: ConnectionConfiguration | undefined;
    return new Promise<Connection>((resolve, reject) => {
      config = this.configure();
      let settled = false;
      const settle = (error: unknown): void => {
        if (!settled) {
          settled = true;
          if (error === undefined) {
            resolve(connection);
          } else {
            reject(error);
          }
        }
      };
      const connection = new tedious.Connection(config);
      // tedious emits `error` for a socket failing between requests, and again ("No event
      // 'socketError' in state 'Final'") when a socket fails under a connection already closed;
      // without a listener Node would throw it. The listener stays for the connection's whole
      // life: the connection is then useless, and the next acquire replaces it.
      connection.on('error', (error) => {
        this.broken.add(connection);
        settle(error);
      });
      connection.on('end', () => {
        this.broken.add(connection);
        this.ended.add(connection);
        settle(
          Object.assign(new Error('The connection ended before it was established'), { code: 'ESOCKET' }),
        );
      });
      connection.connect((error) => settle(error ?? undefined));
    }).catch((error: unknown) => {
      this.size--;
      this.serveWaiter();
      throw (config === undefined ? undefined : explainConnectionError(error, config)) ?? error;
    });
  }

  /** Closes a connection leaving the pool; resolves once it has ended. */
  private discard(connection: Connection): Promise<void> {
    this.size--;
    this.serveWaiter();
    this.broken.add(connection);
    if (this.ended.has(connection)) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      connection.once('end', () => resolve());
      connection.close();
    });
  }

  /** A connection left the pool: the first waiter, if any, gets a new one. */
  private serveWaiter(): void {
    if (this.closing || this.size >= this.max) {
      return;
    }
    const waiter = this.waiting.shift();
    if (waiter !== undefined) {
      this.connect().then(waiter.resolve, waiter.reject);
    }
  }
}
