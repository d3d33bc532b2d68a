import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { crashPoint } from './crash-point.js';

/** Runs crash-point.ts in a fresh node process: hits `a` three times, printing after each hit. */
function runHits(crashAt: string | undefined): { signal: NodeJS.Signals | null; stdout: string } {
  const source = ts.transpileModule(readFileSync(new URL('./crash-point.ts', import.meta.url), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const script = `${source}\nfor (let i = 1; i <= 3; i += 1) { crashPoint('b'); crashPoint('a'); console.log('after a', i); }`;
  const env = { ...process.env };
  delete env.SQLSYNC_TEST_CRASH_AT;
  if (crashAt !== undefined) {
    env.SQLSYNC_TEST_CRASH_AT = crashAt;
  }
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' });
  return { signal: child.signal, stdout: child.stdout };
}

describe('crashPoint', () => {
  it('does nothing unless SQLSYNC_TEST_CRASH_AT names the point', () => {
    expect(() => crashPoint('publish.journal-written')).not.toThrow();
    expect(runHits(undefined)).toEqual({ signal: null, stdout: 'after a 1\nafter a 2\nafter a 3\n' });
    expect(runHits('c')).toEqual({ signal: null, stdout: 'after a 1\nafter a 2\nafter a 3\n' });
  });

  it('kills the process with SIGKILL at the first hit, or at the k-th with name#k', () => {
    expect(runHits('a')).toEqual({ signal: 'SIGKILL', stdout: '' });
    expect(runHits('a#2')).toEqual({ signal: 'SIGKILL', stdout: 'after a 1\n' });
    expect(runHits('a#4')).toEqual({ signal: null, stdout: 'after a 1\nafter a 2\nafter a 3\n' });
  });
});
