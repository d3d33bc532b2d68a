import { DuckDBInstance } from '@duckdb/node-api';

/** Runs one query in a fresh in-memory DuckDB (as a lake reader would) and returns its columns as JS values. */
export async function queryColumns(sql: string): Promise<Record<string, unknown[]>> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(sql);
      return reader.getColumnsObjectJS() as Record<string, unknown[]>;
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
