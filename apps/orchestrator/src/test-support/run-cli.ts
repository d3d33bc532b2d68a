import { execFile } from 'node:child_process';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The workspace's `node_modules/.bin`, where `npm ci` links the `sqlsync` shim: the tests run
 * `sqlsync` by name from the PATH, as the README tells users and Airflow's BashOperator do.
 */
const BIN_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'node_modules', '.bin');

/**
 * The PATH under which `sqlsync` is found by name: the workspace's `node_modules/.bin` first, then
 * this Node's directory (for the shim's `env node`), then `env.PATH`. For other programs that call
 * `sqlsync`, such as an Airflow stand-in running a generated DAG's commands.
 *
 * @example
 * execFile('python3', ['run_dag.py'], { env: { ...process.env, PATH: cliSearchPath(process.env) } });
 */
export function cliSearchPath(env: NodeJS.ProcessEnv): string {
  return [BIN_DIR, dirname(process.execPath), env.PATH ?? process.env.PATH ?? ''].join(delimiter);
}

/** What a finished `sqlsync` process left. */
export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The last line of stdout parsed as JSON: the run summary Airflow would push to XCom. */
  readonly summary: () => Record<string, unknown> & { tables?: Record<string, unknown>[] };
}

/**
 * Runs `sqlsync <args>` as a child process with the given environment, found on the PATH (the
 * workspace's `node_modules/.bin` first, then this Node's directory for the shim's `env node`).
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const path = cliSearchPath(env);
  return new Promise((resolve) => {
    execFile(
      'sqlsync',
      [...args],
      { env: { ...env, PATH: path }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr, summary: () => JSON.parse(stdout.trim().split('\n').pop() ?? '') });
      },
    );
  });
}
