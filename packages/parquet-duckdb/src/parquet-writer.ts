import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance, DuckDBType } from '@duckdb/node-api';
import { DuckDBTableFunction } from '@duckdb/node-api';
import duckdb from '@duckdb/node-bindings';
import type { SourceSchema } from '@sync/core';
import { duckdbTypeName, SqlSyncError } from '@sync/core';
import type { Data, RecordBatch } from 'apache-arrow';
import { assertBatchMatchesSchema } from './arrow-type-check.js';
import { type ColumnFiller, createColumnFiller, VECTOR_SIZE } from './column-filler.js';
import { copyToPartFile } from './part-file.js';
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
 * Default `rowsPerFile`: 184,320 rows (three default row groups). Rows wait in JS until their part
 * is written, so this bounds memory: on the benchmark's 10-column row (~150 bytes of Arrow, ~30 in
 * zstd Parquet, so ~5.5 MB files) three row groups instead of four took ~15 MB off the peak RSS
 * of two workers at 20 M rows, at no measurable speed cost.
 */
export const DEFAULT_ROWS_PER_FILE = 3 * 61_440;

/**
 * Default rows per Parquet row group: half of DuckDB's 122,880. DuckDB's Parquet writer holds a
 * whole row group before writing it; halving it took ~50 MB off sqlsync's peak RSS in the bench
 * (10-column row, 5M rows: 390 → 338 MB), and 61,440-row groups are still large for readers.
 */
export const DEFAULT_ROW_GROUP_SIZE = 61_440;

/**
 * A part is also cut once the Arrow buffers waiting for it reach this many bytes (32 MiB), so that
 * wide rows (nvarchar(max), varbinary(max)) do not hold `rowsPerFile` rows in memory: a unit holds
 * at most about twice this, whatever its rows.
 */
export const MAX_PART_BYTES = 32 * 1024 * 1024;

/** How the Parquet files are written. Every field is optional. */
export interface ParquetWriteOptions {
  /**
   * Parquet key-value metadata stored in every file's footer (run id, table, unit, fingerprint,
   * watermark, …); read back with `readParquetMetadata`. Defaults to none.
   */
  readonly metadata?: Readonly<Record<string, string>>;
  /** Defaults to `'zstd'`. */
  readonly compression?: ParquetCompression;
  /** Rows per Parquet row group. Defaults to `DEFAULT_ROW_GROUP_SIZE` (61,440). */
  readonly rowGroupSize?: number;
  /**
   * Rows per part file (a part is cut earlier when its Arrow buffers reach `MAX_PART_BYTES`).
   * Batches wait in JS until their part is written, so this bounds memory: at most two parts are
   * held (one being written, one filling). Defaults to `DEFAULT_ROWS_PER_FILE` (184,320: ~28 MB
   * of Arrow buffers for a 150-byte row).
   */
  readonly rowsPerFile?: number;
  /**
   * Let the writer release each batch's Arrow buffers as soon as its rows are written (they are
   * empty afterwards), instead of leaving them to the garbage collector. For callers that hand
   * over their batches and never read them again, such as a stream straight from the extractor;
   * with several worker threads this keeps dead batches from piling up until each thread's next
   * full collection. Defaults to false.
   */
  readonly releaseBatches?: boolean;
  /** Cancels ingestion and the `COPY`s; nothing is left behind. */
  readonly signal?: AbortSignal;
  /**
   * A DuckDB instance or connection to reuse instead of a private in-memory instance. A uniquely
   * named table function is registered on it (DuckDB has no way to drop one; it holds nothing
   * once the writer is closed); a given connection or instance is not closed. `memoryLimitMb`,
   * `threads` and `tempDirectory` then do not apply. Defaults to a private `:memory:` instance per
   * writer.
   */
  readonly duckdb?: DuckDBInstance | DuckDBConnection;
  /**
   * DuckDB `memory_limit` of the private instance, in MiB (the `COPY`'s own buffers; beyond it
   * DuckDB spills to `tempDirectory`). Defaults to 1024.
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

/** Rows `[start, start + count)` of a batch's columns. */
interface PartSlice {
  readonly columns: readonly Data[];
  readonly start: number;
  readonly count: number;
  /** The batch's slices not yet written, when its buffers are released after the last one. */
  readonly owner?: BatchOwner;
}

/** A batch whose buffers the writer may release once every slice of it is written. */
interface BatchOwner {
  /** Slices of the batch written so far. */
  written: number;
  /** How many slices the batch was cut into; undefined while `append()` is still cutting it. */
  slices: number | undefined;
  readonly columns: readonly Data[];
}

/** Counts a written slice of the batch and releases its buffers after the last one. */
function sliceWritten(owner: BatchOwner): void {
  owner.written++;
  if (owner.written === owner.slices) {
    releaseBuffers(owner.columns);
  }
}

/**
 * Frees a written batch's buffers now rather than at the isolate's next full garbage collection:
 * each ArrayBuffer is transferred to a clone nobody keeps, which the next scavenge frees. The
 * batch's typed arrays are empty afterwards.
 */
function releaseBuffers(columns: readonly Data[]): void {
  for (const data of columns) {
    for (const view of [data.values, data.valueOffsets, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
      const buffer = view?.buffer;
      if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) {
        try {
          structuredClone(buffer, { transfer: [buffer] });
        } catch {
          // Already released through another view of the same buffer.
        }
      }
    }
    releaseBuffers(data.children);
  }
}

/** The rows of one part file, waiting in JS. */
interface PartRows {
  readonly slices: PartSlice[];
  rows: number;
  /** Arrow buffer bytes of the rows (an estimate, proportional to the batches' sizes). */
  bytes: number;
}

function emptyPart(): PartRows {
  return { slices: [], rows: 0, bytes: 0 };
}

/** Hands out a part's rows a vector at a time, dropping each slice once it is used up. */
class PartReader {
  readonly #slices: (PartSlice | undefined)[];
  #index = 0;
  #offset = 0;

  constructor(slices: PartSlice[]) {
    this.#slices = slices;
  }

  /** The next at most `VECTOR_SIZE` rows, within one slice; undefined at the end. */
  next(): PartSlice | undefined {
    while (this.#index < this.#slices.length) {
      const slice = this.#slices[this.#index];
      if (slice !== undefined && this.#offset < slice.count) {
        const count = Math.min(VECTOR_SIZE, slice.count - this.#offset);
        const rows = { columns: slice.columns, start: slice.start + this.#offset, count };
        this.#offset += count;
        return rows;
      }
      this.#slices[this.#index] = undefined;
      if (slice?.owner !== undefined) {
        sliceWritten(slice.owner);
      }
      this.#index++;
      this.#offset = 0;
    }
    return undefined;
  }

  remainingRows(): number {
    let rows = 0;
    for (let i = this.#index; i < this.#slices.length; i++) {
      rows += this.#slices[i]?.count ?? 0;
    }
    return rows - this.#offset;
  }
}

/** Bytes of a batch's Arrow buffers (values, offsets, validity), children included. */
function arrowBytes(columns: readonly Data[]): number {
  let bytes = 0;
  for (const data of columns) {
    bytes +=
      (data.values?.byteLength ?? 0) +
      (data.valueOffsets?.byteLength ?? 0) +
      (data.nullBitmap?.byteLength ?? 0);
    bytes += arrowBytes(data.children);
  }
  return bytes;
}

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
    const copyOptions = this.#copyOptions();
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

  #copyOptions(): string {
    const { compression = 'zstd', rowGroupSize = DEFAULT_ROW_GROUP_SIZE, metadata } = this.#options;
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
