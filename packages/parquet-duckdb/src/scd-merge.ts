import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBDecimalValue, DuckDBInstance } from '@duckdb/node-api';
import { formatDecimal, parseDecimal } from '@sync/arrow-decimal';
import { SqlSyncError } from '@sync/core';
import { readParquetSql } from './parquet-source.js';
import { type ParquetStats, readParquetStats, type StatsColumn } from './parquet-stats.js';
import { copyOptionsSql, DEFAULT_ROW_GROUP_SIZE, type ParquetCompression } from './parquet-write-options.js';
import { spliceScdBucket } from './scd-bucket-splice.js';
import {
  SCD_BUCKET_HASH,
  SCD_DELETED_AT,
  type ScdDateType,
  type ScdHistoryColumns,
  scdBucketDirName,
  scdBucketSql,
  scdHistorySql,
} from './scd-history-sql.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';

/**
 * What to merge: the rows read from the source this run, and the lake table they go into.
 *
 * @example
 * const request: ScdMergeRequest = {
 *   table: 'crm.Customers', changedRows: ['/scratch/changed/part-r1-0.parquet'], lakeTableDir: '/lake/dim/customers',
 *   columns, lastModifiedColumn: 'LastModified', dateType: 'timestamp', bucketCount: 16,
 *   closeTime: '2024-06-01 10:00:00.1234567', tempDirectory: '/scratch/merge',
 * };
 */
export interface ScdMergeRequest {
  /** `schema.table`, for error messages. */
  readonly table: string;
  /**
   * Parquet files of the rows read from the source (the source columns, in source order); at least
   * one file, which may hold no row.
   */
  readonly changedRows: readonly string[];
  /**
   * Parquet files of the business keys of every source row now (`detect_deletes`): a key in the lake
   * whose latest version is open and that is not here is closed as deleted at `closeTime`. Absent:
   * deletes are not detected.
   */
  readonly sourceKeys?: readonly string[];
  /** The published table directory holding `bucket=<nn>` directories (it may not exist yet). */
  readonly lakeTableDir: string;
  readonly columns: ScdHistoryColumns;
  /** The source column whose value is a version's effective date. */
  readonly lastModifiedColumn: string;
  readonly dateType: ScdDateType;
  /** Buckets of the table (fixed at its first load). */
  readonly bucketCount: number;
  /**
   * When keys gone from the source were deleted: the source's time at the run's snapshot, as text
   * DuckDB casts to the date type (`2024-06-01 10:00:00.1234567`: digits beyond µs are cut).
   */
  readonly closeTime: string;
  /**
   * Decimal columns whose exact sums are checked in each written bucket (with its row count).
   * Defaults to none.
   */
  readonly sumColumns?: readonly StatsColumn[];
  /** DuckDB `memory_limit` in MiB (beyond it DuckDB spills to `tempDirectory`). Defaults to 256. */
  readonly memoryLimitMb?: number;
  /**
   * A scratch directory of the merge's own: DuckDB spills there, and the rows read are split by
   * bucket there. It is created, and emptied on `close()`.
   */
  readonly tempDirectory: string;
  /** DuckDB `threads`. Defaults to 1. */
  readonly threads?: number;
}

/**
 * Where and how the merged buckets are written.
 *
 * @example
 * const target: ScdMergeTarget = { directory: '/lake/_sqlsync/staging/r1/dim/customers', fileName: 'part-r1-0.parquet',
 *   metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.scd.watermark': '2024-06-01 09:59:00.1234567' } };
 */
export interface ScdMergeTarget {
  /** The staged table directory: bucket `b` goes to `<directory>/bucket=<nn>/<fileName>`. */
  readonly directory: string;
  /** The file name inside each bucket directory, e.g. `part-<run>-0.parquet`. */
  readonly fileName: string;
  /**
   * Key-value metadata of every file (run id, table, unit, version, watermark); the merge adds
   * `sqlsync.scd.bucket`, `sqlsync.scd.bucket_count`, `sqlsync.scd.bucket_hash` and
   * `sqlsync.scd.business_key`. Defaults to none.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to `'zstd'` (at level 1). */
  readonly compression?: ParquetCompression;
}

/**
 * What a run did to versions (summed over buckets).
 *
 * @example
 * const counts: ScdMergeCounts = { versionsAdded: 3, versionsReplaced: 1, versionsUnchanged: 40, keysDeleted: 2 };
 */
export interface ScdMergeCounts {
  /** Versions (key, last-modified) new to the lake. */
  readonly versionsAdded: number;
  /** Versions already in the lake read again with other values (or re-opened after a delete); rewritten. */
  readonly versionsReplaced: number;
  /** Versions read again exactly as the lake holds them; nothing changed. */
  readonly versionsUnchanged: number;
  /** Keys whose open latest version was closed because the key is gone from the source. */
  readonly keysDeleted: number;
}

/**
 * One rewritten bucket.
 *
 * @example
 * const stats = await readParquetStats(write.file, sumColumns);
 * if (stats.rowCount !== write.expected.rowCount) throw new Error(`${write.directoryName}: rows differ`);
 */
export interface ScdBucketWrite extends ScdMergeCounts {
  readonly bucket: number;
  /** `bucket=<nn>`. */
  readonly directoryName: string;
  /** The file written: `<target>/bucket=<nn>/<fileName>`. */
  readonly file: string;
  readonly rows: number;
  readonly bytes: number;
  /**
   * What the new file holds: the old bucket's rows and sums, less the replaced versions, plus the
   * added and replacing ones (end dates and flags change no count or sum). `write` has read the
   * file back and checked it holds exactly these (else `VALIDATION_FAILED`).
   */
  readonly expected: ParquetStats;
}

/**
 * What `write` did.
 *
 * @example
 * const { counts, buckets } = await merge.write(target);
 * buckets.map((b) => b.directoryName); // ['bucket=03', 'bucket=11']: only these are published
 */
export interface ScdMergeResult {
  readonly counts: ScdMergeCounts;
  /** The buckets holding touched keys, rewritten, in bucket order; untouched buckets are not written. */
  readonly buckets: readonly ScdBucketWrite[];
}

const BUCKET = 'sqlsync_bucket';
const CHANGE = 'sqlsync_change';

/**
 * The lake side of an SCD2 run, in one DuckDB session: merges the rows read from the source with
 * the history of the keys they touch and writes only the buckets holding touched keys. `open`
 * checks the rows read (no NULL key or last-modified value) and splits them, and the source's key
 * set, by bucket on disk; `write` then takes the buckets one by one, so memory holds one bucket's
 * changes and the lake rows of their keys at a time, never the whole history (a 2,000,000-key
 * initial load is 16 buckets of 125,000). Per bucket:
 *
 * 1. two rows read with one (key, last-modified) are `DATA_QUALITY`; each row read is `added` (no
 *    lake version with its key and last-modified), `unchanged` (one
 *    with equal values in every source column) or `replaced` (one with other values, or closed by
 *    a delete: it is re-opened);
 * 2. with `sourceKeys`, keys whose open latest version is gone from the source are deleted;
 * 3. nothing added, replaced or deleted: the bucket is not written (unless its file's source
 *    columns are not the source's now: then it is rewritten in the new shape). Otherwise the touched keys'
 *    versions are recomputed ({@link scdHistorySql}). When versions were only added, closed or
 *    deleted (none replaced, no restored key) and the bucket is one file, the file is spliced
 *    ({@link spliceScdBucket}): every row stays in place with its source columns' bytes, the end
 *    date and flags are written again and the new versions appended as one row group (after
 *    `SCD_MAX_APPENDED_ROW_GROUPS` (16) such runs the bucket is rewritten whole). Otherwise the
 *    bucket is rewritten whole: the untouched keys' rows as they were, in file order, then the
 *    touched keys' histories, sorted;
 * 4. the file written is read back: its row count and the exact sums of `sumColumns` must be the
 *    old bucket's less the replaced versions' plus the added ones', else `VALIDATION_FAILED`.
 *
 * Keys are compared column by column on their typed values, never as concatenated text. Always
 * `close()` it.
 *
 * @example
 * const merge = await ScdMerge.open({ table: 'crm.Customers', changedRows, lakeTableDir, columns,
 *   lastModifiedColumn: 'LastModified', dateType: 'timestamp', bucketCount: 16,
 *   closeTime: '2024-06-01 10:00:00.1234567', tempDirectory: scratch });
 * try {
 *   const { counts, buckets } = await merge.write({ directory: staged, fileName: 'part-r1-0.parquet' });
 * } finally {
 *   await merge.close();
 * }
 */
export class ScdMerge {
  #closed = false;
  /** How many `addRows` splits there are (`changed-1`, `changed-2`, …). */
  #added = 0;

  private constructor(
    private readonly request: ScdMergeRequest,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  /**
   * Opens the session, checks the rows read and splits them (and the source keys) by bucket.
   * Throws `DATA_QUALITY` for a NULL key or last-modified value, `VALIDATION_FAILED` when a file
   * cannot be read.
   */
  static async open(request: ScdMergeRequest): Promise<ScdMerge> {
    const { columns, bucketCount } = request;
    if (columns.keyColumns.length === 0) {
      throw new SqlSyncError(
        'USAGE',
        `${request.table}: ScdMerge.open needs at least one business key column`,
      );
    }
    if (request.changedRows.length === 0) {
      throw new SqlSyncError('USAGE', `${request.table}: ScdMerge.open needs at least one file of rows read`);
    }
    if (!Number.isSafeInteger(bucketCount) || bucketCount < 1 || bucketCount > 1024) {
      throw new SqlSyncError('USAGE', `${request.table}: bucket count must be 1..1024, got ${bucketCount}`);
    }
    await rm(request.tempDirectory, { recursive: true, force: true });
    await mkdir(request.tempDirectory, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${request.memoryLimitMb ?? 256}MB`,
      threads: String(request.threads ?? 1),
      temp_directory: join(request.tempDirectory, 'spill'),
      // Nothing here needs DuckDB to keep rows in order across threads (one thread by default).
      preserve_insertion_order: 'false',
    });
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      const merge = new ScdMerge(request, instance, connection);
      await merge.#split(request.changedRows, columns.sourceColumns, 'changed');
      if (request.sourceKeys !== undefined) {
        await merge.#split(request.sourceKeys, columns.keyColumns, 'keys');
      }
      return merge;
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw mergeError(error, `${request.table}: cannot prepare the SCD2 merge`);
    }
  }

  /**
   * With `sourceKeys`: the keys in the source whose latest lake version was closed by a delete and
   * that no row read touches — keys that came back with a last-modified value older than the read's
   * lower bound (a restored row). Each value as DuckDB prints it (`VARCHAR`), in key order, for
   * reading their rows by key; add those rows with {@link addRows} before `write`. Empty without
   * `sourceKeys` or lake.
   */
  async returningKeys(): Promise<string[][]> {
    const { sourceKeys, changedRows, columns } = this.request;
    const lakeFiles = [...(await this.#lakeBuckets()).values()].flat();
    if (sourceKeys === undefined || lakeFiles.length === 0) {
      return [];
    }
    const keys = columns.keyColumns.map(quoteIdentifier);
    const on = (a: string, b: string): string => keys.map((k) => `${a}.${k} = ${b}.${k}`).join(' AND ');
    try {
      const reader =
        await this.connection.runAndReadAll(`SELECT ${keys.map((k) => `l.${k}::VARCHAR`).join(', ')}
        FROM ${readParquetSql(lakeFiles)} l
        WHERE l.${quoteIdentifier(columns.isLatestColumn)} AND l.${quoteIdentifier(columns.isDeletedColumn)}
          AND EXISTS (SELECT 1 FROM ${readParquetSql(sourceKeys)} s WHERE ${on('s', 'l')})
          AND NOT EXISTS (SELECT 1 FROM ${readParquetSql(changedRows)} c WHERE ${on('c', 'l')})
        ORDER BY ${keys.map((k) => `l.${k}`).join(', ')}`);
      return reader.getRows().map((row) => row.map(String));
    } catch (error) {
      throw mergeError(error, `${this.request.table}: cannot find returning keys`);
    }
  }

  /**
   * Adds more rows read (the source columns, as `changedRows`) before `write`: the rows of
   * {@link returningKeys}. Checked and split by bucket like the rows given to `open`.
   */
  async addRows(files: readonly string[]): Promise<void> {
    if (files.length === 0) {
      return;
    }
    try {
      await this.#split(files, this.request.columns.sourceColumns, `changed-${++this.#added}`);
    } catch (error) {
      throw mergeError(error, `${this.request.table}: cannot add rows to the SCD2 merge`);
    }
  }

  /**
   * Merges bucket by bucket and writes the buckets holding touched keys (see the class). Throws
   * `DATA_QUALITY` for two rows read of one version, `CONFIG_INVALID` when the lake's bucket
   * directories are not those of `bucketCount`, `VALIDATION_FAILED` when a file cannot be read or
   * written, or a written bucket does not add up.
   */
  async write(target: ScdMergeTarget): Promise<ScdMergeResult> {
    const { bucketCount } = this.request;
    const lakeBuckets = await this.#lakeBuckets();
    const changed = await this.#splitBuckets('changed');
    for (let n = 1; n <= this.#added; n++) {
      for (const [bucket, files] of await this.#splitBuckets(`changed-${n}`)) {
        changed.set(bucket, [...(changed.get(bucket) ?? []), ...files]);
      }
    }
    const sourceKeys = await this.#splitBuckets('keys');
    const candidates = new Set(changed.keys());
    // A bucket whose files' source columns (names, types) are not the source's now is rewritten
    // in the new shape even when no key in it changed: all bucket files keep one schema.
    const shape = await this.#columnTypes(
      `SELECT ${this.request.columns.sourceColumns.map(quoteIdentifier).join(', ')} FROM ${readParquetSql(this.request.changedRows)}`,
    );
    const reshaped = new Map<
      number,
      { lake: ReadonlyMap<string, string>; source: ReadonlyMap<string, string> }
    >();
    for (const [bucket, files] of lakeBuckets) {
      const lake = await this.#columnTypes(`SELECT * FROM ${readParquetSql(files)}`);
      const scdColumns = 4;
      if (
        lake.size !== shape.size + scdColumns ||
        [...shape].some(([name, type]) => lake.get(name) !== type)
      ) {
        reshaped.set(bucket, { lake, source: shape });
      }
      if (this.request.sourceKeys !== undefined || reshaped.has(bucket)) {
        candidates.add(bucket);
      }
    }
    const buckets: ScdBucketWrite[] = [];
    const totals = { versionsAdded: 0, versionsReplaced: 0, versionsUnchanged: 0, keysDeleted: 0 };
    for (const bucket of [...candidates].sort((a, b) => a - b)) {
      const outcome = await this.#bucket(
        bucket,
        { lake: lakeBuckets.get(bucket), changed: changed.get(bucket), keys: sourceKeys.get(bucket) },
        target,
        reshaped.get(bucket),
      ).catch((error: unknown) => {
        throw mergeError(
          error,
          `${this.request.table}: cannot merge ${scdBucketDirName(bucket, bucketCount)}`,
        );
      });
      totals.versionsAdded += outcome.counts.versionsAdded;
      totals.versionsReplaced += outcome.counts.versionsReplaced;
      totals.versionsUnchanged += outcome.counts.versionsUnchanged;
      totals.keysDeleted += outcome.counts.keysDeleted;
      if (outcome.written !== undefined) {
        buckets.push(outcome.written);
      }
    }
    return { counts: totals, buckets };
  }

  /** Closes the DuckDB session and removes the scratch directory. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.request.tempDirectory, { recursive: true, force: true });
  }

  /**
   * Checks `files` for NULL key values, then writes their `columns` split by bucket into
   * `<temp>/<name>/sqlsync_bucket=<b>/`, streaming (small row groups: DuckDB holds one open row
   * group per bucket while splitting).
   */
  async #split(files: readonly string[], columns: readonly string[], name: string): Promise<void> {
    const { keyColumns } = this.request.columns;
    const from = readParquetSql(files);
    // A version needs its key and, for rows read, its last-modified value (its effective date).
    const required = name.startsWith('changed')
      ? [...keyColumns, this.request.lastModifiedColumn]
      : keyColumns;
    const nulls = (
      await this.connection.runAndReadAll(
        `SELECT ${required.map((k) => `COUNT(*) FILTER (WHERE ${quoteIdentifier(k)} IS NULL)`).join(', ')} FROM ${from}`,
      )
    ).getRows()[0];
    const nullAt = required.findIndex((_, i) => Number(nulls?.[i] ?? 0) > 0);
    if (nullAt >= 0) {
      const column = required[nullAt] as string;
      const key = nullAt < keyColumns.length;
      throw new SqlSyncError(
        'DATA_QUALITY',
        key
          ? `${this.request.table}: business key column ${column} is NULL in ${nulls?.[nullAt]} source rows; an SCD2 business key cannot be NULL (set business_key_columns to non-NULL columns)`
          : `${this.request.table}: last_modified_column ${column} is NULL in ${nulls?.[nullAt]} source rows; each SCD2 version needs its last-modified value (its effective date)`,
        {
          context: {
            table: this.request.table,
            column,
            configPath: key ? 'business_key_columns' : 'last_modified_column',
          },
        },
      );
    }
    const rowGroupSize = Math.max(
      2048,
      Math.min(DEFAULT_ROW_GROUP_SIZE, Math.floor(250_000 / this.request.bucketCount)),
    );
    const list = columns.map(quoteIdentifier).join(', ');
    await this.connection.run(
      `COPY (SELECT ${list}, ${scdBucketSql(keyColumns, this.request.bucketCount)} AS ${BUCKET} FROM ${from})
       TO ${quoteStringLiteral(join(this.request.tempDirectory, name))}
       (FORMAT PARQUET, COMPRESSION zstd, PARTITION_BY (${BUCKET}), ROW_GROUP_SIZE ${rowGroupSize}, OVERWRITE_OR_IGNORE)`,
    );
  }

  /** The bucket files written by `#split(…, name)`, by bucket. */
  async #splitBuckets(name: string): Promise<Map<number, string[]>> {
    return filesByBucket(join(this.request.tempDirectory, name), (entry) => {
      const match = new RegExp(`^${BUCKET}=(\\d+)$`).exec(entry);
      return match === null ? undefined : Number(match[1]);
    });
  }

  /** The lake's bucket files, by bucket; a directory name not of this bucket count is `CONFIG_INVALID`. */
  async #lakeBuckets(): Promise<Map<number, string[]>> {
    const { bucketCount, table, lakeTableDir } = this.request;
    return filesByBucket(lakeTableDir, (entry) => {
      const match = /^bucket=(\d+)$/.exec(entry);
      if (match === null) {
        return undefined;
      }
      const bucket = Number(match[1]);
      if (bucket >= bucketCount || scdBucketDirName(bucket, bucketCount) !== entry) {
        throw new SqlSyncError(
          'CONFIG_INVALID',
          `${table}: the lake directory ${join(lakeTableDir, entry)} is not a bucket of bucket_count ${bucketCount}; the table was loaded with another bucket count: set bucket_count back, or delete the lake table directory and its state file to reload`,
          { context: { table, configPath: 'bucket_count' } },
        );
      }
      return bucket;
    });
  }

  /** The columns of a query's result, by name, with their DuckDB types. */
  async #columnTypes(query: string): Promise<Map<string, string>> {
    const rows = (await this.connection.runAndReadAll(`DESCRIBE ${query}`)).getRows();
    return new Map(rows.map((row) => [String(row[0]), String(row[1])]));
  }

  /** Frees one bucket's tables before the next bucket. */
  async #dropBucketTables(): Promise<void> {
    // Views first: they name the tables.
    for (const name of ['v', 'lf']) {
      await this.connection.run(`DROP VIEW IF EXISTS ${name}`);
    }
    for (const name of ['c', 'l', 'm', 'g', 't', 'vt', 'r', 'h', 'xs']) {
      await this.connection.run(`DROP TABLE IF EXISTS ${name}`);
    }
  }

  async #bucket(
    bucket: number,
    files: {
      readonly lake: readonly string[] | undefined;
      readonly changed: readonly string[] | undefined;
      readonly keys: readonly string[] | undefined;
    },
    target: ScdMergeTarget,
    /**
     * The lake file's columns and the source's (name → DuckDB type) when they differ: the bucket is
     * rewritten in the source's shape.
     */
    reshaped?: { readonly lake: ReadonlyMap<string, string>; readonly source: ReadonlyMap<string, string> },
  ): Promise<{ counts: ScdMergeCounts; written?: ScdBucketWrite }> {
    const { lake: lakeFiles, changed: changedFiles, keys: keyFiles } = files;
    const { columns, lastModifiedColumn, table, dateType } = this.request;
    const run = (sql: string) => this.connection.run(sql);
    const keys = columns.keyColumns.map(quoteIdentifier);
    const on = (a: string, b: string): string =>
      keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
    const source = columns.sourceColumns.map(quoteIdentifier);
    const sourceList = source.join(', ');
    const lm = quoteIdentifier(lastModifiedColumn);
    const eff = quoteIdentifier(columns.effectiveColumn);
    const end = quoteIdentifier(columns.endColumn);
    const latest = quoteIdentifier(columns.isLatestColumn);
    const deleted = quoteIdentifier(columns.isDeletedColumn);
    const lakeList = [...source, eff, end, latest, deleted].join(', ');
    await this.#dropBucketTables();
    // The rows read of this bucket; typed from the first file of rows read when there are none.
    await run(
      changedFiles === undefined
        ? `CREATE TEMP TABLE c AS SELECT ${sourceList} FROM ${readParquetSql(this.request.changedRows)} LIMIT 0`
        : `CREATE TEMP TABLE c AS SELECT ${sourceList} FROM ${readParquetSql(changedFiles)}`,
    );
    const duplicate = (
      await this.connection.runAndReadAll(
        `SELECT ${[...keys, lm].map((k) => `${k}::VARCHAR`).join(', ')}, COUNT(*) FROM c GROUP BY ${[...keys, lm].join(', ')} HAVING COUNT(*) > 1 LIMIT 1`,
      )
    ).getRows()[0];
    if (duplicate !== undefined) {
      const values = [...columns.keyColumns, lastModifiedColumn].map(
        (k, i) => `${k} = ${String(duplicate[i])}`,
      );
      throw new SqlSyncError(
        'DATA_QUALITY',
        `${table}: ${String(duplicate[duplicate.length - 1])} source rows have the same business key and ${lastModifiedColumn} (${values.join(', ')}); an SCD2 version is one (business key, ${lastModifiedColumn}) — make business_key_columns unique per ${lastModifiedColumn}`,
        { context: { table, column: lastModifiedColumn, configPath: 'business_key_columns' } },
      );
    }
    // The lake bucket as a view: read where needed (the untouched rows are only copied), never held
    // whole. In a reshaped bucket a column new in the source is NULL in the versions read before it,
    // a column gone from the source leaves the lake, and a changed type is cast to the new one.
    await run(
      lakeFiles === undefined
        ? `CREATE TEMP VIEW lf AS SELECT ${sourceList}, ${lm} AS ${eff}, ${lm} AS ${end}, true AS ${latest}, false AS ${deleted} FROM c LIMIT 0`
        : reshaped === undefined
          ? `CREATE TEMP VIEW lf AS SELECT ${lakeList} FROM ${readParquetSql(lakeFiles)}`
          : `CREATE TEMP VIEW lf AS SELECT ${columns.sourceColumns
              .map((col) => {
                const quoted = quoteIdentifier(col);
                return `CAST(${reshaped.lake.has(col) ? quoted : 'NULL'} AS ${reshaped.source.get(col)}) AS ${quoted}`;
              })
              .join(', ')}, ${eff}, ${end}, ${latest}, ${deleted} FROM ${readParquetSql(lakeFiles)}`,
    );
    // Keys gone from the source whose latest lake version is open.
    const sourceKeys =
      keyFiles === undefined ? `(SELECT ${keys.join(', ')} FROM c LIMIT 0)` : readParquetSql(keyFiles);
    await run(
      this.request.sourceKeys === undefined
        ? `CREATE TEMP TABLE g AS SELECT ${keys.join(', ')} FROM c LIMIT 0`
        : `CREATE TEMP TABLE g AS SELECT DISTINCT ${keys.map((k) => `x.${k}`).join(', ')} FROM lf x
            WHERE x.${latest} AND NOT x.${deleted} AND NOT EXISTS (SELECT 1 FROM ${sourceKeys} s WHERE ${on('s', 'x')})`,
    );
    // The lake rows of the keys read or gone: the only ones whose history may change.
    await run(`CREATE TEMP TABLE l AS SELECT x.* FROM lf x
      SEMI JOIN (SELECT ${keys.join(', ')} FROM c UNION SELECT ${keys.join(', ')} FROM g) k ON ${on('k', 'x')}`);
    const readRows = (alias: string): string => addedRows(alias, keys, lm);
    const sameAs = (alias: string): string =>
      source.map((col) => `c.${col} IS NOT DISTINCT FROM ${alias}.${col}`).join(' AND ');
    const closeTime = `CAST(${quoteStringLiteral(this.request.closeTime.replace(/(\.\d{6})\d+$/, '$1'))} AS ${dateType === 'date' ? 'DATE' : 'TIMESTAMP'})`;
    // Restored keys: a key whose latest lake version is deleted, back with a last-modified value
    // older than that version's. Inserted at its own last-modified it would sit before the delete
    // and leave the key without a current version (and read again by every run), so its newest row
    // read becomes a new version after the deleted one, effective at this run's source time; its
    // last-modified column keeps the source value.
    await run(`CREATE TEMP TABLE r AS
      SELECT ${keys.map((k) => `c.${k}`).join(', ')}, max(c.${lm}) AS ${lm}
      FROM c JOIN l d ON ${on('c', 'd')} AND d.${latest} AND d.${deleted}
      GROUP BY ${keys.map((k) => `c.${k}`).join(', ')}, d.${eff}
      HAVING max(c.${lm}) < d.${eff}`);
    // Each row read's change, by its (key, last-modified); the rows themselves stay in c. A row read
    // again that is a restored key's current version (effective later than its last-modified) and
    // has not changed is unchanged.
    await run(`CREATE TEMP TABLE m AS
      SELECT ${[...keys, lm].map((k) => `c.${k}`).join(', ')}, CASE
        WHEN r.${lm} IS NOT NULL THEN 'added'
        WHEN o.${eff} IS NOT NULL AND ${sameAs('o')} THEN 'unchanged'
        WHEN l.${eff} IS NULL THEN 'added'
        WHEN ${sameAs('l')} AND NOT l.${deleted} THEN 'unchanged'
        ELSE 'replaced' END AS ${CHANGE}
      FROM c LEFT JOIN l ON ${on('c', 'l')} AND l.${eff} = c.${lm}
        LEFT JOIN r ON ${on('c', 'r')} AND r.${lm} = c.${lm}
        LEFT JOIN l o ON ${on('c', 'o')} AND o.${latest} AND NOT o.${deleted} AND o.${lm} = c.${lm} AND o.${eff} > c.${lm}`);
    // A version read this run of a key gone since (read, then deleted before the key set was read).
    if (this.request.sourceKeys !== undefined) {
      await run(`INSERT INTO g SELECT DISTINCT ${keys.map((k) => `m.${k}`).join(', ')} FROM m
        WHERE m.${CHANGE} <> 'unchanged' AND NOT EXISTS (SELECT 1 FROM ${sourceKeys} s WHERE ${on('s', 'm')})
          AND NOT EXISTS (SELECT 1 FROM g WHERE ${on('g', 'm')})`);
    }
    await run(`CREATE TEMP TABLE t AS
      SELECT DISTINCT ${keys.join(', ')} FROM (SELECT ${keys.join(', ')} FROM m WHERE ${CHANGE} <> 'unchanged' UNION ALL SELECT ${keys.join(', ')} FROM g)`);
    const changes = await this.#changeCounts();
    const touched = Number(
      (await this.connection.runAndReadAll('SELECT COUNT(*) FROM t')).getRows()[0]?.[0] ?? 0,
    );
    if (touched === 0 && reshaped === undefined) {
      await this.#dropBucketTables();
      return { counts: { ...changes, keysDeleted: 0 } };
    }

    // The touched keys' versions: the lake's (less those replaced) and those added or replacing.
    // Only deletes need them stored (to set a delete time); otherwise a view saves a copy of the
    // bucket's changes (an initial load's whole bucket).
    const gone = Number(
      (await this.connection.runAndReadAll('SELECT COUNT(*) FROM g')).getRows()[0]?.[0] ?? 0,
    );
    await run(`CREATE TEMP ${gone > 0 ? 'TABLE vt' : 'VIEW v'} AS
      SELECT ${source.map((col) => `l.${col}`).join(', ')}, l.${eff}, CASE WHEN l.${deleted} THEN l.${end} END AS ${SCD_DELETED_AT}
      FROM l
      WHERE EXISTS (SELECT 1 FROM t WHERE ${on('t', 'l')})
        AND NOT EXISTS (SELECT 1 FROM m WHERE m.${CHANGE} = 'replaced' AND ${on('m', 'l')} AND m.${lm} = l.${eff})
      UNION ALL
      SELECT ${source.map((col) => `c.${col}`).join(', ')},
        CASE WHEN EXISTS (SELECT 1 FROM r WHERE ${on('r', 'c')} AND r.${lm} = c.${lm}) THEN ${closeTime} ELSE c.${lm} END AS ${eff},
        NULL AS ${SCD_DELETED_AT} FROM ${readRows('c')}`);
    let keysDeleted = 0;
    if (gone > 0) {
      const deletedRows = await this.connection.run(`UPDATE vt SET ${SCD_DELETED_AT} = ${closeTime}
        FROM g
        WHERE ${on('g', 'vt')} AND vt.${SCD_DELETED_AT} IS NULL
          AND vt.${eff} = (SELECT max(w.${eff}) FROM vt w WHERE ${on('w', 'vt')})`);
      keysDeleted = deletedRows.rowsChanged;
      await run('CREATE TEMP VIEW v AS SELECT * FROM vt');
    }
    const counts = { ...changes, keysDeleted };

    const expected = await this.#expected();
    const directoryName = scdBucketDirName(bucket, this.request.bucketCount);
    await mkdir(join(target.directory, directoryName), { recursive: true });
    const file = join(target.directory, directoryName, target.fileName);
    // The untouched rows keep their order (the file's, sorted by key when it was written); the
    // touched keys' histories follow, sorted. A global ORDER BY cost a third of an incremental run.
    const merged = `SELECT * FROM lf x WHERE NOT EXISTS (SELECT 1 FROM t WHERE ${on('t', 'x')})
      UNION ALL (SELECT * FROM (${scdHistorySql('v', columns, dateType)}) ORDER BY ${[...keys, eff].join(', ')})`;
    const metadata = {
      ...(target.metadata ?? {}),
      'sqlsync.scd.bucket': String(bucket),
      'sqlsync.scd.bucket_count': String(this.request.bucketCount),
      'sqlsync.scd.bucket_hash': SCD_BUCKET_HASH,
      'sqlsync.scd.business_key': JSON.stringify(columns.keyColumns),
    };
    // zstd at level 1: a whole bucket rewritten (an initial load, a compaction) writes ~40 % faster
    // than at DuckDB's default 3, for ~1.5 % larger files.
    const compression = target.compression ?? 'zstd';
    const level = compression === 'zstd' ? ', COMPRESSION_LEVEL 1' : '';
    const copyOptions = `${copyOptionsSql({ metadata, compression })}${level}`;
    // 1 % of keys changed touches every bucket: a run that only adds versions and closes or deletes
    // existing ones splices the bucket's file (its source columns copied byte for byte) instead of
    // rewriting it; anything else, or a splice refused, rewrites the bucket whole.
    const spliced =
      lakeFiles?.length === 1 &&
      reshaped === undefined &&
      changes.versionsReplaced === 0 &&
      Number((await this.connection.runAndReadAll('SELECT COUNT(*) FROM r')).getRows()[0]?.[0] ?? 0) === 0 &&
      (await spliceScdBucket(this.connection, {
        lakeFile: lakeFiles[0] as string,
        file,
        columns,
        dateType,
        versionsAdded: changes.versionsAdded,
        copyOptions,
        scdOptions: `FORMAT PARQUET, COMPRESSION ${compression === 'snappy' ? 'snappy' : 'zstd'}${level}`,
        tempDirectory: join(this.request.tempDirectory, 'splice'),
        rowGroupSize: DEFAULT_ROW_GROUP_SIZE,
      }));
    if (!spliced) {
      await run(`COPY (${merged}) TO ${quoteStringLiteral(file)} (${copyOptions})`);
    }
    // The file as written, read back from disk, must hold what the old bucket and the changes add
    // up to: nothing lost or doubled by the merge.
    const sumColumns = this.request.sumColumns ?? [];
    const written = await readParquetStats(file, sumColumns, { duckdb: this.connection });
    const mismatch =
      written.rowCount !== expected.rowCount
        ? `row count: expected ${expected.rowCount} (old bucket − replaced + added versions), written ${written.rowCount}`
        : sumColumns
            .filter((c) => written.sums[c.name] !== expected.sums[c.name])
            .map(
              (c) =>
                `column ${c.name}: SUM expected ${expected.sums[c.name] ?? 'NULL'} (old bucket − replaced + added versions), written ${written.sums[c.name] ?? 'NULL'}`,
            )[0];
    if (mismatch !== undefined) {
      throw new SqlSyncError('VALIDATION_FAILED', `${table} ${directoryName}: ${mismatch}`, {
        context: { table },
      });
    }
    const rows = Number(written.rowCount);
    await this.#dropBucketTables();
    return {
      counts,
      written: { bucket, directoryName, file, rows, bytes: (await stat(file)).size, expected, ...counts },
    };
  }

  async #changeCounts(): Promise<Omit<ScdMergeCounts, 'keysDeleted'>> {
    const rows = (
      await this.connection.runAndReadAll(`SELECT ${CHANGE}, COUNT(*) FROM m GROUP BY ${CHANGE}`)
    ).getRows();
    const count = (change: string): number => Number(rows.find(([c]) => c === change)?.[1] ?? 0);
    return {
      versionsAdded: count('added'),
      versionsReplaced: count('replaced'),
      versionsUnchanged: count('unchanged'),
    };
  }

  /**
   * The new bucket's figures: the old bucket's rows and exact sums, less the replaced versions',
   * plus the rows read that are added or replace one (integer and fractional halves summed apart
   * so no sum overflows DECIMAL(38)).
   */
  async #expected(): Promise<ParquetStats> {
    const { columns, lastModifiedColumn } = this.request;
    const sumColumns = this.request.sumColumns ?? [];
    const keys = columns.keyColumns.map(quoteIdentifier);
    const on = keys.map((k) => `m.${k} IS NOT DISTINCT FROM l.${k}`).join(' AND ');
    const lm = quoteIdentifier(lastModifiedColumn);
    const eff = quoteIdentifier(columns.effectiveColumn);
    const scaleOf = (column: StatsColumn): number =>
      column.lakeType.kind === 'decimal' ? column.lakeType.scale : 0;
    const query = async (relation: string, split: boolean): Promise<readonly unknown[]> => {
      const parts = sumColumns.flatMap((column) => {
        const name = quoteIdentifier(column.name);
        const scale = scaleOf(column);
        return split
          ? [
              `COUNT(${name})`,
              `SUM(trunc(${name})::HUGEINT)::VARCHAR`,
              `SUM((${name} - trunc(${name}))::DECIMAL(38,${scale}))::VARCHAR`,
            ]
          : [`COUNT(${name})`, `SUM(${name})::DECIMAL(38,${scale})`, 'NULL'];
      });
      const sql = `SELECT ${['COUNT(*)', ...parts].join(', ')} FROM ${relation}`;
      return (await this.connection.runAndReadAll(sql)).getRows()[0] ?? [];
    };
    // Plain SUMs are exact (128-bit, DuckDB throws on overflow) and ~20x faster than the split
    // ones, which are only needed once a sum leaves DECIMAL(38).
    const figures = async (relation: string): Promise<{ rows: bigint; sums: Sum[] }> => {
      let split = false;
      let row: readonly unknown[];
      try {
        row = await query(relation, false);
      } catch (error) {
        if (!/Overflow/i.test(error instanceof Error ? error.message : String(error))) {
          throw error;
        }
        split = true;
        row = await query(relation, true);
      }
      return {
        rows: BigInt(String(row[0] ?? 0)),
        sums: sumColumns.map((column, i) => {
          const scale = scaleOf(column);
          const first = row[2 + 3 * i];
          const second = row[3 + 3 * i];
          const values = BigInt(String(row[1 + 3 * i] ?? 0));
          if (!split) {
            return { values, unscaled: first instanceof DuckDBDecimalValue ? first.value : 0n };
          }
          return {
            values,
            unscaled:
              (first === null || first === undefined ? 0n : BigInt(String(first))) * 10n ** BigInt(scale) +
              (second === null || second === undefined ? 0n : parseDecimal(String(second), 38, scale).value),
          };
        }),
      };
    };
    const old = await figures('lf');
    const replaced = await figures(
      `(SELECT l.* FROM l WHERE EXISTS (SELECT 1 FROM m WHERE m.${CHANGE} = 'replaced' AND ${on} AND m.${lm} = l.${eff}))`,
    );
    const added = await figures(`(SELECT c.* FROM ${addedRows('c', keys, lm)})`);
    const sums: Record<string, string | null> = {};
    sumColumns.forEach((column, i) => {
      const scale = column.lakeType.kind === 'decimal' ? column.lakeType.scale : 0;
      const a = old.sums[i] as Sum;
      const r = replaced.sums[i] as Sum;
      const n = added.sums[i] as Sum;
      const values = a.values - r.values + n.values;
      sums[column.name] =
        values === 0n
          ? null
          : formatDecimal({ value: a.unscaled - r.unscaled + n.unscaled, precision: 38, scale });
    });
    return { rowCount: old.rows - replaced.rows + added.rows, sums };
  }
}

/**
 * The rows read (table `c`, as `alias`) that are added or replace a lake version: a semi join with
 * their changes in `m` on (key, last-modified).
 */
function addedRows(alias: string, keys: readonly string[], lm: string): string {
  const on = keys.map((k) => `x.${k} IS NOT DISTINCT FROM ${alias}.${k}`).join(' AND ');
  return `c ${alias} SEMI JOIN (SELECT * FROM m WHERE ${CHANGE} IN ('added', 'replaced')) x ON ${on} AND x.${lm} = ${alias}.${lm}`;
}

/** A column's non-NULL values and exact sum (unscaled at the column's scale) over a set of rows. */
interface Sum {
  readonly values: bigint;
  readonly unscaled: bigint;
}

/** The `*.parquet` files of each bucket directory under `directory` (none when it does not exist). */
async function filesByBucket(
  directory: string,
  bucketOf: (entry: string) => number | undefined,
): Promise<Map<number, string[]>> {
  const buckets = new Map<number, string[]>();
  if (!existsSync(directory)) {
    return buckets;
  }
  for (const entry of (await readdir(directory, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (!entry.isDirectory()) {
      continue;
    }
    const bucket = bucketOf(entry.name);
    if (bucket === undefined) {
      continue;
    }
    const files = (await readdir(join(directory, entry.name)))
      .filter((name) => name.endsWith('.parquet') && !name.startsWith('.'))
      .sort()
      .map((name) => join(directory, entry.name, name));
    if (files.length > 0) {
      buckets.set(bucket, files);
    }
  }
  return buckets;
}

function mergeError(error: unknown, what: string): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SqlSyncError('VALIDATION_FAILED', `${what}: ${message}`, { cause: error });
}
