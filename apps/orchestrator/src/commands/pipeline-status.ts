import { type PipelineConfig, SqlSyncError, StateStore, type TableConfig, toSqlSyncError } from '@sync/core';
import {
  lakeRows,
  openRun,
  type RecordedState,
  recordedState,
  stateKeeperFor,
  type TableKind,
} from '@sync/handlers';

/** One table in `sqlsync status` (snake_case: the CLI's JSON contract). */
export interface TableStatus extends RecordedState {
  readonly table: string;
  readonly kind: TableKind;
  /**
   * The state file's health: `ok`; `missing` (never run: the next run reads everything);
   * `corrupt_backup_ok` (damaged, the next run heals it from its sound backup when
   * `state.enable_self_healing` is on); `corrupt` (damaged, no sound backup: a full re-read).
   */
  readonly state: 'ok' | 'missing' | 'corrupt_backup_ok' | 'corrupt';
  /** Seconds since `last_loaded_at`: how old the recorded fingerprints or watermark are. */
  readonly age_seconds?: number;
  /** Rows in the lake now (COUNT(*) over the table's published Parquet files). */
  readonly lake_rows?: number;
  /** Why the state or the lake could not be read. */
  readonly error?: string;
}

/** What `sqlsync status` prints and `Pipeline.getPipelineStatus()` returns. */
export interface PipelineStatus {
  readonly pipeline_name: string;
  readonly database_connected: boolean;
  /** Why the database could not be reached. */
  readonly database_error?: string;
  readonly lake_root: string;
  readonly state_directory: string;
  readonly tables: readonly TableStatus[];
}

/**
 * Reports whether the database is reachable (one connection, opened and closed) and, per table,
 * its recorded state, how old it is, its state file's health and its rows in the lake. Reads
 * only; never throws for an unreachable database or a damaged state file.
 *
 * @example
 * const status = await pipelineStatus(config, listTables(config));
 * console.log(`Database connected: ${status.database_connected}`);
 */
export async function pipelineStatus(
  config: PipelineConfig,
  tables: readonly TableConfig[],
  now: () => Date = () => new Date(),
): Promise<PipelineStatus> {
  let databaseError: string | undefined;
  try {
    await (await openRun(config)).close();
  } catch (error) {
    databaseError = toSqlSyncError(error).message;
  }
  const store = new StateStore(config.state.stateDirectory);
  const statuses: TableStatus[] = [];
  for (const table of tables) {
    statuses.push(await tableStatus(table, store, config.state.parquetDirectory, now()));
  }
  return {
    pipeline_name: config.pipelineName,
    database_connected: databaseError === undefined,
    ...(databaseError === undefined ? {} : { database_error: databaseError }),
    lake_root: config.state.parquetDirectory,
    state_directory: config.state.stateDirectory,
    tables: statuses,
  };
}

async function tableStatus(
  table: TableConfig,
  store: StateStore,
  lakeRoot: string,
  now: Date,
): Promise<TableStatus> {
  const base = { table: table.id, kind: table.kind };
  let health: TableStatus['state'];
  let state: unknown;
  const errors: string[] = [];
  // Checked with the kind's schema, as a run reads it: a wrong shape is reported as corrupt.
  const codec = stateKeeperFor(table).codec;
  try {
    state = await store.read(table.id, codec);
    health = state === undefined ? 'missing' : 'ok';
  } catch (error) {
    if (!(error instanceof SqlSyncError) || error.code !== 'STATE_CORRUPT') {
      throw error;
    }
    errors.push(error.message);
    state = await store.readBackup(table.id, codec).catch(() => undefined);
    health = state === undefined ? 'corrupt' : 'corrupt_backup_ok';
  }
  const recorded = health === 'ok' ? recordedState(state) : {};
  const loadedAt = recorded.last_loaded_at === undefined ? Number.NaN : Date.parse(recorded.last_loaded_at);
  let rows: number | undefined;
  try {
    rows = await lakeRows(table, lakeRoot);
  } catch (error) {
    errors.push(`lake: ${toSqlSyncError(error).message}`);
  }
  return {
    ...base,
    state: health,
    ...recorded,
    ...(Number.isNaN(loadedAt)
      ? {}
      : { age_seconds: Math.max(0, Math.round((now.getTime() - loadedAt) / 1000)) }),
    ...(rows === undefined ? {} : { lake_rows: rows }),
    ...(errors.length === 0 ? {} : { error: errors.join('; ') }),
  };
}
