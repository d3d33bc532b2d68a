import type { DatabaseConfig } from '@sync/core';
import { SourceConnection } from '@sync/extract-mssql';
import { recoverJournals } from '@sync/parquet-duckdb';

/**
 * Opens the source connection a run's units share (the orchestrator knows nothing of SQL Server).
 *
 * @example
 * const source = await openSource(config.database);
 */
export function openSource(database: DatabaseConfig, maxConnections = 1): Promise<SourceConnection> {
  return SourceConnection.open(database, maxConnections);
}

/**
 * Finishes or rolls back any publish a crashed run left half done, so readers and this run start
 * from a consistent lake. Call before planning.
 */
export function recoverLake(lakeRoot: string): Promise<unknown> {
  return recoverJournals(lakeRoot);
}

export type { SourceConnection };
