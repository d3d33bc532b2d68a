/**
 * Whether a process with this pid runs on this host (signal 0 checks without signalling; EPERM
 * means it runs as another user). For telling a live holder of a lock or a lake from a dead one.
 *
 * @example
 * processRuns(process.pid) // true
 */
export function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
