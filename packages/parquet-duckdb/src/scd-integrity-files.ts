import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { SqlSyncError } from '@sync/core';

/** One data file of an SCD2 table: `<tableDir>/bucket=<nn>/<name>.parquet`. */
export interface ScdBucketFile {
  /** Absolute path. */
  readonly path: string;
  /** `bucket=<nn>/<name>.parquet`, relative to the table directory. */
  readonly relative: string;
  readonly bucket: number;
  /** The bucket directory (absolute). */
  readonly bucketDir: string;
  /**
   * Age rank among all the table's files, 0 = oldest: by the run id in `part-<run_id>-<n>.parquet`
   * (run ids sort by start time), then `n`; files named otherwise rank below every such file.
   */
  readonly rank: number;
}

const BUCKET_DIR = /^bucket=(\d+)$/;
const PART_FILE = /^part-(.+)-(\d+)\.parquet$/;

/**
 * Lists the data files of an SCD2 table directory, oldest first. Hidden files (`.…`, a writer's
 * temporary) and anything outside `bucket=<nn>` directories are not data. A missing table
 * directory has no files.
 *
 * @example
 * const files = await listScdBucketFiles('/lake/crm/customers');
 * files.at(-1)?.relative // 'bucket=07/part-20261125T120000Z-a1b2c3-0.parquet' (the newest)
 */
export async function listScdBucketFiles(tableDir: string): Promise<ScdBucketFile[]> {
  const entries = await readdir(tableDir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return [];
    }
    throw new SqlSyncError('VALIDATION_FAILED', `cannot list ${tableDir}: ${error.message}`, {
      cause: error,
    });
  });
  const found: Omit<ScdBucketFile, 'rank'>[] = [];
  for (const entry of entries) {
    const bucket = BUCKET_DIR.exec(entry.name);
    if (bucket === null || !entry.isDirectory()) {
      continue;
    }
    const bucketDir = join(tableDir, entry.name);
    for (const name of await readdir(bucketDir)) {
      if (name.startsWith('.') || !name.endsWith('.parquet')) {
        continue;
      }
      found.push({
        path: join(bucketDir, name),
        relative: `${entry.name}/${name}`,
        bucket: Number(bucket[1]),
        bucketDir,
      });
    }
  }
  const age = (file: Omit<ScdBucketFile, 'rank'>): [string, number] => {
    const part = PART_FILE.exec(file.relative.slice(file.relative.indexOf('/') + 1));
    return part === null ? ['', -1] : [part[1] as string, Number(part[2])];
  };
  const compare = (a: Omit<ScdBucketFile, 'rank'>, b: Omit<ScdBucketFile, 'rank'>): number => {
    const [runA, nA] = age(a);
    const [runB, nB] = age(b);
    if (runA !== runB) {
      return runA < runB ? -1 : 1;
    }
    if (nA !== nB) {
      return nA - nB;
    }
    return a.relative < b.relative ? -1 : a.relative > b.relative ? 1 : 0;
  };
  return found.sort(compare).map((file, rank) => ({ ...file, rank }));
}
