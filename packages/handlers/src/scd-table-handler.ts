import { SqlSyncError } from '@sync/core';
import { lakeTableDir, stagedToPublished } from './lake-paths.js';
import type { TableHandler } from './table-handler.js';
import type { TableConfigOf } from './table-kind.js';

function notImplemented(table: TableConfigOf<'scd'>): SqlSyncError {
  return new SqlSyncError(
    'USAGE',
    `${table.id}: ${table.kind} tables are not implemented in this version of sqlsync yet; only static_tables and partition_tables run`,
    { context: { table: table.id } },
  );
}

/**
 * SCD Type 2 tables: not implemented yet. Every step that would touch the source or the lake
 * fails the table with a `USAGE` error saying so; the lake naming is already the one SCD2 will
 * publish under (`<lake>/<schema>/<table>/bucket=<nn>/`).
 */
export const scdTableHandler: TableHandler<'scd'> = {
  kind: 'scd',

  async snapshot(table) {
    throw notImplemented(table);
  },

  plan(table) {
    throw notImplemented(table);
  },

  async run(table) {
    throw notImplemented(table);
  },

  async commit(table) {
    throw notImplemented(table);
  },

  // Buckets will be independent directories, like partitions; until then one unit at a time.
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
