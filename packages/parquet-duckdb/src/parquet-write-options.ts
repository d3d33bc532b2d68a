import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { quoteStringLiteral } from './sql-quote.js';

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

/**
 * The options of a part's `COPY … TO` (format, compression, row group size, key-value metadata),
 * as SQL.
 *
 * @example
 * copyOptionsSql({ metadata: { 'sqlsync.run_id': 'r1' } })
 * // "FORMAT PARQUET, COMPRESSION zstd, ROW_GROUP_SIZE 61440, KV_METADATA {'sqlsync.run_id': 'r1'}"
 */
export function copyOptionsSql(options: ParquetWriteOptions): string {
  const { compression = 'zstd', rowGroupSize = DEFAULT_ROW_GROUP_SIZE, metadata } = options;
  const list = ['FORMAT PARQUET', `COMPRESSION ${compression === 'snappy' ? 'snappy' : 'zstd'}`];
  if (rowGroupSize !== undefined) {
    list.push(`ROW_GROUP_SIZE ${rowGroupSize}`);
  }
  const entries = Object.entries(metadata ?? {});
  if (entries.length > 0) {
    const pairs = entries.map(([key, value]) => `${quoteStringLiteral(key)}: ${quoteStringLiteral(value)}`);
    list.push(`KV_METADATA {${pairs.join(', ')}}`);
  }
  return list.join(', ');
}
