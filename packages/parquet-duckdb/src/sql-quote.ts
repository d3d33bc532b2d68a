import { SqlSyncError } from '@sync/core';

/**
 * Quotes a SQL identifier for DuckDB: wrapped in double quotes, inner double quotes doubled.
 * Every table and column name goes through here, because SQL Server names may hold spaces,
 * quotes, dots or reserved words.
 *
 * @example
 * quoteIdentifier('Order "Lines"') // '"Order ""Lines"""'
 */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * Quotes a value as a DuckDB SQL string literal: wrapped in single quotes, inner single quotes
 * doubled. Used only where DuckDB accepts no parameter (a `COPY` path, `KV_METADATA`, a
 * `read_parquet` glob); NUL characters are refused because DuckDB would cut the text there.
 *
 * @example
 * quoteStringLiteral("O'Brien") // "'O''Brien'"
 */
export function quoteStringLiteral(value: string): string {
  if (value.includes('\u0000')) {
    throw new SqlSyncError('LAKE_WRITE', 'a SQL string literal cannot contain a NUL character');
  }
  return `'${value.replaceAll("'", "''")}'`;
}
