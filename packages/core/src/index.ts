/**
 * The zod that core validates with, for the packages that declare a state schema (`StateCodec`),
 * so the workspace has one zod and one set of its types.
 *
 * @example
 * const schema = z.object({ version: z.literal(1), tableId: z.string() });
 */
export { z } from 'zod';
export type { ConfigProblem } from './config/config-error.js';
export type { DataQualityConfig } from './config/data-quality-config.js';
export type { DatabaseConfig } from './config/database-config.js';
export { databaseConfigSchema } from './config/database-config.js';
export { AUTHENTICATION_MODES, type AuthenticationMode } from './config/database-login.js';
export type { DeepReadonly } from './config/deep-freeze.js';
export { deepFreeze } from './config/deep-freeze.js';
export {
  type DestinationConfig,
  destinationConfigSchema,
  type MssqlDestinationConfig,
} from './config/destination-config.js';
export { CONFIG_ENV_VARS } from './config/env-overrides.js';
export { pipelineConfigJsonSchema } from './config/json-schema.js';
export { loadConfig, parseConfig } from './config/load-config.js';
export type { PartitionTableConfig } from './config/partition-table-config.js';
export { partitionTableConfigSchema } from './config/partition-table-config.js';
export type {
  ConfigLogLevel,
  PipelineConfig,
  PipelineConfigInput,
  TableConfig,
} from './config/pipeline-config.js';
export { listTables, pipelineConfigSchema } from './config/pipeline-config.js';
export type { ProcessingConfig } from './config/processing-config.js';
export { processingConfigSchema } from './config/processing-config.js';
export { redactConfig } from './config/redact-config.js';
export type { SCDTableConfig } from './config/scd-table-config.js';
export { scdTableConfigSchema } from './config/scd-table-config.js';
export type { StateConfig } from './config/state-config.js';
export { stateConfigSchema } from './config/state-config.js';
export type { StaticTableConfig } from './config/static-table-config.js';
export { staticTableConfigSchema } from './config/static-table-config.js';
export { CRASH_AT_ENV, crashPoint } from './crash-point.js';
export * from './errors.js';
export type { Logger, LoggerOptions } from './logger.js';
export { createLogger, pinoLevel } from './logger.js';
export { processRuns } from './process-runs.js';
export type { RetryOptions } from './retry.js';
export { withRetry } from './retry.js';
export { newRunId } from './run-id.js';
export * from './source-schema.js';
export { decodeState, type StateCodec } from './state/state-codec.js';
export { stateFileName } from './state/state-file-name.js';
export type { StateStoreOptions } from './state/state-store.js';
export { StateStore } from './state/state-store.js';
export {
  acquireTableLock,
  readTableLock,
  type TableLock,
  type TableLockEvent,
  type TableLockHolder,
  type TableLockOptions,
  tableLockPath,
} from './state/table-lock.js';
