import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { acquireTableLock, readTableLock, tableLockPath } from './table-lock.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('acquireTableLock', () => {
  it('writes host, pid and run id into an exclusive file, and removes it on release', async () => {
    const lock = await acquireTableLock(dir, 'sales.Orders', { runId: 'r1' });
    const holder = JSON.parse(await readFile(tableLockPath(dir, 'sales.Orders'), 'utf8'));
    expect(holder).toMatchObject({
      host: hostname(),
      pid: process.pid,
      runId: 'r1',
      tableId: 'sales.Orders',
    });
    expect(lock.waitedMs).toBeLessThan(1000);
    await lock.release();
    expect(await readTableLock(dir, 'sales.Orders')).toBeUndefined();
  });

  it('makes a second run wait until the first releases, and says whom it waited for', async () => {
    const first = await acquireTableLock(dir, 'sales.Orders', { runId: 'r1' });
    const events: string[] = [];
    const second = acquireTableLock(dir, 'sales.Orders', {
      runId: 'r2',
      pollMs: 20,
      onEvent: (e) => events.push(`${e.type}:${e.holder.runId}`),
    });
    await new Promise((r) => setTimeout(r, 300));
    await first.release();
    const lock = await second;
    expect(lock.waitedMs).toBeGreaterThanOrEqual(250);
    expect(lock.waitedFor?.runId).toBe('r1');
    expect(events).toEqual(['waiting:r1']);
    await lock.release();
  });

  it('fails with STATE_LOCKED naming the holder once the timeout passes', async () => {
    const first = await acquireTableLock(dir, 'sales.Orders', { runId: 'r1' });
    const error = await acquireTableLock(dir, 'sales.Orders', {
      runId: 'r2',
      timeoutMs: 200,
      pollMs: 20,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('STATE_LOCKED');
    expect((error as SqlSyncError).message).toMatch(
      new RegExp(`run r1 \\(host ${hostname()}, pid ${process.pid}`),
    );
    await first.release();
  });

  it('takes over a lock whose heartbeat is older than the bound', async () => {
    const path = tableLockPath(dir, 'sales.Orders');
    const old = new Date(Date.now() - 10 * 60_000).toISOString();
    await writeFile(
      path,
      JSON.stringify({
        tableId: 'sales.Orders',
        host: 'other-host',
        pid: 1,
        runId: 'r0',
        token: 't',
        acquiredAt: old,
        heartbeatAt: old,
      }),
    );
    const events: string[] = [];
    const lock = await acquireTableLock(dir, 'sales.Orders', {
      runId: 'r1',
      staleAfterMs: 60_000,
      onEvent: (e) => events.push(e.type === 'taken-over' ? e.why : e.type),
    });
    expect(events[0]).toMatch(/heartbeat \d+ s old/);
    expect(JSON.parse(await readFile(path, 'utf8')).runId).toBe('r1');
    await lock.release();
  });

  it('takes over at once a lock of this host whose process is gone (SIGKILL)', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid ?? 0;
    await new Promise((r) => child.on('exit', r));
    const now = new Date().toISOString();
    await writeFile(
      tableLockPath(dir, 'sales.Orders'),
      JSON.stringify({
        tableId: 'sales.Orders',
        host: hostname(),
        pid,
        runId: 'r0',
        token: 't',
        acquiredAt: now,
        heartbeatAt: now,
      }),
    );
    const lock = await acquireTableLock(dir, 'sales.Orders', { runId: 'r1', timeoutMs: 100 });
    expect(lock.waitedFor?.runId).toBe('r0');
    await lock.release();
  });

  it('keeps a held lock fresh with its heartbeat, so it is never taken over while held', async () => {
    const lock = await acquireTableLock(dir, 'sales.Orders', { runId: 'r1', staleAfterMs: 400 });
    const path = tableLockPath(dir, 'sales.Orders');
    const past = new Date(Date.now() - 60_000);
    await utimes(path, past, past);
    await new Promise((r) => setTimeout(r, 700));
    expect((await readTableLock(dir, 'sales.Orders', 400))?.stale).toBeUndefined();
    const error = await acquireTableLock(dir, 'sales.Orders', {
      runId: 'r2',
      timeoutMs: 300,
      pollMs: 20,
      staleAfterMs: 400,
    }).catch((e: unknown) => e);
    expect((error as SqlSyncError).code).toBe('STATE_LOCKED');
    await lock.release();
  });
});

describe('StateStore.lockTables', () => {
  it('locks in table-id order and remembers a failed wait instead of waiting again', async () => {
    const { StateStore } = await import('./state-store.js');
    const holder = new StateStore(dir, { lock: { runId: 'r1' } });
    await holder.lockTable('b.T');
    const waiter = new StateStore(dir, { lock: { runId: 'r2', timeoutMs: 300, pollMs: 20 } });
    await waiter.lockTables(['b.T', 'a.T']);
    expect((await readTableLock(dir, 'a.T'))?.holder.runId).toBe('r2');
    const started = Date.now();
    const error = await waiter.lockTable('b.T').catch((e: unknown) => e);
    expect((error as SqlSyncError).code).toBe('STATE_LOCKED');
    expect(Date.now() - started).toBeLessThan(250);
    await waiter.releaseLocks();
    await holder.releaseLocks();
    expect(await readTableLock(dir, 'a.T')).toBeUndefined();
    expect(await readTableLock(dir, 'b.T')).toBeUndefined();
  });
});
