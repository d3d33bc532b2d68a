import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { ProcessingConfig } from '@sync/core';
import { crashPoint, SqlSyncError } from '@sync/core';
import type { RowPredicate, SourceAggregates, TableReadPlan } from '@sync/extract-mssql';
import { type ParquetSource, readParquetStats, writeParquet } from '@sync/parquet-duckdb';
import { SQLSYNC_VERSION } from './sqlsync-version.js';
import type { UnitContext } from './unit-context.js';
import type { UnitResult, UnitValidation, WorkUnit } from './work-unit.js';

/** The least DuckDB `memory_limit` a unit's Parquet writer gets, in MiB. */
export const MIN_WRITER_MEMORY_MB = 256;

/** How a unit writes its files; for tests and tuning. */
export interface ExtractOptions {
  /** Rows per Parquet part file. Defaults to `@sync/parquet-duckdb`'s `DEFAULT_ROWS_PER_FILE`. */
  readonly rowsPerFile?: number;
  /** The most rows per Arrow record batch: the table's `batch_size`. Defaults to `processing.batch_size`. */
  readonly batchRows?: number;
}

/**
 * The table's own `batch_size`, when it sets one, as extraction options.
 *
 * @example
 * extractToStaging(unit, plan, predicate, ctx, {}, batchOptions(table));
 */
export function batchOptions(table: { readonly batchSize?: number }): ExtractOptions {
  return table.batchSize === undefined ? {} : { batchRows: table.batchSize };
}

/**
 * The DuckDB `memory_limit` of one unit's Parquet writer: `memory_limit_mb` shared by the
 * `max_workers` units that may write at once, and at least `MIN_WRITER_MEMORY_MB`.
 *
 * @example
 * writerMemoryLimitMb({ memoryLimitMb: 2048, maxWorkers: 8 }) // 256
 */
export function writerMemoryLimitMb(
  processing: Pick<ProcessingConfig, 'memoryLimitMb' | 'maxWorkers'>,
): number {
  return Math.max(MIN_WRITER_MEMORY_MB, Math.floor(processing.memoryLimitMb / processing.maxWorkers));
}

/**
 * Streams the unit's rows into Parquet part files in its staging directory
 * (`part-<run>-<n>.parquet`, a new one every `rowsPerFile` rows, so memory does not grow with the
 * unit), then (unless `processing.validate_precision_end_to_end` is off) checks the staged files
 * against the source: COUNT_BIG and the exact SUM of every decimal column must match, or the unit
 * fails before anything is published.
 */
export async function extractToStaging(
  unit: WorkUnit,
  plan: TableReadPlan,
  predicate: RowPredicate | undefined,
  ctx: UnitContext,
  metadata: Readonly<Record<string, string>> = {},
  options: ExtractOptions = {},
): Promise<UnitResult> {
  const started = performance.now();
  await mkdir(unit.stagingDir, { recursive: true });
  await removeParts(unit.stagingDir, unit.runId);
  const validate = ctx.config.processing.validatePrecisionEndToEnd;
  // The source figures (COUNT_BIG, exact SUMs) are requested as soon as the last row is read, on
  // the connection the read gives back: the server computes them while the last part is written,
  // rather than before the first row (with one connection per worker, the read used to wait for
  // them). A table changing underneath shows up as a VALIDATION_FAILED mismatch, never as silently
  // inconsistent data.
  let figures: Promise<SourceAggregates> | undefined;
  const requestFigures = (): void => {
    if (validate && figures === undefined) {
      figures = ctx.source.aggregates(plan, predicate);
      // Observed at once so that a failure while writing leaves no unhandled rejection; awaited below.
      figures.catch(() => undefined);
    }
  };
  const stream = ctx.source.read(plan, {
    ...(predicate === undefined ? {} : { predicate }),
    batchRows: options.batchRows ?? ctx.config.processing.batchSize,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  const written = await writeParquet(
    thenCall(stream, requestFigures),
    plan.schema,
    { directory: unit.stagingDir, fileName: (n) => partFileName(unit.runId, n) },
    {
      metadata: {
        'sqlsync.run_id': unit.runId,
        'sqlsync.table': unit.tableId,
        'sqlsync.unit': unit.id,
        'sqlsync.version': SQLSYNC_VERSION,
        ...metadata,
      },
      memoryLimitMb: writerMemoryLimitMb(ctx.config.processing),
      // The batches come straight from the extractor and are read by nobody else.
      releaseBatches: true,
      ...(options.rowsPerFile === undefined ? {} : { rowsPerFile: options.rowsPerFile }),
      ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
    },
  );
  // Already asked for when the read ended; this only makes sure validation is never skipped.
  requestFigures();
  const sourceFigures = await figures;
  let validation: UnitValidation | undefined;
  if (sourceFigures !== undefined) {
    validation = await validateStaged(unit, plan, written.files, sourceFigures);
  }
  crashPoint('unit.staged');
  ctx.logger.info(
    {
      table: unit.tableId,
      unit: unit.id,
      rows: written.rows,
      bytes: written.bytes,
      files: written.files.length,
      batches: stream.stats.batches,
      pauses: stream.stats.pauses,
    },
    'unit staged',
  );
  return {
    unitId: unit.id,
    tableId: unit.tableId,
    rows: written.rows,
    bytes: written.bytes,
    files: written.files,
    droppedSubMicrosecondValues: stream.stats.droppedSubMicrosecondValues,
    batches: stream.stats.batches,
    ...(validation === undefined ? {} : { validation }),
    durationMs: performance.now() - started,
  };
}

/**
 * Compares the staged Parquet files (a file, a glob or a list) with the source figures; throws
 * `VALIDATION_FAILED` naming table, unit, column and both values on the first difference.
 */
export async function validateStaged(
  unit: WorkUnit,
  plan: TableReadPlan,
  files: ParquetSource,
  source: { readonly rowCount: bigint; readonly sums: Readonly<Record<string, string | null>> },
): Promise<UnitValidation> {
  const decimalColumns = plan.schema.columns.filter((c) => c.lakeType.kind === 'decimal');
  const lake = await readParquetStats(files, decimalColumns);
  if (lake.rowCount !== source.rowCount) {
    throw new SqlSyncError(
      'VALIDATION_FAILED',
      `${unit.tableId} unit ${unit.id}: row count differs: source ${source.rowCount}, lake ${lake.rowCount}`,
      { context: { table: unit.tableId, unit: unit.id } },
    );
  }
  const sums: Record<string, { source: string | null; lake: string | null }> = {};
  for (const column of decimalColumns) {
    const sourceSum = source.sums[column.name] ?? null;
    const lakeSum = lake.sums[column.name] ?? null;
    sums[column.name] = { source: sourceSum, lake: lakeSum };
    if (sourceSum !== lakeSum) {
      throw new SqlSyncError(
        'VALIDATION_FAILED',
        `${unit.tableId} unit ${unit.id} column ${column.name}: SUM differs: source ${sourceSum ?? 'NULL'}, lake ${lakeSum ?? 'NULL'}`,
        { context: { table: unit.tableId, unit: unit.id, column: column.name } },
      );
    }
  }
  return { sourceRows: source.rowCount.toString(), lakeRows: lake.rowCount.toString(), sums };
}

function partFileName(runId: string, n: number): string {
  return `part-${runId}-${n}.parquet`;
}

/**
 * Removes part files of this run left in the unit's staging directory by an earlier attempt
 * (a crash, or a retry after a failed validation): the new attempt may write fewer parts, and a
 * stale one would be published beside them.
 */
async function removeParts(directory: string, runId: string): Promise<void> {
  const prefix = `part-${runId}-`;
  const stale = (await readdir(directory)).filter(
    (name) => name.startsWith(prefix) && /^\d+\.parquet$/.test(name.slice(prefix.length)),
  );
  await Promise.all(stale.map((name) => rm(join(directory, name), { force: true })));
}

/** The items of `source`, then a call of `onEnd` once it is exhausted (not when it throws). */
async function* thenCall<T>(source: AsyncIterable<T>, onEnd: () => void): AsyncGenerator<T> {
  yield* source;
  onEnd();
}
