import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DuckDBDataChunk } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { SourceSchema } from '@sync/core';
import { duckdbTypeName, SqlSyncError } from '@sync/core';
import type { Data, RecordBatch } from 'apache-arrow';
import { assertBatchMatchesSchema } from './arrow-type-check.js';
import { type ColumnFiller, createColumnFiller, VECTOR_SIZE } from './column-filler.js';
import { PartTable } from './part-table.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';
import { closeWriterSession, messageOf, openWriterSession, type WriterSession } from './writer-session.js';

/** Parquet page compression. */
export type ParquetCompression = 'zstd' | 'snappy';

/**
 * Where the part files go: `directory` (which must exist) and the name of part `n` (0, 1, …) in
 * it — a plain file name, different for every `n`.
 *
 * @example
 * const target: ParquetTarget = {
 *   directory: '/lake/_sqlsync/staging/r1/sales/orders',
 *   fileName: (n) => `part-r1-${n}.parquet`,
 * };
 */
export interface ParquetTarget {
  readonly directory: string;
  readonly fileName: (n: number) => string;
}

/**
 * Default `rowsPerFile`: two of DuckDB's default row groups (122,880 rows each). Chosen for memory:
 * on the benchmark's 10-column row (~200 bytes in DuckDB, ~27 in zstd Parquet) a sqlsync process
 * peaked at ~370 MB with it and ~400 MB with twice as many; larger files are fine where memory allows.
 */
export const DEFAULT_ROWS_PER_FILE = 2 * 122_880;

/** How the Parquet files are written. Every field is optional. */
export interface ParquetWriteOptions {
  /**
   * Parquet key-value metadata stored in every file's footer (run id, table, unit, fingerprint,
   * watermark, …); read back with `readParquetMetadata`. Defaults to none.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to `'zstd'`. */
  readonly compression?: ParquetCompression;
  /** Rows per Parquet row group. Defaults to DuckDB's 122,880. */
  readonly rowGroupSize?: number;
  /**
   * Rows per part file. Rows wait in DuckDB until their part is written, so this bounds memory:
   * at most two parts are held (one being written, one filling). Defaults to
   * `DEFAULT_ROWS_PER_FILE` (245,760: ~50 MB in DuckDB for a 200-byte row).
   */
  readonly rowsPerFile?: number;
  /** Cancels ingestion and the `COPY`s; nothing is left behind. */
  readonly signal?: AbortSignal;
  /**
   * A DuckDB instance or connection to reuse instead of a private in-memory instance. Two unique
   * tables are created in it and dropped on close; a given connection or instance is not closed.
   * With a connection, parts are written one after another instead of while the next part fills
   * (a connection runs one statement at a time). `memoryLimitMb`, `threads` and `tempDirectory`
   * then do not apply. Defaults to a private `:memory:` instance per writer.
   */
  readonly duckdb?: DuckDBInstance | DuckDBConnection;
  /**
   * DuckDB `memory_limit` of the private instance, in MiB. Beyond it DuckDB spills the waiting
   * rows to `tempDirectory` rather than growing the process. Defaults to 1024.
   */
  readonly memoryLimitMb?: number;
  /**
   * DuckDB `threads` of the private instance (used by `COPY`). Defaults to 1: the `COPY` runs
   * while the next part fills and one thread outruns ingestion.
   */
  readonly threads?: number;
  /**
   * Where the private instance spills. Defaults to a hidden directory in the target directory
   * (`.sqlsync-<random>.spill`), removed on close: the staging disk is sized for the data anyway.
   */
  readonly tempDirectory?: string;
}

/** What `finish()` wrote. */
export interface ParquetWriteResult {
  /** Rows in all files. */
  readonly rows: number;
  /** Size of all files in bytes. */
  readonly bytes: number;
  /** Absolute paths of the part files, in order (part 0 first); at least one. */
  readonly files: readonly string[];
}

/** The settled outcome of a background `COPY`; never a rejected promise, so nothing goes unhandled. */
type CopyOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Writes Arrow record batches to Parquet part files through DuckDB, with the lake types of a
 * `SourceSchema`. Batches are copied into DuckDB data chunks straight from the Arrow buffers
 * (flushed per batch, so only one batch is held in JS). Every `rowsPerFile` rows the part is
 * written — `COPY … TO` a hidden temporary file, fsync, rename: a reader sees a whole part or
 * none — while the next rows go into a second table on a second connection, so extraction and
 * writing overlap and at most two parts are held.
 *
 * Lifetime: `create()`, `append()` per batch, `finish()`, and always `await close()` in `finally`
 * (it releases DuckDB and removes temporary and spill files, and the parts already written
 * unless `finish()` succeeded; calling it twice is fine).
 *
 * @example
 * const writer = await ParquetWriter.create(
 *   schema,
 *   { directory: '/lake/_sqlsync/staging/r1/sales/orders', fileName: (n) => `part-r1-${n}.parquet` },
 *   { metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.table': 'sales.orders' } },
 * );
 * try {
 *   for await (const batch of batches) {
 *     await writer.append(batch);
 *   }
 *   const { rows, bytes, files } = await writer.finish();
 * } finally {
 *   await writer.close();
 * }
 */
export class ParquetWriter {
  readonly #schema: SourceSchema;
  readonly #target: ParquetTarget;
  readonly #options: ParquetWriteOptions;
  readonly #rowsPerFile: number;
  readonly #session: WriterSession;
  /** One table per connection: the one filling and, with two, the one being copied. */
  readonly #tables: readonly PartTable[];
  readonly #chunk: DuckDBDataChunk;
  readonly #fillers: readonly ColumnFiller[];
  #current: PartTable;
  /** The `COPY` in flight (at most one), settled; awaited before the next starts. */
  #copying: Promise<CopyOutcome> | undefined;
  #copyingTable: PartTable | undefined;
  readonly #files: string[] = [];
  readonly #bytes: number[] = [];
  readonly #names = new Set<string>();
  #rows = 0;
  #state: 'open' | 'finishing' | 'finished' | 'closed' = 'open';
  #failure: { readonly error: unknown } | undefined;

  private constructor(
    schema: SourceSchema,
    target: ParquetTarget,
    options: ParquetWriteOptions,
    session: WriterSession,
    tables: readonly [PartTable, ...PartTable[]],
  ) {
    this.#schema = schema;
    this.#target = target;
    this.#options = options;
    this.#rowsPerFile = options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE;
    this.#session = session;
    this.#tables = tables;
    this.#current = tables[0];
    this.#chunk = DuckDBDataChunk.create(tables[0].columnTypes(schema.columns.length));
    const table = tableLabel(schema);
    this.#fillers = schema.columns.map((column) => createColumnFiller(column, table));
  }

  /**
   * Opens a DuckDB session and creates the tables the batches go into.
   *
   * @example
   * const writer = await ParquetWriter.create(
   *   schema,
   *   { directory: '/tmp/orders', fileName: (n) => `part-${n}.parquet` },
   *   { compression: 'snappy', rowsPerFile: 1_000_000 },
   * );
   */
  static async create(
    schema: SourceSchema,
    target: ParquetTarget,
    options: ParquetWriteOptions = {},
  ): Promise<ParquetWriter> {
    options.signal?.throwIfAborted();
    if (schema.columns.length === 0) {
      throw new SqlSyncError('LAKE_WRITE', 'cannot write a Parquet file with no columns', {
        context: { table: tableLabel(schema) },
      });
    }
    const settings = Object.freeze({ ...options });
    assertPositiveInteger('rowGroupSize', settings.rowGroupSize);
    assertPositiveInteger('rowsPerFile', settings.rowsPerFile);
    assertPositiveInteger('memoryLimitMb', settings.memoryLimitMb);
    const resolved = Object.freeze({ directory: resolve(target.directory), fileName: target.fileName });
    const session = await openWriterSession(resolved.directory, settings);
    const tables: PartTable[] = [];
    try {
      const columns = schema.columns
        .map((column) => `${quoteIdentifier(column.name)} ${duckdbTypeName(column.lakeType)}`)
        .join(', ');
      for (const connection of session.connections) {
        tables.push(await PartTable.create(connection, columns));
      }
      const [first, ...rest] = tables;
      if (first === undefined) {
        throw new Error('no DuckDB connection');
      }
      return new ParquetWriter(schema, resolved, settings, session, [first, ...rest]);
    } catch (error) {
      const reused = session.instance === undefined;
      for (const table of tables) {
        await table.dispose(reused);
      }
      await closeWriterSession(session);
      throw asLakeWriteError(error, schema, 'cannot prepare the DuckDB table');
    }
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.#rows;
  }

  /** Part files written so far (a part being copied right now is not among them). */
  get files(): readonly string[] {
    return this.#files;
  }

  /**
   * Appends one record batch; it returns once the rows are in DuckDB. Its columns must match the
   * schema by position, name and Arrow type (see the type contract in the README); a mismatch
   * throws `LAKE_WRITE` before anything is copied. When a part fills up, the batch is split there
   * and the part's `COPY` starts; if the previous part's `COPY` is still running, this waits for
   * it first (backpressure: at most one `COPY` in flight, two parts held).
   *
   * @example
   * await writer.append(batch);
   */
  async append(batch: RecordBatch): Promise<void> {
    this.#assertOpen();
    this.#options.signal?.throwIfAborted();
    this.#throwIfCopyFailed();
    assertBatchMatchesSchema(batch, this.#schema);
    const columns = batch.data.children;
    const rowCount = batch.numRows;
    let offset = 0;
    while (offset < rowCount) {
      const take = Math.min(rowCount - offset, this.#rowsPerFile - this.#current.rows);
      this.#appendRows(columns, offset, take);
      offset += take;
      if (this.#current.rows >= this.#rowsPerFile) {
        await this.#startCopy();
      }
    }
  }

  /**
   * Writes the last part (or an empty file with the schema when no row came at all), waits for
   * every `COPY`, and returns what was written. The writer cannot append afterwards; `close()` it.
   *
   * @example
   * const { rows, bytes, files } = await writer.finish();
   */
  async finish(): Promise<ParquetWriteResult> {
    this.#assertOpen();
    this.#state = 'finishing';
    if (this.#current.rows > 0 || this.#names.size === 0) {
      await this.#startCopy();
    }
    await this.#awaitCopy();
    this.#state = 'finished';
    return {
      rows: this.#rows,
      bytes: this.#bytes.reduce((sum, bytes) => sum + bytes, 0),
      files: [...this.#files],
    };
  }

  /**
   * Waits for a `COPY` in flight (interrupted first unless `finish()` succeeded), releases DuckDB
   * (drops the tables from a reused session), and removes temporary and spill files — and, after
   * a failure or without `finish()`, the parts already written, so nothing of an unfinished write
   * is left behind. Idempotent; never throws, so it can sit in `finally` without hiding the error
   * that got there.
   *
   * @example
   * await writer.close();
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') {
      return;
    }
    const finished = this.#state === 'finished';
    this.#state = 'closed';
    if (this.#copying !== undefined) {
      this.#copyingTable?.interrupt();
      await this.#copying;
      this.#copying = undefined;
    }
    const reused = this.#session.instance === undefined;
    for (const table of this.#tables) {
      await table.dispose(reused);
    }
    await closeWriterSession(this.#session);
    if (!finished) {
      await Promise.all(this.#files.map((file) => rm(file, { force: true }).catch(() => undefined)));
      this.#files.length = 0;
    }
  }

  /** Copies rows `[start, start + count)` of the batch into the filling table, one vector at a time. */
  #appendRows(columns: readonly Data[], start: number, count: number): void {
    const raw = this.#chunk.chunk;
    const table = this.#current;
    try {
      for (let offset = start; offset < start + count; offset += VECTOR_SIZE) {
        const size = Math.min(VECTOR_SIZE, start + count - offset);
        duckdb.data_chunk_reset(raw);
        for (let index = 0; index < columns.length; index++) {
          const fill = this.#fillers[index];
          const data = columns[index];
          if (fill !== undefined && data !== undefined) {
            fill(duckdb.data_chunk_get_vector(raw, index), data, offset, size);
          }
        }
        duckdb.data_chunk_set_size(raw, size);
        table.append(this.#chunk);
      }
      table.flush(count);
    } catch (error) {
      throw asLakeWriteError(error, this.#schema, 'cannot append a record batch');
    }
    this.#rows += count;
  }

  /**
   * Starts the `COPY` of the filling table to the next part file, after the previous `COPY` has
   * finished, and moves on to the other table (emptied by that previous `COPY`). With a single
   * connection there is no other table: the `COPY` is awaited here.
   */
  async #startCopy(): Promise<void> {
    await this.#awaitCopy();
    const table = this.#current;
    const file = this.#nextFile();
    const copyOptions = this.#copyOptions();
    const { signal } = this.#options;
    this.#copyingTable = table;
    this.#copying = (async (): Promise<CopyOutcome> => {
      try {
        const bytes = await table.copyTo(file, copyOptions, signal);
        this.#files.push(file);
        this.#bytes.push(bytes);
        await table.empty();
        return { ok: true };
      } catch (error) {
        this.#failure ??= { error };
        return { ok: false, error };
      }
    })();
    this.#current = this.#tables.find((other) => other !== table) ?? table;
    if (this.#current === table) {
      await this.#awaitCopy();
    }
  }

  async #awaitCopy(): Promise<void> {
    const copying = this.#copying;
    if (copying === undefined) {
      return;
    }
    const outcome = await copying;
    this.#copying = undefined;
    this.#copyingTable = undefined;
    if (!outcome.ok) {
      this.#throwCopyError(outcome.error);
    }
  }

  /** Fails fast when a background `COPY` has failed, instead of at the next part boundary. */
  #throwIfCopyFailed(): void {
    if (this.#failure !== undefined) {
      this.#throwCopyError(this.#failure.error);
    }
  }

  #throwCopyError(error: unknown): never {
    // A COPY interrupted by the signal fails as the abort it is, like `append()` after an abort.
    this.#options.signal?.throwIfAborted();
    throw asLakeWriteError(error, this.#schema, `cannot write a part file in ${this.#target.directory}`);
  }

  #nextFile(): string {
    const n = this.#names.size;
    const name = this.#target.fileName(n);
    if (name === '' || name === '.' || name === '..' || /[/\\]/.test(name) || this.#names.has(name)) {
      throw new SqlSyncError(
        'LAKE_WRITE',
        `fileName(${n}) must be a plain file name different from the earlier parts', got ${JSON.stringify(name)}`,
        { context: { table: tableLabel(this.#schema) } },
      );
    }
    this.#names.add(name);
    return join(this.#target.directory, name);
  }

  #copyOptions(): string {
    const { compression = 'zstd', rowGroupSize, metadata } = this.#options;
    const options = ['FORMAT PARQUET', `COMPRESSION ${compression === 'snappy' ? 'snappy' : 'zstd'}`];
    if (rowGroupSize !== undefined) {
      options.push(`ROW_GROUP_SIZE ${rowGroupSize}`);
    }
    const entries = Object.entries(metadata ?? {});
    if (entries.length > 0) {
      const pairs = entries.map(([key, value]) => `${quoteStringLiteral(key)}: ${quoteStringLiteral(value)}`);
      options.push(`KV_METADATA {${pairs.join(', ')}}`);
    }
    return options.join(', ');
  }

  #assertOpen(): void {
    if (this.#state !== 'open') {
      throw new SqlSyncError(
        'LAKE_WRITE',
        `the Parquet writer for ${this.#target.directory} is already ${this.#state}`,
        { context: { table: tableLabel(this.#schema) } },
      );
    }
  }
}

function tableLabel(schema: SourceSchema): string {
  return `${schema.schemaName}.${schema.tableName}`;
}

function assertPositiveInteger(name: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) {
    throw new SqlSyncError('LAKE_WRITE', `${name} must be a positive integer, got ${value}`);
  }
}

function asLakeWriteError(error: unknown, schema: SourceSchema, what: string): SqlSyncError {
  if (error instanceof SqlSyncError) {
    return error;
  }
  return new SqlSyncError('LAKE_WRITE', `${what}: ${messageOf(error)}`, {
    context: { table: tableLabel(schema) },
    cause: error,
  });
}
