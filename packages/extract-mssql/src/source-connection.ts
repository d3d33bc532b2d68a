import { SqlSyncError } from '@sync/core';
import { type SourceAggregates, sourceAggregates } from './aggregates.js';
import { type BatchStream, type ReadOptions, readBatches } from './batch-stream.js';
import { type DescribeOptions, describeTable, type TableReadPlan } from './catalog.js';
import { type MssqlConnectionOptions, tediousConfig } from './connection-options.js';
import { ConnectionPool } from './connection-pool.js';
import { classifyDriverError } from './driver-error.js';
import {
  type SourcePartition,
  type SourcePartitionsOptions,
  sourcePartitionScheme,
  sourcePartitions,
} from './partition-catalog.js';
import type { PartitionSpec, SourcePartitionScheme } from './partitioning.js';
import type { RowPredicate } from './predicate.js';
import { primaryKeyColumns } from './primary-key.js';
import { selectPermission } from './select-permission.js';
import { inSnapshotTransaction, type SnapshotIsolation, snapshotIsolation } from './snapshot-transaction.js';
import { sourceTableHash, type TableHashAlgorithm } from './table-hash.js';
import { uniqueKeyColumns } from './unique-keys.js';
import { type SourceWatermark, sourceWatermark } from './watermark.js';

/**
 * One SQL Server source: the only thing handlers hold of the database. It describes tables, streams
 * their rows as Arrow record batches and computes the aggregates validation compares.
 *
 * @example
 * const source = await SourceConnection.open({ server: '127.0.0.1', port, database: 'master', username: 'sa', password, encrypt: false });
 * try {
 *   const plan = await source.describe('dbo', 'Products');
 *   for await (const batch of source.read(plan)) console.log(batch.numRows);
 * } finally {
 *   await source.close();
 * }
 */
export class SourceConnection {
  private constructor(private readonly pool: ConnectionPool) {}

  /**
   * Connects (one connection now, so a wrong server, login or database fails here) and shares at
   * most `maxConnections` connections between the calls below, one statement or read each at a
   * time; a call finding them all busy waits its turn. `maxConnections` defaults to 1: one per
   * worker, so a unit's aggregates wait for its read to end. Fails with a classified
   * `SqlSyncError`: `SOURCE_CONNECTION` for a failed login or an unreachable server (a timeout is
   * `SOURCE_QUERY`, retryable; a certificate failing verification or a server that cannot encrypt
   * is `SOURCE_CONNECTION`, not retryable), `CONFIG_INVALID` for an unreadable secret file, `USAGE` for a
   * `maxConnections` below 1.
   */
  static async open(options: MssqlConnectionOptions, maxConnections = 1): Promise<SourceConnection> {
    if (!Number.isInteger(maxConnections) || maxConnections < 1) {
      throw new SqlSyncError(
        'USAGE',
        `SourceConnection.open: maxConnections must be an integer >= 1, got ${maxConnections}`,
      );
    }
    try {
      return new SourceConnection(await ConnectionPool.open(() => tediousConfig(options), maxConnections));
    } catch (error) {
      throw classifyDriverError(error);
    }
  }

  /**
   * Reads a table's columns from the catalog and plans how each is read. Fails with
   * `SOURCE_SCHEMA` when the table is not there.
   */
  describe(schemaName: string, tableName: string, options?: DescribeOptions): Promise<TableReadPlan> {
    return describeTable(this.pool, schemaName, tableName, options);
  }

  /**
   * Streams the planned columns of the table's rows matching the predicate. Nothing is sent until
   * the stream is iterated; breaking out of the loop cancels the request.
   */
  read(plan: TableReadPlan, options?: ReadOptions): BatchStream {
    return readBatches(this.pool, plan, options);
  }

  /**
   * COUNT_BIG and exact decimal sums over the rows matching the predicate: plain SUMs, and only
   * after SQL Server's overflow error 8115 again with the wide columns summed in two halves.
   */
  aggregates(plan: TableReadPlan, predicate?: RowPredicate): Promise<SourceAggregates> {
    return sourceAggregates(this.pool, plan, predicate);
  }

  /** The columns of the table's primary key in key order; empty when it has none. */
  primaryKey(schemaName: string, tableName: string): Promise<string[]> {
    return primaryKeyColumns(this.pool, schemaName, tableName);
  }

  /**
   * The columns of each unique index or unique constraint that is not the primary key and has no
   * filter, each in key order (indexes in `index_id` order); empty when there is none.
   *
   * @example
   * await source.uniqueKeys('dbo', 'Customers') // [['Email'], ['Region', 'CustomerNo']]
   */
  uniqueKeys(schemaName: string, tableName: string): Promise<string[][]> {
    return uniqueKeyColumns(this.pool, schemaName, tableName);
  }

  /**
   * `MAX(column)` over the rows matching the predicate and the server's `SYSDATETIME()`, in one
   * statement, both as style 121 text of the column's own type (never through a JS Date);
   * `value` is `null` for no rows. CONFIG_INVALID (`last_modified_column`) when the column is
   * missing or not date, smalldatetime, datetime or datetime2.
   *
   * @example
   * await source.watermark(plan, 'ModifiedAt')
   * // { value: '2024-03-01 09:15:00.1234567', sourceNow: '2024-03-02 06:00:00.0000000', type: 'datetime2(7)' }
   */
  watermark(plan: TableReadPlan, column: string, predicate?: RowPredicate): Promise<SourceWatermark> {
    return sourceWatermark(this.pool, plan, column, predicate);
  }

  /**
   * The table's hash over the rows matching the predicate, folded on the server so one short
   * value crosses the network: `<algorithm>:<row count>:<fold>`. See `hash_algorithm`.
   */
  tableHash(plan: TableReadPlan, algorithm: TableHashAlgorithm, predicate?: RowPredicate): Promise<string> {
    return sourceTableHash(this.pool, plan, algorithm, predicate);
  }

  /** The partition scheme the table is stored on, or `undefined` when it is not partitioned. */
  partitionScheme(schemaName: string, tableName: string): Promise<SourcePartitionScheme | undefined> {
    return sourcePartitionScheme(this.pool, schemaName, tableName);
  }

  /** The table's partitions holding rows, in key order, each with its fingerprint and predicate. */
  partitions(
    plan: TableReadPlan,
    spec: PartitionSpec,
    options?: SourcePartitionsOptions,
  ): Promise<SourcePartition[]> {
    return sourcePartitions(this.pool, plan, spec, options);
  }

  /**
   * Whether the login may SELECT from the table (`HAS_PERMS_BY_NAME`); `undefined` when the server
   * cannot find it.
   */
  canSelect(schemaName: string, tableName: string): Promise<boolean | undefined> {
    return selectPermission(this.pool, schemaName, tableName);
  }

  /**
   * Whether the connection's database allows SNAPSHOT isolation
   * (`sys.databases.snapshot_isolation_state` = 1), with its name.
   *
   * @example
   * await source.snapshotIsolation() // { database: 'Sales', allowed: false }
   */
  snapshotIsolation(): Promise<SnapshotIsolation> {
    return snapshotIsolation(this.pool);
  }

  /**
   * Runs `work` with a source bound to ONE connection inside ONE SNAPSHOT transaction: its reads,
   * aggregates and hashes all see the table as of the transaction's first read while writers
   * commit, so the validation figures agree with the rows read. The connection goes back to the
   * pool at READ COMMITTED once the transaction has ended (COMMIT; ROLLBACK when `work` throws).
   * `work` runs its calls one at a time (a read must end before the next call starts); it must not
   * close the source it is given. `table` names the table in errors. The database must allow
   * snapshot isolation ({@link snapshotIsolation}), else the first read fails with error 3952.
   *
   * @example
   * const figures = await source.inSnapshot('sales.Orders', async (snapshot) => {
   *   for await (const batch of snapshot.read(plan)) write(batch);
   *   return snapshot.aggregates(plan);
   * });
   */
  inSnapshot<T>(table: string, work: (source: SourceConnection) => Promise<T>): Promise<T> {
    return inSnapshotTransaction(this.pool, table, (lease) => work(new SourceConnection(lease)));
  }

  /** Closes the connections: idle ones now, one still reading once its read has ended. */
  async close(): Promise<void> {
    await this.pool.close();
  }
}
