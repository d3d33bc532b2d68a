import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';
import { type ParquetSource, readParquetSql } from './parquet-source.js';
import { withConnection } from './read-session.js';
import { quoteIdentifier } from './sql-quote.js';

/** What {@link readQualityFigures} looks for. Every field is optional. */
export interface QualityQuery {
  /** Columns whose combined values must be unique (a key). Defaults to no uniqueness figure. */
  readonly uniqueKey?: readonly string[];
  /** Columns whose NULLs are counted. Defaults to none. */
  readonly notNullColumns?: readonly string[];
  /**
   * Columns identifying a row in the samples of NULL values (usually the key). Defaults to
   * `uniqueKey`, else no sample.
   */
  readonly sampleColumns?: readonly string[];
}

/** One key value found in more than one row. */
export interface DuplicateKey {
  /** The key's values as DuckDB prints them (`NULL` as `null`), in `uniqueKey` order. */
  readonly values: readonly (string | null)[];
  /** Rows holding this key value (at least 2). */
  readonly rows: bigint;
  /** How many distinct key values occur more than once. */
  readonly duplicatedKeys: bigint;
}

/** NULLs of one column. */
export interface NullCount {
  readonly nulls: bigint;
  /** The `sampleColumns` values of one row holding a NULL there (absent without sample columns). */
  readonly sample?: readonly (string | null)[];
}

/** Data-quality figures of a set of Parquet files. */
export interface QualityFigures {
  readonly rowCount: bigint;
  /** The most repeated key value, or `undefined` when every key is unique (or none was asked). */
  readonly duplicateKey?: DuplicateKey;
  /** NULL counts by column, for each of `notNullColumns`. */
  readonly nullCounts: Readonly<Record<string, NullCount>>;
}

/**
 * Counts rows, finds the most repeated value of a key and counts NULLs per column over Parquet
 * files, in DuckDB: the figures data-quality checks judge before a table is published. Throws
 * `VALIDATION_FAILED` when the files cannot be read or a column is missing.
 *
 * @example
 * const figures = await readQualityFigures('/lake/_sqlsync/staging/r1/ref/rates/*.parquet', {
 *   uniqueKey: ['Code'],
 *   notNullColumns: ['Rate'],
 * });
 * // { rowCount: 3n, duplicateKey: undefined, nullCounts: { Rate: { nulls: 0n } } }
 */
export async function readQualityFigures(
  source: ParquetSource,
  query: QualityQuery,
  options: { readonly duckdb?: DuckDBInstance | DuckDBConnection } = {},
): Promise<QualityFigures> {
  const from = readParquetSql(source);
  const notNull = query.notNullColumns ?? [];
  const sampleColumns = query.sampleColumns ?? query.uniqueKey ?? [];
  return withConnection(options.duckdb, async (connection) => {
    const counts = ['COUNT(*)', ...notNull.map((c) => `COUNT(*) - COUNT(${quoteIdentifier(c)})`)];
    const countRow = (
      await connection.runAndReadAll(`SELECT ${counts.join(', ')} FROM ${from}`)
    ).getRows()[0];
    if (countRow === undefined) {
      throw new SqlSyncError('VALIDATION_FAILED', 'COUNT(*) over the Parquet files returned no row');
    }
    const nullCounts: Record<string, NullCount> = {};
    for (const [index, column] of notNull.entries()) {
      const nulls = BigInt(String(countRow[1 + index]));
      nullCounts[column] =
        nulls > 0n && sampleColumns.length > 0
          ? { nulls, sample: await firstRowWhere(connection, from, sampleColumns, column) }
          : { nulls };
    }
    const duplicateKey =
      query.uniqueKey === undefined || query.uniqueKey.length === 0
        ? undefined
        : await mostRepeatedKey(connection, from, query.uniqueKey);
    return {
      rowCount: BigInt(String(countRow[0])),
      ...(duplicateKey === undefined ? {} : { duplicateKey }),
      nullCounts,
    };
  }).catch((error: unknown) => {
    if (error instanceof SqlSyncError) {
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    throw new SqlSyncError('VALIDATION_FAILED', `cannot read data-quality figures: ${message}`, {
      cause: error,
    });
  });
}

/** The key value held by the most rows, when some value is held by more than one. */
async function mostRepeatedKey(
  connection: DuckDBConnection,
  from: string,
  key: readonly string[],
): Promise<DuplicateKey | undefined> {
  const columns = key.map(quoteIdentifier).join(', ');
  // Grouped on the typed values, so composite keys compare exactly; printed only for the message.
  const texts = key.map((_, i) => `k${i}::VARCHAR`).join(', ');
  const grouped = key.map((c, i) => `${quoteIdentifier(c)} AS k${i}`).join(', ');
  const sql = `SELECT ${texts}, n, COUNT(*) OVER () FROM (SELECT ${grouped}, COUNT(*) AS n FROM ${from} GROUP BY ${columns} HAVING COUNT(*) > 1) ORDER BY n DESC, ${key.map((_, i) => `k${i}`).join(', ')} LIMIT 1`;
  const row = (await connection.runAndReadAll(sql)).getRows()[0];
  if (row === undefined) {
    return undefined;
  }
  return {
    values: row.slice(0, key.length).map(textOrNull),
    rows: BigInt(String(row[key.length])),
    duplicatedKeys: BigInt(String(row[key.length + 1])),
  };
}

async function firstRowWhere(
  connection: DuckDBConnection,
  from: string,
  columns: readonly string[],
  nullColumn: string,
): Promise<(string | null)[]> {
  const list = columns.map((c) => `${quoteIdentifier(c)}::VARCHAR`).join(', ');
  const order = columns.map(quoteIdentifier).join(', ');
  const sql = `SELECT ${list} FROM ${from} WHERE ${quoteIdentifier(nullColumn)} IS NULL ORDER BY ${order} LIMIT 1`;
  return ((await connection.runAndReadAll(sql)).getRows()[0] ?? []).map(textOrNull);
}

function textOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
