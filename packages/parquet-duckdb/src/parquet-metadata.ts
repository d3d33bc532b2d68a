import { DuckDBBlobValue, type DuckDBConnection, type DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';
import { withConnection } from './read-session.js';
import { quoteStringLiteral } from './sql-quote.js';

/**
 * Reads the Parquet key-value metadata of one file (what `ParquetWriteOptions.metadata` wrote:
 * run id, table, unit, fingerprint, watermark, …). Keys and values are decoded as UTF-8; keys
 * written by other tools (e.g. `ARROW:schema`) appear too. Throws `VALIDATION_FAILED` when the
 * file cannot be read.
 *
 * @example
 * const metadata = await readParquetMetadata('/lake/sales/orders/part-r1-0.parquet');
 * metadata['sqlsync.run_id'] // 'r1'
 */
export async function readParquetMetadata(
  file: string,
  options: { readonly duckdb?: DuckDBInstance | DuckDBConnection } = {},
): Promise<Record<string, string>> {
  const sql = `SELECT key, value FROM parquet_kv_metadata(${quoteStringLiteral(file)})`;
  const rows = await withConnection(options.duckdb, async (connection) => {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRows();
  }).catch((error: unknown) => {
    throw new SqlSyncError(
      'VALIDATION_FAILED',
      `cannot read Parquet metadata of ${file}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  const metadata: Record<string, string> = {};
  for (const [key, value] of rows) {
    metadata[text(key)] = text(value);
  }
  return metadata;
}

function text(value: unknown): string {
  return value instanceof DuckDBBlobValue ? Buffer.from(value.bytes).toString('utf8') : String(value);
}
