import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';

/** Where a writer's DuckDB comes from, and how much of it the writer may use. */
export interface WriterSessionOptions {
  readonly duckdb?: DuckDBInstance | DuckDBConnection;
  readonly memoryLimitMb?: number;
  readonly threads?: number;
  readonly tempDirectory?: string;
}

/**
 * The DuckDB connection a writer runs its `COPY`s on (one at a time; the next part's rows wait
 * in JS meanwhile, so one connection is all it takes).
 */
export interface WriterSession {
  readonly connection: DuckDBConnection;
  /** The private instance, closed with the session; `undefined` when the caller's is reused. */
  readonly instance: DuckDBInstance | undefined;
  readonly ownsConnections: boolean;
  /** A spill directory the session created and removes. */
  readonly spillDirectory: string | undefined;
}

/**
 * Default DuckDB `threads` of a private writer instance. One is enough: parts are written while
 * the next one fills, and one thread's `COPY` (~1.2M rows/s) outruns ingestion; more threads
 * only add a row-group buffer each and compete with extraction (and with other writers) for cores.
 */
export const DEFAULT_WRITER_THREADS = 1;

/**
 * DuckDB `allocator_bulk_deallocation_flush_threshold` of a private writer instance. DuckDB's
 * allocator keeps what a `COPY` freed for reuse: ~50 MB per instance after a few 61,440-row-group
 * parts of the benchmark's row, held as long as the instance lives. Flushing bulk deallocations
 * above 4 MB keeps ~18 MB, for ~10 % more time in the `COPY` (on DuckDB's thread, overlapped
 * with extraction); measured on the 2-worker benchmark at 20 M rows, peak RSS fell by ~30 MB.
 */
export const WRITER_ALLOCATOR_FLUSH_THRESHOLD = '4MB';

/** Default DuckDB `memory_limit` of a private writer instance, in MiB. */
export const DEFAULT_MEMORY_LIMIT_MB = 1024;

/**
 * Opens the writer's DuckDB: the given connection, a connection of the given instance, or a
 * private `:memory:` instance with `memory_limit` and a spill directory inside `directory`.
 */
export async function openWriterSession(
  directory: string,
  options: WriterSessionOptions,
): Promise<WriterSession> {
  const shared = options.duckdb;
  if (shared instanceof DuckDBConnection) {
    return { connection: shared, instance: undefined, ownsConnections: false, spillDirectory: undefined };
  }
  if (shared instanceof DuckDBInstance) {
    return {
      connection: await connect(shared),
      instance: undefined,
      ownsConnections: true,
      spillDirectory: undefined,
    };
  }
  // The spill directory sits in the staging area: that disk is sized for the data anyway.
  const spillDirectory =
    options.tempDirectory ?? join(directory, `.sqlsync-${randomBytes(4).toString('hex')}.spill`);
  const config: Record<string, string> = {
    memory_limit: `${options.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB}MB`,
    temp_directory: spillDirectory,
    threads: String(options.threads ?? DEFAULT_WRITER_THREADS),
    allocator_bulk_deallocation_flush_threshold: WRITER_ALLOCATOR_FLUSH_THRESHOLD,
  };
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:', config);
  } catch (error) {
    throw new SqlSyncError('LAKE_WRITE', `cannot start DuckDB: ${messageOf(error)}`, { cause: error });
  }
  try {
    return {
      connection: await connect(instance),
      instance,
      ownsConnections: true,
      spillDirectory: options.tempDirectory === undefined ? spillDirectory : undefined,
    };
  } catch (error) {
    instance.closeSync();
    throw error;
  }
}

/** Closes what the session opened and removes its spill directory. Never throws. */
export async function closeWriterSession(session: WriterSession): Promise<void> {
  if (session.ownsConnections) {
    ignoreErrors(() => session.connection.closeSync());
  }
  if (session.instance !== undefined) {
    ignoreErrors(() => session.instance?.closeSync());
  }
  if (session.spillDirectory !== undefined) {
    await rm(session.spillDirectory, { recursive: true, force: true }).catch(() => undefined);
  }
}

async function connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
  try {
    return await instance.connect();
  } catch (error) {
    throw new SqlSyncError('LAKE_WRITE', `cannot connect to DuckDB: ${messageOf(error)}`, { cause: error });
  }
}

/** Runs a cleanup step whose failure must not hide the failure that led to it. */
export function ignoreErrors(action: () => void): void {
  try {
    action();
  } catch {
    // Cleanup after a failure must not hide the failure.
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
