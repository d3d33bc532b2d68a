import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isAbsolute, relative, resolve } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { writeFileDurably } from './durable-fs.js';

/**
 * The intent of one directory replacement, written durably before anything is built or moved.
 * Paths are relative to the lake root, so a lake mounted elsewhere still recovers. No phase is
 * recorded: where the table's symlink points (and which directories exist) tells recovery how far
 * the publish got. Version 1 journals (the two-rename swap, before versioned tables) are still
 * read and recovered.
 */
export interface PublishJournal {
  readonly version: 1 | 2;
  readonly runId: string;
  /** The lake directory being replaced (the table, or a partition or bucket inside it). */
  readonly target: string;
  /** The staged directory that replaces it. */
  readonly staged: string;
  /**
   * Version 1: where the current target is parked until the staged one is in place. Version 2:
   * where a real (pre-versioning) table directory is parked while it becomes a symlink; `''` when
   * the table already was a symlink or did not exist.
   */
  readonly backup: string;
  /** Version 2: the table directory (`<schema>/<table>`), a symlink once published. */
  readonly table?: string;
  /** Version 2: the version directory this publish builds and points the table at. */
  readonly newVersion?: string;
  /** Version 2: the version the table pointed at before (`''` when none), removed after the swap. */
  readonly oldVersion?: string;
  /** Version 2: who publishes — recovery leaves a live process's journal alone. */
  readonly host?: string;
  readonly pid?: number;
  /** ISO time the publish started. */
  readonly createdAt: string;
}

/** The journal's paths made absolute against the lake root (`''` stays `''`). */
export interface JournalPaths {
  readonly target: string;
  readonly staged: string;
  readonly backup: string;
  readonly table?: string;
  readonly newVersion?: string;
  readonly oldVersion?: string;
}

/**
 * Writes a version 2 journal durably (temporary file, fsync, rename, fsync of the directory),
 * recording this process's host and pid.
 *
 * @example
 * await writeJournal(file, lakeRoot, { runId: 'r1', target, staged, backup: '', table, newVersion, oldVersion: '' });
 */
export async function writeJournal(
  file: string,
  lakeRoot: string,
  intent: { readonly runId: string } & JournalPaths,
): Promise<void> {
  const rel = (path: string | undefined): string =>
    path === undefined || path === '' ? '' : relative(lakeRoot, path);
  const journal: PublishJournal = {
    version: 2,
    runId: intent.runId,
    target: rel(intent.target),
    staged: rel(intent.staged),
    backup: rel(intent.backup),
    table: rel(intent.table),
    newVersion: rel(intent.newVersion),
    oldVersion: rel(intent.oldVersion),
    host: hostname(),
    pid: process.pid,
    createdAt: new Date().toISOString(),
  };
  await writeFileDurably(file, `${JSON.stringify(journal, null, 2)}\n`);
}

/**
 * Reads a journal and resolves its paths against the lake root. Throws `PUBLISH` for a journal
 * that is not one of ours or points outside the lake: recovery must not guess.
 *
 * @example
 * const { target, staged, newVersion } = await readJournal(file, lakeRoot);
 */
export async function readJournal(file: string, lakeRoot: string): Promise<PublishJournal & JournalPaths> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new SqlSyncError('PUBLISH', `publish journal ${file} is unreadable; repair or remove it by hand`, {
      cause: error,
    });
  }
  if (!isJournal(parsed)) {
    throw new SqlSyncError(
      'PUBLISH',
      `${file} is not a sqlsync publish journal; repair or remove it by hand`,
    );
  }
  const inside = (path: string): string => {
    const absolute = resolve(lakeRoot, path);
    const back = relative(lakeRoot, absolute);
    if (back === '' || back.startsWith('..') || isAbsolute(back)) {
      throw new SqlSyncError('PUBLISH', `publish journal ${file} points outside the lake: ${path}`);
    }
    return absolute;
  };
  const optional = (path: string | undefined): string =>
    path === undefined || path === '' ? '' : inside(path);
  return {
    ...parsed,
    target: inside(parsed.target),
    staged: inside(parsed.staged),
    backup: parsed.version === 1 ? inside(parsed.backup) : optional(parsed.backup),
    table: optional(parsed.table),
    newVersion: optional(parsed.newVersion),
    oldVersion: optional(parsed.oldVersion),
  };
}

function isJournal(value: unknown): value is PublishJournal {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  const common =
    typeof record.runId === 'string' &&
    typeof record.target === 'string' &&
    typeof record.staged === 'string' &&
    typeof record.backup === 'string' &&
    typeof record.createdAt === 'string';
  if (record.version === 1) {
    return common;
  }
  return (
    record.version === 2 &&
    common &&
    typeof record.table === 'string' &&
    record.table !== '' &&
    typeof record.newVersion === 'string' &&
    record.newVersion !== '' &&
    typeof record.oldVersion === 'string' &&
    typeof record.host === 'string' &&
    typeof record.pid === 'number'
  );
}
