import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { crashPoint } from './crash-point.js';

const countDir = mkdtempSync(join(tmpdir(), 'crash-points-'));
afterAll(() => rmSync(countDir, { recursive: true, force: true }));

/** Runs crash-point.ts in a fresh node process: hits `a` three times, printing after each hit. */
function runHits(crashAt: string | undefined): { signal: NodeJS.Signals | null; stdout: string } {
  const source = ts.transpileModule(readFileSync(new URL('./crash-point.ts', import.meta.url), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const script = `${source}\nfor (let i = 1; i <= 3; i += 1) { crashPoint('b'); crashPoint('a'); console.log('after a ' + i); }`;
  const env = { ...process.env, SQLSYNC_TEST_CRASH_COUNT_DIR: countDir };
  delete env.SQLSYNC_TEST_CRASH_AT;
  // Nx sets FORCE_COLOR: console.log would colour numbers. The script prints plain text anyway.
  delete env.FORCE_COLOR;
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

  it('counts the hits of the main thread and worker threads together', () => {
    const source = ts.transpileModule(readFileSync(new URL('./crash-point.ts', import.meta.url), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    // The main thread hits `a` once, then a worker hits it once: #2 is the worker's hit.
    const script = `${source}
      import { Worker } from 'node:worker_threads';
      crashPoint('a'); console.log('main hit');
      const worker = new Worker(${JSON.stringify(source)} + "\\ncrashPoint('a'); console.log('worker hit');", { eval: true, type: 'module' });
      worker.on('exit', () => console.log('worker done'));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, SQLSYNC_TEST_CRASH_AT: 'a#2', SQLSYNC_TEST_CRASH_COUNT_DIR: countDir },
      encoding: 'utf8',
    });
    expect({ signal: child.signal, stdout: child.stdout }).toEqual({
      signal: 'SIGKILL',
      stdout: 'main hit\n',
    });
  });
});
