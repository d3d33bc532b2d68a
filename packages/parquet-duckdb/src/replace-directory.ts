import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { crashPoint, SqlSyncError } from '@sync/core';
import { exists, fsyncDirectory } from './durable-fs.js';
import { LakeLayout } from './lake-layout.js';
import { writeJournal } from './publish-journal.js';
import { linkTree, pointTableAt, tableDirState } from './table-version.js';

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
   * False when the content is published but the staged copy, the previous version or the journal
   * could not be removed; `recoverJournals` removes them later. The publish itself succeeded.
   */
  readonly cleanedUp: boolean;
}

/**
 * Replaces one lake directory by a staged one so that readers always find it. A table directory
 * `<lake>/<schema>/<table>` is a symlink to an immutable version directory
 * `<lake>/_sqlsync/versions/<schema>/<table>/<version>`; replacing the table, or a partition or
 * bucket inside it, builds a new version and switches the symlink:
 *
 * 1. write the journal (target, staged, table, new and old version) durably;
 * 2. build the new version from hard links (no data copied): the current version without the
 *    target, plus the staged files at the target's place; fsync the directories written;
 * 3. `rename(2)` a new symlink over the table's (atomic);
 * 4. delete the staged copy and the old version, then the journal.
 *
 * Every path lookup through the table resolves to the whole old version or the whole new one, so
 * the target is never missing and no directory is ever half old, half new. A reader listing the
 * table while it is switched may combine an old listing of one directory with a new listing of
 * another (each directory whole); a reader that resolves the table first (`realpath`) reads one
 * version of the whole table, stable until the next publish of that table removes it. A table
 * that is still a real directory (written before versioning) is turned into a version by its
 * first publish: moved aside, then the symlink renamed in — the one time readers can find the
 * table missing (two syscalls apart).
 *
 * A crash at any point is undone or finished by `recoverJournals`; a failure before the switch is
 * rolled back here. Publishes of one table must not overlap (the table lock sees to it); sqlsync
 * publishes each table's directories one after another in that table's commit. A journal already
 * present for the same directory (an unrecovered crash) makes this throw `PUBLISH` rather than
 * guess. Each publish links every file of the table once: cheap for months and buckets, O(files)
 * for tables with thousands of partitions.
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
  const { tableDir, inside } = layout.tableOf(target);
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
  const current = await tableDirState(tableDir);
  const backup = current.kind === 'directory' ? layout.backup(request.runId, tableDir) : '';
  if (backup !== '' && (await exists(backup))) {
    throw fail(`a backup of ${tableDir} is already at ${backup}; run recoverJournals or remove it by hand`);
  }
  const source =
    current.kind === 'version' ? current.version : current.kind === 'directory' ? tableDir : undefined;
  const replacedExisting =
    source !== undefined && (await exists(inside === '' ? source : join(source, inside)));
  const version = layout.newVersionDir(request.runId, tableDir);

  await mkdir(layout.journalDir(), { recursive: true });
  await mkdir(layout.versionsDir(tableDir), { recursive: true });
  await mkdir(dirname(tableDir), { recursive: true });
  await writeJournal(journal, layout.root, {
    runId: request.runId,
    target,
    staged,
    backup,
    table: tableDir,
    newVersion: version,
    oldVersion: current.kind === 'version' ? current.version : '',
  });
  crashPoint('publish.journal-written');

  try {
    const place = inside === '' ? version : join(version, inside);
    if (source !== undefined && inside !== '') {
      await linkTree(source, version, inside);
    }
    const created = await linkTree(staged, place);
    // The staged files were fsynced when written; their new names and the directories holding
    // them must be durable before the symlink points there.
    for (const dir of created.reverse()) {
      await fsyncDirectory(dir);
    }
    for (let dir = dirname(place); dir.length >= version.length; dir = dirname(dir)) {
      await fsyncDirectory(dir);
    }
    await fsyncDirectory(dirname(version));
  } catch (error) {
    await rm(version, { recursive: true, force: true });
    await rm(journal, { force: true });
    throw fail(`cannot build the new version of ${tableDir} at ${version}`, error);
  }
  crashPoint('publish.version-built');

  try {
    await pointTableAt(tableDir, version, {
      ...(backup === '' ? {} : { backupForDirectory: backup }),
      afterMigrateAside: () => crashPoint('publish.migrate-aside'),
    });
  } catch (error) {
    try {
      await rm(version, { recursive: true, force: true });
      await rm(journal, { force: true });
    } catch {
      throw fail(
        `cannot switch ${tableDir} to ${version}; the journal ${journal} is left for recoverJournals`,
        error,
      );
    }
    throw fail(`cannot switch ${tableDir} to ${version}`, error);
  }
  crashPoint('publish.switched');

  let cleanedUp = true;
  try {
    await rm(staged, { recursive: true, force: true });
    if (current.kind === 'version') {
      await rm(current.version, { recursive: true, force: true });
    }
    if (backup !== '') {
      await rm(backup, { recursive: true, force: true });
    }
    await rm(journal);
    await fsyncDirectory(layout.journalDir());
  } catch {
    cleanedUp = false;
  }
  crashPoint('publish.done');
  return { target, replacedExisting, cleanedUp };
}
