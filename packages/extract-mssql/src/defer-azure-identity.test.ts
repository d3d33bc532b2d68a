import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// A fresh process (this one's module cache is shared with other suites), loading the built package
// the way sqlsync does: an ES module import.
const packageEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

const script = `
import { createRequire } from 'node:module';
const loaded = (part) => Object.keys(createRequire(import.meta.url).cache).some((file) => file.includes(part));
await import(${JSON.stringify(packageEntry)});
const before = { identityInternals: loaded('@azure/identity/dist/commonjs/credentials'), httpStack: loaded('@azure/core-rest-pipeline') };
const fromTedious = createRequire(createRequire(${JSON.stringify(packageEntry)}).resolve('tedious'));
const identity = fromTedious('@azure/identity');
const credential = identity.DefaultAzureCredential;
const after = {
  credential: typeof credential,
  named: credential.name,
  listed: Object.keys(identity).includes('ClientSecretCredential'),
  has: 'ManagedIdentityCredential' in identity,
  identityInternals: loaded('@azure/identity/dist/commonjs/credentials'),
  sameAgain: fromTedious('@azure/identity').DefaultAzureCredential === credential,
};
console.log(JSON.stringify({ before, after }));
`;

describe('deferring @azure/identity', () => {
  it('loads mssql and tedious without it, and loads the real one on first use', () => {
    const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
    });
    const { before, after } = JSON.parse(output.trim().split('\n').pop() as string);
    expect(before).toEqual({ identityInternals: false, httpStack: false });
    expect(after).toEqual({
      credential: 'function',
      named: 'DefaultAzureCredential',
      listed: true,
      has: true,
      identityInternals: true,
      sameAgain: true,
    });
  });
});
