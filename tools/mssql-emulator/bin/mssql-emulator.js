#!/usr/bin/env node
// The `mssql-emulator` command. npm links a workspace's `bin` into node_modules/.bin only if the file
// exists at install time, and dist/ does not exist until the build: this committed shim is what
// `npm ci` links, and it loads the built CLI.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write(
    `mssql-emulator: not built yet (${fileURLToPath(cli)} is missing): run \`npm run build\` in the sqlsync checkout\n`,
  );
  process.exit(1);
}
await import(cli.href);
