import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { SCDTableConfig } from '@sync/core';
import { crashPoint, SqlSyncError } from '@sync/core';
import {
  andPredicates,
  keyBindingProblem,
  keyPredicates,
  projectedReadPlan,
  type TableReadPlan,
} from '@sync/extract-mssql';
import { readParquetMetadata, type ScdDateType, ScdMerge, writeParquet } from '@sync/parquet-duckdb';
import { customWherePredicate } from './custom-where.js';
import { batchOptions, extractToStaging, writerMemoryLimitMb } from './extract-unit.js';
import { SQLSYNC_VERSION } from './sqlsync-version.js';
import type { UnitContext } from './unit-context.js';
import type { ScdUnit, UnitResult } from './work-unit.js';

/**
 * Runs an SCD2 table's unit, writing only to staging:
 * 1. the rows of the unit's predicate (changed since the watermark, or all) are read into a scratch
 *    directory beside the staging directory and validated against the source (COUNT_BIG and exact
 *    decimal sums with the same predicate);
 * 2. with `detect_deletes`, the source's business keys are streamed there too (keys only), and the
 *    rows of deleted keys back with an old last-modified value are read by key;
 * 3. {@link ScdMerge} merges them bucket by bucket with the lake's history of the touched keys and
 *    writes the buckets holding touched keys to `<staging>/bucket=<nn>/part-<run>-0.parquet` (a run
 *    that changes nothing stages nothing);
 * 4. each staged bucket, read back, must hold the old bucket's rows and exact decimal sums, less
 *    the replaced versions, plus the added ones (ScdMerge checks), or the unit fails with
 *    `VALIDATION_FAILED` before anything is published.
 *
 * @example
 * const result = await runScdUnit(table, unit, plan, ctx);
 * result.scd // { versionsAdded: 3, versionsReplaced: 0, versionsUnchanged: 5, keysDeleted: 0, bucketsRewritten: 2, buckets: [4, 11] }
 */
export async function runScdUnit(
  table: SCDTableConfig,
  unit: ScdUnit,
  plan: TableReadPlan,
  ctx: UnitContext,
): Promise<UnitResult> {
  const started = performance.now();
  const { scd } = unit;
  await checkLakeBuckets(table, unit);
  const scratch = `${unit.stagingDir}.scd`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(unit.stagingDir, { recursive: true });
  try {
    // The rows read go to scratch, not to the staging directory: only merged buckets are published.
    const read = await extractToStaging(
      { ...unit, stagingDir: join(scratch, 'changed') },
      plan,
      unit.predicate,
      ctx,
      {},
      batchOptions(table),
    );
    const sourceKeys = table.detectDeletes
      ? await readSourceKeys(table, unit, plan, scratch, ctx)
      : undefined;
    const lastModified = plan.schema.columns.find((c) => c.name === scd.lastModifiedColumn);
    const dateType: ScdDateType = lastModified?.lakeType.kind === 'date' ? 'date' : 'timestamp';
    const sumColumns = plan.schema.columns.filter((c) => c.lakeType.kind === 'decimal');
    const merge = await ScdMerge.open({
      table: table.id,
      changedRows: read.files,
      ...(sourceKeys === undefined ? {} : { sourceKeys }),
      lakeTableDir: unit.lakeDir,
      columns: {
        keyColumns: scd.businessKey,
        sourceColumns: plan.schema.columns.map((c) => c.name),
        effectiveColumn: table.effectiveDateColumn,
        endColumn: table.endDateColumn,
        isLatestColumn: table.isLatestColumn,
        isDeletedColumn: table.isDeletedColumn,
      },
      lastModifiedColumn: scd.lastModifiedColumn,
      dateType,
      bucketCount: scd.bucketCount,
      closeTime: scd.sourceNow,
      sumColumns,
      memoryLimitMb: writerMemoryLimitMb(ctx.config.processing),
      tempDirectory: join(scratch, 'merge'),
    });
    try {
      const returned =
        sourceKeys === undefined
          ? undefined
          : await readReturningRows(table, unit, plan, merge, scratch, ctx);
      const merged = await merge.write({
        directory: unit.stagingDir,
        fileName: `part-${unit.runId}-0.parquet`,
        metadata: {
          'sqlsync.run_id': unit.runId,
          'sqlsync.table': unit.tableId,
          'sqlsync.unit': unit.id,
          'sqlsync.version': SQLSYNC_VERSION,
          'sqlsync.scd.watermark': scd.watermark ?? '',
        },
      });
      crashPoint('unit.staged');
      const counts = merged.counts;
      ctx.logger.info(
        {
          table: unit.tableId,
          unit: unit.id,
          rowsRead: read.rows,
          ...counts,
          buckets: merged.buckets.length,
        },
        'scd merged',
      );
      return {
        unitId: unit.id,
        tableId: unit.tableId,
        rows: read.rows + (returned?.rows ?? 0),
        bytes: merged.buckets.reduce((n, b) => n + b.bytes, 0),
        files: merged.buckets.map((b) => b.file),
        droppedSubMicrosecondValues: read.droppedSubMicrosecondValues,
        ...(read.batches === undefined ? {} : { batches: read.batches }),
        ...(read.validation === undefined ? {} : { validation: read.validation }),
        scd: {
          ...counts,
          bucketsRewritten: merged.buckets.length,
          buckets: merged.buckets.map((b) => b.bucket),
        },
        durationMs: performance.now() - started,
      };
    } finally {
      await merge.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Keys gone from the source earlier and back with a last-modified value older than the read's lower
 * bound (a restored row) were not read: their rows are read by key (bound parameters, at most
 * 2,000 per statement), validated like the main read, and added to the merge. Keys whose types
 * cannot be bound exactly are left (logged): they stay deleted until their row changes.
 */
async function readReturningRows(
  table: SCDTableConfig,
  unit: ScdUnit,
  plan: TableReadPlan,
  merge: ScdMerge,
  scratch: string,
  ctx: UnitContext,
): Promise<{ readonly rows: number } | undefined> {
  const keys = await merge.returningKeys();
  if (keys.length === 0) {
    return undefined;
  }
  const problem = keyBindingProblem(plan, unit.scd.businessKey);
  if (problem !== undefined) {
    ctx.logger.warn(
      { table: unit.tableId, unit: unit.id, keys: keys.length, problem },
      'deleted keys are back in the source with an old last-modified value but cannot be read by key; they stay deleted until their rows change',
    );
    return undefined;
  }
  const where = customWherePredicate(table);
  let rows = 0;
  for (const [n, predicate] of keyPredicates(plan, unit.scd.businessKey, keys).entries()) {
    const read = await extractToStaging(
      { ...unit, stagingDir: join(scratch, `returned-${n}`) },
      plan,
      andPredicates(where, predicate),
      ctx,
      {},
      batchOptions(table),
    );
    await merge.addRows(read.files);
    rows += read.rows;
  }
  ctx.logger.info({ table: unit.tableId, unit: unit.id, keys: keys.length, rows }, 'returning keys read');
  return { rows };
}

/** Streams the business keys of every source row (the table's `custom_where_clause` applied) to Parquet. */
async function readSourceKeys(
  table: SCDTableConfig,
  unit: ScdUnit,
  plan: TableReadPlan,
  scratch: string,
  ctx: UnitContext,
): Promise<readonly string[]> {
  const directory = join(scratch, 'keys');
  await mkdir(directory, { recursive: true });
  const keyPlan = projectedReadPlan(plan, unit.scd.businessKey);
  const where = customWherePredicate(table);
  const signal = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const written = await writeParquet(
    ctx.source.read(keyPlan, {
      ...(where === undefined ? {} : { predicate: where }),
      batchRows: batchOptions(table).batchRows ?? ctx.config.processing.batchSize,
      ...signal,
    }),
    keyPlan.schema,
    { directory, fileName: (n) => `keys-${n}.parquet` },
    { memoryLimitMb: writerMemoryLimitMb(ctx.config.processing), releaseBatches: true, ...signal },
  );
  return written.files;
}

/**
 * The lake's buckets must have been written with this bucket count and business key (their files'
 * metadata say so): a lake loaded with others is `CONFIG_INVALID`, even when the state file is gone.
 */
async function checkLakeBuckets(table: SCDTableConfig, unit: ScdUnit): Promise<void> {
  if (!existsSync(unit.lakeDir)) {
    return;
  }
  const buckets = (await readdir(unit.lakeDir)).filter((name) => name.startsWith('bucket=')).sort();
  for (const bucket of buckets) {
    const files = (await readdir(join(unit.lakeDir, bucket)))
      .filter((name) => name.endsWith('.parquet'))
      .sort();
    if (files[0] === undefined) {
      continue;
    }
    const metadata = await readParquetMetadata(join(unit.lakeDir, bucket, files[0]));
    const count = metadata['sqlsync.scd.bucket_count'];
    const key = metadata['sqlsync.scd.business_key'];
    if (count !== undefined && count !== String(unit.scd.bucketCount)) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${table.id}: bucket_count is ${unit.scd.bucketCount}, but the lake's history was bucketed with ${count} (${join(unit.lakeDir, bucket)}); set bucket_count back to ${count}, or delete the lake table directory and the table's state file to reload`,
        { context: { table: table.id, configPath: 'bucket_count' } },
      );
    }
    if (key !== undefined && key !== JSON.stringify(unit.scd.businessKey)) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${table.id}: the business key is ${JSON.stringify(unit.scd.businessKey)}, but the lake's history is keyed by ${key}; set business_key_columns back, or delete the lake table directory and the table's state file to reload`,
        { context: { table: table.id, configPath: 'business_key_columns' } },
      );
    }
    return; // one bucket's metadata is enough: a run writes them all alike
  }
}
