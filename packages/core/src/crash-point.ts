import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The environment variable that arms {@link crashPoint}: `name` or `name#k` (its k-th hit). */
export const CRASH_AT_ENV = 'SQLSYNC_TEST_CRASH_AT';

/** Where hits are counted across threads; defaults to `<tmp>/sqlsync-crash-points`. */
export const CRASH_COUNT_DIR_ENV = 'SQLSYNC_TEST_CRASH_COUNT_DIR';

/**
 * A named place where the crash tests may kill the process. A no-op unless the environment
 * variable `SQLSYNC_TEST_CRASH_AT` names this point: `name` kills at its first hit, `name#k` at
 * its k-th hit in the process, the main thread and worker threads counted together. The kill is
 * `SIGKILL` to the whole process, from the main thread or a worker alike, so nothing after the
 * point runs — no `finally`, no flush — exactly as when Airflow or the OOM killer ends a task.
 *
 * Hits are counted by creating `<dir>/<pid>/<name>/<n>` directories (`mkdir` claims each ordinal
 * atomically, whichever thread gets there first), under `SQLSYNC_TEST_CRASH_COUNT_DIR` or the
 * system temporary directory; only an armed process counts, and only the armed point.
 *
 * Points are named `<step>.<moment>` (`publish.version-built`, `state.temp-written`,
 * `extract.batch`); the crash suite lists the ones it uses.
 *
 * @example
 * await writeJournal(file, lakeRoot, intent);
 * crashPoint('publish.journal-written'); // SQLSYNC_TEST_CRASH_AT=publish.journal-written#2 kills at the 2nd publish
 */
export function crashPoint(name: string): void {
  const wanted = process.env[CRASH_AT_ENV];
  if (wanted === undefined || (wanted !== name && !wanted.startsWith(`${name}#`))) {
    return;
  }
  if (wanted === name || wanted === `${name}#${claimHit(name)}`) {
    process.kill(process.pid, 'SIGKILL');
  }
}

/** The ordinal of this hit of `name` in this process (1, 2, …), across threads. */
function claimHit(name: string): number {
  const dir = join(
    process.env[CRASH_COUNT_DIR_ENV] ?? join(tmpdir(), 'sqlsync-crash-points'),
    String(process.pid),
    encodeURIComponent(name),
  );
  mkdirSync(dir, { recursive: true });
  for (let n = 1; ; n += 1) {
    try {
      mkdirSync(join(dir, String(n)));
      return n;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw error;
      }
    }
  }
}
