import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SqlSyncError, stateFileName } from '@sync/core';
import type { TableKind, UnitResult, WorkUnit } from '@sync/handlers';
import type { TableSummary } from './run-summary.js';

/** Run ids as `newRunId` makes them (`20261125T120000123Z-a1b2c3`) or any other name safe as one path segment. */
const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

/**
 * One table's plan as `sqlsync plan --json` persisted it, for units run in other processes and the
 * publish after them: the units, and the snapshot and state they were planned from (JSON).
 */
export interface PersistedTablePlan {
  readonly version: 1;
  readonly runId: string;
  /** The run's clock (ISO instant): recorded in state as the load time at publish. */
  readonly plannedAt: string;
  /** The absolute lake root the units stage under. */
  readonly lakeRoot: string;
  readonly tableId: string;
  readonly kind: TableKind;
  readonly snapshot: unknown;
  /** The table's state the units were planned from; absent when it had none. */
  readonly state?: unknown;
  readonly units: readonly WorkUnit[];
}

/**
 * The files of runs driven one step at a time (Airflow), under the lake so every worker sharing it
 * sees them:
 *
 * ```
 * <lake>/_sqlsync/plans/<run_id>/<table>.json                 a table's plan (PersistedTablePlan)
 * <lake>/_sqlsync/plans/<run_id>/units/<unit>.json            a unit's UnitResult, once it ran
 * <lake>/_sqlsync/plans/<run_id>/published/<table>.json       the table's summary, once published
 * ```
 *
 * Names are encoded like state files (`stateFileName`). Every file is written to a temporary name
 * and renamed, so a reader sees a whole file or none.
 *
 * @example
 * const store = new PlanStore(config.state.parquetDirectory);
 * await store.writePlan(plan);
 * const { plan, unit } = await store.findUnit(runId, 'sales.Orders#OrderDate_month=2024-01');
 */
export class PlanStore {
  readonly root: string;

  constructor(lakeRoot: string) {
    // The lake's own directory, `_sqlsync` (where staging and journals live too).
    this.root = join(lakeRoot, '_sqlsync', 'plans');
  }

  /**
   * Throws `USAGE` unless `runId` is a run id (letters, digits, `_ . -`): it names a directory.
   *
   * @example
   * PlanStore.checkRunId('../x'); // throws
   */
  static checkRunId(runId: string): void {
    if (!RUN_ID.test(runId)) {
      throw new SqlSyncError(
        'USAGE',
        `--run-id ${JSON.stringify(runId)}: not a run id (letters, digits, _ . - only)`,
      );
    }
  }

  runDir(runId: string): string {
    PlanStore.checkRunId(runId);
    return join(this.root, runId);
  }

  planFile(runId: string, tableId: string): string {
    return join(this.runDir(runId), stateFileName(tableId));
  }

  resultFile(runId: string, unitId: string): string {
    return join(this.runDir(runId), 'units', stateFileName(unitId));
  }

  publishedFile(runId: string, tableId: string): string {
    return join(this.runDir(runId), 'published', stateFileName(tableId));
  }

  /** Persists a table's plan. Throws `INTERNAL` when the handler's snapshot or state is not JSON. */
  async writePlan(plan: PersistedTablePlan): Promise<void> {
    let text: string;
    try {
      text = JSON.stringify(plan);
    } catch (error) {
      throw new SqlSyncError('INTERNAL', `${plan.tableId}: the plan cannot be saved as JSON`, {
        context: { table: plan.tableId },
        cause: error,
      });
    }
    await writeAtomically(this.planFile(plan.runId, plan.tableId), text);
  }

  /** A table's plan in a run, or `undefined` when there is none (never planned, or published and removed). */
  readPlan(runId: string, tableId: string): Promise<PersistedTablePlan | undefined> {
    return readJson<PersistedTablePlan>(this.planFile(runId, tableId));
  }

  /** The plans of a run (every table still unpublished). */
  async plans(runId: string): Promise<PersistedTablePlan[]> {
    const dir = this.runDir(runId);
    const names = await readdir(dir).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        return [];
      }
      throw error;
    });
    const plans = await Promise.all(
      names.filter((n) => n.endsWith('.json')).map((n) => readJson<PersistedTablePlan>(join(dir, n))),
    );
    return plans.filter((p): p is PersistedTablePlan => p !== undefined);
  }

  /** The plan holding unit `unitId` in run `runId`; throws `USAGE` naming the run when there is none. */
  async findUnit(runId: string, unitId: string): Promise<{ plan: PersistedTablePlan; unit: WorkUnit }> {
    for (const plan of await this.plans(runId)) {
      const unit = plan.units.find((u) => u.id === unitId);
      if (unit !== undefined) {
        return { plan, unit };
      }
    }
    throw new SqlSyncError(
      'USAGE',
      `--unit ${unitId}: no unpublished plan of run ${runId} holds this unit (in ${this.runDir(runId)}); ` +
        'plan it with `sqlsync plan --json` and pass the run_id it prints',
      { context: { unit: unitId } },
    );
  }

  writeResult(runId: string, result: UnitResult): Promise<void> {
    return writeAtomically(this.resultFile(runId, result.unitId), JSON.stringify(result));
  }

  readResult(runId: string, unitId: string): Promise<UnitResult | undefined> {
    return readJson<UnitResult>(this.resultFile(runId, unitId));
  }

  writePublished(runId: string, summary: TableSummary): Promise<void> {
    return writeAtomically(this.publishedFile(runId, summary.table), JSON.stringify(summary));
  }

  readPublished(runId: string, tableId: string): Promise<TableSummary | undefined> {
    return readJson<TableSummary>(this.publishedFile(runId, tableId));
  }

  /**
   * Forgets a published table's plan and unit results (its summary stays, so a second publish
   * answers from it). Once no plan of the run is left, the run's staging directory goes too.
   */
  async removeTable(plan: PersistedTablePlan, stagingRunDir: string): Promise<void> {
    await Promise.all(plan.units.map((u) => rm(this.resultFile(plan.runId, u.id), { force: true })));
    await rm(this.planFile(plan.runId, plan.tableId), { force: true });
    if ((await this.plans(plan.runId)).length === 0) {
      await rm(stagingRunDir, { recursive: true, force: true });
      await rmdir(join(this.runDir(plan.runId), 'units')).catch(() => undefined);
    }
  }
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true });
  const temporary = join(dir, `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(temporary, `${text}\n`, { flush: true });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new SqlSyncError('LAKE_WRITE', `cannot write ${file}`, { cause: error });
  }
}

async function readJson<T>(file: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new SqlSyncError('INTERNAL', `${file} is not valid JSON`, { cause: error });
  }
}
