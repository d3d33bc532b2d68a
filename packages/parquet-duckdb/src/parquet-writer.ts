import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { SourceSchema } from '@sync/core';
import { duckdbTypeName, SqlSyncError } from '@sync/core';
import type { RecordBatch } from 'apache-arrow';
import { assertBatchMatchesSchema } from './arrow-type-check.js';
import { type ColumnFiller, createColumnFiller, VECTOR_SIZE } from './column-filler.js';
import { fsyncDirectory, fsyncFile, temporarySibling } from './durable-fs.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';

/** Parquet page compression. */
export type ParquetCompression = 'zstd' | 'snappy';

/** How one Parquet file is written. Every field is optional. */
export interface ParquetWriteOptions {
  /**
   * Parquet key-value metadata stored in the file footer (run id, table, unit, fingerprint,
   * watermark, …); read back with `readParquetMetadata`. Defaults to none.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to `'zstd'`. */
  readonly compression?: ParquetCompression;
  /** Rows per Parquet row group. Defaults to DuckDB's 122,880. */
  readonly rowGroupSize?: number;
  /** Cancels ingestion and the final `COPY`; the temporary file is removed. */
  readonly signal?: AbortSignal;
  /**
   * A DuckDB instance or connection to reuse instead of a private in-memory instance. A unique
   * table is created in it and dropped on close; a given connection is not closed, a given
   * instance is not closed. `memoryLimit`, `threads` and `tempDirectory` then do not apply.
   * Defaults to a private `:memory:` instance per writer.
   */
  readonly duckdb?: DuckDBInstance | DuckDBConnection;
  /**
   * DuckDB `memory_limit` of the private instance. Rows wait in a DuckDB table until `finish()`;
   * beyond this limit DuckDB spills them to `tempDirectory`, so memory stays bounded whatever the
   * table size. Defaults to `'1GB'`.
   */
  readonly memoryLimit?: string;
  /** DuckDB `threads` of the private instance (used by `COPY`). Defaults to DuckDB's choice (all cores). */
  readonly threads?: number;
  /**
   * Where the private instance spills. Defaults to a hidden directory beside the output file
   * (`.<file>.<random>.spill`), removed on close: the staging disk is sized for the data anyway.
   */
  readonly tempDirectory?: string;
}

/** What `finish()` wrote. */
export interface ParquetWriteResult {
  /** Rows in the file. */
  readonly rows: number;
  /** File size in bytes. */
  readonly bytes: number;
  /** Absolute path of the file. */
  readonly file: string;
}

interface Session {
  readonly connection: DuckDBConnection;
  readonly instance: DuckDBInstance | undefined;
  readonly ownsConnection: boolean;
  readonly spillDirectory: string | undefined;
}

/**
 * Writes Arrow record batches to one Parquet file through DuckDB, with the lake types of a
 * `SourceSchema`: `CREATE TABLE` with `duckdbTypeName` types, batches appended through data chunks
 * filled straight from the Arrow buffers (flushed per batch, so only one batch is held), then
 * `COPY … TO` a hidden temporary file in the target directory, fsync, and rename: a reader sees
 * the whole file or none.
 *
 * Lifetime: `create()`, `append()` per batch, `finish()`, and always `await close()` in `finally`
 * (it releases DuckDB and removes the temporary file and spill directory; calling it twice is fine).
 *
 * @example
 * const writer = await ParquetWriter.create(schema, '/lake/_sqlsync/staging/r1/sales/orders/part-r1-0.parquet', {
 *   metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.table': 'sales.orders' },
 * });
 * try {
 *   for await (const batch of batches) {
 *     await writer.append(batch);
 *   }
 *   const { rows, bytes } = await writer.finish();
 * } finally {
 *   await writer.close();
 * }
 */
export class ParquetWriter {
  readonly #schema: SourceSchema;
  readonly #file: string;
  readonly #options: ParquetWriteOptions;
  readonly #session: Session;
  readonly #tableName: string;
  readonly #appender: DuckDBAppender;
  readonly #chunk: DuckDBDataChunk;
  readonly #fillers: readonly ColumnFiller[];
  #temporaryFile: string | undefined;
  #rows = 0;
  #state: 'open' | 'finished' | 'closed' = 'open';

  private constructor(
    schema: SourceSchema,
    file: string,
    options: ParquetWriteOptions,
    session: Session,
    tableName: string,
    appender: DuckDBAppender,
  ) {
    this.#schema = schema;
    this.#file = file;
    this.#options = options;
    this.#session = session;
    this.#tableName = tableName;
    this.#appender = appender;
    const types = schema.columns.map((_, index) => appender.columnType(index));
    this.#chunk = DuckDBDataChunk.create(types);
    const table = tableLabel(schema);
    this.#fillers = schema.columns.map((column) => createColumnFiller(column, table));
  }

  /**
   * Opens a DuckDB session and creates the table the batches go into.
   *
   * @example
   * const writer = await ParquetWriter.create(schema, '/tmp/orders.parquet', { compression: 'snappy' });
   */
  static async create(
    schema: SourceSchema,
    file: string,
    options: ParquetWriteOptions = {},
  ): Promise<ParquetWriter> {
    options.signal?.throwIfAborted();
    if (schema.columns.length === 0) {
      throw new SqlSyncError('LAKE_WRITE', 'cannot write a Parquet file with no columns', {
        context: { table: tableLabel(schema) },
      });
    }
    const settings = Object.freeze({ ...options });
    const { rowGroupSize } = settings;
    if (rowGroupSize !== undefined && (!Number.isSafeInteger(rowGroupSize) || rowGroupSize <= 0)) {
      throw new SqlSyncError('LAKE_WRITE', `rowGroupSize must be a positive integer, got ${rowGroupSize}`);
    }
    const target = resolve(file);
    const session = await openSession(target, settings);
    const tableName = `sqlsync_write_${randomBytes(6).toString('hex')}`;
    try {
      const columns = schema.columns
        .map((column) => `${quoteIdentifier(column.name)} ${duckdbTypeName(column.lakeType)}`)
        .join(', ');
      await session.connection.run(`CREATE TABLE ${quoteIdentifier(tableName)} (${columns})`);
      const appender = await session.connection.createAppender(tableName);
      return new ParquetWriter(schema, target, settings, session, tableName, appender);
    } catch (error) {
      if (session.instance === undefined) {
        await session.connection
          .run(`DROP TABLE IF EXISTS ${quoteIdentifier(tableName)}`)
          .catch(() => undefined);
      }
      await closeSession(session);
      throw asLakeWriteError(error, schema, 'cannot prepare the DuckDB table');
    }
  }

  /** Rows appended so far. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * Appends one record batch. Its columns must match the schema by position, name and Arrow type
   * (see the type contract in the README); a mismatch throws `LAKE_WRITE` before anything is copied.
   *
   * @example
   * await writer.append(batch);
   */
  async append(batch: RecordBatch): Promise<void> {
    this.#assertOpen();
    this.#options.signal?.throwIfAborted();
    assertBatchMatchesSchema(batch, this.#schema);
    const columns = batch.data.children;
    const rowCount = batch.numRows;
    const raw = this.#chunk.chunk;
    try {
      for (let start = 0; start < rowCount; start += VECTOR_SIZE) {
        const count = Math.min(VECTOR_SIZE, rowCount - start);
        duckdb.data_chunk_reset(raw);
        for (let index = 0; index < columns.length; index++) {
          const fill = this.#fillers[index];
          const data = columns[index];
          if (fill !== undefined && data !== undefined) {
            fill(duckdb.data_chunk_get_vector(raw, index), data, start, count);
          }
        }
        duckdb.data_chunk_set_size(raw, count);
        this.#appender.appendDataChunk(this.#chunk);
      }
      // Flushing per batch moves the rows into DuckDB's table storage, which the buffer manager
      // may spill; the appender's own buffer would otherwise grow with the table.
      this.#appender.flushSync();
    } catch (error) {
      throw asLakeWriteError(error, this.#schema, 'cannot append a record batch');
    }
    this.#rows += rowCount;
  }

  /**
   * Writes the Parquet file: `COPY` to a temporary sibling, fsync, rename into place.
   * The writer cannot append afterwards; `close()` it.
   *
   * @example
   * const { rows, bytes, file } = await writer.finish();
   */
  async finish(): Promise<ParquetWriteResult> {
    this.#assertOpen();
    this.#state = 'finished';
    const { signal } = this.#options;
    try {
      this.#appender.closeSync();
    } catch (error) {
      throw asLakeWriteError(error, this.#schema, 'cannot flush the last rows into DuckDB');
    }
    signal?.throwIfAborted();
    const temporary = temporarySibling(this.#file);
    this.#temporaryFile = temporary;
    const connection = this.#session.connection;
    const interrupt = (): void => connection.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    try {
      await connection.run(
        `COPY ${quoteIdentifier(this.#tableName)} TO ${quoteStringLiteral(temporary)} (${this.#copyOptions()})`,
      );
    } catch (error) {
      signal?.throwIfAborted();
      throw asLakeWriteError(error, this.#schema, `cannot write ${this.#file}`);
    } finally {
      signal?.removeEventListener('abort', interrupt);
    }
    signal?.throwIfAborted();
    try {
      await fsyncFile(temporary);
      await rename(temporary, this.#file);
      this.#temporaryFile = undefined;
      await fsyncDirectory(dirname(this.#file));
      const { size } = await stat(this.#file);
      return { rows: this.#rows, bytes: size, file: this.#file };
    } catch (error) {
      throw asLakeWriteError(error, this.#schema, `cannot move the Parquet file into ${this.#file}`);
    }
  }

  /**
   * Releases DuckDB (drops the table from a reused session), removes a temporary file left by a
   * failed or cancelled `finish()`, and the spill directory. Idempotent; never throws, so it can sit
   * in `finally` without hiding the error that got there.
   *
   * @example
   * await writer.close();
   */
  async close(): Promise<void> {
    if (this.#state === 'closed') {
      return;
    }
    const wasOpen = this.#state === 'open';
    this.#state = 'closed';
    if (wasOpen) {
      ignoreErrors(() => this.#appender.closeSync());
    }
    if (this.#session.instance === undefined) {
      // A reused session outlives this writer: leave it as we found it.
      await this.#session.connection
        .run(`DROP TABLE IF EXISTS ${quoteIdentifier(this.#tableName)}`)
        .catch(() => undefined);
    }
    await closeSession(this.#session);
    if (this.#temporaryFile !== undefined) {
      await rm(this.#temporaryFile, { force: true }).catch(() => undefined);
    }
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
      throw new SqlSyncError('LAKE_WRITE', `the Parquet writer for ${this.#file} is already ${this.#state}`, {
        context: { table: tableLabel(this.#schema) },
      });
    }
  }
}

function tableLabel(schema: SourceSchema): string {
  return `${schema.schemaName}.${schema.tableName}`;
}

function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Cleanup after a failure must not hide the failure.
  }
}

async function openSession(target: string, options: ParquetWriteOptions): Promise<Session> {
  const shared = options.duckdb;
  if (shared instanceof DuckDBConnection) {
    return { connection: shared, instance: undefined, ownsConnection: false, spillDirectory: undefined };
  }
  if (shared instanceof DuckDBInstance) {
    return {
      connection: await shared.connect(),
      instance: undefined,
      ownsConnection: true,
      spillDirectory: undefined,
    };
  }
  const spillDirectory =
    options.tempDirectory ??
    join(dirname(target), `.${basename(target)}.${randomBytes(4).toString('hex')}.spill`);
  const config: Record<string, string> = {
    memory_limit: options.memoryLimit ?? '1GB',
    temp_directory: spillDirectory,
  };
  if (options.threads !== undefined) {
    config.threads = String(options.threads);
  }
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (error) {
    throw new SqlSyncError('LAKE_WRITE', `cannot start DuckDB: ${messageOf(error)}`, { cause: error });
  }
  try {
    const connection = await instance.connect();
    return {
      connection,
      instance,
      ownsConnection: true,
      spillDirectory: options.tempDirectory === undefined ? spillDirectory : undefined,
    };
  } catch (error) {
    instance.closeSync();
    throw new SqlSyncError('LAKE_WRITE', `cannot connect to DuckDB: ${messageOf(error)}`, { cause: error });
  }
}

async function closeSession(session: Session): Promise<void> {
  if (session.ownsConnection) {
    ignoreErrors(() => session.connection.closeSync());
  }
  if (session.instance !== undefined) {
    ignoreErrors(() => session.instance?.closeSync());
  }
  if (session.spillDirectory !== undefined) {
    await rm(session.spillDirectory, { recursive: true, force: true }).catch(() => undefined);
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
