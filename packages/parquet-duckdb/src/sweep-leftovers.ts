import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exists } from './durable-fs.js';
import { type LakeLayout, SQLSYNC_DIR } from './lake-layout.js';
import type { LakeProcesses } from './lake-processes.js';
import type { JournalPaths, PublishJournal } from './publish-journal.js';
import { isTemporaryLink, tableDirState } from './table-version.js';

/** One thing a killed run left in the lake and recovery removed. */
export interface SweptLeftover {
  readonly kind: 'staging' | 'backup' | 'version' | 'temporary';
  readonly path: string;
  /** The run that left it, when its name tells. */
  readonly runId?: string;
}

/**
 * Removes what killed runs left under `<lake>/_sqlsync` (and temporary table links beside table
 * directories), once their publishes are settled, keeping everything a live run may still use:
 *
 * - `staging/<run>` (units' files, `*.upsert` and `*.scd` scratch): kept while the run has saved
 *   plans (`plans/<run>`: a scale-out run whose `sqlsync publish` is still to come), a journal
 *   left to a live process, or a live process that may own it (`LakeProcesses.mayOwnRun`);
 * - `backup/<run>`: kept on the same terms (its journal, if any, was settled already);
 * - `versions/<schema>/<table>/<version>`: kept while the table's symlink points at it or a live
 *   journal names it; every other version is an orphan of a crash (or of a table deleted by
 *   hand) and goes, with emptied version folders;
 * - `.…tmp` journal files and `.<table>.….link` temporary links: removed unless another sqlsync
 *   process is live (they do not name their run).
 *
 * @example
 * const removed = await sweepLeftovers(layout, await LakeProcesses.register(layout), []);
 */
export async function sweepLeftovers(
  layout: LakeLayout,
  processes: LakeProcesses,
  liveJournals: readonly (PublishJournal & JournalPaths)[],
): Promise<SweptLeftover[]> {
  const removed: SweptLeftover[] = [];
  const liveRuns = new Set(liveJournals.map((j) => j.runId));
  const keepRun = async (runId: string): Promise<boolean> =>
    liveRuns.has(runId) ||
    processes.mayOwnRun(runId) ||
    (await exists(join(layout.sqlsyncDir('plans'), runId)));

  for (const kind of ['staging', 'backup'] as const) {
    const dir = layout.sqlsyncDir(kind);
    for (const runId of await names(dir)) {
      if (!(await keepRun(runId))) {
        const path = join(dir, runId);
        await rm(path, { recursive: true, force: true });
        removed.push({ kind, path, runId });
      }
    }
  }

  const liveVersions = new Set(liveJournals.flatMap((j) => [j.newVersion ?? '', j.oldVersion ?? '']));
  const versionsRoot = layout.sqlsyncDir('versions');
  for (const schema of await names(versionsRoot)) {
    for (const table of await names(join(versionsRoot, schema))) {
      const tableVersions = join(versionsRoot, schema, table);
      const now = await tableDirState(join(layout.root, schema, table));
      for (const version of await names(tableVersions)) {
        const path = join(tableVersions, version);
        if ((now.kind === 'version' && now.version === path) || liveVersions.has(path)) {
          continue;
        }
        await rm(path, { recursive: true, force: true });
        removed.push({ kind: 'version', path });
      }
      await rmdir(tableVersions).catch(() => undefined);
    }
    await rmdir(join(versionsRoot, schema)).catch(() => undefined);
  }

  if (!processes.anyOther()) {
    const journalDir = layout.journalDir();
    for (const name of await names(journalDir)) {
      if (name.startsWith('.') && name.endsWith('.tmp')) {
        await rm(join(journalDir, name), { force: true });
        removed.push({ kind: 'temporary', path: join(journalDir, name) });
      }
    }
    for (const schema of await names(layout.root)) {
      if (schema === SQLSYNC_DIR || schema.startsWith('.')) {
        continue;
      }
      for (const name of await names(join(layout.root, schema))) {
        if (isTemporaryLink(name)) {
          await rm(join(layout.root, schema, name), { force: true });
          removed.push({ kind: 'temporary', path: join(layout.root, schema, name) });
        }
      }
    }
  }
  return removed;
}

/** The names in a directory; none when it is missing or not a directory. */
async function names(dir: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).sort();
}
