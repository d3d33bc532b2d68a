import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

/**
 * Runs `use` with a DuckDB connection: the given connection, a new connection to the given
 * instance, or a private in-memory instance; whatever was opened here is closed in `finally`.
 *
 * @example
 * const rows = await withConnection(undefined, (c) => c.runAndReadAll('SELECT 42'));
 */
export async function withConnection<T>(
  duckdb: DuckDBInstance | DuckDBConnection | undefined,
  use: (connection: DuckDBConnection) => Promise<T>,
): Promise<T> {
  if (duckdb instanceof DuckDBConnection) {
    return use(duckdb);
  }
  const instance = duckdb ?? (await DuckDBInstance.create(':memory:'));
  try {
    const connection = await instance.connect();
    try {
      return await use(connection);
    } finally {
      connection.closeSync();
    }
  } finally {
    if (instance !== duckdb) {
      instance.closeSync();
    }
  }
}
