import type { PartitionSpec } from '@sync/extract-mssql';
import type { PartitionRecord } from './partition-plan.js';

/**
 * What sqlsync remembers about a partition table between runs (checked by `partitionStateCodec`).
 *
 * @example
 * const state: PartitionTableState = { version: 1, tableId: 'sales.Orders', lastRunId: 'r1', lastLoadedAt: '2024-03-01T00:00:00.000Z',
 *   mode: 'scheme', partitioning: 'source partition scheme …', directoryKey: 'OrderDate_partition', labels: 'lower-boundary', partitions: [] };
 */
export interface PartitionTableState {
  readonly version: 1;
  readonly tableId: string;
  readonly lastRunId: string;
  /** ISO instant of the last successful run. */
  readonly lastLoadedAt: string;
  readonly mode: PartitionSpec['mode'];
  readonly partitioning: string;
  readonly directoryKey: string;
  /** A source partition scheme's boundaries (exact texts). */
  readonly boundaries?: readonly (string | null)[];
  /**
   * `lower-boundary`: a source scheme's partitions are labelled by their lower boundary. Absent
   * for a scheme: numbered labels (`00001`, …) of states written before; the next run renames
   * the lake directories and rewrites the state without reading them again
   * (`migrateNumberedLabels`).
   */
  readonly labels?: 'lower-boundary';
  /** Every source partition's fingerprint as of the last run, oldest first. */
  readonly partitions: readonly PartitionRecord[];
}
