import { rm } from 'node:fs/promises';
import type { Logger, PipelineConfig, RetryOptions } from '@sync/core';
import { withRetry } from '@sync/core';
import { SourceConnection } from '@sync/extract-mssql';
import { LakeLayout, recoverJournals } from '@sync/parquet-duckdb';
import type { UnitContext } from './unit-context.js';

/**
 * What the snapshots and units of a run share — the source connection and the lake — behind a
 * surface that names neither SQL Server nor DuckDB, so the orchestrator stays on this package and
 * `@sync/core`. Open one per run on the main thread and one per worker thread; always close it.
 *
 * @example
 * const resources = await openRun(config);
 * try {
 *   const snapshot = await handler.snapshot(table, resources.context(logger, signal));
 * } finally {
 *   await resources.close();
 * }
 */
export interface RunResources {
  /** The context a snapshot or a unit runs with. */
  context(logger: Logger, signal?: AbortSignal): UnitContext;
  /**
   * Removes everything the run's units staged (`<lake>/_sqlsync/staging/<run>`), once the run's
   * tables are published or failed. Never throws: a leftover is cleared by the next run's retry
   * of the same unit or by hand.
   */
  removeStaging(runId: string): Promise<void>;
  /** Closes the source connection. Idempotent. */
  close(): Promise<void>;
}

/** How `openRun` starts. Every field is optional. */
export interface OpenRunOptions {
  /**
   * Finish or roll back any publish a crashed run left half done, before connecting, so that the
   * run plans from and publishes into a consistent lake. Only the process that publishes may do
   * this. Defaults to false (`sqlsync plan` and worker threads write nothing).
   */
  readonly recoverLake?: boolean;
  /** Retry a failed connect (transient errors only). Defaults to a single try. */
  readonly retry?: RetryOptions;
}

/**
 * Opens what a run's snapshots and units share: recovers the lake when asked, then connects to the
 * source (`config.database`, one connection).
 *
 * @example
 * const resources = await openRun(config, { recoverLake: true, retry: { attempts: 4 } });
 */
export async function openRun(config: PipelineConfig, options: OpenRunOptions = {}): Promise<RunResources> {
  const lake = new LakeLayout(config.state.parquetDirectory);
  if (options.recoverLake === true) {
    await recoverJournals(lake.root);
  }
  const connect = (): Promise<SourceConnection> => SourceConnection.open(config.database);
  const source = await (options.retry === undefined ? connect() : withRetry(connect, options.retry));
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= source.close();
    return closed;
  };
  return {
    context: (logger, signal) => ({ config, source, logger, ...(signal === undefined ? {} : { signal }) }),
    removeStaging: (runId) =>
      rm(lake.stagingRunDir(runId), { recursive: true, force: true }).catch(() => undefined),
    close,
  };
}
