import { join, relative } from 'node:path';
import type { TableConfig } from '@sync/core';
import { LakeLayout } from '@sync/parquet-duckdb';

/**
 * The published directory of a table in the lake: `<lake>/<target_schema>/<target_table>` (every
 * kind; partitions and buckets are directories below it).
 *
 * @example
 * lakeTableDir('/data/lake', table) // '/data/lake/warehouse/products'
 */
export function lakeTableDir(
  lakeRoot: string,
  table: Pick<TableConfig, 'targetSchema' | 'targetTable'>,
): string {
  return new LakeLayout(lakeRoot).tableDir(table.targetSchema, table.targetTable);
}

/**
 * Where a unit's staged files are once its staging directory has replaced its lake directory.
 *
 * @example
 * stagedToPublished({ stagingDir: '/lake/_sqlsync/staging/r1/ref/rates', lakeDir: '/lake/ref/rates' },
 *   ['/lake/_sqlsync/staging/r1/ref/rates/part-r1-0.parquet'])
 * // ['/lake/ref/rates/part-r1-0.parquet']
 */
export function stagedToPublished(
  unit: { readonly stagingDir: string; readonly lakeDir: string },
  stagedFiles: readonly string[],
): string[] {
  return stagedFiles.map((file) => join(unit.lakeDir, relative(unit.stagingDir, file)));
}
