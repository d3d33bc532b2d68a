import type { Connection } from 'tedious';
import type { ConnectionPool } from './connection-pool.js';

/**
 * One connection taken from a pool and held for requests that must share its session — a
 * transaction, a `SET` option — handed to one request at a time, in order. It is itself a
 * {@link ConnectionPool}, so every statement and read of this package runs on it unchanged.
 * `close()` gives the connection back to its pool (which discards it if it failed meanwhile).
 *
 * @example
 * const lease = await ConnectionLease.take(pool);
 * try {
 *   await queryRows(lease, 'SELECT 1 AS one;', [], 'dbo.T');
 * } finally {
 *   await lease.close();
 * }
 */
export class ConnectionLease implements ConnectionPool {
  private busy = false;
  private closed = false;
  private readonly waiting: { resolve(connection: Connection): void; reject(error: unknown): void }[] = [];

  private constructor(
    private readonly pool: ConnectionPool,
    private readonly connection: Connection,
  ) {}

  /** Takes one connection of `pool` (waiting for one, as any request would). */
  static async take(pool: ConnectionPool): Promise<ConnectionLease> {
    return new ConnectionLease(pool, await pool.acquire());
  }

  /**
   * The leased connection once no other request of the lease uses it. Fails with `ECLOSE` when the
   * connection has ended: its session, and any transaction in it, is gone, and another connection
   * would not have it.
   */
  async acquire(): Promise<Connection> {
    if (this.closed) {
      throw Object.assign(new Error('The connection lease is closed'), { code: 'ENOTOPEN' });
    }
    if (this.connection.closed) {
      throw Object.assign(new Error('The leased connection ended; its session is lost'), { code: 'ECLOSE' });
    }
    if (!this.busy) {
      this.busy = true;
      return this.connection;
    }
    return new Promise<Connection>((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** The request using the connection has ended: the next waiting request gets it. */
  release(connection: Connection): void {
    const next = this.waiting.shift();
    if (next !== undefined) {
      next.resolve(connection);
      return;
    }
    this.busy = false;
  }

  /**
   * Gives the connection back to its pool; with `discard`, closes it first so that the pool never
   * hands out its session again (a transaction that could not be ended). Call it once every
   * request of the lease has ended. Idempotent.
   */
  async close(options: { readonly discard?: boolean } = {}): Promise<void> {
    if (this.closed) {
      return;
    }
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) {
      waiter.reject(Object.assign(new Error('The connection lease is closed'), { code: 'ENOTOPEN' }));
    }
    if (options.discard === true && !this.connection.closed) {
      this.connection.close();
    }
    this.pool.release(this.connection);
  }
}
