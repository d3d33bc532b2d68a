import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, readdir, readlink, rename, rm, symlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fsyncDirectory } from './durable-fs.js';

/**
 * What a table directory `<lake>/<schema>/<table>` is now: absent, a symlink to a version
 * directory (the published form), or a real directory (a lake written before versioning, or
 * restored by hand).
 */
export type TableDirState =
  | { readonly kind: 'absent' }
  | { readonly kind: 'version'; readonly version: string }
  | { readonly kind: 'directory' };

/**
 * Reads what a table directory is, without following anything but its own symlink.
 *
 * @example
 * const now = await tableDirState('/lake/sales/orders'); // { kind: 'version', version: '/lake/_sqlsync/versions/sales/orders/r1-…' }
 */
export async function tableDirState(tableDir: string): Promise<TableDirState> {
  const info = await lstat(tableDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      return undefined;
    }
    throw error;
  });
  if (info === undefined) {
    return { kind: 'absent' };
  }
  if (info.isSymbolicLink()) {
    return { kind: 'version', version: resolve(dirname(tableDir), await readlink(tableDir)) };
  }
  return { kind: 'directory' };
}

/**
 * Builds `target` as a copy of `source` made of hard links: directories are created, files are
 * linked (no data is copied, and a file keeps its inode and modification time), leaving out the
 * path `skip` (relative to `source`) and hidden temporary files (`.*.tmp`). Returns the
 * directories it created, so the caller can make them durable.
 *
 * @example
 * await linkTree('/lake/_sqlsync/versions/sales/orders/r1-ab', '/lake/_sqlsync/versions/sales/orders/r2-cd', 'month=2024-01');
 */
export async function linkTree(source: string, target: string, skip = ''): Promise<string[]> {
  const created: string[] = [];
  const visit = async (from: string, to: string, rel: string): Promise<void> => {
    await mkdir(to, { recursive: true });
    created.push(to);
    for (const entry of await readdir(from, { withFileTypes: true })) {
      const entryRel = rel === '' ? entry.name : `${rel}${sep}${entry.name}`;
      if (entryRel === skip || (entry.name.startsWith('.') && entry.name.endsWith('.tmp'))) {
        continue;
      }
      const fromPath = join(from, entry.name);
      const toPath = join(to, entry.name);
      if (entry.isDirectory()) {
        await visit(fromPath, toPath, entryRel);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(fromPath), toPath);
      } else {
        await link(fromPath, toPath);
      }
    }
  };
  await visit(source, target, '');
  return created;
}

/**
 * Points a table directory at a version with one `rename(2)` of a fresh symlink over the old one,
 * which POSIX makes atomic: every path lookup through the table directory resolves to the old
 * version or the new one, never to nothing. A real directory in the way is first moved to
 * `backupForDirectory` (the one-time migration of a pre-versioning table; readers miss the table
 * between the two renames), and `beforeSwap` runs right before the swap (a crash point). The link
 * is relative, so a lake mounted elsewhere keeps working.
 *
 * @example
 * await pointTableAt('/lake/sales/orders', '/lake/_sqlsync/versions/sales/orders/r2-cd');
 */
export async function pointTableAt(
  tableDir: string,
  version: string,
  options: { readonly backupForDirectory?: string; readonly afterMigrateAside?: () => void } = {},
): Promise<void> {
  const parent = dirname(tableDir);
  const temporary = temporaryLink(tableDir);
  await symlink(relative(parent, version), temporary);
  try {
    if (options.backupForDirectory !== undefined) {
      await mkdir(dirname(options.backupForDirectory), { recursive: true });
      await rename(tableDir, options.backupForDirectory);
      options.afterMigrateAside?.();
    }
    try {
      await rename(temporary, tableDir);
    } catch (error) {
      if (options.backupForDirectory !== undefined) {
        await rename(options.backupForDirectory, tableDir);
      }
      throw error;
    }
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await fsyncDirectory(parent);
}

/** `.<table>.<random>.link` beside the table directory: the symlink renamed over it. */
function temporaryLink(tableDir: string): string {
  return join(dirname(tableDir), `.${basename(tableDir)}.${randomBytes(4).toString('hex')}.link`);
}

/** Whether a name in a schema directory is a temporary table link left by a crash. */
export function isTemporaryLink(name: string): boolean {
  return name.startsWith('.') && name.endsWith('.link');
}
