import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from './cli-main.js';

/** The CLI's output, and its log lines (parsed) in `logs`; a `log_file` is still written. */
function capture(): {
  io: Parameters<typeof main>[1];
  out: string[];
  err: string[];
  logs: Record<string, unknown>[];
} {
  const out: string[] = [];
  const err: string[] = [];
  const logs: Record<string, unknown>[] = [];
  const destination = { write: (line: string) => logs.push(JSON.parse(line)) };
  return {
    io: {
      stdout: (l) => out.push(l),
      stderr: (l) => err.push(l),
      env: {},
      createLogger: (options) => createLogger({ ...options, destination }),
    },
    out,
    err,
    logs,
  };
}

describe('sqlsync CLI arguments', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-cli-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('prints help and exits 0', async () => {
    const { io, out } = capture();
    expect(await main(['--help'], io)).toBe(EXIT.ok);
    expect(out.join('\n')).toContain('Usage: sqlsync');
  });

  it('exits 2 for an unknown command, a missing --config, an unknown option or a bad --type', async () => {
    for (const argv of [
      ['sync'],
      ['run'],
      ['run', '--config', 'x.yaml', '--nope'],
      ['run', '-c', 'x.yaml', '--type', 'fact'],
    ]) {
      const { io, err } = capture();
      expect(await main(argv, io)).toBe(EXIT.usage);
      expect(err.length).toBeGreaterThan(0);
    }
  });

  it('exits 2 naming the file when the config does not exist', async () => {
    const { io, err } = capture();
    expect(await main(['validate', '--config', join(work, 'missing.yaml')], io)).toBe(EXIT.usage);
    expect(err[0]).toContain('missing.yaml');
  });

  it('validates a good config, and exits 99 with --skip-exit-code when there is nothing to do', async () => {
    const file = join(work, 'empty.yaml');
    await writeFile(
      file,
      `database: {server: localhost, database: db, username: u, password: p}\nstate: {parquet_directory: ${join(work, 'lake')}, state_directory: ${join(work, 'state')}}\n`,
    );
    const validate = capture();
    expect(await main(['validate', '--offline', '--config', file], validate.io)).toBe(EXIT.ok);
    const run = capture();
    expect(await main(['run', '--config', file, '--skip-exit-code'], run.io)).toBe(EXIT.nothingToDo);
    expect(JSON.parse(run.out[run.out.length - 1] ?? '').status).toBe('nothing_to_do');
    const plain = capture();
    expect(await main(['run', '--config', file], plain.io)).toBe(EXIT.ok);
  });

  it('never echoes the password from the environment in a config error', async () => {
    const file = join(work, 'bad.yaml');
    await writeFile(file, 'database: {server: localhost, database: db, username: u, port: -1}\n');
    const { io, err, out } = capture();
    const code = await main(['run', '--config', file], { ...io, env: { SQLSYNC_PASSWORD: 'S3cret!Value' } });
    expect(code).toBe(EXIT.usage);
    expect([...err, ...out].join('\n')).not.toContain('S3cret!Value');
    expect(err[0]).toContain('database.port');
  });

  function database(extra = ''): string {
    return `database: {server: localhost, database: db, username: u, password: p${extra}}\nstate: {parquet_directory: ${join(work, 'lake')}, state_directory: ${join(work, 'state')}}\n`;
  }

  it('exits 2 naming a field that is not supported yet, before connecting', async () => {
    const file = join(work, 'logging.yaml');
    await writeFile(file, `${database()}enable_structured_logging: false\n`);
    for (const command of ['validate', 'plan', 'run']) {
      const { io, err, out } = capture();
      expect(await main([command, '--config', file], io)).toBe(EXIT.usage);
      expect(err.join('\n')).toContain('enable_structured_logging: not supported yet');
      expect(JSON.parse(out[out.length - 1] ?? '').status).toBe('config_error');
    }
  });

  it('logs a warning naming each compatibility field that is accepted but ignored (database.driver)', async () => {
    const file = join(work, 'driver.yaml');
    await writeFile(file, database(', driver: ODBC Driver 18 for SQL Server'));
    const { io, logs } = capture();
    expect(await main(['validate', '--offline', '--config', file], io)).toBe(EXIT.ok);
    expect(logs).toEqual([
      expect.objectContaining({
        level: 'warn',
        configPath: 'database.driver',
        msg: expect.stringMatching(/^database\.driver: ignored/),
      }),
    ]);
  });

  it('appends the log lines to log_file, at log_level', async () => {
    const logFile = join(work, 'logs', 'sqlsync.log');
    const file = join(work, 'log-file.yaml');
    await writeFile(file, `${database(', driver: x')}log_file: ${logFile}\n`);
    expect(await main(['validate', '--offline', '--config', file], capture().io)).toBe(EXIT.ok);
    const lines = (await readFile(logFile, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([expect.objectContaining({ level: 'warn', configPath: 'database.driver' })]);

    // The same warning is below log_level ERROR: nothing is logged.
    const quiet = join(work, 'quiet.yaml');
    await writeFile(quiet, `${database(', driver: x')}log_level: ERROR\n`);
    const { io, logs } = capture();
    expect(await main(['validate', '--offline', '--config', quiet], io)).toBe(EXIT.ok);
    expect(logs).toEqual([]);
  });

  it('accepts plan --json (a config without tables: nothing to plan or save) and refuses --json elsewhere', async () => {
    const file = join(work, 'plan.yaml');
    await writeFile(file, database());
    const plan = capture();
    expect(await main(['plan', '--json', '--config', file], plan.io)).toBe(EXIT.ok);
    expect(JSON.parse(plan.out[plan.out.length - 1] ?? '')).toMatchObject({ status: 'ok', tables: [] });
    const run = capture();
    expect(await main(['run', '--json', '--config', file], run.io)).toBe(EXIT.usage);
    expect(run.err[0]).toContain('--json applies to plan only');
  });
});
