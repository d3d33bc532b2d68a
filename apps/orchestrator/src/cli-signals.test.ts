import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from './cli-main.js';

/** The built CLI, run directly so the signal reaches the process that handles it. */
const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/** A local port nothing listens on: a connection to it is refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * Starts `sqlsync run`, waits until it is retrying its connection (so the run is under way), sends
 * `signal`, and returns the exit code and the last stdout line.
 */
function interruptRun(
  config: string,
  signal: NodeJS.Signals,
): Promise<{ code: number | null; killedBy: NodeJS.Signals | null; last: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'run', '--config', config], { stdio: 'pipe' });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && stderr.includes('connect failed; retrying')) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('error', reject);
    child.on('close', (code, killedBy) =>
      resolve({ code, killedBy, last: stdout.trim().split('\n').pop() ?? '' }),
    );
  });
}

describe('sqlsync run stopped by a signal', () => {
  let work: string;
  let config: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-signal-'));
    config = join(work, 'sqlsync.yaml');
    // Retries that never end in time: the signal always finds the run waiting to reconnect.
    await writeFile(
      config,
      `database: {server: 127.0.0.1, port: ${await closedPort()}, database: db, username: u, password: p, encrypt: false}
processing: {retry_attempts: 1000}
state: {parquet_directory: ${join(work, 'lake')}, state_directory: ${join(work, 'state')}}
static_tables: [{table_name: T}]
`,
    );
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it.each([
    ['SIGINT', EXIT.interrupted, 130],
    ['SIGTERM', EXIT.terminated, 143],
  ] as const)(
    '%s: exits %i itself (not 2, a config error), with a failed summary saying INTERRUPTED',
    async (signal, code, number) => {
      const result = await interruptRun(config, signal);
      expect(result.killedBy).toBeNull();
      expect(result.code).toBe(code);
      expect(code).toBe(number);
      expect(JSON.parse(result.last)).toMatchObject({
        status: 'failed',
        error: { code: 'INTERRUPTED', message: `interrupted by ${signal}` },
      });
    },
    30_000,
  );
});
