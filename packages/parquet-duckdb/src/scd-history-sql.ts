import { SqlSyncError } from '@sync/core';
import { quoteIdentifier } from './sql-quote.js';

/**
 * The column names of an SCD2 history: the business key, the source's columns in order (the key
 * among them), and the four columns sqlsync adds after them.
 *
 * @example
 * const columns: ScdHistoryColumns = {
 *   keyColumns: ['CustomerId'],
 *   sourceColumns: ['CustomerId', 'Name', 'LastModified'],
 *   effectiveColumn: 'effective_date',
 *   endColumn: 'end_date',
 *   isLatestColumn: 'IsLatest',
 *   isDeletedColumn: 'IsDeleted',
 * };
 */
export interface ScdHistoryColumns {
  readonly keyColumns: readonly string[];
  /** The source's columns in source order: the lake file's first columns. */
  readonly sourceColumns: readonly string[];
  readonly effectiveColumn: string;
  readonly endColumn: string;
  readonly isLatestColumn: string;
  readonly isDeletedColumn: string;
}

/**
 * The lake type of effective and end dates: that of the last-modified column (`TIMESTAMP`, µs, for
 * datetime/datetime2/smalldatetime; `DATE` for date).
 *
 * @example
 * const dateType: ScdDateType = lastModified.lakeType.kind === 'date' ? 'date' : 'timestamp';
 */
export type ScdDateType = 'timestamp' | 'date';

/**
 * The column a version relation passed to {@link scdHistorySql} carries besides the source columns
 * and the effective date: when the version was closed by a delete (the key gone from the source),
 * else NULL. Read back from a lake file with {@link scdDeletedAtSql}.
 *
 * @example
 * `SELECT *, ${scdDeletedAtSql(columns)} AS ${SCD_DELETED_AT} FROM bucket_rows`
 */
export const SCD_DELETED_AT = 'sqlsync_deleted_at';

/**
 * How bucket files say which hash placed a key in its bucket (`sqlsync.scd.bucket_hash`).
 *
 * @example
 * metadata['sqlsync.scd.bucket_hash'] === SCD_BUCKET_HASH // written by this version's scdBucketSql
 */
export const SCD_BUCKET_HASH = 'md5-length-prefixed-v1';

/**
 * The end date of a current version, `9999-12-31 00:00:00` (or the date), as a DuckDB expression
 * of the lake's date type.
 *
 * @example
 * scdEndOfTimeSql('timestamp') // "TIMESTAMP '9999-12-31 00:00:00'"
 */
export function scdEndOfTimeSql(dateType: ScdDateType): string {
  return dateType === 'date' ? "DATE '9999-12-31'" : "TIMESTAMP '9999-12-31 00:00:00'";
}

/**
 * The bucket (0 … `bucketCount - 1`) of a business key, as a DuckDB expression over the key columns
 * (qualified by `alias` when given): `md5_number(<encoding>) % bucketCount`, the encoding being
 * `length(v) || ':' || v || ';'` per column (length-prefixed, so `('ab','c')` and `('a','bc')`
 * hash differently). A NULL key value makes the whole expression NULL (NULL keys are refused
 * before bucketing).
 *
 * The value is exactly `md5_number(e) % n`, computed from its two 64-bit halves
 * (`md5_number(e)` = `md5_number_lower(e)` · 2^64 + `md5_number_upper(e)`):
 * `((lower % n) · (2^64 % n) + upper % n) % n`. DuckDB's 128-bit modulo made the plain form the
 * slowest step of a 2,000,000-key load (10 s against 2 s).
 *
 * @example
 * scdBucketSql(['A', 'B'], 16)
 * // "((md5_number_lower(e) % 16) * 0 + md5_number_upper(e) % 16) % 16" with e the encoding of A and B
 */
export function scdBucketSql(keyColumns: readonly string[], bucketCount: number, alias?: string): string {
  if (keyColumns.length === 0) {
    throw new SqlSyncError('USAGE', 'scdBucketSql: at least one business key column is needed');
  }
  if (!Number.isSafeInteger(bucketCount) || bucketCount < 1) {
    throw new SqlSyncError(
      'USAGE',
      `scdBucketSql: the bucket count must be a positive integer, got ${bucketCount}`,
    );
  }
  const prefix = alias === undefined ? '' : `${alias}.`;
  const encoding = keyColumns
    .map((column) => {
      const text = `${prefix}${quoteIdentifier(column)}::VARCHAR`;
      return `length(${text})::VARCHAR || ':' || ${text} || ';'`;
    })
    .join(' || ');
  const n = bucketCount;
  const high = (2n ** 64n % BigInt(n)).toString();
  return `(((md5_number_lower(${encoding}) % ${n}) * ${high} + md5_number_upper(${encoding}) % ${n}) % ${n})::INTEGER`;
}

/**
 * The directory name of a bucket in an SCD2 table directory: `bucket=<nn>`, zero-padded to two
 * digits, three when there are more than 100 buckets (so names sort in bucket order).
 *
 * @example
 * scdBucketDirName(7, 16) // 'bucket=07'
 * scdBucketDirName(7, 128) // 'bucket=007'
 */
export function scdBucketDirName(bucket: number, bucketCount: number): string {
  if (!Number.isSafeInteger(bucket) || bucket < 0 || bucket >= bucketCount) {
    throw new SqlSyncError('USAGE', `scdBucketDirName: bucket ${bucket} is not in 0..${bucketCount - 1}`);
  }
  return `bucket=${String(bucket).padStart(bucketCount > 100 ? 3 : 2, '0')}`;
}

/**
 * The {@link SCD_DELETED_AT} value of a row of a lake bucket file: its end date when it is flagged
 * deleted (a delete's end date is its delete time), else NULL.
 *
 * @example
 * `SELECT *, ${scdDeletedAtSql(columns)} AS ${SCD_DELETED_AT} FROM read_parquet(…)`
 */
export function scdDeletedAtSql(columns: Pick<ScdHistoryColumns, 'endColumn' | 'isDeletedColumn'>): string {
  return `CASE WHEN ${quoteIdentifier(columns.isDeletedColumn)} THEN ${quoteIdentifier(columns.endColumn)} END`;
}

/**
 * A `SELECT` that turns each key's versions into its history: `versions` is a DuckDB relation (a
 * table name or a parenthesised query) with one row per version holding the source columns, the
 * effective date (`effectiveColumn`, the version's last-modified value) and {@link SCD_DELETED_AT}.
 * Versions must be unique per (key, effective date). The result has the source columns, then
 * effective date, end date, is-latest and is-deleted, computed from the versions of each key
 * ordered by effective date:
 *
 * - is-latest: the version with the greatest effective date (exactly one per key);
 * - end date: the next version's effective date; for the last version `9999-12-31`; for a version
 *   closed by a delete, its delete time — no later than the next version's effective date (a key
 *   deleted and back leaves a gap, never an overlap) and no earlier than its own effective date;
 * - is-deleted: closed by a delete (the delete keeps a key's last version latest: "current" is
 *   is-latest AND NOT is-deleted).
 *
 * Keys are partitioned on their typed columns, never on concatenated text. The result has no
 * `ORDER BY`; add one around it for ordered files.
 *
 * @example
 * const sql = scdHistorySql('merged_versions', columns, 'timestamp');
 * await connection.run(`COPY (SELECT * FROM (${sql}) ORDER BY "CustomerId", "effective_date") TO '…' (FORMAT PARQUET)`);
 */
export function scdHistorySql(versions: string, columns: ScdHistoryColumns, dateType: ScdDateType): string {
  if (columns.keyColumns.length === 0) {
    throw new SqlSyncError('USAGE', 'scdHistorySql: at least one business key column is needed');
  }
  const keys = columns.keyColumns.map(quoteIdentifier).join(', ');
  const effective = quoteIdentifier(columns.effectiveColumn);
  const deletedAt = quoteIdentifier(SCD_DELETED_AT);
  const source = columns.sourceColumns.map((c) => `v.${quoteIdentifier(c)}`).join(', ');
  // The delete time, not before the version began (a source clock behind a row's last_modified).
  const closed = `CASE WHEN v.${deletedAt} < v.${effective} THEN v.${effective} ELSE v.${deletedAt} END`;
  return `SELECT ${source},
    v.${effective} AS ${effective},
    CASE
      WHEN v.${deletedAt} IS NULL THEN COALESCE(v.sqlsync_next, ${scdEndOfTimeSql(dateType)})
      WHEN v.sqlsync_next IS NOT NULL AND v.sqlsync_next < ${closed} THEN v.sqlsync_next
      ELSE ${closed}
    END AS ${quoteIdentifier(columns.endColumn)},
    v.sqlsync_rank = 1 AS ${quoteIdentifier(columns.isLatestColumn)},
    v.${deletedAt} IS NOT NULL AS ${quoteIdentifier(columns.isDeletedColumn)}
  FROM (
    SELECT *,
      lead(${effective}) OVER (PARTITION BY ${keys} ORDER BY ${effective}) AS sqlsync_next,
      row_number() OVER (PARTITION BY ${keys} ORDER BY ${effective} DESC) AS sqlsync_rank
    FROM ${versions}
  ) v`;
}
