import { quoteStringLiteral } from './sql-quote.js';

/**
 * One Parquet file, a glob (`/lake/sales/orders/**\/*.parquet`), or a list of either: what the
 * lake readers accept.
 */
export type ParquetSource = string | readonly string[];

/**
 * The `read_parquet(…)` table expression for a source. Hive partitioning is off: the figures are
 * those of the columns stored in the files, not of directory names.
 *
 * @example
 * readParquetSql('/lake/sales/orders/**\/*.parquet')
 * // "read_parquet(['/lake/sales/orders/**\/*.parquet'], hive_partitioning = false)"
 */
export function readParquetSql(source: ParquetSource): string {
  const paths = typeof source === 'string' ? [source] : source;
  return `read_parquet([${paths.map(quoteStringLiteral).join(', ')}], hive_partitioning = false)`;
}
