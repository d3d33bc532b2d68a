import type sql from 'mssql';
import { type SourceAggregates, sourceAggregates } from './aggregates.js';
import { type BatchStream, type ReadOptions, readBatches } from './batch-stream.js';
import { type DescribeOptions, describeTable, type TableReadPlan } from './catalog.js';
import { type MssqlConnectionOptions, openPool } from './connection.js';
import {
  type SourcePartition,
  type SourcePartitionsOptions,
  sourcePartitionScheme,
  sourcePartitions,
} from './partition-catalog.js';
import type { PartitionSpec, SourcePartitionScheme } from './partitioning.js';
import type { RowPredicate } from './predicate.js';

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
  private constructor(private readonly pool: sql.ConnectionPool) {}

  /** Connects with at most `maxConnections` pooled connections (defaults to 1: one per worker). */
  static async open(options: MssqlConnectionOptions, maxConnections = 1): Promise<SourceConnection> {
    return new SourceConnection(await openPool(options, maxConnections));
  }

  /** Reads a table's columns from the catalog and plans how each is read. */
  describe(schemaName: string, tableName: string, options?: DescribeOptions): Promise<TableReadPlan> {
    return describeTable(this.pool, schemaName, tableName, options);
  }

  /** Streams the planned columns of the table's rows matching the predicate. */
  read(plan: TableReadPlan, options?: ReadOptions): BatchStream {
    return readBatches(this.pool, plan, options);
  }

  /** COUNT_BIG and exact decimal sums over the rows matching the predicate. */
  aggregates(plan: TableReadPlan, predicate?: RowPredicate): Promise<SourceAggregates> {
    return sourceAggregates(this.pool, plan, predicate);
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

  async close(): Promise<void> {
    await this.pool.close();
  }
}
