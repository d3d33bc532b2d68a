import { stat } from 'node:fs/promises';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';
import { type ParquetSource, readParquetSql } from './parquet-source.js';
import { copyOptionsSql, type ParquetCompression } from './parquet-write-options.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';

/** What to compare: the source's (key, row hash) pairs now, and those of the published rows. */
export interface LakeUpsertRequest {
  /** Parquet of the source's rows now: the key columns and `hashColumn`, one row per key. */
  readonly sourceHashes: ParquetSource;
  /** Parquet of the published rows' (key, hash) pairs. Absent: the lake has none (every key is new). */
  readonly lakeHashes?: ParquetSource;
  /** The key columns, compared column by column on their typed values (never joined into text). */
  readonly keyColumns: readonly string[];
  readonly hashColumn: string;
  /** DuckDB `memory_limit` in MiB (beyond it DuckDB spills to `tempDirectory`). Defaults to 256. */
  readonly memoryLimitMb?: number;
  /** Where DuckDB spills. Defaults to DuckDB's own choice. */
  readonly tempDirectory?: string;
}

/** How the source's keys compare with the lake's. */
export interface UpsertCounts {
  /** Keys only in the source. */
  readonly inserted: number;
  /** Keys in both whose row hash differs. */
  readonly updated: number;
  /** Keys only in the lake. */
  readonly deleted: number;
  /** Keys in both with the same row hash. */
  readonly unchanged: number;
}

/** How a merged table or a hash file is written. */
export interface UpsertWriteOptions {
  /** Parquet key-value metadata of the file. Defaults to none. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to `'zstd'`. */
  readonly compression?: ParquetCompression;
}

/**
 * The lake side of an upsert, in one DuckDB session: compares the source's (key, row hash) pairs
 * with the lake's, lists the keys to read from the source (inserted and updated), and writes the
 * new table — the lake's unchanged rows and the rows read — plus its (key, hash) file. Keys are
 * compared with `IS NOT DISTINCT FROM` on each typed column, so `('ab','c')` and `('a','bc')` are
 * different keys. Always `close()` it.
 *
 * @example
 * const upsert = await LakeUpsert.open({ sourceHashes, lakeHashes, keyColumns: ['Id'], hashColumn: 'row_hash' });
 * try {
 *   const keys = await upsert.changedKeys(); // [['7'], ['12']]: read these rows from the source
 *   await upsert.writeMerged({ lakeFiles, changedRows, columns, target });
 *   await upsert.writeHashes(hashesTarget);
 * } finally {
 *   upsert.close();
 * }
 */
export class LakeUpsert {
  #closed = false;

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly keyColumns: readonly string[],
    /** The comparison's result. */
    readonly counts: UpsertCounts,
  ) {}

  /**
   * Loads both hash sets and classifies every key. Throws `VALIDATION_FAILED` when a file cannot
   * be read or lacks a column.
   */
  static async open(request: LakeUpsertRequest): Promise<LakeUpsert> {
    if (request.keyColumns.length === 0) {
      throw new SqlSyncError('USAGE', 'LakeUpsert.open: at least one key column is needed');
    }
    const instance = await DuckDBInstance.create(':memory:', {
      memory_limit: `${request.memoryLimitMb ?? 256}MB`,
      threads: '1',
      ...(request.tempDirectory === undefined ? {} : { temp_directory: request.tempDirectory }),
    });
    let connection: DuckDBConnection | undefined;
    try {
      connection = await instance.connect();
      const keys = request.keyColumns.map(quoteIdentifier);
      const hash = quoteIdentifier(request.hashColumn);
      const columns = [...keys, hash].join(', ');
      await connection.run(
        `CREATE TEMP TABLE src AS SELECT ${columns} FROM ${readParquetSql(request.sourceHashes)}`,
      );
      await connection.run(
        request.lakeHashes === undefined
          ? 'CREATE TEMP TABLE lk AS SELECT * FROM src LIMIT 0'
          : `CREATE TEMP TABLE lk AS SELECT ${columns} FROM ${readParquetSql(request.lakeHashes)}`,
      );
      const on = (a: string, b: string): string =>
        keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
      await connection.run(`CREATE TEMP TABLE diff AS
        SELECT ${keys.map((k) => `s.${k}`).join(', ')},
          CASE WHEN l.${hash} IS NULL THEN 'inserted' WHEN l.${hash} = s.${hash} THEN 'unchanged' ELSE 'updated' END AS change
        FROM src s LEFT JOIN lk l ON ${on('s', 'l')}
        UNION ALL
        SELECT ${keys.map((k) => `l.${k}`).join(', ')}, 'deleted' FROM lk l
        WHERE NOT EXISTS (SELECT 1 FROM src s WHERE ${on('s', 'l')})`);
      const counted = (await connection.runAndReadAll('SELECT change, COUNT(*) FROM diff GROUP BY change'))
        .getRows()
        .map(([change, n]) => [String(change), Number(n)] as const);
      const count = (change: string): number => counted.find(([c]) => c === change)?.[1] ?? 0;
      const counts = {
        inserted: count('inserted'),
        updated: count('updated'),
        deleted: count('deleted'),
        unchanged: count('unchanged'),
      };
      return new LakeUpsert(instance, connection, request.keyColumns, counts);
    } catch (error) {
      connection?.closeSync();
      instance.closeSync();
      throw readError(error, 'cannot compare row hashes');
    }
  }

  /**
   * The keys of the rows to read from the source (inserted and updated), each value as DuckDB
   * prints it (`VARCHAR`; `null` for NULL), in key order.
   */
  async changedKeys(): Promise<(string | null)[][]> {
    const keys = this.keyColumns.map(quoteIdentifier);
    const reader = await this.connection.runAndReadAll(
      `SELECT ${keys.map((k) => `${k}::VARCHAR`).join(', ')} FROM diff WHERE change IN ('inserted', 'updated') ORDER BY ${keys.join(', ')}`,
    );
    return reader.getRows().map((row) => row.map((v) => (v === null || v === undefined ? null : String(v))));
  }

  /**
   * Writes the new table into one Parquet file: the lake rows whose key is unchanged, then the
   * rows read from the source, with `columns` in order. Returns the rows and bytes written.
   */
  async writeMerged(request: {
    /** The published table's data files. */
    readonly lakeFiles: ParquetSource;
    /** The rows read from the source (inserted and updated keys); empty when only keys were deleted. */
    readonly changedRows: readonly string[];
    /** The table's columns, in order. */
    readonly columns: readonly string[];
    readonly target: string;
    readonly options?: UpsertWriteOptions;
  }): Promise<{ readonly rows: number; readonly bytes: number }> {
    const list = request.columns.map(quoteIdentifier).join(', ');
    const keys = this.keyColumns.map(quoteIdentifier);
    const on = keys.map((k) => `x.${k} IS NOT DISTINCT FROM d.${k}`).join(' AND ');
    const kept = `SELECT ${list} FROM ${readParquetSql(request.lakeFiles)} d
      WHERE EXISTS (SELECT 1 FROM diff x WHERE x.change = 'unchanged' AND ${on})`;
    const read =
      request.changedRows.length === 0
        ? ''
        : ` UNION ALL SELECT ${list} FROM ${readParquetSql(request.changedRows)}`;
    try {
      await this.connection.run(
        `COPY (${kept}${read}) TO ${quoteStringLiteral(request.target)} (${copyOptionsSql(request.options ?? {})})`,
      );
      const rows = await this.connection.runAndReadAll(
        `SELECT COUNT(*) FROM ${readParquetSql(request.target)}`,
      );
      return { rows: Number(rows.getRows()[0]?.[0] ?? 0), bytes: (await stat(request.target)).size };
    } catch (error) {
      throw readError(error, 'cannot write the merged table');
    }
  }

  /** Writes the source's (key, hash) pairs to one Parquet file: the new table's hashes. */
  async writeHashes(target: string, options: UpsertWriteOptions = {}): Promise<void> {
    try {
      await this.connection.run(
        `COPY (SELECT * FROM src ORDER BY ${this.keyColumns.map(quoteIdentifier).join(', ')}) TO ${quoteStringLiteral(target)} (${copyOptionsSql(options)})`,
      );
    } catch (error) {
      throw readError(error, 'cannot write the row hashes');
    }
  }

  /** Closes the DuckDB session. Idempotent. */
  close(): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

function readError(error: unknown, what: string): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  const message = error instanceof Error ? error.message : String(error);
  return new SqlSyncError('VALIDATION_FAILED', `${what}: ${message}`, { cause: error });
}
