import { existsSync } from 'node:fs';
import {
  type Logger,
  type MssqlDestinationConfig,
  type PipelineConfig,
  type TableConfig,
  toSqlSyncError,
} from '@sync/core';
import type { RunInfo, WorkUnit } from '@sync/handlers';
import {
  describeSource,
  LakeRows,
  loadWarehouseTable,
  WarehouseConnection,
  type WarehouseLoadRequest,
} from '@sync/load-mssql';
import { type PendingLoad, readPendingLoad, writePendingLoad } from './destination-pending.js';
import type { TableSummary } from './run-summary.js';
import type { TablePlan } from './table-steps.js';

/**
 * The warehouse load of one table after the lake published it (`destination: { type: mssql }`):
 * reads the source's columns, key and partition scheme, then loads the lake table into the
 * warehouse (`@sync/load-mssql`: partitions switched in, or one MERGE). The summary gains its
 * `destination` figures; a failed load turns the table's status to failed with the error (the
 * lake keeps what it published). Other destinations: the summary unchanged.
 *
 * @example
 * const summary = await loadDestination(config, plan, await commitTable(…), run, logger);
 */
export function loadDestination(
  config: PipelineConfig,
  plan: TablePlan,
  summary: TableSummary,
  run: RunInfo,
  logger: Logger,
): Promise<TableSummary> {
  const destination = config.destination;
  if (destination.type !== 'mssql' || summary.status !== 'ok') {
    return Promise.resolve(summary);
  }
  // One warehouse load at a time per run: tables commit concurrently, and DDL on one warehouse
  // (CREATE SCHEMA, partition functions) from several sessions at once would collide.
  const previous = loadsOfRun.get(run) ?? Promise.resolve();
  const next = previous.then(() => loadOne(config, destination, plan, summary, run, logger));
  loadsOfRun.set(
    run,
    next.then(
      () => undefined,
      () => undefined,
    ),
  );
  return next;
}

/** The tail of each run's chain of warehouse loads (a run object lives as long as its run). */
const loadsOfRun = new WeakMap<RunInfo, Promise<void>>();

async function loadOne(
  config: PipelineConfig,
  destination: MssqlDestinationConfig,
  plan: TablePlan,
  summary: TableSummary,
  run: RunInfo,
  logger: Logger,
): Promise<TableSummary> {
  const { table } = plan;
  const schema = destination.targetSchema ?? table.targetSchema;
  const started = performance.now();
  const stateDirectory = config.state.stateDirectory;
  const pending = await readPendingLoad(stateDirectory, table.id);
  let request: WarehouseLoadRequest | undefined;
  try {
    request = await loadRequest(config, destination, table, plan.units, summary.lake_path, run, pending);
    const dw = await WarehouseConnection.open(destination.connection);
    const lake = await LakeRows.open();
    try {
      const result = await loadWarehouseTable(dw, lake, request);
      await writePendingLoad(stateDirectory, table.id, undefined);
      logger.info(
        {
          table: table.id,
          warehouse: `${schema}.${table.targetTable}`,
          ...result,
          seconds: (performance.now() - started) / 1000,
        },
        'warehouse loaded',
      );
      return {
        ...summary,
        destination: {
          table: `${schema}.${table.targetTable}`,
          mode: result.mode,
          created: result.created,
          rows: result.rows,
          partitions_switched: result.partitionsSwitched,
          partitions_emptied: result.partitionsEmptied,
        },
      };
    } finally {
      lake.close();
      await dw.close();
    }
  } catch (error) {
    const failure = toSqlSyncError(error, 'DESTINATION_LOAD', { table: table.id, configPath: 'destination' });
    // What this run published is not in the warehouse: the next run loads it.
    await writePendingLoad(stateDirectory, table.id, {
      replacedPartitions: [
        ...new Set([...(pending?.replacedPartitions ?? []), ...(request?.replacedPartitions ?? [])]),
      ],
      removedPartitions: pending?.removedPartitions === true || request?.removedPartitions === true,
    }).catch((writeError: unknown) =>
      logger.warn({ err: writeError, table: table.id }, 'could not record the pending warehouse load'),
    );
    logger.error(
      { err: failure, table: table.id },
      'warehouse load failed; the lake keeps what it published',
    );
    return {
      ...summary,
      status: 'failed',
      destination: {
        table: `${schema}.${table.targetTable}`,
        rows: 0,
        partitions_switched: 0,
        partitions_emptied: 0,
      },
      error: failure.toJSON(),
    };
  }
}

/**
 * What `loadWarehouseTable` needs: the source's columns, key and partition scheme (read on a
 * connection of its own), and what the run changed plus what a failed load left (`pending`).
 *
 * @example
 * const request = await loadRequest(config, destination, table, [], lakeDir, run, undefined);
 */
export async function loadRequest(
  config: PipelineConfig,
  destination: MssqlDestinationConfig,
  table: TableConfig,
  units: readonly WorkUnit[],
  lakeDir: string,
  run: RunInfo,
  pending: PendingLoad | undefined,
): Promise<WarehouseLoadRequest> {
  try {
    const described = await describeSource(config.database, table.schemaName, table.tableName, {
      columns: table.columns,
      unsupportedTypes: table.unsupportedTypes,
    });
    // An SCD2 lake table holds versions: the source's key repeats, so the warehouse table is a heap.
    const primaryKey = table.kind === 'scd' ? [] : described.primaryKey;
    const partitioning = table.kind === 'partition' ? described.partitioning : undefined;
    const changed = units.filter((u) => !(u.kind === 'static' && u.skip === true));
    const replaced = units.flatMap((u) =>
      u.kind === 'partition' && u.partition.action === 'replace' ? [u.lakeDir] : [],
    );
    // A partition a failed load left is loaded now unless this run replaced it again (or it is gone).
    const left = (pending?.replacedPartitions ?? []).filter((d) => !replaced.includes(d) && existsSync(d));
    return {
      tableId: table.id,
      kind: table.kind,
      schema: destination.targetSchema ?? table.targetSchema,
      table: table.targetTable,
      lakeDir,
      source: described.source,
      primaryKey,
      ...(partitioning === undefined ? {} : { partitioning }),
      replacedPartitions: [...replaced, ...left],
      removedPartitions:
        pending?.removedPartitions === true ||
        units.some((u) => u.kind === 'partition' && u.partition.action === 'remove'),
      runId: run.runId,
      batchSize: destination.batchSize,
      partitionSwitching:
        (table.kind === 'partition' ? table.enablePartitionSwitching : undefined) ??
        config.processing.enableSqlServerPartitionSwitching,
      unchanged: changed.length === 0 && pending === undefined,
    };
  } catch (error) {
    throw toSqlSyncError(error, 'DESTINATION_LOAD', { table: table.id });
  }
}
