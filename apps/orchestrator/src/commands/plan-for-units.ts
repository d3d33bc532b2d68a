import { resolve } from 'node:path';
import { type Logger, newRunId, type PipelineConfig, type TableConfig } from '@sync/core';
import type { RunInfo } from '@sync/handlers';
import { PlanStore } from '../plan-store.js';
import type { PlanSummary } from '../run-summary.js';
import { planTables } from '../table-steps.js';

/** The arguments of `sqlsync plan --json`. */
export interface PlanForUnitsRequest {
  readonly config: PipelineConfig;
  /** The selected tables (`Pipeline.selectTables`). */
  readonly tables: readonly TableConfig[];
  readonly logger: Logger;
  readonly signal?: AbortSignal;
  /** Defaults to `() => new Date()`. */
  readonly now?: () => Date;
}

/**
 * Plans the selected tables as `sqlsync run` would, and persists each table that has units to run
 * (`<lake>/_sqlsync/plans/<run_id>/<table>.json`: its units, snapshot and the state they were
 * planned from) so that `sqlsync run --unit ID --run-id R` can run each unit in another process or
 * on another machine, and `sqlsync publish --table T --run-id R` can commit the table. A table
 * with no unit is listed but not persisted: there is nothing to publish. Like `sqlsync run`, it
 * first finishes or rolls back any publish a crash left half done.
 *
 * @example
 * const plan = await planForUnits({ config, tables: pipeline.selectTables(), logger });
 * plan.run_id; // pass it to `run --unit` and `publish`
 */
export async function planForUnits(request: PlanForUnitsRequest): Promise<PlanSummary> {
  const { config, tables, logger, signal } = request;
  const now = (request.now ?? (() => new Date()))();
  const run: RunInfo = { runId: newRunId(now), lakeRoot: config.state.parquetDirectory, now };
  const log = logger.child({ run_id: run.runId });
  const store = new PlanStore(run.lakeRoot);
  return planTables(config, tables, run, log, {
    recoverLake: true,
    ...(signal === undefined ? {} : { signal }),
    onPlanned: async (plan) => {
      if (plan.units.length > 0) {
        await store.writePlan({
          version: 1,
          runId: run.runId,
          plannedAt: now.toISOString(),
          // Absolute: a worker with another working directory must find the same lake.
          lakeRoot: resolve(run.lakeRoot),
          tableId: plan.table.id,
          kind: plan.table.kind,
          snapshot: plan.snapshot,
          ...(plan.state === undefined ? {} : { state: plan.state }),
          units: plan.units,
        });
      }
    },
  });
}
