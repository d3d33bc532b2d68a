import { lstat, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { exists, fsyncDirectory } from './durable-fs.js';
import { LakeLayout } from './lake-layout.js';
import { LakeProcesses } from './lake-processes.js';
import { type JournalPaths, type PublishJournal, readJournal } from './publish-journal.js';
import { type SweptLeftover, sweepLeftovers } from './sweep-leftovers.js';
import { tableDirState } from './table-version.js';

/** What recovery did with one journal. */
export interface RecoveredPublish {
  readonly journal: string;
  readonly runId: string;
  readonly target: string;
  /**
   * `rolled-back`: the previous version is (again) what the table shows; the staged directory, if
   * it still exists, stays while its run may retry (`sweep` removes it once the run is gone).
   * `completed`: the new version was already in place; leftovers were removed.
   */
  readonly outcome: 'rolled-back' | 'completed';
}

/** What {@link recoverLake} did: journals settled, journals left to a live run, leftovers removed. */
export interface LakeRecovery {
  readonly recovered: readonly RecoveredPublish[];
  /** Journals of a publish still running in another live process, left alone. */
  readonly skipped: readonly { readonly journal: string; readonly runId: string; readonly owner: string }[];
  readonly removed: readonly SweptLeftover[];
}

/**
 * Finishes or rolls back every publish a crash left unfinished; call it at startup, before
 * anything reads state or publishes. Equivalent to `(await recoverLake(lakeRoot)).recovered`.
 *
 * @example
 * for (const r of await recoverJournals('/data/lake')) {
 *   logger.warn(r, 'recovered an interrupted publish');
 * }
 */
export async function recoverJournals(lakeRoot: string): Promise<RecoveredPublish[]> {
  return [...(await recoverLake(lakeRoot)).recovered];
}

/**
 * Crash recovery of a lake at startup, for every table kind. It registers this process in
 * `_sqlsync/processes` (host, pid, start), then:
 *
 * 1. finishes or rolls back each publish journal whose process is gone (a journal of a live
 *    process on this host, or of another host's process seen in the last 24 h, is left alone);
 * 2. removes what killed runs left: staging (with `*.upsert` / `*.scd` scratch), backups, version
 *    directories no table points at, temporary links and journal temp files — see
 *    `sweepLeftovers` for how a live run's files are told apart.
 *
 * Idempotent: a crash during recovery is recovered by the next call. What a version 2 journal's
 * table shows tells how far its publish got:
 *
 * | table symlink points at | meaning                                | action                                     |
 * |-------------------------|----------------------------------------|--------------------------------------------|
 * | the new version         | switched, cleanup unfinished           | remove staged, old version, backup (completed) |
 * | the old version / none  | crashed before the switch              | remove the new version (rolled back)       |
 * | a real directory        | crashed before the one-time migration  | remove the new version (rolled back)       |
 * | nothing, backup exists  | crashed mid-migration                  | backup → table (rolled back)               |
 *
 * Version 1 journals (two renames: target → backup, staged → target) are settled as before:
 * backup without target → moved back; backup with target and no staged → backup deleted; backup,
 * staged and target all present → throws `PUBLISH` rather than guess. The journal is deleted last.
 *
 * @example
 * const { recovered, removed } = await recoverLake('/data/lake');
 * logger.info({ recovered, removed: removed.length }, 'lake recovered');
 */
export async function recoverLake(lakeRoot: string): Promise<LakeRecovery> {
  const layout = new LakeLayout(lakeRoot);
  const processes = await LakeProcesses.register(layout);
  const journalDir = layout.journalDir();
  let names: string[];
  try {
    names = await readdir(journalDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new SqlSyncError('PUBLISH', `cannot list publish journals in ${journalDir}`, { cause: error });
    }
    names = [];
  }
  const recovered: RecoveredPublish[] = [];
  const skipped: { journal: string; runId: string; owner: string }[] = [];
  const liveJournals: (PublishJournal & JournalPaths)[] = [];
  for (const name of names.sort()) {
    if (!name.endsWith('.json') || name.startsWith('.')) {
      continue;
    }
    const file = join(journalDir, name);
    const journal = await readJournal(file, layout.root);
    if (journal.version === 2 && journal.host !== undefined && journal.pid !== undefined) {
      if (processes.isLive(journal.host, journal.pid)) {
        liveJournals.push(journal);
        skipped.push({ journal: file, runId: journal.runId, owner: `${journal.host}:${journal.pid}` });
        continue;
      }
    }
    const outcome =
      journal.version === 1
        ? await settleRenames(journal.target, journal.staged, journal.backup, file)
        : await settleVersion(journal, file);
    await rm(file, { force: true });
    await fsyncDirectory(journalDir);
    recovered.push({ journal: file, runId: journal.runId, target: journal.target, outcome });
  }
  const removed = await sweepLeftovers(layout, processes, liveJournals);
  return { recovered, skipped, removed };
}

async function settleVersion(
  journal: PublishJournal & JournalPaths,
  file: string,
): Promise<RecoveredPublish['outcome']> {
  const table = journal.table ?? '';
  const newVersion = journal.newVersion ?? '';
  const now = await tableDirState(table);
  if (now.kind === 'version' && now.version === newVersion) {
    await rm(journal.staged, { recursive: true, force: true });
    if (journal.oldVersion !== undefined && journal.oldVersion !== '' && journal.oldVersion !== newVersion) {
      await rm(journal.oldVersion, { recursive: true, force: true });
    }
    if (journal.backup !== '') {
      await rm(journal.backup, { recursive: true, force: true });
    }
    return 'completed';
  }
  if (now.kind === 'absent' && journal.backup !== '' && (await exists(journal.backup))) {
    await rename(journal.backup, table);
    await fsyncDirectory(dirname(table));
  } else if (now.kind === 'directory' && journal.backup !== '' && (await exists(journal.backup))) {
    throw new SqlSyncError(
      'PUBLISH',
      `cannot recover ${file}: ${table} is a directory and its backup ${journal.backup} exists too; resolve by hand`,
    );
  }
  await rm(newVersion, { recursive: true, force: true });
  return 'rolled-back';
}

async function settleRenames(
  target: string,
  staged: string,
  backup: string,
  journal: string,
): Promise<RecoveredPublish['outcome']> {
  const present = (path: string): Promise<boolean> =>
    lstat(path).then(
      () => true,
      () => false,
    );
  const [hasTarget, hasStaged, hasBackup] = await Promise.all([
    present(target),
    present(staged),
    present(backup),
  ]);
  if (hasBackup) {
    if (!hasTarget) {
      await rename(backup, target);
      await fsyncDirectory(dirname(target));
      return 'rolled-back';
    }
    if (!hasStaged) {
      await rm(backup, { recursive: true, force: true });
      return 'completed';
    }
    throw new SqlSyncError(
      'PUBLISH',
      `cannot recover ${journal}: ${target}, its backup ${backup} and the staged ${staged} all exist; resolve by hand`,
    );
  }
  return hasStaged ? 'rolled-back' : 'completed';
}
