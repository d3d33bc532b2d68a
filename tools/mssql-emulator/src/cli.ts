#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.js';

const usage =
  'usage: mssql-emulator [--port N] [--host H] [--user U] [--password P] [--database D] [--seed file.sql]';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      database: { type: 'string' },
      seed: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const seedSql = values.seed === undefined ? undefined : await readFile(values.seed, 'utf8');
  const emulator = await startEmulator({
    port: values.port === undefined ? 0 : Number(values.port),
    host: values.host,
    user: values.user,
    password: values.password,
    database: values.database,
    seedSql,
  });
  process.stdout.write(`listening on ${emulator.host}:${emulator.port}\n`);
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`mssql-emulator: ${e instanceof Error ? e.message : String(e)}\n${usage}\n`);
  process.exit(1);
});
