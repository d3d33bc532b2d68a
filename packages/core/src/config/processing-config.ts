import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';

const positiveInt = z.number().int().positive();

export const processingShape = {
  batch_size: positiveInt
    .default(50_000)
    .describe('The most rows per Arrow record batch (a batch is also cut at 4 MiB). Defaults to 50000.'),
  max_workers: positiveInt
    .default(8)
    .describe('Work units running at once across all tables. Defaults to 8.'),
  memory_limit_mb: positiveInt
    .default(2048)
    .describe(
      "Memory budget in MiB shared by the units running at once: each unit's DuckDB Parquet writer gets memory_limit_mb / max_workers (at least 256) before it spills to disk. Defaults to 2048.",
    ),
  retry_attempts: z
    .number()
    .int()
    .nonnegative()
    .default(3)
    .describe(
      'Retries of a unit after a transient failure (so at most retry_attempts + 1 tries). Defaults to 3.',
    ),
  retry_delay_seconds: z
    .number()
    .nonnegative()
    .default(30)
    .describe(
      'Wait before the first retry of a unit, in seconds, capped at 1 (so 30 waits 1 s); doubled for each further retry up to 10 s, a random half dropped. Defaults to 30.',
    ),
  partition_parallel_limit: positiveInt
    .default(4)
    .describe('Units of one table running at once. Defaults to 4.'),
  enable_sql_server_partition_switching: z
    .boolean()
    .default(true)
    .describe(
      'With a SQL Server destination (destination: { type: mssql }): load each changed partition of a partition table whose warehouse table sits on a partition scheme aligned with the source by ALTER TABLE … SWITCH (staging table, switch out, switch in, one transaction per partition); false loads such a table as one without an aligned scheme: the whole table through one staging table and one MERGE (DELETE + INSERT without a primary key) in a transaction. Without that destination there is nothing to switch: false is refused, true is warned about. Defaults to true.',
    ),
  validate_precision_end_to_end: z
    .boolean()
    .default(true)
    .describe(
      "Before publishing, check each unit's staged Parquet against the source: COUNT_BIG and the exact SUM of every decimal column must match. false skips the check and its source query. Defaults to true.",
    ),
  snapshot_isolation: z
    .enum(['auto', 'required', 'off'])
    .default('auto')
    .describe(
      "How a unit reads a table that may be written meanwhile. auto: where the source database allows snapshot isolation (sys.databases.snapshot_isolation_state = 1, set by ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION ON), each unit reads its rows and its validation figures inside one SNAPSHOT transaction on one connection, so they agree while writers commit; elsewhere it reads at READ COMMITTED and retries the unit on a validation mismatch (concurrent_change_retries). required: snapshot reads only; a database that does not allow them fails the run's units with a message saying how to allow them. off: READ COMMITTED with retries even where snapshots are allowed. Defaults to auto.",
    ),
  concurrent_change_retries: z
    .number()
    .int()
    .nonnegative()
    .default(3)
    .describe(
      "READ COMMITTED reads only (no snapshot isolation): how often a unit is read again, at once, when its staged rows disagree with the source's COUNT_BIG or exact sums taken after the read — the table changed while it was read. After that many retries the unit fails, asking to allow snapshot isolation or to schedule the run off-peak; nothing of it is published. Defaults to 3.",
    ),
} as const;

/** Parallelism, batching and retry limits. */
export const processingConfigSchema = z.strictObject(processingShape).transform((v) => ({
  batchSize: v.batch_size,
  maxWorkers: v.max_workers,
  memoryLimitMb: v.memory_limit_mb,
  retryAttempts: v.retry_attempts,
  retryDelaySeconds: v.retry_delay_seconds,
  partitionParallelLimit: v.partition_parallel_limit,
  enableSqlServerPartitionSwitching: v.enable_sql_server_partition_switching,
  validatePrecisionEndToEnd: v.validate_precision_end_to_end,
  snapshotIsolation: v.snapshot_isolation,
  concurrentChangeRetries: v.concurrent_change_retries,
}));

/** Parsed processing settings (camelCase, frozen). */
export type ProcessingConfig = DeepReadonly<z.output<typeof processingConfigSchema>>;
/** Processing settings as written in a config file (snake_case). */
export type ProcessingConfigInput = z.input<typeof processingConfigSchema>;
