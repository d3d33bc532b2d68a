import { randomBytes } from 'node:crypto';
import { access, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Flushes a file's data to stable storage, so that a rename that follows can never expose an
 * empty or partial file after a power loss.
 *
 * @example
 * await fsyncFile('/lake/_sqlsync/staging/r1/sales/orders/part-r1-0.parquet');
 */
export async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Flushes a directory entry table, making renames and creations inside it durable. Platforms that
 * cannot open a directory for syncing (Windows) are skipped: there the rename is all we have.
 *
 * @example
 * await fsyncDirectory('/lake/sales');
 */
export async function fsyncDirectory(path: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') {
      throw error;
    }
  } finally {
    await handle?.close();
  }
}

/**
 * A name beside `path` for writing before a rename: hidden, unique, and not ending in `.parquet`
 * or `.json`, so no reader's glob picks it up.
 *
 * @example
 * temporarySibling('/lake/t/part-1.parquet') // '/lake/t/.part-1.parquet.3f9a1c2e.tmp'
 */
export function temporarySibling(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Writes a file atomically and durably: to a temporary sibling, fsync, rename over `path`, fsync
 * the directory. A reader (or a recovering process) sees the old content or the new, never half.
 *
 * @example
 * await writeFileDurably('/lake/_sqlsync/journal/r1.json', JSON.stringify(intent));
 */
export async function writeFileDurably(path: string, content: string): Promise<void> {
  const temporary = temporarySibling(path);
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(path));
}

/** Whether something exists at `path` (a file or a directory). */
export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
