import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { stateFileName, tableIdFromFileName } from './state-file-name.js';
import { StateStore } from './state-store.js';

interface OrdersState {
  readonly watermark: string;
  readonly partitions: Record<string, string>;
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-state-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('StateStore', () => {
  it('round-trips state in <schema>.<table>.json with a version', async () => {
    const store = new StateStore(join(dir, 'state'), { now: () => new Date('2024-06-01T00:00:00Z') });
    expect(await store.read('sales.Orders')).toBeUndefined();
    await store.write<OrdersState>('sales.Orders', { watermark: 'w1', partitions: { '2024-01': 'abc' } });
    expect(await store.read<OrdersState>('sales.Orders')).toEqual({
      watermark: 'w1',
      partitions: { '2024-01': 'abc' },
    });
    const file = JSON.parse(await readFile(join(dir, 'state', 'sales.Orders.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    expect(file).toMatchObject({
      version: 1,
      tableId: 'sales.Orders',
      writtenAt: '2024-06-01T00:00:00.000Z',
    });
  });

  it('leaves no temporary files behind', async () => {
    const store = new StateStore(dir);
    for (let i = 0; i < 5; i++) {
      await store.write('dbo.T', { i });
    }
    expect(await readdir(dir)).toEqual(['dbo.T.json']);
  });

  it('reports an unparseable file as STATE_CORRUPT naming the file', async () => {
    const store = new StateStore(dir);
    await writeFile(join(dir, 'dbo.T.json'), '{"version": 1, "tableId": "dbo.T", "state": {"wat');
    const error = await store.read('dbo.T').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyncError);
    expect(error).toMatchObject({ code: 'STATE_CORRUPT', context: { table: 'dbo.T' } });
    expect((error as Error).message).toContain(join(dir, 'dbo.T.json'));
    await writeFile(join(dir, 'dbo.T.json'), '[1, 2]');
    await expect(store.read('dbo.T')).rejects.toMatchObject({ code: 'STATE_CORRUPT' });
    // A corrupt file can be replaced: self-healing writes fresh state over it.
    await store.write('dbo.T', { healed: true });
    expect(await store.read('dbo.T')).toEqual({ healed: true });
  });

  it('refuses state from a newer format', async () => {
    await writeFile(join(dir, 'dbo.T.json'), JSON.stringify({ version: 99, tableId: 'dbo.T', state: {} }));
    await expect(new StateStore(dir).read('dbo.T')).rejects.toMatchObject({ code: 'STATE_VERSION' });
  });

  it('applies concurrent writes whole and in call order', async () => {
    const store = new StateStore(dir, { backupBeforeWrite: true });
    const big = (n: number): { n: number; payload: string } => ({ n, payload: String(n).repeat(200_000) });
    await Promise.all(Array.from({ length: 20 }, (_, n) => store.write('dbo.Big', big(n))));
    expect(await store.read('dbo.Big')).toEqual(big(19));
    expect(await store.readBackup('dbo.Big')).toEqual(big(18));
    expect((await readdir(dir)).sort()).toEqual(['dbo.Big.json', 'dbo.Big.json.bak']);
  });

  it('keeps concurrent writers from separate stores from interleaving', async () => {
    const stores = Array.from({ length: 8 }, () => new StateStore(dir));
    const value = (n: number): { n: number; payload: string } => ({ n, payload: String(n).repeat(100_000) });
    await Promise.all(stores.map((store, n) => store.write('dbo.Shared', value(n))));
    const result = await stores[0]?.read<{ n: number; payload: string }>('dbo.Shared');
    expect(result).toEqual(value(result?.n ?? -1));
    expect(await readdir(dir)).toEqual(['dbo.Shared.json']);
  });

  it('backs up on demand and lists tables', async () => {
    const store = new StateStore(dir);
    expect(await store.backup('dbo.A')).toBe(false);
    await store.write('dbo.A', { v: 1 });
    expect(await store.backup('dbo.A')).toBe(true);
    await store.write('dbo.A', { v: 2 });
    expect(await store.readBackup('dbo.A')).toEqual({ v: 1 });
    await store.write('sales.Order Lines', { v: 3 });
    await store.write(`dbo.${'x'.repeat(300)}`, { v: 4 });
    expect(await store.list()).toEqual(['dbo.A', `dbo.${'x'.repeat(300)}`, 'sales.Order Lines']);
    await store.remove('dbo.A');
    expect(await store.read('dbo.A')).toBeUndefined();
    expect(await new StateStore(join(dir, 'missing')).list()).toEqual([]);
  });
});

describe('stateFileName', () => {
  it('keeps ordinary names readable and odd ones safe and reversible', () => {
    expect(stateFileName('sales.Orders')).toBe('sales.Orders.json');
    for (const id of ['dbo.Order Lines', '../../etc.passwd', 'a/b.c\\d', '..', 'dbo.Ünïcødé', 'x.%41']) {
      const name = stateFileName(id);
      expect(name).not.toMatch(/[/\\]/);
      expect(name.startsWith('.')).toBe(false);
      expect(tableIdFromFileName(name)).toBe(id);
    }
  });

  it('cuts and hashes very long ids below file-name limits', () => {
    const a = stateFileName(`dbo.${'é'.repeat(128)}`);
    const b = stateFileName(`dbo.${'é'.repeat(127)}e`);
    expect(a.length).toBeLessThan(255);
    expect(a).not.toBe(b);
    expect(tableIdFromFileName(a)).toBeUndefined();
  });
});
