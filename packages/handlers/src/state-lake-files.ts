import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readParquetFooter } from '@sync/parquet-duckdb';

/** One published Parquet file of a table and the key-value metadata its writer stored in it. */
export interface LakeFile {
  /** The directory below the table's (`OrderDate_month=2024-03`, `bucket=07`), `''` for the table's own. */
  readonly subdir: string;
  readonly path: string;
  readonly metadata: Readonly<Record<string, string>>;
  /** Rows in the file (its footer's count). */
  readonly rows: number;
  /** Modification time, ISO. */
  readonly modifiedAt: string;
}

/**
 * Every published Parquet file of a table directory and one level below it (partitions, buckets),
 * with its metadata — what a state rebuild reads. Hidden and `_` names (staging, journals) are
 * skipped. `[]` when the directory does not exist.
 *
 * @example
 * const files = await lakeFiles('/lake/sales/Orders');
 * files[0].metadata['sqlsync.source_fingerprint'] // '{"rowCount":"8333",…}'
 */
export async function lakeFiles(tableDir: string): Promise<LakeFile[]> {
  const files: LakeFile[] = [];
  const visit = async (dir: string, subdir: string, depth: number): Promise<void> => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return;
      }
      throw error;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith('.') || entry.name.startsWith('_')) {
        continue;
      }
      const path = join(dir, entry.name);
      // A published directory may be a symlink to an immutable version: followed like a directory.
      const isDirectory =
        entry.isDirectory() ||
        (entry.isSymbolicLink() &&
          (await stat(path).then(
            (s) => s.isDirectory(),
            () => false,
          )));
      if (isDirectory && depth === 0) {
        await visit(path, entry.name, 1);
      } else if (entry.isFile() && entry.name.endsWith('.parquet')) {
        const [footer, info] = await Promise.all([readParquetFooter(path), stat(path)]);
        files.push({
          subdir,
          path,
          metadata: footer.metadata,
          rows: footer.rows,
          modifiedAt: info.mtime.toISOString(),
        });
      }
    }
  };
  await visit(tableDir, '', 0);
  return files;
}

/**
 * Rows in the given Parquet files (from their footers).
 *
 * @example
 * lakeFileRows(files) // 200412
 */
export function lakeFileRows(files: readonly LakeFile[]): number {
  return files.reduce((n, f) => n + f.rows, 0);
}

/**
 * The last run that wrote any of the files (their `sqlsync.run_id`; run ids sort by start time)
 * and when the newest file was written, for a state rebuilt from them; `rebuilt` and `now` when
 * the files say nothing.
 *
 * @example
 * const { lastRunId, lastLoadedAt } = lastWrite(files, run.now); // { lastRunId: '20261202T…-a1b2c3', lastLoadedAt: '2026-12-02T…Z' }
 */
export function lastWrite(
  files: readonly LakeFile[],
  now: Date,
): { readonly lastRunId: string; readonly lastLoadedAt: string } {
  const runIds = files.map((f) => f.metadata['sqlsync.run_id'] ?? '').filter((r) => r !== '');
  return {
    lastRunId: runIds.sort().at(-1) ?? 'rebuilt',
    lastLoadedAt:
      files
        .map((f) => f.modifiedAt)
        .sort()
        .at(-1) ?? now.toISOString(),
  };
}
