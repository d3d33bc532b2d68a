import { join, resolve } from 'node:path';
import { type Logger, type PipelineConfig, SqlSyncError, StateStore, type TableConfig } from '@sync/core';
import { handlerFor, type UnitResult } from '@sync/handlers';
import { loadDestination } from '../destination-step.js';
import { PlanStore } from '../plan-store.js';
import type { TableSummary } from '../run-summary.js';
import { commitTable, readTableState, runStateStoreOptions } from '../table-steps.js';

/** The arguments of `sqlsync publish --table T --run-id R`. */
export interface PublishRequest {
  readonly config: PipelineConfig;
  /** The configured table (`Pipeline.selectTables` resolves the id). */
  readonly table: TableConfig;
  readonly runId: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/** What `publish` did: `published` now, or `already` by an earlier publish of the same run. */
export interface PublishOutcome {
  readonly outcome: 'published' | 'already';
  readonly summary: TableSummary;
}

/**
 * Publishes a table of a plan persisted by `sqlsync plan --json` once `sqlsync run --unit` has
 * staged every unit of it: the same commit as `sqlsync run` (the handler's atomic directory swaps,
 * then the state), then forgets the plan, the unit results and, with the run's last table, its
 * staging; with a SQL Server destination it then loads the warehouse table, as `sqlsync run` does
 * (a failed load is the summary's failure). Publishing a table twice is a no-op answering the first summary. Throws `PUBLISH`,
 * publishing nothing, when a unit has no result or a failed one (naming them), or when the table's
 * state changed since the plan (another run published meanwhile: its newer data is kept).
 *
 * @example
 * const { summary } = await publishPlanned({ config, table, runId, logger });
 * summary.files; // the published Parquet files
 */
export async function publishPlanned(request: PublishRequest): Promise<PublishOutcome> {
  const started = performance.now();
  const { config, table, runId, logger, signal } = request;
  const store = new PlanStore(config.state.parquetDirectory);
  const log = logger.child({ run_id: runId });
  const plan = await store.readPlan(runId, table.id);
  // Published already (this marker is written before the state): answer as the first publish did.
  const published = await store.readPublished(runId, table.id);
  if (published !== undefined) {
    if (plan !== undefined) {
      await store.removeTable(plan, stagingRunDir(config, runId));
    }
    log.info({ table: table.id }, 'already published by this run; nothing to do');
    return { outcome: 'already', summary: published };
  }
  if (plan === undefined) {
    throw new SqlSyncError(
      'PUBLISH',
      `${table.id}: run ${runId} has no plan of this table (${store.planFile(runId, table.id)}): it was not planned ` +
        'in this run, or planned with no unit to run (nothing to publish)',
      { context: { table: table.id } },
    );
  }
  if (plan.lakeRoot !== resolve(config.state.parquetDirectory)) {
    throw new SqlSyncError(
      'USAGE',
      `${table.id}: run ${runId} was planned for the lake ${plan.lakeRoot}, but state.parquet_directory is ${resolve(config.state.parquetDirectory)} here`,
      { context: { table: table.id, configPath: 'state.parquet_directory' } },
    );
  }
  if (plan.kind !== table.kind) {
    throw new SqlSyncError(
      'USAGE',
      `${table.id}: planned as a ${plan.kind} table, configured as ${table.kind}`,
      {
        context: { table: table.id },
      },
    );
  }
  const results: UnitResult[] = [];
  const missing: string[] = [];
  const failed: string[] = [];
  for (const unit of plan.units) {
    const result = await store.readResult(runId, unit.id);
    if (result === undefined) {
      missing.push(unit.id);
    } else if (result.error !== undefined) {
      failed.push(`${unit.id} (${result.error.code}: ${result.error.message})`);
    } else {
      results.push(result);
    }
  }
  if (missing.length > 0 || failed.length > 0) {
    throw new SqlSyncError(
      'PUBLISH',
      `${table.id}: not published, ${[
        missing.length > 0 ? `units not run yet: ${missing.join(', ')}` : '',
        failed.length > 0 ? `units failed: ${failed.join(', ')}` : '',
      ]
        .filter((s) => s !== '')
        .join('; ')}; run them with \`sqlsync run --unit ID --run-id ${runId}\``,
      { context: { table: table.id } },
    );
  }
  const run = { runId, lakeRoot: config.state.parquetDirectory, now: new Date(plan.plannedAt) };
  const stateStore = new StateStore(config.state.stateDirectory, runStateStoreOptions(config, runId, log));
  // Under the table's lock from here to the state write; healed as the plan's state was (from the
  // same lake), so a plan made from a rebuilt state is not taken for a stale one.
  await stateStore.lockTable(table.id, signal);
  const current = await readTableState(config, table, stateStore, log, {
    snapshot: plan.snapshot,
    run,
  }).catch(async (error: unknown) => {
    await stateStore.releaseLocks();
    throw error;
  });
  if (JSON.stringify(current ?? null) !== JSON.stringify(plan.state ?? null)) {
    await stateStore.releaseLocks();
    throw new SqlSyncError(
      'PUBLISH',
      `${table.id}: stale plan: the table's state changed since run ${runId} was planned (another run published ` +
        'it meanwhile); nothing was published, so the newer data stays. Plan again with `sqlsync plan --json`',
      { context: { table: table.id } },
    );
  }
  signal?.throwIfAborted();
  const tablePlan = {
    table,
    handler: handlerFor(table),
    snapshot: plan.snapshot,
    state: plan.state,
    units: plan.units,
  };
  // As `sqlsync run` does, the warehouse (destination: { type: mssql }) is loaded from what was just
  // published, under the lock. A failed load fails this publish (exit 1) and is caught up by the
  // table's next load.
  const summary = await commitTable(
    tablePlan,
    results,
    stateStore,
    run,
    started,
    (done) => store.writePublished(runId, done),
    (committed) => loadDestination(config, tablePlan, committed, run, log),
  ).finally(() => stateStore.releaseLocks());
  await store.removeTable(plan, stagingRunDir(config, runId));
  log.info({ table: table.id, rows: summary.rows, units: plan.units.length }, 'published');
  return { outcome: 'published', summary };
}

/** `<lake>/_sqlsync/staging/<run_id>`, where the run's units staged (run ids need no escaping). */
function stagingRunDir(config: PipelineConfig, runId: string): string {
  return join(resolve(config.state.parquetDirectory), '_sqlsync', 'staging', runId);
}
