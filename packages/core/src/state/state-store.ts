import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint } from '../crash-point.js';
import { SqlSyncError } from '../errors.js';
import { decodeState, type StateCodec } from './state-codec.js';
import { isStateFileName, stateFileName, tableIdFromFileName } from './state-file-name.js';
import { acquireTableLock, type TableLock, type TableLockOptions } from './table-lock.js';

/** The format version of state files written by this store. */
export const STATE_FILE_VERSION = 1;

/**
 * What a state file holds: the store's envelope around the caller's state. `version` is the
 * envelope format; a handler versions its own `state` inside if it needs to.
 */
export interface StateFile<T> {
  readonly version: number;
  readonly tableId: string;
  /** ISO-8601 time the file was written. */
  readonly writtenAt: string;
  readonly state: T;
}

/** Options of {@link StateStore}. */
export interface StateStoreOptions {
  /** Copy the current file to `<file>.bak` before each write replaces it. Defaults to false. */
  readonly backupBeforeWrite?: boolean;
  /** Clock for `writtenAt`; pass one in tests. Defaults to `() => new Date()`. */
  readonly now?: () => Date;
  /**
   * How {@link StateStore.lockTable} takes a table's lock (run id, `state.lock_timeout_seconds`).
   * Defaults to none: `lockTable` is then a no-op (commands that only read state).
   */
  readonly lock?: TableLockOptions;
  /**
   * `state.state_retention_days`: a store that takes locks (a run) prunes leftovers older than this
   * ({@link StateStore.prune}) once, at its first lock. Defaults to no pruning.
   */
  readonly retentionDays?: number;
}

/**
 * Per-table state, one JSON file per table: `<directory>/<schema>.<table>.json`.
 *
 * A write never leaves a half-written file: it goes to a temporary file in the same directory,
 * is fsynced, renamed over the old file, and the directory is fsynced so the rename survives a
 * power cut. Writes to one table from this process are applied in call order. An unparseable file
 * raises `STATE_CORRUPT` naming the file, so the caller can self-heal: from the backup
 * (`readBackup`), else with no state at all (a full re-read).
 *
 * @example
 * const store = new StateStore(config.state.stateDirectory, { backupBeforeWrite: true });
 * const state = await store.read<OrdersState>('sales.Orders');
 * await store.write('sales.Orders', { watermark: '2024-06-01T00:00:00Z' });
 */
export class StateStore {
  readonly directory: string;
  readonly #backupBeforeWrite: boolean;
  readonly #now: () => Date;
  readonly #queues = new Map<string, Promise<void>>();
  readonly #lockOptions: TableLockOptions | undefined;
  readonly #locks = new Map<string, Promise<TableLock>>();
  readonly #retentionDays: number | undefined;
  #pruned: Promise<string[]> | undefined;

  constructor(directory: string, options: StateStoreOptions = {}) {
    this.directory = directory;
    this.#backupBeforeWrite = options.backupBeforeWrite ?? false;
    this.#now = options.now ?? (() => new Date());
    this.#lockOptions = options.lock;
    this.#retentionDays = options.retentionDays;
  }

  /** What the first lock's pruning removed (`[]` before it, or without `retentionDays`). */
  pruned(): Promise<string[]> {
    return this.#pruned ?? Promise.resolve([]);
  }

  /**
   * Takes the table's lock across processes and machines ({@link acquireTableLock}) with the
   * store's `lock` options, once per table: a second call returns the same lock. `undefined` when
   * the store was made without `lock` options. Publishing and state writes of a run happen
   * between this and {@link StateStore.unlockTable}.
   */
  async lockTable(tableId: string, signal?: AbortSignal): Promise<TableLock | undefined> {
    if (this.#lockOptions === undefined) {
      return undefined;
    }
    if (this.#retentionDays !== undefined) {
      this.#pruned ??= this.prune(this.#retentionDays).catch(() => []);
    }
    let lock = this.#locks.get(tableId);
    if (lock === undefined) {
      lock = acquireTableLock(this.directory, tableId, {
        ...this.#lockOptions,
        ...(signal === undefined ? {} : { signal }),
      });
      this.#locks.set(tableId, lock);
      // A failed wait stays recorded: asking again (the table's plan after lockTables) answers the
      // same failure instead of waiting a second lock_timeout_seconds.
      lock.catch(() => undefined);
    }
    return lock;
  }

  /**
   * Takes the locks of several tables one after another in table-id order, so two runs whose
   * configs list shared tables in other orders never wait for each other in a cycle. A table whose
   * lock cannot be had is skipped here; {@link StateStore.lockTable} then answers its failure.
   *
   * @example
   * await store.lockTables(tables.map((t) => t.id), signal);
   */
  async lockTables(tableIds: readonly string[], signal?: AbortSignal): Promise<void> {
    for (const id of [...tableIds].sort()) {
      if (signal?.aborted === true) {
        return;
      }
      await this.lockTable(id, signal).catch(() => undefined);
    }
  }

  /** Releases the table's lock when this store holds it. */
  async unlockTable(tableId: string): Promise<void> {
    const lock = this.#locks.get(tableId);
    this.#locks.delete(tableId);
    await lock?.then((l) => l.release()).catch(() => undefined);
  }

  /** Releases every lock this store holds (the end of a run, whatever happened). */
  async releaseLocks(): Promise<void> {
    await Promise.all([...this.#locks.keys()].map((id) => this.unlockTable(id)));
  }

  /** Full path of a table's state file. */
  pathOf(tableId: string): string {
    return join(this.directory, stateFileName(tableId));
  }

  /**
   * A table's state, or `undefined` when it has none. Throws `STATE_CORRUPT` for a damaged file:
   * not JSON, not a state file, or another table's (its `tableId`); with a `codec`, also for a
   * state of the wrong shape, and `STATE_VERSION` for a state newer than the codec knows (an older
   * one is migrated).
   */
  async read<T>(tableId: string, codec?: StateCodec<T>): Promise<T | undefined> {
    return this.#decoded(this.pathOf(tableId), tableId, codec);
  }

  /** Replaces a table's state atomically (see the class description). */
  write<T>(tableId: string, state: T): Promise<void> {
    return this.#serialize(tableId, async () => {
      await mkdir(this.directory, { recursive: true });
      if (this.#backupBeforeWrite) {
        await this.#backup(tableId);
      }
      const file: StateFile<T> = {
        version: STATE_FILE_VERSION,
        tableId,
        writtenAt: this.#now().toISOString(),
        state,
      };
      await this.#atomicWrite(this.pathOf(tableId), `${JSON.stringify(file, null, 2)}\n`, tableId);
    });
  }

  /**
   * Copies a table's state file to `<file>.bak` (atomically). Returns false when there is no state
   * to back up. Used before a run changes state (`state.backup_state_before_run`).
   */
  backup(tableId: string): Promise<boolean> {
    let copied = false;
    return this.#serialize(tableId, async () => {
      copied = await this.#backup(tableId);
    }).then(() => copied);
  }

  /** The state kept in a table's `.bak` file, or `undefined` when there is none; checked as {@link StateStore.read}. */
  async readBackup<T>(tableId: string, codec?: StateCodec<T>): Promise<T | undefined> {
    return this.#decoded(`${this.pathOf(tableId)}.bak`, tableId, codec);
  }

  /**
   * Copies a table's state file to `<file>.reset-<time>.bak`, then deletes the state (`sqlsync
   * state reset`). Returns the backup's path, or `undefined` when there was no state.
   */
  resetWithBackup(tableId: string): Promise<string | undefined> {
    let saved: string | undefined;
    return this.#serialize(tableId, async () => {
      const path = this.pathOf(tableId);
      const target = `${path}.reset-${this.#now().toISOString().replace(/[:.]/g, '-')}.bak`;
      try {
        await copyFile(path, target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
          return;
        }
        throw stateWriteError(error, tableId, target);
      }
      await fsyncFile(target);
      await rm(path, { force: true });
      await fsyncDirectory(this.directory);
      saved = target;
    }).then(() => saved);
  }

  /**
   * Removes state-side leftovers: backups (`*.bak`) and taken-over lock files older than
   * `retentionDays` (`state.state_retention_days`), and temporary files older than an hour (no
   * write holds one longer; older ones are from a killed process). Returns the paths removed.
   * Live state and lock files are never touched.
   */
  async prune(retentionDays: number): Promise<string[]> {
    const names = await namesIn(this.directory);
    const now = this.#now().getTime();
    const removed: string[] = [];
    for (const name of names) {
      const temp = name.startsWith('.') && name.endsWith('.tmp');
      const lockTemp = name.includes('.lock.') && name.endsWith('.tmp');
      const old = name.endsWith('.bak') || name.includes('.lock.stale.');
      if (!temp && !lockTemp && !old) {
        continue;
      }
      const path = join(this.directory, name);
      const mtime = await stat(path).then(
        (s) => s.mtimeMs,
        () => undefined,
      );
      if (mtime === undefined) {
        continue;
      }
      const bound = temp || lockTemp ? 3_600_000 : retentionDays * 86_400_000;
      if (now - mtime > bound) {
        await rm(path, { force: true });
        removed.push(path);
      }
    }
    return removed;
  }

  /** Deletes a table's state (not its backup), e.g. for a forced full reload. */
  remove(tableId: string): Promise<void> {
    return this.#serialize(tableId, async () => {
      await rm(this.pathOf(tableId), { force: true });
      await fsyncDirectory(this.directory);
    });
  }

  /** Ids of all tables with state, sorted. Files that cannot be read for their id are skipped. */
  async list(): Promise<string[]> {
    const names = await namesIn(this.directory);
    const ids: string[] = [];
    for (const name of names.filter(isStateFileName)) {
      const id = tableIdFromFileName(name);
      if (id !== undefined) {
        ids.push(id);
        continue;
      }
      // A cut-and-hashed name: the id is only in the file.
      try {
        const file = await this.#readFile(join(this.directory, name), undefined);
        if (file !== undefined) {
          ids.push(file.tableId);
        }
      } catch {
        // A damaged file still surfaces through read(); list() stays usable.
      }
    }
    return ids.sort();
  }

  async #decoded<T>(path: string, tableId: string, codec: StateCodec<T> | undefined): Promise<T | undefined> {
    const file = await this.#readFile(path, tableId);
    if (file === undefined) {
      return undefined;
    }
    if (file.tableId !== tableId) {
      throw new SqlSyncError(
        'STATE_CORRUPT',
        `state file ${path} holds the state of ${file.tableId}, not of ${tableId}`,
        { context: { table: tableId } },
      );
    }
    return codec === undefined ? (file.state as T) : decodeState(codec, file.state, { path, tableId });
  }

  async #backup(tableId: string): Promise<boolean> {
    const path = this.pathOf(tableId);
    const temp = tempName(`${path}.bak`);
    try {
      await copyFile(path, temp);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return false;
      }
      throw stateWriteError(error, tableId, path);
    }
    try {
      await fsyncFile(temp);
      await rename(temp, `${path}.bak`);
      await fsyncDirectory(this.directory);
    } catch (error) {
      await rm(temp, { force: true });
      throw stateWriteError(error, tableId, `${path}.bak`);
    }
    return true;
  }

  async #atomicWrite(path: string, text: string, tableId: string): Promise<void> {
    const temp = tempName(path);
    try {
      const handle = await open(temp, 'wx');
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      crashPoint('state.temp-written');
      await rename(temp, path);
      await fsyncDirectory(this.directory);
      crashPoint('state.written');
    } catch (error) {
      await rm(temp, { force: true });
      throw stateWriteError(error, tableId, path);
    }
  }

  async #readFile(path: string, tableId: string | undefined): Promise<StateFile<unknown> | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return undefined;
      }
      throw error;
    }
    const context = tableId === undefined ? {} : { table: tableId };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new SqlSyncError(
        'STATE_CORRUPT',
        `state file ${path} is not valid JSON: ${(error as Error).message}`,
        {
          context,
          cause: error,
        },
      );
    }
    if (!isStateFile(parsed)) {
      throw new SqlSyncError(
        'STATE_CORRUPT',
        `state file ${path} is not a sqlsync state file (no version/tableId/state)`,
        {
          context,
        },
      );
    }
    if (parsed.version > STATE_FILE_VERSION) {
      throw new SqlSyncError(
        'STATE_VERSION',
        `state file ${path} has format version ${parsed.version}, newer than this sqlsync understands (${STATE_FILE_VERSION}); upgrade sqlsync`,
        { context },
      );
    }
    return parsed;
  }

  /** Runs `task` after every earlier task for the same table, so writes apply in call order. */
  #serialize(tableId: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#queues.get(tableId) ?? Promise.resolve();
    const next = previous.then(task, task);
    const settled = next.catch(() => undefined);
    this.#queues.set(tableId, settled);
    void settled.then(() => {
      if (this.#queues.get(tableId) === settled) {
        this.#queues.delete(tableId);
      }
    });
    return next;
  }
}

function isStateFile(value: unknown): value is StateFile<unknown> {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return typeof record.version === 'number' && typeof record.tableId === 'string' && 'state' in record;
}

function tempName(path: string): string {
  // Same directory as the target, so rename() is atomic; pid + random so concurrent writers (even
  // other processes) never share a temp file. Starts with '.' so list() ignores it.
  const slash = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(directory: string): Promise<void> {
  // Makes the rename durable. Windows cannot open a directory for fsync; there NTFS journals the
  // rename itself, so the error is ignored.
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') {
      throw error;
    }
  }
}

function stateWriteError(error: unknown, tableId: string, path: string): SqlSyncError {
  return new SqlSyncError('STATE_WRITE', `cannot write state file ${path}: ${(error as Error).message}`, {
    context: { table: tableId },
    cause: error,
  });
}

/** The names in a directory; none when it does not exist (no state written yet). */
async function namesIn(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return [];
    }
    throw error;
  }
}
