import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { parquetLayout, spliceParquet } from './parquet-splice.js';
import { type ScdDateType, type ScdHistoryColumns, scdHistorySql } from './scd-history-sql.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';

/**
 * How many row groups a bucket file may gain by splicing before a run rewrites it whole
 * (compaction): each spliced run appends one small row group of the bucket's new versions.
 *
 * @example
 * if (rowGroups > baseRowGroups + SCD_MAX_APPENDED_ROW_GROUPS) { /* rewrite the bucket whole *\/ }
 */
export const SCD_MAX_APPENDED_ROW_GROUPS = 16;

/**
 * One bucket's splice: the merge session's tables and where to write.
 *
 * @example
 * const spliced = await spliceScdBucket(connection, { lakeFile, file, columns, dateType, versionsAdded,
 *   copyOptions: "FORMAT PARQUET, COMPRESSION zstd, KV_METADATA {…}", scdOptions: 'FORMAT PARQUET, COMPRESSION zstd', tempDirectory });
 */
export interface ScdBucketSplice {
  /** The bucket's one lake file. */
  readonly lakeFile: string;
  /** The bucket file to write. */
  readonly file: string;
  readonly columns: ScdHistoryColumns;
  readonly dateType: ScdDateType;
  /** Versions added by this run in this bucket (no version replaced, no restored key). */
  readonly versionsAdded: number;
  /** `COPY` options of the file's new versions, key-value metadata included (the result's metadata). */
  readonly copyOptions: string;
  /** `COPY` options (no row group size) of the rewritten end date, is-latest and is-deleted columns. */
  readonly scdOptions: string;
  /** A scratch directory of its own (created and removed). */
  readonly tempDirectory: string;
  /** The row group size a bucket is written with: a file far beyond it in row groups is compacted. */
  readonly rowGroupSize: number;
}

/**
 * Writes a touched bucket without rewriting its unchanged versions, when the run only added
 * versions and closed or deleted existing ones (no version replaced, no restored key): each
 * existing row keeps its place and its source columns' bytes ({@link spliceParquet}); only the end
 * date, is-latest and is-deleted columns are written again (three small columns, per old row
 * group), and the new versions follow as one more row group. 1 % of 2,000,000 keys changed touches
 * every bucket: this writes ~3 % of the bytes a whole rewrite writes.
 *
 * Runs in the merge's DuckDB session after the bucket's change tables exist: `l` (the lake rows of
 * the keys read or gone), `v` (the touched keys' versions), `t` (the touched keys). Returns false — and writes
 * nothing — when the bucket cannot be spliced exactly, so the caller rewrites it whole: more than
 * {@link SCD_MAX_APPENDED_ROW_GROUPS} row groups gained by earlier splices (compaction), a lake
 * version of a touched key not matched exactly once by the new history (a duplicate version), a
 * schema the rewritten columns do not match. The caller's read-back check (rows and exact sums)
 * applies to the spliced file as to a rewritten one; this also checks the touched keys' rows in
 * the written file against the history computed.
 */
export async function spliceScdBucket(
  connection: DuckDBConnection,
  splice: ScdBucketSplice,
): Promise<boolean> {
  const { columns, lakeFile } = splice;
  const count = async (sql: string): Promise<number> =>
    Number((await connection.runAndReadAll(sql)).getRows()[0]?.[0] ?? 0);
  const layout = (await parquetLayout(lakeFile)).rowGroupRows;
  const rows = layout.reduce((a, b) => a + b, 0n);
  const fullGroups = Math.max(1, Math.ceil(Number(rows) / splice.rowGroupSize));
  if (layout.length > fullGroups + SCD_MAX_APPENDED_ROW_GROUPS) {
    return false;
  }
  const keys = columns.keyColumns.map(quoteIdentifier);
  const on = (a: string, b: string): string =>
    keys.map((k) => `${a}.${k} IS NOT DISTINCT FROM ${b}.${k}`).join(' AND ');
  const eff = quoteIdentifier(columns.effectiveColumn);
  const end = quoteIdentifier(columns.endColumn);
  const latest = quoteIdentifier(columns.isLatestColumn);
  const deleted = quoteIdentifier(columns.isDeletedColumn);
  const lakeList = [...columns.sourceColumns.map(quoteIdentifier), eff, end, latest, deleted];
  const lake = `read_parquet([${quoteStringLiteral(lakeFile)}], hive_partitioning = false, file_row_number = true)`;
  await connection.run(`CREATE TEMP TABLE h AS ${scdHistorySql('v', columns, splice.dateType)}`);
  // Each lake row of a touched key, by its row number in the file, with its new end date and flags.
  await connection.run(`CREATE TEMP TABLE xs AS
    SELECT x.file_row_number AS sqlsync_row, h.${end} AS e, h.${latest} AS l, h.${deleted} AS d
    FROM ${lake} x JOIN h ON ${on('h', 'x')} AND h.${eff} = x.${eff}`);
  // Every lake row of a touched key (all of them are in `l`) matched by exactly one new version,
  // and the other new versions are the added ones.
  const [matched = 0, rowsMatched = 0, lakeRowsTouched = 0, versions = 0] = (
    (
      await connection.runAndReadAll(`SELECT
      (SELECT COUNT(DISTINCT sqlsync_row) FROM xs), (SELECT COUNT(*) FROM xs),
      (SELECT COUNT(*) FROM l WHERE EXISTS (SELECT 1 FROM t WHERE ${on('t', 'l')})), (SELECT COUNT(*) FROM h)`)
    ).getRows()[0] ?? []
  ).map(Number);
  if (matched !== rowsMatched || matched !== lakeRowsTouched || versions !== matched + splice.versionsAdded) {
    return false;
  }
  const scratch = splice.tempDirectory;
  await rm(scratch, { recursive: true, force: true });
  await mkdir(scratch, { recursive: true });
  try {
    const replacements: string[] = [];
    let start = 0n;
    for (const [i, groupRows] of layout.entries()) {
      const replacement = join(scratch, `scd-${i}.parquet`);
      await connection.run(`COPY (
          SELECT CASE WHEN s.sqlsync_row IS NULL THEN x.${end} ELSE s.e END AS ${end},
            CASE WHEN s.sqlsync_row IS NULL THEN x.${latest} ELSE s.l END AS ${latest},
            CASE WHEN s.sqlsync_row IS NULL THEN x.${deleted} ELSE s.d END AS ${deleted}
          FROM ${lake} x LEFT JOIN xs s ON s.sqlsync_row = x.file_row_number
          WHERE x.file_row_number >= ${start} AND x.file_row_number < ${start + groupRows}
          ORDER BY x.file_row_number)
        TO ${quoteStringLiteral(replacement)} (${splice.scdOptions}, ROW_GROUP_SIZE ${groupRows + 2048n})`);
      replacements.push(replacement);
      start += groupRows;
    }
    const added = join(scratch, 'added.parquet');
    await connection.run(`COPY (
        SELECT ${lakeList.join(', ')} FROM h
        WHERE NOT EXISTS (SELECT 1 FROM l WHERE ${on('h', 'l')} AND h.${eff} = l.${eff})
        ORDER BY ${[...keys, eff].join(', ')})
      TO ${quoteStringLiteral(added)} (${splice.copyOptions})`);
    const sourceColumns = columns.sourceColumns.length;
    try {
      await spliceParquet({
        base: lakeFile,
        replacedColumns: [sourceColumns + 1, sourceColumns + 2, sourceColumns + 3],
        replacements,
        appended: added,
        target: splice.file,
      });
    } catch {
      await rm(splice.file, { force: true });
      return false;
    }
    // The rows spliced must be the history computed: at each touched row's number the written file
    // holds its key and effective date with the new end date and flags, and after the old rows the
    // new versions (the caller's read-back checks rows and sums of the whole file).
    const written = `read_parquet([${quoteStringLiteral(splice.file)}], hive_partitioning = false, file_row_number = true)`;
    const same = (a: string, b: string): string =>
      [...keys, eff, end, latest, deleted]
        .map((c) => `${a}.${c} IS NOT DISTINCT FROM ${b}.${c}`)
        .join(' AND ');
    const right = await count(`SELECT
        (SELECT COUNT(*) FROM ${written} w JOIN xs s ON s.sqlsync_row = w.file_row_number
          WHERE w.${end} IS NOT DISTINCT FROM s.e AND w.${latest} IS NOT DISTINCT FROM s.l AND w.${deleted} IS NOT DISTINCT FROM s.d
            AND EXISTS (SELECT 1 FROM t WHERE ${on('t', 'w')}))
      + (SELECT COUNT(*) FROM ${written} w SEMI JOIN h ON ${same('h', 'w')} WHERE w.file_row_number >= ${rows})`);
    if (right !== matched + splice.versionsAdded) {
      await rm(splice.file, { force: true });
      return false;
    }
    return true;
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
