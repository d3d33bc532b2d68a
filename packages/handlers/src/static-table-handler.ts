import type { StaticTableConfig } from '@sync/core';
import { LakeLayout, publishTable } from '@sync/parquet-duckdb';
import { customWherePredicate } from './custom-where.js';
import { batchOptions, extractToStaging } from './extract-unit.js';
import { lakeTableDir, stagedToPublished } from './lake-paths.js';
import { checkDataQuality } from './quality-checks.js';
import {
  decideStaticLoad,
  loadSignature,
  type StaticLoadRecord,
  type StaticSourceNow,
  sourceColumnsSignature,
} from './static-change.js';
import { runStaticUpsert } from './static-upsert.js';
import type { TableHandler } from './table-handler.js';
import { emptyUnitResult, type StaticUnit, type UpsertOutcome } from './work-unit.js';

/**
 * What sqlsync remembers about a static table between runs; the change-detection fields
 * ({@link StaticLoadRecord}: table hash, last full load, load signature) are absent from states
 * written before they were kept, which makes the next run a full load.
 */
export interface StaticTableState extends StaticLoadRecord {
  readonly version: 1;
  readonly tableId: string;
  /**
   * The last run that published the table's files. A run that skips the table, or an upsert that
   * found nothing to move, keeps it: the state check flags lake files of a run newer than this one.
   */
  readonly lastRunId: string;
  /** ISO instant of the last successful load. */
  readonly lastLoadedAt: string;
  readonly rowCount: number;
}

/**
 * What `snapshot` found: the table's hash as the server computed it (`hash_algorithm`), and the
 * signature of its columns.
 */
export interface StaticSnapshot extends StaticSourceNow {
  /** `<algorithm>:<row count>:<fold>`. */
  readonly tableHash: string;
}

function describeOptions(table: StaticTableConfig) {
  return { columns: table.columns, unsupportedTypes: table.unsupportedTypes };
}

/**
 * Static (reference) tables: one unit per table. `snapshot` asks the server for the table's hash
 * (`hash_algorithm`: a fold of per-row HASHBYTES, or CHECKSUM_AGG) — one short value crosses the
 * network. When it equals the last full load's and that load is younger than
 * `force_reload_after_days`, the unit is a skip: it reads no row and publishes nothing. Otherwise
 * the table is read in full and published by replacing the lake table's directory atomically
 * (`load_strategy: replace`), or, with `load_strategy: upsert`, only its new and changed rows are
 * read and merged with the lake's unchanged ones (`runStaticUpsert`) before the same publish.
 */
export const staticTableHandler: TableHandler<'static', StaticSnapshot, StaticTableState> = {
  kind: 'static',

  async snapshot(table, ctx) {
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    return {
      tableHash: await ctx.source.tableHash(plan, table.hashAlgorithm, customWherePredicate(table)),
      sourceColumns: sourceColumnsSignature(plan.schema.columns),
    };
  },

  plan(table, snapshot, state, run): StaticUnit[] {
    const lakeDir = lakeTableDir(run.lakeRoot, table);
    const decision = decideStaticLoad(table, snapshot, state, run.now);
    return [
      {
        id: table.id,
        tableId: table.id,
        kind: 'static',
        runId: run.runId,
        stagingDir: new LakeLayout(run.lakeRoot).staged(run.runId, lakeDir),
        lakeDir,
        reason: decision.reason,
        ...(decision.load === 'skip' ? { skip: true as const } : {}),
        ...(decision.forced === true ? { forced: true as const } : {}),
      },
    ];
  },

  async run(table, unit, ctx) {
    if (unit.skip === true) {
      return emptyUnitResult(unit);
    }
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    const result =
      table.loadStrategy === 'upsert'
        ? await runStaticUpsert(table, unit, plan, ctx)
        : await extractToStaging(unit, plan, customWherePredicate(table), ctx, {}, batchOptions(table));
    await checkDataQuality(table, unit, plan, result.files, ctx);
    return result;
  },

  async commit(table, units, results, snapshot, state, run) {
    if (state !== undefined && units.every((u) => u.skip === true)) {
      // Unchanged: the lake and the last full load's record stay as they were.
      return state;
    }
    let published = false;
    for (const [i, unit] of units.entries()) {
      if (results[i]?.upsert !== undefined && results[i]?.files.length === 0) {
        continue; // an upsert that found no key changed staged nothing: the lake stays as it is
      }
      published = true;
      await publishTable({
        lakeRoot: run.lakeRoot,
        runId: run.runId,
        targetSchema: table.targetSchema,
        targetTable: table.targetTable,
        stagedDir: unit.stagingDir,
      });
    }
    // The hash is the one taken before the read: a change made during the read moves the next
    // run's hash away from it, so that run reloads (never the other way round).
    return {
      version: 1,
      tableId: table.id,
      lastRunId: published || state === undefined ? run.runId : state.lastRunId,
      lastLoadedAt: run.now.toISOString(),
      rowCount: results.reduce((n, r) => n + (r.upsert === undefined ? r.rows : lakeRows(r.upsert)), 0),
      tableHash: snapshot.tableHash,
      // An upsert that read only changed rows is not a full load (force_reload_after_days counts from the last one).
      lastFullLoadAt:
        results.some((r) => r.upsert !== undefined && r.upsert.fullRead === undefined) &&
        state?.lastFullLoadAt !== undefined
          ? state.lastFullLoadAt
          : run.now.toISOString(),
      loadSignature: loadSignature(table),
      sourceColumns: snapshot.sourceColumns,
    };
  },

  // One unit per table: nothing to run in parallel.
  parallelLimit() {
    return 1;
  },

  lakeDir(table, lakeRoot) {
    return lakeTableDir(lakeRoot, table);
  },

  publishedFiles(unit, stagedFiles) {
    return stagedToPublished(unit, stagedFiles);
  },
};

/** Rows of the table an upsert published: the unchanged ones and those read. */
function lakeRows(upsert: UpsertOutcome): number {
  return upsert.inserted + upsert.updated + upsert.unchanged;
}
