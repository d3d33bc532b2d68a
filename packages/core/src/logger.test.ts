import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SqlSyncError } from './errors.js';
import { createLogger, pinoLevel } from './logger.js';

function capture(): { stream: Writable; lines: () => Record<string, unknown>[]; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      callback();
    },
  });
  const text = (): string => chunks.join('');
  return {
    stream,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

describe('createLogger', () => {
  it('never writes a password, connection string, secret or token', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'DEBUG' });
    const config = { database: { server: 'db', password: 'hunter2-a' } };
    logger.info({ password: 'hunter2-b', config }, 'starting');
    logger.info(
      { database: { password: 'hunter2-c' }, connectionString: 'Server=db;Password=hunter2-d' },
      'connect',
    );
    logger.info({ nested: { deeper: { clientSecret: 'hunter2-e', apiToken: 'hunter2-f' } } }, 'deep');
    logger.child({ db: { password: 'hunter2-g' } }).warn('child');
    expect(out.text()).not.toMatch(/hunter2/);
    expect(out.lines()).toHaveLength(4);
    expect(out.lines()[0]).toMatchObject({
      level: 'info',
      name: 'sqlsync',
      password: '***',
      msg: 'starting',
    });
  });

  it('maps config levels to pino levels', () => {
    const out = capture();
    const logger = createLogger({ destination: out.stream, level: 'WARNING' });
    logger.info('hidden');
    logger.warn('shown');
    expect(out.lines().map((l) => l.msg)).toEqual(['shown']);
    expect(pinoLevel('CRITICAL')).toBe('fatal');
    expect(pinoLevel('debug')).toBe('debug');
    expect(() => pinoLevel('LOUD')).toThrow(SqlSyncError);
  });

  it('keeps error objects serialised', () => {
    const out = capture();
    createLogger({ destination: out.stream }).error({ err: new SqlSyncError('PUBLISH', 'boom') }, 'failed');
    expect(out.lines()[0]?.err).toMatchObject({ message: 'boom', code: 'PUBLISH' });
  });
});
