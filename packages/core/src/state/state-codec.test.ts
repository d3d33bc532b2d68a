import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { SqlSyncError } from '../errors.js';
import type { StateCodec } from './state-codec.js';
import { StateStore } from './state-store.js';

const codec: StateCodec<{ version: 2; tableId: string; watermark: string; lookback: number }> = {
  kind: 'test',
  version: 2,
  schema: z.object({
    version: z.literal(2),
    tableId: z.string(),
    watermark: z.string(),
    lookback: z.number(),
  }),
  migrations: { 1: (v1) => ({ ...v1, version: 2, lookback: 0 }) },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-codec-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function writeRaw(tableId: string, envelope: unknown): Promise<StateStore> {
  const store = new StateStore(dir);
  await writeFile(store.pathOf(tableId), JSON.stringify(envelope));
  return store;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (e: SqlSyncError) => `${e.code}: ${e.message}`,
  );
}

describe('StateStore.read with a codec', () => {
  it('migrates an older state version step by step', async () => {
    const store = await writeRaw('a.T', {
      version: 1,
      tableId: 'a.T',
      state: { version: 1, tableId: 'a.T', watermark: 'w' },
    });
    expect(await store.read('a.T', codec)).toEqual({
      version: 2,
      tableId: 'a.T',
      watermark: 'w',
      lookback: 0,
    });
  });

  it('refuses a newer state version clearly', async () => {
    const store = await writeRaw('a.T', {
      version: 1,
      tableId: 'a.T',
      state: { version: 3, tableId: 'a.T' },
    });
    expect(await codeOf(store.read('a.T', codec))).toMatch(/^STATE_VERSION: .*version 3 is newer .*\(2\)/);
  });

  it.each([
    ['state: null', { version: 1, tableId: 'a.T', state: null }, /state is null/],
    [
      'a wrong shape',
      { version: 1, tableId: 'a.T', state: { version: 2, tableId: 'a.T', watermark: 5 } },
      /watermark/,
    ],
    [
      'another table (envelope)',
      { version: 1, tableId: 'b.U', state: { version: 2, tableId: 'b.U' } },
      /holds the state of b\.U/,
    ],
    [
      'another table (inside)',
      { version: 1, tableId: 'a.T', state: { version: 2, tableId: 'b.U', watermark: 'w', lookback: 1 } },
      /holds the state of b\.U/,
    ],
  ])('reports %s as STATE_CORRUPT (healed like bad JSON)', async (_, envelope, message) => {
    const store = await writeRaw('a.T', envelope);
    const result = await codeOf(store.read('a.T', codec));
    expect(result).toMatch(/^STATE_CORRUPT: /);
    expect(result).toMatch(message);
  });
});

describe('StateStore.prune and resetWithBackup', () => {
  it('backs the state up before resetting it, and prunes backups older than the retention', async () => {
    let now = new Date('2026-01-01T00:00:00Z');
    const store = new StateStore(dir, { now: () => now });
    await store.write('a.T', { version: 2, tableId: 'a.T', watermark: 'w', lookback: 0 });
    const backup = await store.resetWithBackup('a.T');
    expect(backup).toMatch(/a\.T\.json\.reset-2026-01-01T00-00-00-000Z\.bak$/);
    expect(await store.read('a.T')).toBeUndefined();
    now = new Date(Date.now() + 2 * 86_400_000);
    expect(await store.prune(3)).toEqual([]);
    now = new Date(Date.now() + 4 * 86_400_000);
    expect(await store.prune(3)).toEqual([backup]);
  });
});
