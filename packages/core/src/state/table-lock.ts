import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { SqlSyncError } from '../errors.js';
import { processRuns } from '../process-runs.js';
import { stateFileName } from './state-file-name.js';

/** What a lock file holds (JSON): who holds the table, and when it last said it still does. */
export interface TableLockHolder {
  readonly tableId: string;
  readonly host: string;
  readonly pid: number;
  readonly runId: string;
  /** Random per acquisition: a heartbeat only refreshes a lock that is still its own. */
  readonly token: string;
  /** ISO instant the lock was taken. */
  readonly acquiredAt: string;
  /** ISO instant of the holder's last heartbeat. */
  readonly heartbeatAt: string;
}

/** How {@link acquireTableLock} waits and when it takes a lock over. */
export interface TableLockOptions {
  readonly runId: string;
  /** How long to wait for another holder (`state.lock_timeout_seconds`). Defaults to 300 s. */
  readonly timeoutMs?: number;
  /**
   * A lock whose heartbeat is older than this is abandoned (its holder was killed, or its machine
   * lost) and is taken over. Defaults to 120 s; heartbeats come every quarter of it.
   */
  readonly staleAfterMs?: number;
  /** How often a waiting run looks again. Defaults to 500 ms. */
  readonly pollMs?: number;
  /** Called once when the lock is found held, before waiting, and when a stale one is taken over. */
  readonly onEvent?: (event: TableLockEvent) => void;
  readonly signal?: AbortSignal;
}

/** What happened while taking a lock, for the log. */
export type TableLockEvent =
  | { readonly type: 'waiting'; readonly holder: TableLockHolder }
  | { readonly type: 'taken-over'; readonly holder: TableLockHolder; readonly why: string };

/** A lock held: release it once the table's state is written (or the table failed). */
export interface TableLock {
  readonly tableId: string;
  readonly runId: string;
  readonly path: string;
  /** Milliseconds spent waiting for another holder (0 when the lock was free). */
  readonly waitedMs: number;
  /** The holder waited for (or taken over), when there was one. */
  readonly waitedFor?: TableLockHolder;
  /** Stops the heartbeat and removes the lock file when it is still this lock's. Idempotent. */
  release(): Promise<void>;
}

const DEFAULT_TIMEOUT_MS = 300_000;
const DEFAULT_STALE_MS = 120_000;

/**
 * The path of a table's lock file in the state directory: `<state file name>.lock` (never a
 * `.json`, so the state store does not list it).
 *
 * @example
 * tableLockPath('./state', 'sales.Orders') // 'state/sales.Orders.lock'
 */
export function tableLockPath(stateDirectory: string, tableId: string): string {
  return join(stateDirectory, `${stateFileName(tableId).slice(0, -'.json'.length)}.lock`);
}

/**
 * Takes a table's lock: a file created with O_EXCL in the state directory, so it excludes other
 * processes and other machines sharing that directory (O_EXCL is atomic on local file systems and
 * NFSv3+). The file names the holder (host, pid, run id) and carries a heartbeat refreshed every
 * quarter of `staleAfterMs` while held. A lock is taken over when its heartbeat is older than
 * `staleAfterMs`, or at once when its holder ran on this host and its pid is gone (SIGKILL). The
 * takeover renames the stale file to a unique name first, so of two runs taking it over only one
 * wins the rename. Otherwise the run waits up to `timeoutMs`, then throws `STATE_LOCKED` naming the
 * holder.
 *
 * @example
 * const lock = await acquireTableLock('./state', 'sales.Orders', { runId, timeoutMs: 300_000 });
 * try {
 *   // publish, write state
 * } finally {
 *   await lock.release();
 * }
 */
export async function acquireTableLock(
  stateDirectory: string,
  tableId: string,
  options: TableLockOptions,
): Promise<TableLock> {
  const path = tableLockPath(stateDirectory, tableId);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const staleAfterMs = options.staleAfterMs ?? DEFAULT_STALE_MS;
  const pollMs = options.pollMs ?? 500;
  const started = Date.now();
  let waitedFor: TableLockHolder | undefined;
  for (;;) {
    options.signal?.throwIfAborted();
    const now = new Date();
    const holder: TableLockHolder = {
      tableId,
      host: hostname(),
      pid: process.pid,
      runId: options.runId,
      token: randomBytes(8).toString('hex'),
      acquiredAt: now.toISOString(),
      heartbeatAt: now.toISOString(),
    };
    if (await createExclusive(path, holder, tableId)) {
      return heldLock(path, holder, Date.now() - started, waitedFor, staleAfterMs);
    }
    const current = await readHolder(path);
    if (current === undefined) {
      continue; // released (or unreadable and removed) between our create and our read
    }
    const why = staleReason(current.holder, current.heartbeatMs, staleAfterMs);
    if (why !== undefined) {
      if (await removeStale(path)) {
        options.onEvent?.({ type: 'taken-over', holder: current.holder, why });
        waitedFor = current.holder;
      }
      continue;
    }
    if (waitedFor === undefined || waitedFor.token !== current.holder.token) {
      options.onEvent?.({ type: 'waiting', holder: current.holder });
    }
    waitedFor = current.holder;
    if (Date.now() - started >= timeoutMs) {
      const h = current.holder;
      throw new SqlSyncError(
        'STATE_LOCKED',
        `${tableId} is locked by run ${h.runId} (host ${h.host}, pid ${h.pid}, since ${h.acquiredAt}, last heartbeat ${h.heartbeatAt}); waited ${Math.round((Date.now() - started) / 1000)} s (state.lock_timeout_seconds). Lock file: ${path}`,
        { context: { table: tableId, configPath: 'state.lock_timeout_seconds' } },
      );
    }
    await sleep(Math.min(pollMs, Math.max(1, timeoutMs - (Date.now() - started))), options.signal);
  }
}

/**
 * The holder of a table's lock, or `undefined` when the table is not locked (for `sqlsync state
 * show`). `stale` says why the lock would be taken over, when it would.
 *
 * @example
 * await readTableLock('./state', 'sales.Orders') // { holder: { host: 'worker-3', pid: 4242, … } }
 */
export async function readTableLock(
  stateDirectory: string,
  tableId: string,
  staleAfterMs = DEFAULT_STALE_MS,
): Promise<{ readonly holder: TableLockHolder; readonly stale?: string } | undefined> {
  const current = await readHolder(tableLockPath(stateDirectory, tableId));
  if (current === undefined) {
    return undefined;
  }
  const stale = staleReason(current.holder, current.heartbeatMs, staleAfterMs);
  return { holder: current.holder, ...(stale === undefined ? {} : { stale }) };
}

async function createExclusive(path: string, holder: TableLockHolder, tableId: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') {
      return false;
    }
    if (code === 'ENOENT') {
      // The state directory does not exist yet: create it and try again.
      await mkdir(dirname(path), { recursive: true });
      return createExclusive(path, holder, tableId);
    }
    throw new SqlSyncError('STATE_WRITE', `cannot create lock file ${path}: ${(error as Error).message}`, {
      context: { table: tableId },
      cause: error,
    });
  }
  try {
    await handle.writeFile(`${JSON.stringify(holder)}\n`, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readHolder(
  path: string,
): Promise<{ readonly holder: TableLockHolder; readonly heartbeatMs: number } | undefined> {
  let text: string;
  let mtimeMs: number;
  try {
    [text, mtimeMs] = await Promise.all([readFile(path, 'utf8'), stat(path).then((s) => s.mtimeMs)]);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  try {
    const holder = JSON.parse(text) as TableLockHolder;
    const heartbeat = Date.parse(holder.heartbeatAt);
    return { holder, heartbeatMs: Number.isFinite(heartbeat) ? heartbeat : mtimeMs };
  } catch {
    // Empty or half written: its creator died between O_EXCL and the write (or is writing now). The
    // file's mtime is its heartbeat, so a live writer is not taken over at once.
    return {
      holder: {
        tableId: '?',
        host: '?',
        pid: 0,
        runId: '?',
        token: `unreadable-${mtimeMs}`,
        acquiredAt: new Date(mtimeMs).toISOString(),
        heartbeatAt: new Date(mtimeMs).toISOString(),
      },
      heartbeatMs: mtimeMs,
    };
  }
}

function staleReason(holder: TableLockHolder, heartbeatMs: number, staleAfterMs: number): string | undefined {
  const age = Date.now() - heartbeatMs;
  if (age > staleAfterMs) {
    return `heartbeat ${Math.round(age / 1000)} s old (bound ${Math.round(staleAfterMs / 1000)} s)`;
  }
  if (holder.host === hostname() && holder.pid > 0 && !processRuns(holder.pid)) {
    return `its process ${holder.pid} on this host is gone`;
  }
  return undefined;
}

async function removeStale(path: string): Promise<boolean> {
  const tomb = `${path}.stale.${process.pid}.${randomBytes(6).toString('hex')}`;
  try {
    await rename(path, tomb);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return false; // another run took it over (or its holder released it) first
    }
    throw error;
  }
  await rm(tomb, { force: true });
  return true;
}

function heldLock(
  path: string,
  holder: TableLockHolder,
  waitedMs: number,
  waitedFor: TableLockHolder | undefined,
  staleAfterMs: number,
): TableLock {
  let released: Promise<void> | undefined;
  let beating = Promise.resolve();
  const beat = async (): Promise<void> => {
    const current = await readHolder(path).catch(() => undefined);
    if (current?.holder.token !== holder.token) {
      return; // taken over (we were presumed dead): never overwrite the new holder's file
    }
    const next = { ...holder, heartbeatAt: new Date().toISOString() };
    const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(`${JSON.stringify(next)}\n`, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch {
      await rm(temp, { force: true }).catch(() => undefined);
    }
  };
  const timer = setInterval(
    () => {
      beating = beating.then(beat);
    },
    Math.max(50, Math.floor(staleAfterMs / 4)),
  );
  // The heartbeat never keeps the process alive on its own.
  timer.unref();
  return {
    tableId: holder.tableId,
    runId: holder.runId,
    path,
    waitedMs,
    ...(waitedFor === undefined ? {} : { waitedFor }),
    release() {
      released ??= (async () => {
        clearInterval(timer);
        await beating;
        const current = await readHolder(path).catch(() => undefined);
        if (current?.holder.token === holder.token) {
          await rm(path, { force: true });
        }
      })();
      return released;
    },
  };
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
