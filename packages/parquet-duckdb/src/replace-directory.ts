import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { exists, fsyncDirectory } from './durable-fs.js';
import { LakeLayout } from './lake-layout.js';
import { writeJournal } from './publish-journal.js';

/** What to replace: one lake directory (table, partition or bucket) by one staged directory. */
export interface ReplaceDirectoryRequest {
  readonly lakeRoot: string;
  readonly runId: string;
  /** The lake directory to replace; it may not exist yet. */
  readonly target: string;
  /** The complete new content, on the lake's filesystem (normally `layout.staged(runId, target)`). */
  readonly staged: string;
}

/** What a publish did. */
export interface PublishResult {
  /** The directory now holding the staged content. */
  readonly target: string;
  /** Whether a previous version was replaced (false: the directory is new). */
  readonly replacedExisting: boolean;
  /**
   * False when the content is published but the backup or journal could not be removed;
   * `recoverJournals` removes them later. The publish itself succeeded either way.
   */
  readonly cleanedUp: boolean;
}

/**
 * Replaces one lake directory by a staged one with two `rename(2)` calls, guided by a journal:
 *
 * 1. write the journal (target, staged, backup) durably;
 * 2. rename the current target to its backup (skipped when there is none);
 * 3. rename the staged directory to the target;
 * 4. delete the backup, then the journal.
 *
 * A reader listing the directory sees the old files or the new ones, never a mixture and never a
 * partial file; between steps 2 and 3 (two syscalls apart) the directory is briefly absent. A
 * crash at any point is undone or finished by `recoverJournals`; a failure in step 3 is rolled
 * back here. Nothing here locks: publishes of one directory must not overlap. sqlsync's pipeline
 * sees to it by publishing from its main thread only, each table's directories one after another
 * in that table's commit (tables commit concurrently but never share a directory). A journal
 * already present for the same directory (an unrecovered crash) makes this throw `PUBLISH` rather
 * than guess.
 *
 * @example
 * const layout = new LakeLayout('/data/lake');
 * const target = layout.bucketDir('sales', 'customers', 7);
 * await replaceDirectory({ lakeRoot: layout.root, runId: 'r42', target, staged: layout.staged('r42', target) });
 */
export async function replaceDirectory(request: ReplaceDirectoryRequest): Promise<PublishResult> {
  const layout = new LakeLayout(request.lakeRoot);
  const target = join(layout.root, layout.relativeToRoot(request.target));
  const staged = resolve(request.staged);
  const backup = layout.backup(request.runId, target);
  const journal = layout.journalFile(request.runId, target);
  const fail = (message: string, cause?: unknown): SqlSyncError =>
    new SqlSyncError('PUBLISH', message, cause === undefined ? {} : { cause });

  if (staged === target || staged.startsWith(`${target}${sep}`) || target.startsWith(`${staged}${sep}`)) {
    throw fail(`the staged directory ${staged} and the target ${target} overlap`);
  }
  const stagedStat = await stat(staged).catch(() => undefined);
  if (stagedStat === undefined || !stagedStat.isDirectory()) {
    throw fail(`nothing staged to publish at ${staged}`);
  }
  if (await exists(journal)) {
    throw fail(
      `a publish of ${target} by run ${request.runId} is unfinished (${journal}); run recoverJournals first`,
    );
  }
  if (await exists(backup)) {
    throw fail(`a backup of ${target} is already at ${backup}; run recoverJournals or remove it by hand`);
  }

  await mkdir(layout.journalDir(), { recursive: true });
  await mkdir(dirname(target), { recursive: true });
  await mkdir(dirname(backup), { recursive: true });
  await writeJournal(journal, layout.root, { runId: request.runId, target, staged, backup });

  const replacedExisting = await exists(target);
  if (replacedExisting) {
    try {
      await rename(target, backup);
    } catch (error) {
      await rm(journal, { force: true });
      throw fail(`cannot move ${target} aside to ${backup}`, error);
    }
    await fsyncDirectory(dirname(backup));
  }
  try {
    await rename(staged, target);
  } catch (error) {
    // Put the previous version back so readers are not left without the directory.
    try {
      if (replacedExisting) {
        await rename(backup, target);
      }
      await rm(journal, { force: true });
    } catch {
      throw fail(
        `cannot publish ${staged} to ${target}, nor restore it; the journal ${journal} is left for recoverJournals`,
        error,
      );
    }
    throw fail(`cannot publish ${staged} to ${target}`, error);
  }
  await fsyncDirectory(dirname(target));
  await fsyncDirectory(dirname(staged));

  let cleanedUp = true;
  try {
    await rm(backup, { recursive: true, force: true });
    await rm(journal);
    await fsyncDirectory(layout.journalDir());
  } catch {
    cleanedUp = false;
  }
  return { target, replacedExisting, cleanedUp };
}
