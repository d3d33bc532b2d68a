import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { exists, fsyncDirectory, fsyncFile } from './durable-fs.js';
import { LakeLayout } from './lake-layout.js';
import { type PublishResult, replaceDirectory } from './replace-directory.js';
import { scdBucketDirName } from './scd-history-sql.js';
import type { ScdIntegrityReport } from './scd-integrity-report.js';
import { type ScdIntegrityRequest, ScdIntegritySession } from './scd-integrity-session.js';

/** What to repair: one SCD2 table directory, published as run `runId`. */
export interface ScdRepairRequest extends ScdIntegrityRequest {
  /** The lake root the table directory is in: staging and publish journals live under it. */
  readonly lakeRoot: string;
  /** The repair's run id: the staging directory, the journal and the new files' names. */
  readonly runId: string;
  /**
   * Metadata set on every rewritten file, over the metadata of the bucket's newest file (which is
   * kept: table, unit, business key, bucket count, watermark). `sqlsync.scd.bucket` is the
   * bucket's and `sqlsync.scd.repaired_by` the run id whatever is given. Defaults to none.
   */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What a repair did. */
export interface ScdRepairResult {
  /** The history as it was before the repair. */
  readonly before: ScdIntegrityReport;
  /** The bucket numbers whose directory was replaced, ascending. */
  readonly bucketsRewritten: readonly number[];
  /** Duplicate rows dropped. */
  readonly rowsRemoved: number;
  /** Rows kept whose end date, is-latest, is-deleted or bucket changed. */
  readonly rowsChanged: number;
  readonly published: readonly PublishResult[];
}

/** The metadata key recording the run that repaired a bucket file. */
export const REPAIRED_BY_METADATA = 'sqlsync.scd.repaired_by';

/**
 * Repairs the SCD2 history of one lake table: checks it as `checkScdIntegrity` does and, when a
 * rule is violated, rewrites each affected bucket whole — duplicates dropped (the copy from the
 * newest file kept), end dates, is-latest and is-deleted recomputed by the integrity rules, rows
 * of a key hashed to another bucket moved there — into `<lake>/_sqlsync/staging/<runId>/…` as one
 * `part-<runId>-0.parquet` per bucket (none for a bucket left empty), then publishes bucket after
 * bucket with `replaceDirectory` (journal, atomic per bucket). A valid history is left untouched.
 * What recomputing does with a deleted version is told in `ScdIntegritySession`.
 *
 * Nothing here locks: no `sqlsync run` may write the table meanwhile. A crash between two buckets'
 * publishes leaves each bucket whole but the repair partial; running the repair again finishes it
 * (its own files are the newest, so a key moved twice keeps the repaired copy).
 *
 * @example
 * const result = await repairScdHistory({ lakeRoot: '/lake', tableDir: '/lake/crm/customers', runId: 'r9', columns });
 * result.bucketsRewritten; // [3, 11]
 * result.before.violations.duplicates.count; // 1
 */
export async function repairScdHistory(request: ScdRepairRequest): Promise<ScdRepairResult> {
  const layout = new LakeLayout(request.lakeRoot);
  const context = request.table === undefined ? {} : { table: request.table };
  const session = await ScdIntegritySession.open(request);
  const staged = new Map<number, { readonly target: string; readonly staged: string }>();
  let before: ScdIntegrityReport;
  try {
    before = await session.report();
    if (before.repair.bucketsToRewrite.length === 0) {
      return { before, bucketsRewritten: [], rowsRemoved: 0, rowsChanged: 0, published: [] };
    }
    const stagingRun = layout.stagingRunDir(request.runId);
    if (await exists(stagingRun)) {
      throw new SqlSyncError(
        'PUBLISH',
        `the staging directory ${stagingRun} of run ${request.runId} already exists`,
        {
          context,
        },
      );
    }
    const anyMetadata = session.bucketMetadata.values().next().value ?? {};
    for (const bucket of before.repair.bucketsToRewrite) {
      const existing = session.files.find((f) => f.bucket === bucket);
      // A bucket without a directory yet receives keys moved from a wrong bucket, which only a
      // table whose files carry their bucket count can have.
      const target =
        existing?.bucketDir ?? join(request.tableDir, scdBucketDirName(bucket, before.bucketCount ?? 0));
      const stagedDir = layout.staged(request.runId, target);
      await mkdir(stagedDir, { recursive: true });
      const file = join(stagedDir, layout.dataFileName(request.runId, 0));
      const bucketMetadata = session.bucketMetadata.get(bucket);
      const rows = await session.writeBucket(bucket, file, {
        ...(bucketMetadata ?? anyMetadata),
        'sqlsync.scd.bucket': bucketMetadata?.['sqlsync.scd.bucket'] ?? String(bucket),
        ...request.metadata,
        [REPAIRED_BY_METADATA]: request.runId,
      });
      if (rows > 0) {
        await fsyncFile(file);
      }
      await fsyncDirectory(stagedDir);
      staged.set(bucket, { target, staged: stagedDir });
    }
  } catch (error) {
    await rm(layout.stagingRunDir(request.runId), { recursive: true, force: true });
    throw error;
  } finally {
    session.close();
  }
  const published: PublishResult[] = [];
  try {
    for (const [, bucket] of staged) {
      published.push(
        await replaceDirectory({
          lakeRoot: layout.root,
          runId: request.runId,
          target: bucket.target,
          staged: bucket.staged,
        }),
      );
    }
  } finally {
    await removeStagingRun(layout, request.runId);
  }
  return {
    before,
    bucketsRewritten: [...staged.keys()],
    rowsRemoved: before.repair.rowsToRemove,
    rowsChanged: before.repair.rowsToChange,
    published,
  };
}

/**
 * Removes the repair's staging directory once its buckets are published. A bucket whose publish
 * failed keeps its staged copy only when `replaceDirectory` left a journal pointing at it.
 */
async function removeStagingRun(layout: LakeLayout, runId: string): Promise<void> {
  const journals = await readdir(layout.journalDir()).catch(() => [] as string[]);
  if (journals.some((name) => name.startsWith(`${runId}.`))) {
    return;
  }
  const dir = layout.stagingRunDir(runId);
  if ((await stat(dir).catch(() => undefined)) !== undefined) {
    await rm(dir, { recursive: true, force: true });
  }
}
