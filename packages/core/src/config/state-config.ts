import { z } from 'zod';
import type { DeepReadonly } from './deep-freeze.js';
import { onlyAccepted } from './not-supported-yet.js';

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
  state_retention_days: onlyAccepted(
    z.number().int().positive().default(30),
    30,
    'sqlsync keeps one backup per state file and removes journals once published, so nothing ages out. Remove the field',
  ).describe(
    'Days to keep state backups and old run journals. Not supported yet: only 30 is accepted, and it changes nothing (warned at load). Defaults to 30.',
  ),
  validate_state_consistency: onlyAccepted(
    z.boolean().default(true),
    true,
    'state is not checked against the lake yet. Remove the field',
  ).describe(
    'Check state against the lake before each run. Not supported yet: only true is accepted, and it changes nothing (warned at load). Defaults to true.',
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
}));

/** Parsed state settings (camelCase, frozen). */
export type StateConfig = DeepReadonly<z.output<typeof stateConfigSchema>>;
/** State settings as written in a config file (snake_case). */
export type StateConfigInput = z.input<typeof stateConfigSchema>;
