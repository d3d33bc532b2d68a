import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The built `sqlsync` CLI, as a user runs it. */
export const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', 'cli.js');

/** What a finished `sqlsync` process left. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout parsed as JSON: the run summary Airflow would push to XCom. */
  readonly summary: () => Record<string, unknown> & { tables?: Record<string, unknown>[] };
}

/** Runs `sqlsync <args>` as a child process with the given environment. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr, summary: () => JSON.parse(stdout.trim().split('\n').pop() ?? '') });
      },
    );
  });
}
