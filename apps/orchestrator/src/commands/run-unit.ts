import { rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Logger, type PipelineConfig, SqlSyncError, toSqlSyncError } from '@sync/core';
import { emptyUnitResult, type UnitResult } from '@sync/handlers';
import { PlanStore } from '../plan-store.js';
import { roundSeconds, runUnitWithRetry } from '../table-steps.js';
import { InlineUnitRunner } from '../unit-pool.js';

/** What `sqlsync run --unit` prints as its last line (snake_case: the CLI's JSON contract). */
export interface UnitRunSummary {
  readonly status: 'ok' | 'failed';
  readonly run_id: string;
  readonly table: string;
  readonly unit: string;
  readonly rows: number;
  readonly bytes: number;
  /** The unit's files in staging; `sqlsync publish` moves them into the lake. */
  readonly staged_files: readonly string[];
  readonly duration_seconds: number;
  readonly error?: ReturnType<SqlSyncError['toJSON']>;
}

/** The arguments of `sqlsync run --unit ID --run-id R`. */
export interface RunUnitRequest {
  readonly config: PipelineConfig;
  readonly runId: string;
  readonly unitId: string;
  readonly logger: Logger;
  readonly signal?: AbortSignal;
}

/**
 * Runs one unit of a plan persisted by `sqlsync plan --json` into staging, retried like a unit of
 * `sqlsync run`, and records its `UnitResult` next to the plan for `sqlsync publish`. Idempotent:
 * the unit's staging directory and result are replaced by every try, so Airflow may retry it on any
 * worker sharing the lake. Nothing is published. Throws `USAGE` when no unpublished plan of the run
 * holds the unit, or the plan was made for another lake; a failed unit is returned, not thrown.
 *
 * @example
 * const summary = await runUnit({ config, runId: '20261125T120000Z-a1b2c3', unitId: 'sales.Orders#OrderDate_month=2024-01', logger });
 * summary.status; // 'ok'
 */
export async function runUnit(request: RunUnitRequest): Promise<UnitRunSummary> {
  const started = performance.now();
  const { config, runId, unitId, logger, signal } = request;
  const store = new PlanStore(config.state.parquetDirectory);
  const { plan, unit } = await store.findUnit(runId, unitId);
  if (plan.lakeRoot !== resolve(config.state.parquetDirectory)) {
    throw new SqlSyncError(
      'USAGE',
      `--unit ${unitId}: run ${runId} was planned for the lake ${plan.lakeRoot}, but state.parquet_directory is ${resolve(config.state.parquetDirectory)} here`,
      { context: { table: plan.tableId, unit: unitId, configPath: 'state.parquet_directory' } },
    );
  }
  const log = logger.child({ run_id: runId });
  // An earlier try's result must not outlive this try: publish trusts only what this try records.
  await rm(store.resultFile(runId, unitId), { force: true });
  const runner = new InlineUnitRunner();
  let result: UnitResult;
  try {
    result = await runUnitWithRetry(config, unit, runner, log, signal);
  } catch (error) {
    const failure = toSqlSyncError(error, 'INTERNAL', { table: unit.tableId, unit: unit.id });
    log.error({ err: failure, table: unit.tableId, unit: unit.id }, 'unit failed');
    const failed = emptyUnitResult(unit, {
      durationMs: performance.now() - started,
      error: failure.toJSON(),
    });
    await store.writeResult(runId, failed);
    return summaryOf(runId, failed, started);
  } finally {
    await runner.close();
  }
  await store.writeResult(runId, result);
  log.info({ table: unit.tableId, unit: unit.id, rows: result.rows }, 'unit staged');
  return summaryOf(runId, result, started);
}

function summaryOf(runId: string, result: UnitResult, started: number): UnitRunSummary {
  return {
    status: result.error === undefined ? 'ok' : 'failed',
    run_id: runId,
    table: result.tableId,
    unit: result.unitId,
    rows: result.rows,
    bytes: result.bytes,
    staged_files: result.files,
    duration_seconds: roundSeconds((performance.now() - started) / 1000),
    ...(result.error === undefined ? {} : { error: result.error }),
  };
}
