import { rm } from 'node:fs/promises';
import { SqlSyncError } from '@sync/core';
import type { SnapshotIsolation, SourceConnection } from '@sync/extract-mssql';
import { handlerFor } from './handler-for.js';
import type { TableConfigOf, TableKind } from './table-kind.js';
import type { UnitContext } from './unit-context.js';
import type { UnitRead, UnitResult, WorkUnit, WorkUnitOf } from './work-unit.js';

/**
 * Whether each source allows snapshot isolation, asked once per source connection (a run's, or a
 * worker's) rather than once per unit: a table of thousands of partitions would otherwise pay a
 * round trip per unit for an answer that a DBA changes once in a blue moon.
 */
const isolationBySource = new WeakMap<SourceConnection, Promise<SnapshotIsolation>>();

function isolationOf(source: SourceConnection): Promise<SnapshotIsolation> {
  let isolation = isolationBySource.get(source);
  if (isolation === undefined) {
    isolation = source.snapshotIsolation();
    isolationBySource.set(source, isolation);
    // A failed question is asked again by the next unit.
    isolation.catch(() => isolationBySource.delete(source));
  }
  return isolation;
}

/** SQL Server's "Snapshot isolation transaction failed accessing database … not allowed". */
const SNAPSHOT_NOT_ALLOWED = 3952;

/** A unit that reads nothing from the source: a partition removal, or a static table's skip. */
function readsNothing(unit: WorkUnit): boolean {
  return (
    (unit.kind === 'partition' && unit.partition.action === 'remove') ||
    (unit.kind === 'static' && unit.skip === true)
  );
}

/**
 * Runs a unit with its handler so that what it publishes is one consistent reading of a table
 * that writers may be changing (`processing.snapshot_isolation`):
 * - **snapshot** (the database allows snapshot isolation, and the setting is `auto` or
 *   `required`): the whole unit — its reads and its validation figures (an upsert's key-hash read,
 *   changed-row reads and aggregates; an SCD2 unit's reads) — runs on ONE connection inside ONE
 *   SNAPSHOT transaction, so the figures agree with the rows read while writers commit;
 * - **read_committed** (the database does not allow it, or the setting is `off`): each statement
 *   reads what is committed when it runs, so the validation figures, taken after the read, may
 *   disagree with the rows read. Such a `VALIDATION_FAILED` unit is read again at once, up to
 *   `processing.concurrent_change_retries` times; then it fails with a message that says to allow
 *   snapshot isolation or to schedule the run off-peak. A failed unit publishes nothing.
 *
 * `required` on a database that does not allow snapshots fails the unit (`SOURCE_QUERY`, not
 * retryable), naming the ALTER DATABASE that allows them. The result's `read` says which mode ran
 * and how many retries it took (absent for a unit that reads nothing).
 *
 * @example
 * const result = await runUnitConsistently(table, unit, ctx);
 * result.read // { mode: 'snapshot', retries: 0 }
 */
export async function runUnitConsistently<K extends TableKind>(
  table: TableConfigOf<K>,
  unit: WorkUnitOf<K>,
  ctx: UnitContext,
): Promise<UnitResult> {
  const handler = handlerFor<K>(table);
  if (readsNothing(unit)) {
    return handler.run(table, unit, ctx);
  }
  const setting = ctx.config.processing.snapshotIsolation;
  const database = ctx.config.database.database;
  const isolation = setting === 'off' ? undefined : await isolationOf(ctx.source);
  if (isolation?.allowed === true) {
    try {
      const result = await ctx.source.inSnapshot(unit.tableId, (source) =>
        handler.run(table, unit, { ...ctx, source }),
      );
      return withRead(result, { mode: 'snapshot', retries: 0 });
    } catch (error) {
      // 3952: the database stopped allowing snapshots since it was asked. Ask again next time;
      // under `auto` this unit falls back to READ COMMITTED below.
      if (!(error instanceof SqlSyncError) || error.context?.sqlErrorNumber !== SNAPSHOT_NOT_ALLOWED) {
        throw error;
      }
      isolationBySource.delete(ctx.source);
      if (setting === 'required') {
        throw notAllowed(unit, isolation.database);
      }
      ctx.logger.warn(
        { table: unit.tableId, unit: unit.id, err: error },
        'the source database no longer allows snapshot isolation; reading at READ COMMITTED',
      );
      await rm(unit.stagingDir, { recursive: true, force: true });
    }
  }
  if (setting === 'required') {
    throw notAllowed(unit, isolation?.database ?? database);
  }
  const retries = ctx.config.processing.concurrentChangeRetries;
  for (let attempt = 0; ; attempt++) {
    try {
      return withRead(await handler.run(table, unit, ctx), { mode: 'read_committed', retries: attempt });
    } catch (error) {
      if (
        !(error instanceof SqlSyncError) ||
        error.code !== 'VALIDATION_FAILED' ||
        ctx.signal?.aborted === true
      ) {
        throw error;
      }
      if (attempt >= retries) {
        throw new SqlSyncError(
          'VALIDATION_FAILED',
          `${error.message}. Read ${attempt + 1} times at READ COMMITTED and the source changed under each read: allow snapshot isolation on the source (ALTER DATABASE [${isolation?.database ?? database}] SET ALLOW_SNAPSHOT_ISOLATION ON) so that each unit reads one snapshot, or schedule the run off-peak (processing.concurrent_change_retries: ${retries})`,
          {
            context: {
              ...error.context,
              table: unit.tableId,
              unit: unit.id,
              configPath: 'processing.concurrent_change_retries',
            },
            cause: error,
          },
        );
      }
      ctx.logger.warn(
        { table: unit.tableId, unit: unit.id, attempt: attempt + 1, err: error },
        'unit read at READ COMMITTED disagrees with the source figures (the table changed while it was read); reading it again',
      );
      // What the failed try staged must not be published beside the next try's files.
      await rm(unit.stagingDir, { recursive: true, force: true });
    }
  }
}

/** `processing.snapshot_isolation: required` where the database does not allow snapshots. */
function notAllowed(unit: WorkUnit, database: string): SqlSyncError {
  return new SqlSyncError(
    'SOURCE_QUERY',
    `${unit.tableId}: processing.snapshot_isolation is required, but database ${database} does not allow snapshot isolation; allow it (ALTER DATABASE [${database}] SET ALLOW_SNAPSHOT_ISOLATION ON) or set processing.snapshot_isolation: auto`,
    { context: { table: unit.tableId, unit: unit.id, configPath: 'processing.snapshot_isolation' } },
  );
}

function withRead(result: UnitResult, read: UnitRead): UnitResult {
  return { ...result, read };
}
