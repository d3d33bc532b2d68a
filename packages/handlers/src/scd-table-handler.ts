import { readdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { SCDTableConfig } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import { lastModifiedType } from '@sync/extract-mssql';
import { replaceDirectory } from '@sync/parquet-duckdb';
import { customWherePredicate } from './custom-where.js';
import { lakeTableDir, stagedToPublished } from './lake-paths.js';
import { scdBusinessKey } from './scd-business-key.js';
import { planScdUnit, type ScdSnapshot, type ScdTableState } from './scd-plan.js';
import { runScdUnit } from './scd-run.js';
import type { TableHandler } from './table-handler.js';

function describeOptions(table: SCDTableConfig) {
  return { columns: table.columns, unsupportedTypes: table.unsupportedTypes };
}

/** Whether a table directory holds a `bucket=<nn>/*.parquet` file. */
async function hasBucketFiles(tableDir: string): Promise<boolean> {
  const buckets = await readdir(tableDir).catch(() => [] as string[]);
  for (const bucket of buckets.filter((name) => name.startsWith('bucket='))) {
    const files = await readdir(join(tableDir, bucket)).catch(() => [] as string[]);
    if (files.some((name) => name.endsWith('.parquet'))) {
      return true;
    }
  }
  return false;
}

/** The settings naming the four columns sqlsync adds after the source's. */
function scdColumnSettings(table: SCDTableConfig): readonly (readonly [string, string])[] {
  return [
    ['is_latest_column', table.isLatestColumn],
    ['effective_date_column', table.effectiveDateColumn],
    ['end_date_column', table.endDateColumn],
    ['is_deleted_column', table.isDeletedColumn],
  ];
}

/**
 * SCD Type 2 tables: one unit per table. `snapshot` finds the business key (config, else primary
 * key, else the only unique index), checks the last-modified column (date, smalldatetime,
 * datetime, datetime2) and takes the watermark (`MAX(last_modified)`) and the server's clock;
 * `plan` reads everything on a first load, else the rows changed since the recorded watermark less
 * `lookback_minutes`; `run` merges them into the history (`runScdUnit`); `commit` publishes each
 * rewritten `bucket=<nn>` directory atomically (`replaceDirectory`) and records the watermark.
 * See the package README for the lake's columns and the rules of the history.
 *
 * @example
 * const snapshot = await scdTableHandler.snapshot(table, ctx);
 * const [unit] = scdTableHandler.plan(table, snapshot, state, run); // unit.reason: 'full read (first load)'
 * const result = await scdTableHandler.run(table, unit, ctx);      // result.scd.versionsAdded
 * const next = await scdTableHandler.commit(table, [unit], [result], snapshot, state, run);
 */
export const scdTableHandler: TableHandler<'scd', ScdSnapshot, ScdTableState> = {
  kind: 'scd',

  async snapshot(table, ctx) {
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    const type = lastModifiedType(plan, table.lastModifiedColumn);
    for (const [setting, name] of scdColumnSettings(table)) {
      const clash = plan.schema.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
      if (clash !== undefined) {
        throw new SqlSyncError(
          'CONFIG_INVALID',
          `${table.id}: the source column ${clash.name} has the name of the lake column ${setting} (${name}); set ${setting} to another name`,
          { context: { table: table.id, column: clash.name, configPath: setting } },
        );
      }
    }
    const lastModified =
      plan.schema.columns.find((c) => c.name === table.lastModifiedColumn) ??
      plan.schema.columns.find((c) => c.name.toLowerCase() === table.lastModifiedColumn.toLowerCase());
    if (lastModified === undefined) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${table.id}: last_modified_column ${table.lastModifiedColumn} not found`,
        {
          context: { table: table.id, configPath: 'last_modified_column' },
        },
      );
    }
    const businessKey = await scdBusinessKey(table, plan, ctx);
    const where = customWherePredicate(table);
    const watermark = await ctx.source.watermark(plan, lastModified.name, where);
    return {
      businessKey,
      lastModified,
      lastModifiedType: type,
      watermark: watermark.value,
      sourceNow: watermark.sourceNow,
      lakeHasBuckets: await hasBucketFiles(lakeTableDir(ctx.config.state.parquetDirectory, table)),
    };
  },

  plan(table, snapshot, state, run) {
    return planScdUnit(table, snapshot, state, run);
  },

  async run(table, unit, ctx) {
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    return runScdUnit(table, unit, plan, ctx);
  },

  async commit(table, units, results, snapshot, state, run) {
    let versions = state?.versions ?? 0;
    for (const [i, unit] of units.entries()) {
      const result = results[i];
      // Each staged bucket replaces its lake bucket on its own (journal, two renames); buckets no
      // key of this run touched are not staged and stay as they are.
      for (const file of result?.files ?? []) {
        const bucket = relative(unit.stagingDir, dirname(file));
        await replaceDirectory({
          lakeRoot: run.lakeRoot,
          runId: run.runId,
          target: join(unit.lakeDir, bucket),
          staged: join(unit.stagingDir, bucket),
        });
      }
      versions += result?.scd?.versionsAdded ?? 0;
    }
    const unit = units[0];
    return {
      version: 1,
      tableId: table.id,
      lastRunId: run.runId,
      lastLoadedAt: run.now.toISOString(),
      // Taken before the read: rows changed while it ran have a later last_modified and are read
      // again next run (an identical version read again changes nothing), never skipped.
      watermark: snapshot.watermark ?? state?.watermark ?? null,
      lastModifiedType: snapshot.lastModifiedType,
      bucketCount: unit?.scd.bucketCount ?? table.bucketCount,
      businessKey: snapshot.businessKey,
      versions,
    };
  },

  // One unit per table: the buckets are merged one after another inside it.
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
