import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { fsyncDirectory, fsyncFile, temporarySibling } from './durable-fs.js';
import { quoteStringLiteral } from './sql-quote.js';

/**
 * Writes the rows of `query` to `file` atomically — `COPY (query) TO` a hidden temporary
 * sibling, fsync, rename, fsync the directory — and returns its size. On any failure neither the
 * temporary file nor `file` is left behind; `signal` interrupts the `COPY`.
 *
 * @example
 * const bytes = await copyToPartFile(connection, 'SELECT * FROM sqlsync_part_1a2b()', '/stage/part-0.parquet', 'FORMAT PARQUET', undefined);
 */
export async function copyToPartFile(
  connection: DuckDBConnection,
  query: string,
  file: string,
  copyOptions: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  signal?.throwIfAborted();
  const temporary = temporarySibling(file);
  const interrupt = (): void => connection.interrupt();
  signal?.addEventListener('abort', interrupt, { once: true });
  let placed = false;
  try {
    await connection.run(`COPY (${query}) TO ${quoteStringLiteral(temporary)} (${copyOptions})`);
    signal?.throwIfAborted();
    await fsyncFile(temporary);
    await rename(temporary, file);
    placed = true;
    await fsyncDirectory(dirname(file));
    return (await stat(file)).size;
  } catch (error) {
    await rm(placed ? file : temporary, { force: true }).catch(() => undefined);
    throw error;
  } finally {
    signal?.removeEventListener('abort', interrupt);
  }
}
