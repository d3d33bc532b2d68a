import { existsSync } from 'node:fs';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint, SqlSyncError, type StaticTableConfig } from '@sync/core';
import {
  andPredicates,
  type BatchStream,
  keyBindingProblem,
  keyHashReadPlan,
  keyPredicates,
  ROW_HASH_COLUMN,
  type RowPredicate,
  type TableReadPlan,
} from '@sync/extract-mssql';
import { LakeUpsert, readParquetMetadata, readQualityFigures, writeParquet } from '@sync/parquet-duckdb';
import type { RecordBatch } from 'apache-arrow';
import { customWherePredicate } from './custom-where.js';
import { batchOptions, extractToStaging, validateStaged, writerMemoryLimitMb } from './extract-unit.js';
import { SQLSYNC_VERSION } from './sqlsync-version.js';
import { tableKey } from './table-key.js';
import type { UnitContext } from './unit-context.js';
import type { StaticUnit, UnitResult, UnitValidation, UpsertOutcome } from './work-unit.js';

/**
 * The (key, row hash) pairs of the published rows, beside them in the table directory and
 * published with them. The leading `_` and the missing `.parquet` keep it out of readers' way:
 * `**\/*.parquet` globs do not match it, and Spark, pyarrow and Hive skip `_`-files.
 */
export const ROW_HASHES_FILE = '_sqlsync_row_hashes';

/** Above this share of changed rows, one full read is cheaper than reading keys by parameters. */
export const FULL_READ_SHARE = 0.2;

const SIGNATURE_KEY = 'sqlsync.upsert';

/**
 * Runs a static table's `load_strategy: upsert` unit, writing only to staging:
 * 1. the server streams (key, row hash) pairs — one SELECT (`keyHashReadPlan`);
 * 2. DuckDB compares them with the published rows' pairs ({@link ROW_HASHES_FILE}), key column by
 *    key column ({@link LakeUpsert});
 * 3. nothing changed: nothing is staged (the commit publishes nothing). Otherwise only the new and
 *    changed rows are read, by bound key parameters (at most 2,000 per statement), and the new
 *    table — unchanged lake rows plus the rows read — is written to staging; or, when there is no
 *    usable hash file, a key type cannot be bound exactly, or more than {@link FULL_READ_SHARE} of
 *    the rows changed, the table is read in full (`fullRead` says why);
 * 4. the staged table is validated against the source (COUNT_BIG, exact decimal sums) and the new
 *    pairs are staged beside it, so the commit's atomic directory replace publishes both.
 * Keys gone from the source are left out of the new table. The source's key must be unique.
 *
 * @example
 * const result = await runStaticUpsert(table, unit, plan, ctx);
 * result.upsert // { inserted: 1, updated: 2, deleted: 0, unchanged: 997 }
 */
export async function runStaticUpsert(
  table: StaticTableConfig,
  unit: StaticUnit,
  plan: TableReadPlan,
  ctx: UnitContext,
): Promise<UnitResult> {
  const started = performance.now();
  const key = await tableKey(table, ctx, 'load_strategy: upsert');
  const where = customWherePredicate(table);
  const scratch = `${unit.stagingDir}.upsert`;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  await mkdir(unit.stagingDir, { recursive: true });
  const signal = ctx.signal === undefined ? {} : { signal: ctx.signal };
  const writeOptions = {
    memoryLimitMb: writerMemoryLimitMb(ctx.config.processing),
    releaseBatches: true,
    ...signal,
  };
  const batchRows = batchOptions(table).batchRows ?? ctx.config.processing.batchSize;
  try {
    const hashPlan = keyHashReadPlan(plan, key, table.hashAlgorithm);
    const hashes = await writeParquet(
      ctx.source.read(hashPlan, {
        ...(where === undefined ? {} : { predicate: where }),
        batchRows,
        ...signal,
      }),
      hashPlan.schema,
      { directory: scratch, fileName: (n) => `source-hashes-${n}.parquet` },
      writeOptions,
    );
    const duplicate = (await readQualityFigures(hashes.files, { uniqueKey: key })).duplicateKey;
    if (duplicate !== undefined) {
      throw new SqlSyncError(
        'DATA_QUALITY',
        `${table.id}: load_strategy: upsert needs a unique key, but (${key.join(', ')}) = (${duplicate.values.join(', ')}) is held by ${duplicate.rows} source rows; set primary_key_columns to a unique key`,
        { context: { table: table.id, unit: unit.id, configPath: 'primary_key_columns' } },
      );
    }
    const signature = upsertSignature(plan, key, table.hashAlgorithm);
    const lake = await publishedHashes(unit.lakeDir, signature);
    const upsert = await LakeUpsert.open({
      sourceHashes: hashes.files,
      ...(lake.usable ? { lakeHashes: lake.hashesFile } : {}),
      keyColumns: key,
      hashColumn: ROW_HASH_COLUMN,
      memoryLimitMb: writerMemoryLimitMb(ctx.config.processing),
      tempDirectory: scratch,
    });
    try {
      const counts = upsert.counts;
      const changed = counts.inserted + counts.updated;
      if (lake.usable && unit.forced !== true && changed === 0 && counts.deleted === 0) {
        return outcome(unit, started, { rows: 0, bytes: 0, files: [] }, { ...counts });
      }
      const metadata = {
        'sqlsync.run_id': unit.runId,
        'sqlsync.table': unit.tableId,
        'sqlsync.unit': unit.id,
        'sqlsync.version': SQLSYNC_VERSION,
      };
      const sourceRows = hashes.rows;
      const fullRead =
        unit.forced === true
          ? unit.reason
          : lake.usable
            ? (keyBindingProblem(plan, key) ??
              (changed > FULL_READ_SHARE * sourceRows
                ? `${changed} of ${sourceRows} rows new or changed (more than ${FULL_READ_SHARE * 100}%)`
                : undefined))
            : lake.reason;
      let result: UnitResult;
      if (fullRead !== undefined) {
        result = await extractToStaging(
          unit,
          plan,
          where,
          ctx,
          { 'sqlsync.load': 'upsert' },
          batchOptions(table),
        );
      } else {
        const predicates = keyPredicates(plan, key, await upsert.changedKeys());
        const streams = predicates.map((p) =>
          ctx.source.read(plan, { predicate: andPredicates(where, p) as RowPredicate, batchRows, ...signal }),
        );
        const read =
          streams.length === 0
            ? undefined
            : await writeParquet(
                concatenated(streams),
                plan.schema,
                { directory: scratch, fileName: (n) => `changed-${n}.parquet` },
                writeOptions,
              );
        const target = join(unit.stagingDir, `part-${unit.runId}-0.parquet`);
        const merged = await upsert.writeMerged({
          lakeFiles: lake.usable ? lake.dataFiles : [],
          changedRows: read?.files ?? [],
          columns: plan.schema.columns.map((c) => c.name),
          target,
          options: { metadata: { ...metadata, 'sqlsync.load': 'upsert' } },
        });
        const validation = await validated(unit, plan, target, where, ctx);
        result = {
          unitId: unit.id,
          tableId: unit.tableId,
          rows: read?.rows ?? 0,
          bytes: merged.bytes,
          files: [target],
          droppedSubMicrosecondValues: streams.reduce((n, s) => n + s.stats.droppedSubMicrosecondValues, 0),
          batches: streams.reduce((n, s) => n + s.stats.batches, 0),
          ...(validation === undefined ? {} : { validation }),
          durationMs: 0,
        };
      }
      await upsert.writeHashes(join(unit.stagingDir, ROW_HASHES_FILE), {
        metadata: { ...metadata, [SIGNATURE_KEY]: signature },
      });
      crashPoint('unit.staged');
      return outcome(unit, started, result, {
        ...counts,
        ...(fullRead === undefined ? {} : { fullRead }),
      });
    } finally {
      upsert.close();
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

function outcome(
  unit: StaticUnit,
  started: number,
  result: Omit<UnitResult, 'unitId' | 'tableId' | 'droppedSubMicrosecondValues' | 'durationMs'> &
    Partial<UnitResult>,
  upsert: UpsertOutcome,
): UnitResult {
  return {
    droppedSubMicrosecondValues: 0,
    ...result,
    unitId: unit.id,
    tableId: unit.tableId,
    upsert,
    durationMs: performance.now() - started,
  };
}

/** COUNT_BIG and exact sums of the source against the staged table (unless validation is off). */
async function validated(
  unit: StaticUnit,
  plan: TableReadPlan,
  file: string,
  where: RowPredicate | undefined,
  ctx: UnitContext,
): Promise<UnitValidation | undefined> {
  if (!ctx.config.processing.validatePrecisionEndToEnd) {
    return undefined;
  }
  return validateStaged(unit, plan, file, await ctx.source.aggregates(plan, where));
}

/**
 * What a hash file was computed from: the key, the algorithm and every column with its type. A
 * published hash file with another signature (a column added, a type changed, another key or
 * algorithm) is not compared with: the table is read in full.
 */
function upsertSignature(plan: TableReadPlan, key: readonly string[], algorithm: string): string {
  return JSON.stringify({
    key,
    algorithm,
    columns: plan.schema.columns.map((c) => [c.name, c.sqlType, c.precision, c.scale, c.lakeType]),
  });
}

type PublishedHashes =
  | { readonly usable: true; readonly hashesFile: string; readonly dataFiles: string[] }
  | { readonly usable: false; readonly reason: string };

/** The published table's hash file and data files, when the hash file matches `signature`. */
async function publishedHashes(lakeDir: string, signature: string): Promise<PublishedHashes> {
  const hashesFile = join(lakeDir, ROW_HASHES_FILE);
  if (!existsSync(hashesFile)) {
    return { usable: false, reason: 'full read: the lake has no row hashes yet' };
  }
  const metadata = await readParquetMetadata(hashesFile);
  if (metadata[SIGNATURE_KEY] !== signature) {
    return {
      usable: false,
      reason: 'full read: key, hash_algorithm or columns changed since the last upsert',
    };
  }
  const dataFiles = (await readdir(lakeDir))
    .filter((f) => f.endsWith('.parquet'))
    .map((f) => join(lakeDir, f));
  if (dataFiles.length === 0) {
    return { usable: false, reason: 'full read: the lake table has no data files' };
  }
  return { usable: true, hashesFile, dataFiles };
}

/** The batches of several reads, one read after the other (one connection, one statement at a time). */
async function* concatenated(streams: readonly BatchStream[]): AsyncGenerator<RecordBatch> {
  for (const stream of streams) {
    yield* stream;
  }
}
