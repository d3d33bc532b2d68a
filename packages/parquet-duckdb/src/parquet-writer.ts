import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBType } from '@duckdb/node-api';
import { DuckDBTableFunction } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { SourceSchema } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import type { RecordBatch } from 'apache-arrow';
import { assertBatchMatchesSchema } from './arrow-type-check.js';
import { type ColumnFiller, createColumnFiller } from './column-filler.js';
import { duckdbTypeName } from './duckdb-type-name.js';
import {
  copyOptionsSql,
  DEFAULT_ROWS_PER_FILE,
  MAX_PART_BYTES,
  type ParquetTarget,
  type ParquetWriteOptions,
  type ParquetWriteResult,
} from './parquet-write-options.js';
import { copyToPartFile } from './part-file.js';
import {
  arrowBytes,
  type BatchOwner,
  emptyPart,
  PartReader,
  type PartRows,
  releaseBuffers,
} from './part-rows.js';
import { quoteIdentifier } from './sql-quote.js';
import { closeWriterSession, messageOf, openWriterSession, type WriterSession } from './writer-session.js';

/** The settled outcome of a background `COPY`; never a rejected promise, so nothing goes unhandled. */
type CopyOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown };

/**
 * Writes Arrow record batches to Parquet part files through DuckDB, with the lake types of a
 * `SourceSchema`. Batches wait in JS until a part is full (`rowsPerFile` rows or `MAX_PART_BYTES`
 * of Arrow buffers); then the part is written — `COPY (SELECT * FROM <table function>) TO` a
 * hidden temporary file, fsync, rename: a reader sees a whole part or none. DuckDB's `COPY` pulls
 * the rows from a table function that fills its data chunks straight from the Arrow buffers
 * (memcpy per vector, strings per value), so no row is stored in a DuckDB table and the JS thread
 * only does the copying into vectors. The next part fills while the `COPY` runs (extraction and
 * writing overlap); at most two parts are held, and batches already copied are released.
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
  /** The table function the `COPY`s read the part being written from. */
  readonly #functionName: string;
  readonly #fillers: readonly ColumnFiller[];
  /** The part filling: slices of batches, in order. */
  #current: PartRows = emptyPart();
  /** The part the `COPY` in flight reads, consumed slice by slice. */
  #reading: PartReader | undefined;
  /** The first error thrown while filling a `COPY`'s chunks (it becomes the `COPY`'s error). */
  #fillError: { readonly error: unknown } | undefined;
  /** The `COPY` in flight (at most one), settled; awaited before the next starts. */
  #copying: Promise<CopyOutcome> | undefined;
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
    columnTypes: readonly DuckDBType[],
  ) {
    this.#schema = schema;
    this.#target = target;
    this.#options = options;
    this.#rowsPerFile = options.rowsPerFile ?? DEFAULT_ROWS_PER_FILE;
    this.#session = session;
    const table = tableLabel(schema);
    this.#fillers = schema.columns.map((column) => createColumnFiller(column, table));
    this.#functionName = `sqlsync_part_${randomBytes(6).toString('hex')}`;
    const names = schema.columns.map((column) => column.name);
    session.connection.registerTableFunction(
      DuckDBTableFunction.create({
        name: this.#functionName,
        bindFunction: (bind) => {
          columnTypes.forEach((type, index) => {
            bind.addResultColumn(names[index] as string, type);
          });
        },
        initFunction: (init) => init.setMaxThreads(1),
        mainFunction: (info, output) => {
          try {
            duckdb.data_chunk_set_size(output.chunk, this.#fillChunk(output.chunk));
          } catch (error) {
            this.#fillError ??= { error };
            duckdb.data_chunk_set_size(output.chunk, 0);
            info.setError(messageOf(error));
          }
        },
      }),
    );
  }

  /**
   * Opens a DuckDB session (a private instance unless `duckdb` is given) and registers on its
   * connection the table function the parts' `COPY`s read the batches from.
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
    try {
      // The DuckDB types of the lake types, as DuckDB itself resolves their names.
      const shape = schema.columns
        .map(
          (column) => `CAST(NULL AS ${duckdbTypeName(column.lakeType)}) AS ${quoteIdentifier(column.name)}`,
        )
        .join(', ');
      const columnTypes = (await session.connection.run(`SELECT ${shape}`)).columnTypes();
      return new ParquetWriter(schema, resolved, settings, session, columnTypes);
    } catch (error) {
      await closeWriterSession(session);
      throw asLakeWriteError(error, schema, 'cannot prepare the DuckDB table function');
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
    const bytesPerRow = rowCount === 0 ? 0 : arrowBytes(columns) / rowCount;
    const owner: BatchOwner | undefined =
      this.#options.releaseBatches === true ? { written: 0, slices: undefined, columns } : undefined;
    let offset = 0;
    let slices = 0;
    while (offset < rowCount) {
      const take = Math.min(rowCount - offset, this.#rowsPerFile - this.#current.rows);
      slices++;
      this.#current.slices.push({
        columns,
        start: offset,
        count: take,
        ...(owner === undefined ? {} : { owner }),
      });
      this.#current.rows += take;
      this.#current.bytes += take * bytesPerRow;
      this.#rows += take;
      offset += take;
      if (this.#current.rows >= this.#rowsPerFile || this.#current.bytes >= MAX_PART_BYTES) {
        await this.#startCopy();
      }
    }
    if (owner !== undefined) {
      // Known only now: slices may already have been written while a part boundary was awaited.
      owner.slices = slices;
      if (owner.written === slices) {
        releaseBuffers(columns);
      }
    }
  }

  /** Rows waiting in JS for their part's `COPY` (the filling part and the one being written). */
  get bufferedRows(): number {
    return this.#current.rows + (this.#reading?.remainingRows() ?? 0);
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
   * (a reused instance keeps the table function registered, holding no batch), and removes
   * temporary and spill files — and, after a failure or without `finish()`, the parts already
   * written, so nothing of an unfinished write is left behind. Idempotent; never throws, so it can sit in `finally` without hiding the error
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
      this.#session.connection.interrupt();
      await this.#copying;
      this.#copying = undefined;
    }
    // A reused DuckDB keeps the table function registered: let it hold no batch.
    this.#current = emptyPart();
    this.#reading = undefined;
    await closeWriterSession(this.#session);
    if (!finished) {
      await Promise.all(this.#files.map((file) => rm(file, { force: true }).catch(() => undefined)));
      this.#files.length = 0;
    }
  }

  /**
   * Fills one DuckDB data chunk of the table function with the next rows of the part being
   * written (at most one vector's worth, never across slices) and returns how many; 0 ends the
   * scan. Slices are released once copied.
   */
  #fillChunk(chunk: duckdb.DataChunk): number {
    const reading = this.#reading;
    if (reading === undefined) {
      return 0;
    }
    const slice = reading.next();
    if (slice === undefined) {
      return 0;
    }
    const { columns, start, count } = slice;
    for (let index = 0; index < this.#fillers.length; index++) {
      const fill = this.#fillers[index];
      const data = columns[index];
      if (fill !== undefined && data !== undefined) {
        fill(duckdb.data_chunk_get_vector(chunk, index), data, start, count);
      }
    }
    return count;
  }

  /**
   * Starts the `COPY` of the filling part to the next part file, after the previous `COPY` has
   * finished (backpressure: one part written, one filling), and starts an empty part.
   */
  async #startCopy(): Promise<void> {
    await this.#awaitCopy();
    const part = this.#current;
    this.#current = emptyPart();
    const file = this.#nextFile();
    const copyOptions = copyOptionsSql(this.#options);
    const { signal } = this.#options;
    this.#reading = new PartReader(part.slices);
    this.#copying = (async (): Promise<CopyOutcome> => {
      try {
        const bytes = await copyToPartFile(
          this.#session.connection,
          `SELECT * FROM ${quoteIdentifier(this.#functionName)}()`,
          file,
          copyOptions,
          signal,
        );
        this.#files.push(file);
        this.#bytes.push(bytes);
        return { ok: true };
      } catch (error) {
        // A value the table function refused (a SqlSyncError naming the column) is the cause.
        const cause = this.#fillError?.error ?? error;
        this.#failure ??= { error: cause };
        return { ok: false, error: cause };
      } finally {
        this.#reading = undefined;
      }
    })();
  }

  async #awaitCopy(): Promise<void> {
    const copying = this.#copying;
    if (copying === undefined) {
      return;
    }
    const outcome = await copying;
    this.#copying = undefined;
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
