import { createHash, randomBytes } from 'node:crypto';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { SqlSyncError } from '@sync/core';

/** The directory of sqlsync's own files inside the lake; readers glob table directories, never this. */
export const SQLSYNC_DIR = '_sqlsync';

/** Hive's name for the partition of NULL values. */
export const NULL_PARTITION = '__HIVE_DEFAULT_PARTITION__';

/**
 * Escapes one path segment the way Hive and Spark escape partition values (`%` plus two hex
 * digits for `/ \ : = % # ? * ' " [ ] { } ^`, control characters and DEL), so that any SQL Server
 * name or value is one directory that readers decode back. `.` and `..` are escaped too.
 *
 * @example
 * escapePathSegment('a/b=c') // 'a%2Fb%3Dc'
 */
export function escapePathSegment(segment: string): string {
  if (segment.length === 0) {
    throw new SqlSyncError('PUBLISH', 'an empty name cannot be a lake path segment');
  }
  if (segment === '.' || segment === '..') {
    return segment.replaceAll('.', '%2E');
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is escaped.
  return segment.replace(/[\u0000-\u001f\u007f"#%'*/:=?[\\\]^{}]/g, (char) => {
    return `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
  });
}

/**
 * Where everything lives in a lake (see the README):
 *
 * ```
 * <lake>/<schema>/<table>/<column>=<value>/part-<run>-<n>.parquet   partition tables
 * <lake>/<schema>/<table>/bucket=<nn>/part-<run>-<n>.parquet        SCD2 tables
 * <lake>/<schema>/<table>/part-<run>-<n>.parquet                    static tables
 * <lake>/<schema>/<table> -> ../_sqlsync/versions/<schema>/<table>/<version>   (a symlink)
 * <lake>/_sqlsync/versions/<schema>/<table>/<version>/…             the published table, immutable
 * <lake>/_sqlsync/staging/<run>/<schema>/<table>/…                  the same shape, before publish
 * <lake>/_sqlsync/backup/<run>/<schema>/<table>/…                   a real table directory being
 *                                                                    turned into a version (once)
 * <lake>/_sqlsync/journal/<run>.<key>.json                          publish intent, one per directory
 * <lake>/_sqlsync/processes/<host>.<pid>.json                       sqlsync processes using the lake
 * ```
 *
 * Every name is escaped with {@link escapePathSegment}. Staging, versions and backups live under
 * the lake root so that publishing is same-filesystem `link(2)` and `rename(2)` calls.
 *
 * @example
 * const layout = new LakeLayout('/data/lake');
 * layout.partitionDir('sales', 'orders', 'order_month', '2024-01'); // '/data/lake/sales/orders/order_month=2024-01'
 * layout.staged('r42', layout.tableDir('sales', 'orders'));        // '/data/lake/_sqlsync/staging/r42/sales/orders'
 */
export class LakeLayout {
  /** Absolute lake root. */
  readonly root: string;

  constructor(lakeRoot: string) {
    this.root = resolve(lakeRoot);
    Object.freeze(this);
  }

  /** `<lake>/<schema>/<table>`. */
  tableDir(targetSchema: string, targetTable: string): string {
    return join(this.root, escapePathSegment(targetSchema), escapePathSegment(targetTable));
  }

  /** `<lake>/<schema>/<table>/<column>=<value>`; a `null` value is Hive's default partition. */
  partitionDir(targetSchema: string, targetTable: string, column: string, value: string | null): string {
    const escapedValue = value === null ? NULL_PARTITION : escapePathSegment(value);
    return join(this.tableDir(targetSchema, targetTable), `${escapePathSegment(column)}=${escapedValue}`);
  }

  /** `<lake>/<schema>/<table>/bucket=<nn>`, the bucket number zero-padded to two digits. */
  bucketDir(targetSchema: string, targetTable: string, bucket: number): string {
    if (!Number.isSafeInteger(bucket) || bucket < 0) {
      throw new SqlSyncError('PUBLISH', `a bucket number must be a non-negative integer, got ${bucket}`);
    }
    return join(this.tableDir(targetSchema, targetTable), `bucket=${String(bucket).padStart(2, '0')}`);
  }

  /** `part-<run>-<n>.parquet`, the name of the n-th file a run writes into one directory. */
  dataFileName(runId: string, n: number): string {
    return `part-${escapePathSegment(runId)}-${n}.parquet`;
  }

  /** `<lake>/_sqlsync/staging/<run>`: everything a run wrote and has not published. */
  stagingRunDir(runId: string): string {
    return join(this.root, SQLSYNC_DIR, 'staging', escapePathSegment(runId));
  }

  /** The staging twin of a lake directory: where a run prepares what will replace it. */
  staged(runId: string, lakeDir: string): string {
    return join(this.stagingRunDir(runId), this.relativeToRoot(lakeDir));
  }

  /** Where a lake directory is parked while it is being replaced. */
  backup(runId: string, lakeDir: string): string {
    return join(this.root, SQLSYNC_DIR, 'backup', escapePathSegment(runId), this.relativeToRoot(lakeDir));
  }

  /**
   * The table directory a lake directory belongs to (`<lake>/<schema>/<table>`) and the path of
   * the directory inside it (`''` for the table itself, `order_month=2024-01` for a partition).
   */
  tableOf(lakeDir: string): { readonly tableDir: string; readonly inside: string } {
    const parts = this.relativeToRoot(lakeDir).split(sep);
    if (parts.length < 2) {
      throw new SqlSyncError(
        'PUBLISH',
        `${lakeDir} is not a table directory (<lake>/<schema>/<table>) or inside one`,
      );
    }
    return { tableDir: join(this.root, parts[0] ?? '', parts[1] ?? ''), inside: parts.slice(2).join(sep) };
  }

  /** `<lake>/_sqlsync/versions/<schema>/<table>`: the published versions of one table directory. */
  versionsDir(tableDir: string): string {
    return join(this.root, SQLSYNC_DIR, 'versions', this.relativeToRoot(tableDir));
  }

  /** A fresh version directory of a table for a run: `…/versions/<schema>/<table>/<run>-<random>`. */
  newVersionDir(runId: string, tableDir: string): string {
    return join(this.versionsDir(tableDir), `${escapePathSegment(runId)}-${randomBytes(4).toString('hex')}`);
  }

  /** `<lake>/_sqlsync/<area>`: `staging`, `backup`, `versions`, `journal`, `processes` or `plans`. */
  sqlsyncDir(area: 'staging' | 'backup' | 'versions' | 'journal' | 'processes' | 'plans'): string {
    return join(this.root, SQLSYNC_DIR, area);
  }

  /** `<lake>/_sqlsync/journal`. */
  journalDir(): string {
    return join(this.root, SQLSYNC_DIR, 'journal');
  }

  /**
   * `<lake>/_sqlsync/journal/<run>.<key>.json`: the publish journal of one lake directory, `key`
   * being a short hash of its path, so that tables published concurrently never share a journal.
   */
  journalFile(runId: string, lakeDir: string): string {
    const key = createHash('sha256').update(this.relativeToRoot(lakeDir)).digest('hex').slice(0, 16);
    return join(this.journalDir(), `${escapePathSegment(runId)}.${key}.json`);
  }

  /**
   * The path of a lake directory relative to the root, refusing anything outside the lake or
   * inside `_sqlsync` (a publish must never move sqlsync's own files).
   */
  relativeToRoot(lakeDir: string): string {
    const path = relative(this.root, resolve(lakeDir));
    if (path === '' || path.startsWith('..') || isAbsolute(path)) {
      throw new SqlSyncError('PUBLISH', `${lakeDir} is not a directory inside the lake ${this.root}`);
    }
    if (path === SQLSYNC_DIR || path.startsWith(`${SQLSYNC_DIR}${sep}`)) {
      throw new SqlSyncError('PUBLISH', `${lakeDir} is inside the lake's ${SQLSYNC_DIR} directory`);
    }
    return path;
  }
}
