import { readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { exists, fsyncDirectory } from './durable-fs.js';
import { LakeLayout } from './lake-layout.js';
import { readJournal } from './publish-journal.js';

/** What recovery did with one journal. */
export interface RecoveredPublish {
  readonly journal: string;
  readonly runId: string;
  readonly target: string;
  /**
   * `rolled-back`: the previous version is (again) at the target and the staged directory, if it
   * still exists, was left in staging for a retry. `completed`: the staged version was already in
   * place; leftovers were removed.
   */
  readonly outcome: 'rolled-back' | 'completed';
}

/**
 * Finishes or rolls back every publish a crash left unfinished; call it at startup, before
 * anything reads state or publishes, while no publish runs on the lake (nothing here locks:
 * sqlsync's pipeline calls it once per run, from the main thread, before planning). Idempotent: a
 * crash during recovery is recovered by the next call. What exists tells how far a publish got:
 *
 * | backup | staged | target | meaning                                  | action                    |
 * |--------|--------|--------|------------------------------------------|---------------------------|
 * | yes    | no     | yes    | new version in place, cleanup unfinished | delete backup (completed) |
 * | yes    | any    | no     | old version moved aside, new not in      | backup → target (rollback)|
 * | no     | yes    | any    | nothing moved yet                        | none (rolled back)        |
 * | no     | no     | any    | new version in place                     | none (completed)          |
 * | yes    | yes    | yes    | someone recreated the target             | throws `PUBLISH`          |
 *
 * The journal is deleted last. Leftover temporary journal files are removed.
 *
 * @example
 * for (const r of await recoverJournals('/data/lake')) {
 *   logger.warn(r, 'recovered an interrupted publish');
 * }
 */
export async function recoverJournals(lakeRoot: string): Promise<RecoveredPublish[]> {
  const layout = new LakeLayout(lakeRoot);
  const journalDir = layout.journalDir();
  let names: string[];
  try {
    names = await readdir(journalDir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw new SqlSyncError('PUBLISH', `cannot list publish journals in ${journalDir}`, { cause: error });
  }
  const recovered: RecoveredPublish[] = [];
  for (const name of names.sort()) {
    const file = join(journalDir, name);
    if (name.startsWith('.') && name.endsWith('.tmp')) {
      // A journal whose write was interrupted: nothing was moved after it.
      await rm(file, { force: true });
      continue;
    }
    if (!name.endsWith('.json')) {
      continue;
    }
    const journal = await readJournal(file, layout.root);
    const outcome = await settle(journal.target, journal.staged, journal.backup, file);
    await rm(file, { force: true });
    await fsyncDirectory(journalDir);
    recovered.push({ journal: file, runId: journal.runId, target: journal.target, outcome });
  }
  return recovered;
}

async function settle(
  target: string,
  staged: string,
  backup: string,
  journal: string,
): Promise<RecoveredPublish['outcome']> {
  const [hasTarget, hasStaged, hasBackup] = await Promise.all([
    exists(target),
    exists(staged),
    exists(backup),
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
