import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';

export const stateShape = {
  state_directory: z
    .string()
    .min(1)
    .default('./state')
    .describe(
      'Directory of per-table state files, relative to the working directory. Defaults to ./state. Env: SQLSYNC_STATE_DIR.',
    ),
  parquet_directory: z
    .string()
    .min(1)
    .default('./data')
    .describe(
      'The lake root: Parquet files are written below it. Defaults to ./data. Env: SQLSYNC_LAKE_DIR.',
    ),
  enable_self_healing: z
    .boolean()
    .default(true)
    .describe('Rebuild lost or corrupt state from the Parquet files metadata. Defaults to true.'),
  state_retention_days: z
    .number()
    .int()
    .positive()
    .default(30)
    .describe(
      'Days to keep state backups (<file>.bak, the copies `sqlsync state reset` makes) and taken-over lock files; pruned at the start of each run. Defaults to 30.',
    ),
  validate_state_consistency: z
    .boolean()
    .default(true)
    .describe(
      "Check each table's state against the lake before its run: the files it points at exist and their Parquet metadata (fingerprints, watermark, bucket count, row count) agrees. A mismatch is healed by rebuilding the state from the lake when enable_self_healing is on, else fails the table. Defaults to true.",
    ),
  lock_timeout_seconds: z
    .number()
    .int()
    .min(0)
    .default(300)
    .describe(
      "How long a run waits for another run (any process or machine sharing state_directory) holding a table's lock, before failing that table (exit 1) naming the holder. Defaults to 300.",
    ),
  backup_state_before_run: z
    .boolean()
    .default(true)
    .describe('Copy each state file to <file>.bak before a run changes it. Defaults to true.'),
} as const;

/** Where state and the lake live, and how state is protected. */
export const stateConfigSchema = z.strictObject(stateShape).transform((v) => ({
  stateDirectory: v.state_directory,
  parquetDirectory: v.parquet_directory,
  enableSelfHealing: v.enable_self_healing,
  stateRetentionDays: v.state_retention_days,
  validateStateConsistency: v.validate_state_consistency,
  backupStateBeforeRun: v.backup_state_before_run,
  lockTimeoutSeconds: v.lock_timeout_seconds,
}));

/** Parsed state settings (camelCase, frozen). */
export type StateConfig = DeepReadonly<z.output<typeof stateConfigSchema>>;
/** State settings as written in a config file (snake_case). */
export type StateConfigInput = z.input<typeof stateConfigSchema>;
