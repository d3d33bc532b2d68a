#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { startEmulator } from './emulator.js';

const usage =
  'usage: mssql-emulator [--port N] [--host H] [--user U] [--password P] [--database D] [--seed file.sql]\n' +
  '       [--tls-cert cert.pem --tls-key key.pem] [--access-token-file token.txt]...';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      user: { type: 'string' },
      password: { type: 'string' },
      database: { type: 'string' },
      seed: { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'access-token-file': { type: 'string', multiple: true },
      help: { type: 'boolean' },
    },
  });
  if (values.help === true) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const seedSql = values.seed === undefined ? undefined : await readFile(values.seed, 'utf8');
  const certFile = values['tls-cert'];
  const keyFile = values['tls-key'];
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new Error('--tls-cert and --tls-key go together');
  }
  const tls =
    certFile === undefined || keyFile === undefined
      ? undefined
      : { cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  // Tokens come from files, never the command line (where `ps` shows them).
  const accessTokens = await Promise.all(
    (values['access-token-file'] ?? []).map(async (f) => (await readFile(f, 'utf8')).trim()),
  );
  const emulator = await startEmulator({
    port: values.port === undefined ? 0 : Number(values.port),
    host: values.host,
    user: values.user,
    password: values.password,
    database: values.database,
    seedSql,
    tls,
    accessTokens,
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
