import { readFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { SqlSyncError } from '@sync/core';
import { writeFileDurably } from './durable-fs.js';

/**
 * The intent of one directory replacement, written durably before anything moves. Paths are
 * relative to the lake root, so a lake mounted elsewhere still recovers. No phase is recorded:
 * which of the three directories exist tells recovery how far the publish got.
 */
export interface PublishJournal {
  readonly version: 1;
  readonly runId: string;
  /** The lake directory being replaced. */
  readonly target: string;
  /** The staged directory that replaces it. */
  readonly staged: string;
  /** Where the current target is parked until the staged one is in place. */
  readonly backup: string;
  /** ISO time the publish started. */
  readonly createdAt: string;
}

/** The journal's paths made absolute against the lake root. */
export interface JournalPaths {
  readonly target: string;
  readonly staged: string;
  readonly backup: string;
}

/**
 * Writes a journal durably (temporary file, fsync, rename, fsync of the directory).
 *
 * @example
 * await writeJournal(file, lakeRoot, { runId: 'r1', target, staged, backup });
 */
export async function writeJournal(
  file: string,
  lakeRoot: string,
  intent: { readonly runId: string } & JournalPaths,
): Promise<void> {
  const journal: PublishJournal = {
    version: 1,
    runId: intent.runId,
    target: relative(lakeRoot, intent.target),
    staged: relative(lakeRoot, intent.staged),
    backup: relative(lakeRoot, intent.backup),
    createdAt: new Date().toISOString(),
  };
  await writeFileDurably(file, `${JSON.stringify(journal, null, 2)}\n`);
}

/**
 * Reads a journal and resolves its paths against the lake root. Throws `PUBLISH` for a journal
 * that is not one of ours or points outside the lake: recovery must not guess.
 *
 * @example
 * const { target, staged, backup } = await readJournal(file, lakeRoot);
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
  return {
    ...parsed,
    target: inside(parsed.target),
    staged: inside(parsed.staged),
    backup: inside(parsed.backup),
  };
}

function isJournal(value: unknown): value is PublishJournal {
  if (typeof value !== 'object' || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return (
    record.version === 1 &&
    typeof record.runId === 'string' &&
    typeof record.target === 'string' &&
    typeof record.staged === 'string' &&
    typeof record.backup === 'string' &&
    typeof record.createdAt === 'string'
  );
}
