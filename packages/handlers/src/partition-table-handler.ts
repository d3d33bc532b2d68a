import { mkdir, rmdir } from 'node:fs/promises';
import type { PartitionTableConfig } from '@sync/core';
import {
  andPredicates,
  describePartitionSpec,
  type PartitioningRequest,
  type PartitionSpec,
  partitionSpecFor,
  type RowPredicate,
} from '@sync/extract-mssql';
import { LakeLayout, NULL_PARTITION, publishPartition } from '@sync/parquet-duckdb';
import { batchOptions, extractToStaging } from './extract-unit.js';
import { lakeTableDir, stagedToPublished } from './lake-paths.js';
import { fingerprintOf } from './partition-fingerprint.js';
import { migrateNumberedLabels } from './partition-label-migration.js';
import { directoryKey, directoryValue, partitionUnitId } from './partition-layout.js';
import { type PartitionRecord, type PlannedPartition, planPartitions } from './partition-plan.js';
import { relabelPartitions } from './partition-relabel.js';
import type { PartitionTableState } from './partition-table-state.js';
import type { TableHandler } from './table-handler.js';
import { emptyUnitResult, type PartitionUnit, type UnitPartition } from './work-unit.js';

/** What `snapshot` found in the source: the partitioning and every partition holding rows. */
export interface PartitionSnapshot {
  readonly spec: PartitionSpec;
  /** One line saying which partitioning was found, e.g. `granularity month over [OrderDate] …`. */
  readonly partitioning: string;
  readonly directoryKey: string;
  /** Oldest first (NULL first), with the predicate that reads each. */
  readonly partitions: readonly (PartitionRecord & { readonly predicate: RowPredicate })[];
}

export type { PartitionTableState } from './partition-table-state.js';

function customWhere(table: PartitionTableConfig): RowPredicate | undefined {
  return table.customWhereClause === undefined ? undefined : { sql: table.customWhereClause };
}

function describeOptions(table: PartitionTableConfig) {
  return { columns: table.columns, unsupportedTypes: table.unsupportedTypes };
}

/** Every partition of a source scheme now, holding rows or not: its label and its upper boundary. */
function schemeRanges(spec: PartitionSpec): Map<string | null, string | null> | undefined {
  if (spec.mode !== 'scheme') {
    return undefined;
  }
  const bounds = spec.scheme.boundaries;
  return new Map(
    [null, ...bounds].map((lower, i) => [directoryValue(spec, lower), bounds[i] ?? null] as const),
  );
}

/**
 * Partition tables: one unit per source partition whose fingerprint moved, that is new, or is
 * among the newest `newest_partitions_to_refresh`; each reads its partition with a predicate SQL
 * Server can eliminate partitions with, is validated in staging, and replaces one lake directory
 * `<key>=<value>` atomically at commit. Partitions gone from the source are removed when
 * `remove_missing_partitions` is set. See the package README for the three partitionings.
 */
/**
 * The partitioning a partition table's config asks for: its column, and its granularity or source
 * partition function and scheme where configured.
 *
 * @example
 * partitionSpecFor(table.id, plan.schema.columns, partitioningRequest(table), scheme);
 */
export function partitioningRequest(table: PartitionTableConfig): PartitioningRequest {
  return {
    column: table.partitionColumn,
    ...(table.granularity === undefined ? {} : { granularity: table.granularity }),
    ...(table.partitionFunction === undefined ? {} : { partitionFunction: table.partitionFunction }),
    ...(table.partitionScheme === undefined ? {} : { partitionScheme: table.partitionScheme }),
  };
}

export const partitionTableHandler: TableHandler<'partition', PartitionSnapshot, PartitionTableState> = {
  kind: 'partition',

  async snapshot(table, ctx) {
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    const scheme = await ctx.source.partitionScheme(table.schemaName, table.tableName);
    const spec = partitionSpecFor(table.id, plan.schema.columns, partitioningRequest(table), scheme);
    const where = customWhere(table);
    const partitions = await ctx.source.partitions(plan, spec, {
      ...(table.lastModifiedColumn === undefined ? {} : { lastModifiedColumn: table.lastModifiedColumn }),
      ...(where === undefined ? {} : { where }),
    });
    const snapshot: PartitionSnapshot = {
      spec,
      partitioning: describePartitionSpec(spec),
      directoryKey: directoryKey(spec),
      partitions: partitions.map((p) => ({
        value: directoryValue(spec, p.key),
        fingerprint: fingerprintOf(p),
        predicate: p.predicate,
      })),
    };
    ctx.logger.info(
      { table: table.id, partitioning: snapshot.partitioning, partitions: partitions.length },
      'partitioning found',
    );
    return snapshot;
  },

  plan(table, snapshot, stored, run): PartitionUnit[] {
    const layout = new LakeLayout(run.lakeRoot);
    const predicates = new Map(snapshot.partitions.map((p) => [p.value, p.predicate]));
    // A state with numbered scheme labels is planned from as if it had boundary labels; commit
    // renames the directories (the same pure migration) before it publishes anything.
    const migration = stored === undefined ? undefined : migrateNumberedLabels(stored, snapshot.spec);
    const state = migration?.state ?? stored;
    const ranges = schemeRanges(snapshot.spec);
    const planned: PlannedPartition[] = planPartitions({
      directoryKey: snapshot.directoryKey,
      ...(snapshot.spec.mode === 'scheme' ? { boundaries: snapshot.spec.scheme.boundaries } : {}),
      ...(ranges === undefined ? {} : { schemeRanges: ranges }),
      partitions: snapshot.partitions,
      ...(state === undefined
        ? {}
        : {
            previous: {
              directoryKey: state.directoryKey,
              ...(state.boundaries === undefined ? {} : { boundaries: state.boundaries }),
              partitions: state.partitions,
            },
          }),
      newestPartitionsToRefresh: table.newestPartitionsToRefresh,
      removeMissingPartitions: table.removeMissingPartitions,
    });
    for (const gone of migration?.dropped ?? []) {
      planned.push({
        value: gone.value,
        action: 'remove',
        reason: 'numbered partition whose lower boundary is gone (labels moved to boundary values)',
        directoryKey: stored?.directoryKey ?? snapshot.directoryKey,
      });
    }
    return planned.map((p) => {
      const lakeDir = layout.partitionDir(table.targetSchema, table.targetTable, p.directoryKey, p.value);
      const predicate =
        p.action === 'replace' ? andPredicates(customWhere(table), predicates.get(p.value)) : undefined;
      const partition: UnitPartition =
        p.action === 'replace'
          ? { key: p.directoryKey, value: p.value, action: 'replace', fingerprint: p.fingerprint }
          : { key: p.directoryKey, value: p.value, action: 'remove' };
      return {
        id: partitionUnitId(table.id, p.directoryKey, p.value),
        tableId: table.id,
        kind: 'partition',
        runId: run.runId,
        stagingDir: layout.staged(run.runId, lakeDir),
        lakeDir,
        reason: p.reason,
        ...(predicate === undefined ? {} : { predicate }),
        partition,
      };
    });
  },

  async run(table, unit, ctx) {
    const { partition } = unit;
    if (partition.action === 'remove') {
      // Nothing to read: commit deletes the lake directory.
      return emptyUnitResult(unit);
    }
    const plan = await ctx.source.describe(table.schemaName, table.tableName, describeOptions(table));
    return extractToStaging(
      unit,
      plan,
      unit.predicate,
      ctx,
      {
        'sqlsync.partition': `${partition.key}=${partition.value ?? NULL_PARTITION}`,
        'sqlsync.source_fingerprint': JSON.stringify(partition.fingerprint),
      },
      batchOptions(table),
    );
  },

  async commit(table, units, _results, snapshot, state, run) {
    const migration = state === undefined ? undefined : migrateNumberedLabels(state, snapshot.spec);
    if (migration !== undefined && migration.renames.length > 0) {
      await relabelPartitions({
        lakeRoot: run.lakeRoot,
        runId: run.runId,
        targetSchema: table.targetSchema,
        targetTable: table.targetTable,
        directoryKey: state?.directoryKey ?? snapshot.directoryKey,
        renames: migration.renames,
      });
    }
    for (const unit of units) {
      const { partition } = unit;
      if (partition.action === 'remove') {
        // Deleting is publishing an empty directory through the same journal (atomic and
        // recoverable), then removing the empty directory; a crash in between leaves an empty
        // directory, which readers see as no rows.
        await mkdir(unit.stagingDir, { recursive: true });
      }
      await publishPartition({
        lakeRoot: run.lakeRoot,
        runId: run.runId,
        targetSchema: table.targetSchema,
        targetTable: table.targetTable,
        column: partition.key,
        value: partition.value,
        stagedDir: unit.stagingDir,
      });
      if (partition.action === 'remove') {
        await rmdir(unit.lakeDir).catch(() => undefined);
      }
    }
    return {
      version: 1,
      tableId: table.id,
      lastRunId: run.runId,
      lastLoadedAt: run.now.toISOString(),
      mode: snapshot.spec.mode,
      partitioning: snapshot.partitioning,
      directoryKey: snapshot.directoryKey,
      ...(snapshot.spec.mode === 'scheme'
        ? { boundaries: snapshot.spec.scheme.boundaries, labels: 'lower-boundary' as const }
        : {}),
      partitions: snapshot.partitions.map((p) => ({ value: p.value, fingerprint: p.fingerprint })),
    };
  },

  describe(snapshot) {
    return snapshot.partitioning;
  },

  // Partitions are independent directories: `partition_parallel_limit` of them are read at once.
  parallelLimit(_table, processing) {
    return processing.partitionParallelLimit;
  },

  lakeDir(table, lakeRoot) {
    return lakeTableDir(lakeRoot, table);
  },

  publishedFiles(unit, stagedFiles) {
    return stagedToPublished(unit, stagedFiles);
  },
};
