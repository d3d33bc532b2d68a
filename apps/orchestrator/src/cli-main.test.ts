import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT, main } from './cli-main.js';

function capture(): { io: Parameters<typeof main>[1]; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l) => out.push(l), stderr: (l) => err.push(l), env: {} }, out, err };
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
    expect(await main(['validate', '--config', file], validate.io)).toBe(EXIT.ok);
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
});
