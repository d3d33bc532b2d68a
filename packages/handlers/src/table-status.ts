import { existsSync } from 'node:fs';
import type { TableConfig } from '@sync/core';
import { readParquetStats } from '@sync/parquet-duckdb';
import { handlerFor } from './handler-for.js';

/**
 * What a table's recorded state says, whatever its kind (snake_case: part of `sqlsync status`'s
 * JSON). Fields a kind does not record are absent.
 */
export interface RecordedState {
  /** The run that last published the table. */
  readonly last_run_id?: string;
  /** ISO instant of that run: when its fingerprints (or watermark) were taken. */
  readonly last_loaded_at?: string;
  /** Rows loaded by that run (static tables record it). */
  readonly last_run_rows?: number;
  /** How many source partitions have a recorded fingerprint (partition tables). */
  readonly partitions?: number;
  /** The recorded watermark (SCD2 tables, once they exist). */
  readonly watermark?: string;
}

/**
 * Reads the facts every kind's state shares, defensively: a state of an older or newer shape
 * yields fewer fields, never an error.
 *
 * @example
 * recordedState({ lastRunId: 'r1', lastLoadedAt: '2026-01-01T00:00:00Z', rowCount: 5 })
 * // { last_run_id: 'r1', last_loaded_at: '2026-01-01T00:00:00Z', last_run_rows: 5 }
 */
export function recordedState(state: unknown): RecordedState {
  if (typeof state !== 'object' || state === null) {
    return {};
  }
  const s = state as Record<string, unknown>;
  const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  const out: Record<string, unknown> = {
    last_run_id: text(s.lastRunId),
    last_loaded_at: text(s.lastLoadedAt),
    last_run_rows: typeof s.rowCount === 'number' ? s.rowCount : undefined,
    partitions: Array.isArray(s.partitions) ? s.partitions.length : undefined,
    watermark: s.watermark === undefined || s.watermark === null ? undefined : String(s.watermark),
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined)) as RecordedState;
}

/**
 * The rows a table has in the lake now: a `COUNT(*)` over its published Parquet files (DuckDB
 * answers it from the files' footers). `0` when the table has no file yet.
 *
 * @example
 * await lakeRows(table, config.state.parquetDirectory) // 100000
 */
export async function lakeRows(table: TableConfig, lakeRoot: string): Promise<number> {
  const dir = handlerFor(table).lakeDir(table, lakeRoot);
  if (!existsSync(dir)) {
    return 0;
  }
  const glob = `${dir}/**/*.parquet`;
  try {
    return Number((await readParquetStats(glob, [])).rowCount);
  } catch (error) {
    if (/No files found/i.test((error as Error).message)) {
      return 0;
    }
    throw error;
  }
}
