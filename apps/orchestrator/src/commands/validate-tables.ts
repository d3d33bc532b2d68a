import {
  type Logger,
  type PipelineConfig,
  type SerializedError,
  type TableConfig,
  toSqlSyncError,
} from '@sync/core';
import { checkTable, openRun, type TableCheck } from '@sync/handlers';

/**
 * What `sqlsync validate` prints and `Pipeline.validateAllTables()` returns (snake_case, with the
 * original tool's `valid_tables` / `total_tables`).
 */
export interface ValidationReport {
  /** `ok`: every table valid; `invalid`: a table is not; `failed`: the database could not be reached. */
  readonly status: 'ok' | 'invalid' | 'failed';
  readonly database_connected: boolean;
  readonly total_tables: number;
  readonly valid_tables: number;
  readonly invalid_tables: number;
  readonly tables: readonly TableCheck[];
  /** Why the database could not be reached (with `status: failed`). */
  readonly error?: SerializedError;
}

/**
 * Checks each table against the source's catalog (see `checkTable` in `@sync/handlers`): one
 * connection, catalog queries only, nothing written. An unreachable database is reported as
 * `status: failed` with `database_connected: false`, not thrown.
 *
 * @example
 * const report = await validateTables(config, listTables(config), logger);
 * console.log(`Valid tables: ${report.valid_tables}/${report.total_tables}`);
 */
export async function validateTables(
  config: PipelineConfig,
  tables: readonly TableConfig[],
  logger: Logger,
  signal?: AbortSignal,
): Promise<ValidationReport> {
  let resources: Awaited<ReturnType<typeof openRun>>;
  try {
    resources = await openRun(config);
  } catch (error) {
    const failure = toSqlSyncError(error);
    logger.error({ err: failure }, 'validate: cannot reach the database');
    return {
      status: 'failed',
      database_connected: false,
      total_tables: tables.length,
      valid_tables: 0,
      invalid_tables: 0,
      tables: [],
      error: failure.toJSON(),
    };
  }
  const checks: TableCheck[] = [];
  try {
    for (const table of tables) {
      signal?.throwIfAborted();
      const check = await checkTable(table, resources.context(logger, signal));
      if (!check.valid) {
        logger.warn({ table: table.id, problems: check.problems }, 'table is invalid');
      }
      checks.push(check);
    }
  } finally {
    await resources.close();
  }
  const valid = checks.filter((c) => c.valid).length;
  return {
    status: valid === checks.length ? 'ok' : 'invalid',
    database_connected: true,
    total_tables: checks.length,
    valid_tables: valid,
    invalid_tables: checks.length - valid,
    tables: checks,
  };
}
