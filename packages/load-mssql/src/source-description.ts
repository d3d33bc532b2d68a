import type { DatabaseConfig, SourceSchema } from '@sync/core';
import { type DescribeOptions, SourceConnection, type SourcePartitionScheme } from '@sync/extract-mssql';

/** What the warehouse table of a source table is built from. */
export interface SourceDescription {
  readonly source: SourceSchema;
  /** The source's primary key columns (none: a heap). */
  readonly primaryKey: readonly string[];
  /** The source's partition scheme, when the table is on one. */
  readonly partitioning?: SourcePartitionScheme;
}

/**
 * Reads a source table's columns (as the lake maps them), primary key and partition scheme on a
 * connection of its own, closed before returning.
 *
 * @example
 * const { source, primaryKey, partitioning } = await describeSource(config.database, 'sales', 'Orders');
 */
export async function describeSource(
  database: DatabaseConfig,
  schemaName: string,
  tableName: string,
  options: DescribeOptions = {},
): Promise<SourceDescription> {
  const connection = await SourceConnection.open(database);
  try {
    const plan = await connection.describe(schemaName, tableName, options);
    const primaryKey = await connection.primaryKey(schemaName, tableName);
    const partitioning = await connection.partitionScheme(schemaName, tableName);
    return { source: plan.schema, primaryKey, ...(partitioning === undefined ? {} : { partitioning }) };
  } finally {
    await connection.close();
  }
}
