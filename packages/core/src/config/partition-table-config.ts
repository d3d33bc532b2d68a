import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { sqlName } from './names.js';
import { checkLakeNames, commonTableOutput, commonTableShape } from './table-fields.js';

export const partitionTableShape = {
  ...commonTableShape,
  partition_column: sqlName
    .default('COBID')
    .describe(
      'Column the table is partitioned by. Lake directories are <column>=<value> (one per value), <column>_<granularity>=<period>, or <column>_partition=<lower boundary> (e.g. 2024-02-01; the first partition: __HIVE_DEFAULT_PARTITION__) under a source partition scheme. Defaults to COBID (as the original tool).',
    ),
  granularity: z
    .enum(['day', 'month', 'year'])
    .optional()
    .describe(
      'For a date/time partition column of a table without a partition scheme: one lake partition per day, month or year. Omit for one per value. Ignored when the table is on a partition scheme.',
    ),
  newest_partitions_to_refresh: z
    .number()
    .int()
    .nonnegative()
    .default(0)
    .describe(
      "Re-read this many newest partitions every run even if their fingerprint did not move (an opt-in: the fingerprint, a fold of every row's SHA-256, sees every change to the rows). Defaults to 0.",
    ),
  remove_missing_partitions: z
    .boolean()
    .default(false)
    .describe('Delete lake partitions whose source partition no longer has rows. Defaults to false.'),
  last_modified_column: sqlName
    .optional()
    .describe('Optional last-modified column; its MAX per partition strengthens the change fingerprint.'),
  enable_partition_switching: z
    .boolean()
    .optional()
    .describe(
      'Overrides processing.enable_sql_server_partition_switching for this table (SQL Server destination only).',
    ),
  partition_function: sqlName
    .optional()
    .describe('SQL Server partition function; discovered from the catalog when omitted.'),
  partition_scheme: sqlName
    .optional()
    .describe('SQL Server partition scheme; discovered from the catalog when omitted.'),
} as const;

/**
 * A partition table: large, partitioned by `partition_column`; only partitions whose fingerprint
 * moved are copied, each replacing one lake directory `<partition_column>=<value>`.
 */
export const partitionTableConfigSchema = z
  .strictObject(partitionTableShape)
  .superRefine(checkLakeNames)
  .transform((v) => ({
    kind: 'partition' as const,
    ...commonTableOutput(v),
    partitionColumn: v.partition_column,
    ...(v.granularity === undefined ? {} : { granularity: v.granularity }),
    newestPartitionsToRefresh: v.newest_partitions_to_refresh,
    removeMissingPartitions: v.remove_missing_partitions,
    ...(v.last_modified_column === undefined ? {} : { lastModifiedColumn: v.last_modified_column }),
    ...(v.enable_partition_switching === undefined
      ? {}
      : { enablePartitionSwitching: v.enable_partition_switching }),
    ...(v.partition_function === undefined ? {} : { partitionFunction: v.partition_function }),
    ...(v.partition_scheme === undefined ? {} : { partitionScheme: v.partition_scheme }),
  }));

/** A parsed partition table (camelCase, frozen). */
export type PartitionTableConfig = DeepReadonly<z.output<typeof partitionTableConfigSchema>>;
/** A partition table as written in a config file (snake_case). */
export type PartitionTableConfigInput = z.input<typeof partitionTableConfigSchema>;
