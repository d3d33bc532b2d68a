/** The environment variable that arms {@link crashPoint}: `name` or `name#k` (its k-th hit). */
export const CRASH_AT_ENV = 'SQLSYNC_TEST_CRASH_AT';

const hits = new Map<string, number>();

/**
 * A named place where the crash tests may kill the process. A no-op unless the environment
 * variable `SQLSYNC_TEST_CRASH_AT` names this point: `name` kills at its first hit, `name#k` at
 * its k-th hit (counted per thread: a worker thread counts its own hits). The kill is
 * `SIGKILL` to the whole process, from the main thread or a worker alike, so nothing after the
 * point runs — no `finally`, no flush — exactly as when Airflow or the OOM killer ends a task.
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
  if (wanted === undefined || wanted === '' || !wanted.startsWith(name)) {
    return;
  }
  const count = (hits.get(name) ?? 0) + 1;
  hits.set(name, count);
  if (wanted === name || wanted === `${name}#${count}`) {
    process.kill(process.pid, 'SIGKILL');
  }
}
