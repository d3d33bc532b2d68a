import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SqlSyncError } from '@sync/core';
import type { RowPredicate, TableReadPlan } from '@sync/extract-mssql';
import { readParquetStats, writeParquet } from '@sync/parquet-duckdb';
import type { UnitContext } from './unit-context.js';
import type { UnitResult, UnitValidation, WorkUnit } from './work-unit.js';

/** sqlsync's version, written into every file's metadata. */
export const SQLSYNC_VERSION = '0.1.0';

/**
 * Streams the unit's rows into one Parquet file in its staging directory, then (unless
 * `processing.validate_precision_end_to_end` is off) checks the staged file against the source:
 * COUNT_BIG and the exact SUM of every decimal column must match, or the unit fails before
 * anything is published.
 */
export async function extractToStaging(
  unit: WorkUnit,
  plan: TableReadPlan,
  predicate: RowPredicate | undefined,
  ctx: UnitContext,
  metadata: Readonly<Record<string, string>> = {},
): Promise<UnitResult> {
  const started = performance.now();
  await mkdir(unit.stagingDir, { recursive: true });
  const file = join(unit.stagingDir, `part-${unit.runId}-0.parquet`);
  const validate = ctx.config.processing.validatePrecisionEndToEnd;
  // Source figures are taken before the read; a table changing underneath shows up as a mismatch
  // (and a retry) rather than as silently inconsistent data.
  const sourceFigures = validate ? await ctx.source.aggregates(plan, predicate) : undefined;
  const stream = ctx.source.read(plan, {
    ...(predicate === undefined ? {} : { predicate }),
    batchRows: ctx.config.processing.batchSize,
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  const written = await writeParquet(stream, plan.schema, file, {
    metadata: {
      'sqlsync.run_id': unit.runId,
      'sqlsync.table': unit.tableId,
      'sqlsync.unit': unit.id,
      'sqlsync.version': SQLSYNC_VERSION,
      ...metadata,
    },
    ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
  });
  let validation: UnitValidation | undefined;
  if (sourceFigures !== undefined) {
    validation = await validateStaged(unit, plan, file, sourceFigures);
  }
  ctx.logger.info(
    {
      table: unit.tableId,
      unit: unit.id,
      rows: written.rows,
      bytes: written.bytes,
      pauses: stream.stats.pauses,
    },
    'unit staged',
  );
  return {
    unitId: unit.id,
    tableId: unit.tableId,
    rows: written.rows,
    bytes: written.bytes,
    files: [file],
    droppedSubMicrosecondValues: stream.stats.droppedSubMicrosecondValues,
    ...(validation === undefined ? {} : { validation }),
    durationMs: performance.now() - started,
  };
}

/**
 * Compares the staged Parquet file with the source figures; throws `VALIDATION_FAILED` naming
 * table, unit, column and both values on the first difference.
 */
export async function validateStaged(
  unit: WorkUnit,
  plan: TableReadPlan,
  file: string,
  source: { readonly rowCount: bigint; readonly sums: Readonly<Record<string, string | null>> },
): Promise<UnitValidation> {
  const decimalColumns = plan.schema.columns.filter((c) => c.lakeType.kind === 'decimal');
  const lake = await readParquetStats(file, decimalColumns);
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
