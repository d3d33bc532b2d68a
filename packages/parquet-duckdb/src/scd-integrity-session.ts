import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';
import { readParquetMetadata } from './parquet-metadata.js';
import { readParquetSql } from './parquet-source.js';
import { copyOptionsSql } from './parquet-write-options.js';
import {
  SCD_BUCKET_HASH,
  SCD_DELETED_AT,
  type ScdDateType,
  scdBucketSql,
  scdHistorySql,
} from './scd-history-sql.js';
import { listScdBucketFiles, type ScdBucketFile } from './scd-integrity-files.js';
import {
  SCD_RULES,
  type ScdColumnNames,
  type ScdIntegrityReport,
  type ScdRule,
  type ScdRuleViolations,
  type ScdViolation,
} from './scd-integrity-report.js';
import { quoteIdentifier as q, quoteStringLiteral } from './sql-quote.js';

/** What to check: one SCD2 table directory of the lake. */
export interface ScdIntegrityRequest {
  /** `<lake>/<target_schema>/<target_table>`, holding `bucket=<nn>/*.parquet`. */
  readonly tableDir: string;
  readonly columns: ScdColumnNames;
  /**
   * The business key columns. The files' `sqlsync.scd.business_key` wins when they carry one; a
   * different key given here is then `CONFIG_INVALID`. Required when the files carry none.
   */
  readonly businessKey?: readonly string[];
  /** The table's id (`schema.table`), for error context. */
  readonly table?: string;
  /** Examples listed per rule (the counts cover all). Defaults to 10. */
  readonly examplesPerRule?: number;
  /** DuckDB `memory_limit` in MiB (beyond it DuckDB spills to `tempDirectory`). Defaults to 512. */
  readonly memoryLimitMb?: number;
  /** Where DuckDB spills. Defaults to DuckDB's own choice. */
  readonly tempDirectory?: string;
}

/** The metadata key naming a bucket file's business key (a JSON array of column names). */
const BUSINESS_KEY_METADATA = 'sqlsync.scd.business_key';
/** The metadata key of a bucket file's table-wide bucket count. */
const BUCKET_COUNT_METADATA = 'sqlsync.scd.bucket_count';
/** The metadata key naming the hash that placed keys in buckets. */
const BUCKET_HASH_METADATA = 'sqlsync.scd.bucket_hash';
/** Every column this session adds to the stored ones starts with this. */
const INTERNAL = '_sqlsync_';

/**
 * A table's whole SCD2 history loaded into one private DuckDB session, with each row's repaired
 * end date, is-latest, is-deleted and bucket computed beside the stored ones. `report()` lists the
 * violations; `writeBucket()` writes one bucket's repaired rows. Always `close()` it.
 *
 * Repair semantics: of the copies of one (key, effective) the one from the newest file is kept;
 * then the kept versions go through the merge's own `scdHistorySql` (end = the next version's
 * effective date or 9999-12-31, only the last latest), a deleted version's stored end being its
 * delete time (clamped between its effective date and the next version's). A version flagged
 * deleted whose end is 9999-12-31 or missing has no delete time and is re-opened (not deleted):
 * the next run with `detect_deletes` closes it again if the key is still gone. A key stored in
 * another bucket than it hashes to moves to its own.
 */
export class ScdIntegritySession {
  #closed = false;

  private constructor(
    private readonly instance: DuckDBInstance | undefined,
    private readonly connection: DuckDBConnection | undefined,
    private readonly request: ScdIntegrityRequest,
    /** The table's files, oldest first. */
    readonly files: readonly ScdBucketFile[],
    readonly businessKey: readonly string[],
    readonly bucketCount: number | undefined,
    /** The stored columns: the source's in file order, then effective, end, is-latest, is-deleted. */
    readonly storedColumns: readonly string[],
    /** Metadata of the newest file of each bucket. */
    readonly bucketMetadata: ReadonlyMap<number, Readonly<Record<string, string>>>,
    /** `DATE` or `TIMESTAMP`: the type of the effective and end dates. */
    private readonly dateType: string,
  ) {}

  /** Reads the table's bucket files into a new session. */
  static async open(request: ScdIntegrityRequest): Promise<ScdIntegritySession> {
    const files = await listScdBucketFiles(request.tableDir);
    const context = request.table === undefined ? {} : { table: request.table };
    if (files.length === 0) {
      const businessKey = request.businessKey ?? [];
      return new ScdIntegritySession(
        undefined,
        undefined,
        request,
        files,
        businessKey,
        undefined,
        [],
        new Map(),
        'TIMESTAMP',
      );
    }
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${request.memoryLimitMb ?? 512}MB`,
      threads: '1',
      ...(request.tempDirectory === undefined ? {} : { temp_directory: request.tempDirectory }),
    });
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      const metadata = new Map<string, Record<string, string>>();
      for (const file of files) {
        metadata.set(file.path, await readParquetMetadata(file.path, { duckdb: connection }));
      }
      const businessKey = agreedBusinessKey(files, metadata, request);
      const bucketCount = agreedBucketCount(files, metadata, request);
      const bucketMetadata = new Map<number, Record<string, string>>();
      for (const file of files) {
        // Files are oldest first: the last one seen per bucket is its newest.
        bucketMetadata.set(file.bucket, metadata.get(file.path) ?? {});
      }
      const { storedColumns, dateType } = await loadHistory(
        connection,
        files,
        businessKey,
        bucketCount,
        request,
      );
      return new ScdIntegritySession(
        instance,
        connection,
        request,
        files,
        businessKey,
        bucketCount,
        storedColumns,
        bucketMetadata,
        dateType,
      );
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw readError(error, `cannot read the SCD2 history in ${request.tableDir}`, context);
    }
  }

  /** The violations per rule and what a repair would do. */
  async report(): Promise<ScdIntegrityReport> {
    const empty: ScdRuleViolations = { count: 0, keys: 0, examples: [] };
    const connection = this.connection;
    if (connection === undefined) {
      return {
        tableDir: this.request.tableDir,
        files: 0,
        rows: 0,
        keys: 0,
        businessKey: this.businessKey,
        valid: true,
        violations: Object.fromEntries(SCD_RULES.map((rule) => [rule, empty])) as Record<
          ScdRule,
          ScdRuleViolations
        >,
        repair: { bucketsToRewrite: [], rowsToRemove: 0, rowsToChange: 0 },
      };
    }
    const keys = this.businessKey.map(q);
    const violations = {} as Record<ScdRule, ScdRuleViolations>;
    for (const rule of SCD_RULES) {
      violations[rule] = await this.#violations(
        connection,
        ruleSql(rule, keys, this.request.columns, this.dateType),
      );
    }
    const [totals] = (
      await connection.runAndReadAll(
        `SELECT (SELECT count(*) FROM _sqlsync_rows),
          (SELECT count(*) FROM (SELECT DISTINCT ${keys.join(', ')} FROM _sqlsync_rows)),
          (SELECT count(*) FROM _sqlsync_rows WHERE _sqlsync_copy > 1),
          (SELECT count(*) FROM _sqlsync_repaired WHERE _sqlsync_changed)`,
      )
    ).getRows();
    const [rows, keyCount, removed, changed] = (totals ?? []).map(Number);
    return {
      tableDir: this.request.tableDir,
      files: this.files.length,
      rows: rows ?? 0,
      keys: keyCount ?? 0,
      businessKey: this.businessKey,
      ...(this.bucketCount === undefined ? {} : { bucketCount: this.bucketCount }),
      valid: SCD_RULES.every((rule) => violations[rule].count === 0),
      violations,
      repair: {
        bucketsToRewrite: await this.bucketsToRewrite(),
        rowsToRemove: removed ?? 0,
        rowsToChange: changed ?? 0,
      },
    };
  }

  /**
   * The buckets a repair rewrites: those holding a dropped duplicate, or a row whose values or
   * bucket change (both its old and its new bucket).
   */
  async bucketsToRewrite(): Promise<number[]> {
    if (this.connection === undefined) {
      return [];
    }
    const reader = await this.connection.runAndReadAll(
      `SELECT DISTINCT b FROM (
        SELECT _sqlsync_bucket AS b FROM _sqlsync_rows WHERE _sqlsync_copy > 1
        UNION ALL SELECT _sqlsync_bucket FROM _sqlsync_repaired WHERE _sqlsync_changed
        UNION ALL SELECT _sqlsync_new_bucket FROM _sqlsync_repaired WHERE _sqlsync_changed
      ) ORDER BY b`,
    );
    return reader.getRows().map(([b]) => Number(b));
  }

  /**
   * Writes the repaired rows of one bucket (every row of the table that belongs there, ordered by
   * key and effective date, in the stored column order) to one Parquet file, or nothing when the
   * bucket has no rows. Returns the rows written.
   */
  async writeBucket(
    bucket: number,
    target: string,
    metadata: Readonly<Record<string, string>>,
  ): Promise<number> {
    const connection = this.#open();
    const list = this.storedColumns.map(q).join(', ');
    const where = `_sqlsync_new_bucket = ${Math.trunc(bucket)}`;
    const [count] = (
      await connection.runAndReadAll(`SELECT count(*) FROM _sqlsync_repaired WHERE ${where}`)
    ).getRows();
    const rows = Number(count?.[0] ?? 0);
    if (rows === 0) {
      return 0;
    }
    const order = [...this.businessKey, this.request.columns.effectiveDate].map(q).join(', ');
    await connection.run(
      `COPY (SELECT ${list} FROM _sqlsync_repaired WHERE ${where} ORDER BY ${order}) TO ${quoteStringLiteral(target)} (${copyOptionsSql({ metadata })})`,
    );
    // Read back before anything is published: the file must hold every row meant for the bucket.
    const [written] = (
      await connection.runAndReadAll(`SELECT count(*) FROM ${readParquetSql(target)}`)
    ).getRows();
    if (Number(written?.[0]) !== rows) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `${target} holds ${String(written?.[0])} rows; bucket ${bucket} has ${rows} after the repair`,
        { context: this.request.table === undefined ? {} : { table: this.request.table } },
      );
    }
    return rows;
  }

  /** Closes the DuckDB session. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.connection?.closeSync();
    this.instance?.closeSync();
  }

  #open(): DuckDBConnection {
    if (this.connection === undefined) {
      throw new SqlSyncError('INTERNAL', `${this.request.tableDir} has no bucket files to write from`);
    }
    return this.connection;
  }

  async #violations(connection: DuckDBConnection, sql: string): Promise<ScdRuleViolations> {
    const keys = this.businessKey.map(q);
    const [counts] = (
      await connection.runAndReadAll(
        `SELECT count(*), (SELECT count(*) FROM (SELECT DISTINCT ${keys.join(', ')} FROM (${sql}))) FROM (${sql})`,
      )
    ).getRows();
    const count = Number(counts?.[0] ?? 0);
    if (count === 0) {
      return { count: 0, keys: 0, examples: [] };
    }
    const limit = Math.max(0, Math.trunc(this.request.examplesPerRule ?? 10));
    const reader = await connection.runAndReadAll(
      `SELECT ${keys.map((k) => `${k}::VARCHAR`).join(', ')}, to_json(_sqlsync_versions)::VARCHAR, _sqlsync_expected
       FROM (${sql}) ORDER BY ${keys.join(', ')}, _sqlsync_order LIMIT ${limit}`,
    );
    const examples = reader.getRows().map((row): ScdViolation => {
      const key: Record<string, string | null> = {};
      this.businessKey.forEach((column, i) => {
        const value = row[i];
        key[column] = value === null || value === undefined ? null : String(value);
      });
      const versions = JSON.parse(String(row[keys.length])) as ScdViolation['versions'];
      const expected = row[keys.length + 1];
      return {
        key,
        versions,
        ...(expected === null || expected === undefined ? {} : { expectedBucket: Number(expected) }),
      };
    });
    return { count, keys: Number(counts?.[1] ?? 0), examples };
  }
}

/** The business key of the files, checked against the request's. */
function agreedBusinessKey(
  files: readonly ScdBucketFile[],
  metadata: ReadonlyMap<string, Readonly<Record<string, string>>>,
  request: ScdIntegrityRequest,
): readonly string[] {
  const context = request.table === undefined ? {} : { table: request.table };
  let lake: { readonly key: string[]; readonly file: ScdBucketFile } | undefined;
  for (const file of files) {
    const text = metadata.get(file.path)?.[BUSINESS_KEY_METADATA];
    if (text === undefined) {
      continue;
    }
    let key: unknown;
    try {
      key = JSON.parse(text);
    } catch {
      key = undefined;
    }
    if (!Array.isArray(key) || key.length === 0 || !key.every((c) => typeof c === 'string')) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `${file.path}: ${BUSINESS_KEY_METADATA} is not a JSON array of column names: ${text}`,
        { context },
      );
    }
    if (lake !== undefined && JSON.stringify(lake.key) !== JSON.stringify(key)) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `the bucket files disagree on the business key: ${lake.file.relative} has ${JSON.stringify(lake.key)}, ${file.relative} has ${text}`,
        { context },
      );
    }
    lake ??= { key: key as string[], file };
  }
  const given = request.businessKey;
  if (lake === undefined) {
    if (given === undefined || given.length === 0) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `the bucket files in ${request.tableDir} carry no ${BUSINESS_KEY_METADATA}; set business_key_columns`,
        { context: { ...context, configPath: 'business_key_columns' } },
      );
    }
    return given;
  }
  if (given !== undefined && JSON.stringify([...given]) !== JSON.stringify(lake.key)) {
    throw new SqlSyncError(
      'CONFIG_INVALID',
      `business_key_columns is ${JSON.stringify(given)} but the lake's history is keyed by ${JSON.stringify(lake.key)} (${lake.file.relative})`,
      { context: { ...context, configPath: 'business_key_columns' } },
    );
  }
  return lake.key;
}

/** The bucket count the files carry, if any (they must agree). */
function agreedBucketCount(
  files: readonly ScdBucketFile[],
  metadata: ReadonlyMap<string, Readonly<Record<string, string>>>,
  request: ScdIntegrityRequest,
): number | undefined {
  let count: number | undefined;
  for (const file of files) {
    const hash = metadata.get(file.path)?.[BUCKET_HASH_METADATA];
    if (hash !== undefined && hash !== SCD_BUCKET_HASH) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `${file.relative}: ${BUCKET_HASH_METADATA} is ${hash}; this sqlsync buckets keys by ${SCD_BUCKET_HASH} only`,
        { context: request.table === undefined ? {} : { table: request.table } },
      );
    }
    const text = metadata.get(file.path)?.[BUCKET_COUNT_METADATA];
    if (text === undefined) {
      continue;
    }
    const value = Number(text);
    if (!Number.isSafeInteger(value) || value < 1 || (count !== undefined && value !== count)) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `${file.relative}: ${BUCKET_COUNT_METADATA} ${text} ${count === undefined ? 'is not a positive integer' : `differs from the other files' ${count}`}`,
        { context: request.table === undefined ? {} : { table: request.table } },
      );
    }
    count = value;
  }
  return count;
}

/**
 * Loads every row into `_sqlsync_rows` (with its file, bucket, file age, the bucket its key hashes
 * to and its copy number among the rows of the same (key, effective)), the kept copies with their
 * neighbours into `_sqlsync_history`, and their repaired values into `_sqlsync_repaired`. Returns
 * the stored columns and the SQL type of the effective and end dates (DATE or TIMESTAMP).
 */
async function loadHistory(
  connection: DuckDBConnection,
  files: readonly ScdBucketFile[],
  businessKey: readonly string[],
  bucketCount: number | undefined,
  request: ScdIntegrityRequest,
): Promise<{ readonly storedColumns: string[]; readonly dateType: string }> {
  const context = request.table === undefined ? {} : { table: request.table };
  const values = files
    .map((f) => `(${quoteStringLiteral(f.path)}, ${quoteStringLiteral(f.relative)}, ${f.bucket}, ${f.rank})`)
    .join(', ');
  await connection.run(
    `CREATE TEMP TABLE _sqlsync_files AS SELECT * FROM (VALUES ${values}) t(path, relative, bucket, rank)`,
  );
  const paths = files.map((f) => quoteStringLiteral(f.path)).join(', ');
  await connection.run(
    `CREATE TEMP VIEW _sqlsync_stored AS SELECT * FROM read_parquet([${paths}], hive_partitioning = false, union_by_name = true, filename = '_sqlsync_path')`,
  );
  const described = (await connection.runAndReadAll('DESCRIBE _sqlsync_stored')).getRows();
  const types = new Map(described.map(([name, type]) => [String(name), String(type)]));
  types.delete('_sqlsync_path');
  const storedColumns = [...types.keys()];
  const internal = storedColumns.find((c) => c.startsWith(INTERNAL));
  if (internal !== undefined) {
    throw new SqlSyncError(
      'VALIDATION_FAILED',
      `a stored column is named ${internal}; names starting with ${INTERNAL} are sqlsync's`,
      {
        context: { ...context, column: internal },
      },
    );
  }
  const { effectiveDate, endDate, isLatest, isDeleted } = request.columns;
  for (const column of [...businessKey, effectiveDate, endDate, isLatest, isDeleted]) {
    if (!types.has(column)) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `the bucket files of ${request.tableDir} have no column ${column}`,
        {
          context: { ...context, column },
        },
      );
    }
  }
  const effectiveType = types.get(effectiveDate) as string;
  if (!['DATE', 'TIMESTAMP'].includes(effectiveType) || types.get(endDate) !== effectiveType) {
    throw new SqlSyncError(
      'VALIDATION_FAILED',
      `${effectiveDate} and ${endDate} must both be DATE or both TIMESTAMP; the files have ${effectiveType} and ${types.get(endDate)}`,
      { context: { ...context, column: endDate } },
    );
  }
  const keys = businessKey.map(q);
  const hashBucket = bucketCount === undefined ? 'NULL::INTEGER' : scdBucketSql(businessKey, bucketCount);
  const E = q(effectiveDate);
  const X = q(endDate);
  const D = `coalesce(${q(isDeleted)}, false)`;
  const open = `CAST('9999-12-31' AS ${effectiveType})`;
  const byKey = keys.join(', ');
  await connection.run(`CREATE TEMP TABLE _sqlsync_rows AS
    SELECT *,
      row_number() OVER (PARTITION BY ${byKey}, ${E} ORDER BY _sqlsync_rank DESC, _sqlsync_row DESC) AS _sqlsync_copy,
      count(*) OVER (PARTITION BY ${byKey}, ${E}) AS _sqlsync_copies
    FROM (
      SELECT s.* EXCLUDE (_sqlsync_path), f.relative AS _sqlsync_file, f.bucket AS _sqlsync_bucket,
        f.rank AS _sqlsync_rank, row_number() OVER () AS _sqlsync_row, ${hashBucket} AS _sqlsync_hash_bucket,
        struct_pack(effective := ${E}::VARCHAR, "end" := ${X}::VARCHAR, isLatest := ${q(isLatest)},
          isDeleted := ${q(isDeleted)}, bucket := f.bucket, file := f.relative) AS _sqlsync_version
      FROM _sqlsync_stored s JOIN _sqlsync_files f ON f.path = s._sqlsync_path
    )`);
  await connection.run(`CREATE TEMP TABLE _sqlsync_history AS
    SELECT *,
      lead(${E}) OVER w AS _sqlsync_next,
      lead(_sqlsync_version) OVER w AS _sqlsync_next_version,
      row_number() OVER (PARTITION BY ${byKey} ORDER BY ${E} DESC NULLS LAST) = 1 AS _sqlsync_last
    FROM _sqlsync_rows WHERE _sqlsync_copy = 1
    WINDOW w AS (PARTITION BY ${byKey} ORDER BY ${E})`);
  // The recompute is the merge's own (scdHistorySql), fed the kept copies. A deleted version's
  // delete time is its stored end; a deleted version ending 9999-12-31 (or with no end) has none
  // and is re-opened: the next run with detect_deletes closes it again if the key is still gone.
  // The stored values, bucket and hashed bucket ride along as extra "source" columns so that each
  // repaired row can be compared with what it replaces.
  const dateType: ScdDateType = effectiveType === 'DATE' ? 'date' : 'timestamp';
  const carried = [
    '_sqlsync_old_end',
    '_sqlsync_old_latest',
    '_sqlsync_old_deleted',
    '_sqlsync_bucket',
    '_sqlsync_hash_bucket',
  ];
  const sourceColumns = storedColumns.filter(
    (c) => ![effectiveDate, endDate, isLatest, isDeleted].includes(c),
  );
  const versions = `(SELECT ${sourceColumns.map(q).join(', ')}, ${E},
      CASE WHEN ${D} AND ${X} < ${open} THEN ${X} END AS ${q(SCD_DELETED_AT)},
      ${X} AS _sqlsync_old_end, ${q(isLatest)} AS _sqlsync_old_latest, ${q(isDeleted)} AS _sqlsync_old_deleted,
      _sqlsync_bucket, _sqlsync_hash_bucket
    FROM _sqlsync_rows WHERE _sqlsync_copy = 1)`;
  const history = scdHistorySql(
    versions,
    {
      keyColumns: businessKey,
      sourceColumns: [...sourceColumns, ...carried],
      effectiveColumn: effectiveDate,
      endColumn: endDate,
      isLatestColumn: isLatest,
      isDeletedColumn: isDeleted,
    },
    dateType,
  );
  await connection.run(`CREATE TEMP TABLE _sqlsync_repaired AS
    SELECT *,
      _sqlsync_old_end IS DISTINCT FROM ${X} OR _sqlsync_old_latest IS DISTINCT FROM ${q(isLatest)}
        OR _sqlsync_old_deleted IS DISTINCT FROM ${q(isDeleted)} OR _sqlsync_bucket <> _sqlsync_new_bucket AS _sqlsync_changed
    FROM (SELECT *, coalesce(_sqlsync_hash_bucket, _sqlsync_bucket) AS _sqlsync_new_bucket FROM (${history}))`);
  return {
    storedColumns: [...sourceColumns, effectiveDate, endDate, isLatest, isDeleted],
    dateType: effectiveType,
  };
}

/**
 * One row per violation of `rule`: the key columns, `_sqlsync_order` (the order of examples within
 * a key), `_sqlsync_versions` (a list of version structs) and `_sqlsync_expected` (wrongBucket).
 */
function ruleSql(rule: ScdRule, keys: readonly string[], columns: ScdColumnNames, dateType: string): string {
  const byKey = keys.join(', ');
  const E = q(columns.effectiveDate);
  const X = q(columns.endDate);
  const L = `coalesce(${q(columns.isLatest)}, false)`;
  const D = `coalesce(${q(columns.isDeleted)}, false)`;
  const open = `CAST('9999-12-31' AS ${dateType})`;
  const one = (from: string, where: string): string =>
    `SELECT ${byKey}, ${E} AS _sqlsync_order, [_sqlsync_version] AS _sqlsync_versions, NULL::INTEGER AS _sqlsync_expected FROM ${from} WHERE ${where}`;
  switch (rule) {
    case 'latestCount':
      return `SELECT ${byKey}, NULL AS _sqlsync_order,
          list(_sqlsync_version ORDER BY ${E}) FILTER (WHERE ${L} OR _sqlsync_last) AS _sqlsync_versions,
          NULL::INTEGER AS _sqlsync_expected
        FROM _sqlsync_history GROUP BY ${byKey} HAVING count(*) FILTER (WHERE ${L}) <> 1`;
    case 'latestNotLast':
      return `SELECT ${keys.map((k) => `h.${k}`).join(', ')}, h.${E} AS _sqlsync_order,
          [h._sqlsync_version, l._sqlsync_version] AS _sqlsync_versions, NULL::INTEGER AS _sqlsync_expected
        FROM _sqlsync_history h JOIN _sqlsync_history l
          ON l._sqlsync_last AND ${keys.map((k) => `l.${k} IS NOT DISTINCT FROM h.${k}`).join(' AND ')}
        WHERE coalesce(h.${q(columns.isLatest)}, false) AND NOT h._sqlsync_last`;
    case 'duplicates':
      return `SELECT ${byKey}, ${E} AS _sqlsync_order,
          list(_sqlsync_version ORDER BY _sqlsync_copy) AS _sqlsync_versions, NULL::INTEGER AS _sqlsync_expected
        FROM _sqlsync_rows WHERE _sqlsync_copies > 1 GROUP BY ${byKey}, ${E}`;
    case 'overlaps':
      return `SELECT ${byKey}, ${E} AS _sqlsync_order, [_sqlsync_version, _sqlsync_next_version] AS _sqlsync_versions,
          NULL::INTEGER AS _sqlsync_expected
        FROM _sqlsync_history WHERE _sqlsync_next IS NOT NULL AND ${X} > _sqlsync_next`;
    case 'gaps':
      return `SELECT ${byKey}, ${E} AS _sqlsync_order, [_sqlsync_version, _sqlsync_next_version] AS _sqlsync_versions,
          NULL::INTEGER AS _sqlsync_expected
        FROM _sqlsync_history WHERE _sqlsync_next IS NOT NULL AND NOT ${D} AND (${X} IS NULL OR ${X} < _sqlsync_next)`;
    case 'lastEnd':
      return one('_sqlsync_history', `_sqlsync_last AND NOT ${D} AND ${X} IS DISTINCT FROM ${open}`);
    case 'deletedEnd':
      return one('_sqlsync_history', `${D} AND (${X} IS NULL OR ${X} >= ${open} OR ${X} < ${E})`);
    case 'wrongBucket':
      return `SELECT ${byKey}, ${E} AS _sqlsync_order, [_sqlsync_version] AS _sqlsync_versions,
          _sqlsync_hash_bucket AS _sqlsync_expected
        FROM _sqlsync_rows WHERE _sqlsync_hash_bucket IS NOT NULL AND _sqlsync_hash_bucket <> _sqlsync_bucket`;
  }
}

function readError(error: unknown, what: string, context: { readonly table?: string }): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SqlSyncError('VALIDATION_FAILED', `${what}: ${message}`, { cause: error, context });
}
