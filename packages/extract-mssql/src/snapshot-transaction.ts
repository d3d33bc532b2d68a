import { ConnectionLease } from './connection-lease.js';
import type { ConnectionPool } from './connection-pool.js';
import { queryRows, runSqlBatch } from './query-rows.js';

/**
 * Whether the connection's database lets a transaction read at SNAPSHOT isolation
 * (`ALLOW_SNAPSHOT_ISOLATION`), and its name for messages.
 *
 * @example
 * const isolation: SnapshotIsolation = { database: 'Sales', allowed: false };
 */
export interface SnapshotIsolation {
  readonly database: string;
  /** `sys.databases.snapshot_isolation_state` is 1 (ON); 2 and 3 are transitions, not yet usable. */
  readonly allowed: boolean;
}

/** Readable by any login that can connect: sys.databases always lists the login's current database. */
const SNAPSHOT_ISOLATION_QUERY =
  'SELECT DB_NAME() AS [database], snapshot_isolation_state AS [state] FROM sys.databases WHERE name = DB_NAME();';

/**
 * Asks the server whether the current database allows SNAPSHOT isolation.
 *
 * @example
 * await snapshotIsolation(pool) // { database: 'Sales', allowed: true }
 */
export async function snapshotIsolation(pool: ConnectionPool): Promise<SnapshotIsolation> {
  const row = (await queryRows(pool, SNAPSHOT_ISOLATION_QUERY, [], 'sys.databases'))[0] ?? {};
  return { database: String(row.database ?? ''), allowed: Number(row.state ?? 0) === 1 };
}

/**
 * Runs `work` on one connection of `pool` inside one SNAPSHOT transaction: every statement and read
 * it makes through the lease sees the database as of the transaction's first read, whatever other
 * connections commit meanwhile. Afterwards (COMMIT, or ROLLBACK when `work` failed) the connection
 * is put back at READ COMMITTED — SQL Server keeps a session's isolation level after the
 * transaction, and the pool hands the connection to reads that expect its default. A connection
 * that cannot be put back is closed instead of returned. The database must allow snapshot
 * isolation (see {@link snapshotIsolation}), or the first read fails with SQL Server's error 3952.
 *
 * The SET and BEGIN go as a plain SQL batch: inside `sp_executesql` SQL Server would restore the
 * isolation level as the call returns.
 *
 * @example
 * const figures = await inSnapshotTransaction(pool, 'sales.Orders', async (lease) => {
 *   for await (const batch of readBatches(lease, plan)) write(batch);
 *   return sourceAggregates(lease, plan);
 * });
 */
export async function inSnapshotTransaction<T>(
  pool: ConnectionPool,
  table: string,
  work: (lease: ConnectionPool) => Promise<T>,
): Promise<T> {
  const lease = await ConnectionLease.take(pool);
  // Whether the session is back at READ COMMITTED with no transaction: else it is not reused.
  let clean = false;
  try {
    await runSqlBatch(lease, 'SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION;', table);
    let result: T;
    try {
      result = await work(lease);
    } catch (error) {
      clean = await runSqlBatch(
        lease,
        'IF @@TRANCOUNT > 0 ROLLBACK TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED;',
        table,
      ).then(
        () => true,
        () => false,
      );
      throw error;
    }
    await runSqlBatch(lease, 'COMMIT TRANSACTION; SET TRANSACTION ISOLATION LEVEL READ COMMITTED;', table);
    clean = true;
    return result;
  } finally {
    await lease.close({ discard: !clean });
  }
}
