import type { SerializedError } from '@sync/core';
import type { TableKind } from '@sync/handlers';

/** One table's outcome in a run. Field names are snake_case: this is the CLI's JSON contract. */
export interface TableSummary {
  readonly table: string;
  readonly kind: TableKind;
  readonly status: 'ok' | 'failed' | 'skipped';
  readonly rows: number;
  readonly bytes: number;
  /** The published lake directory of the table. */
  readonly lake_path: string;
  readonly files: readonly string[];
  /** The units run, each with why it was planned (`new partition`, `fingerprint changed (…)`, `newest 1`, …). */
  readonly units: readonly { readonly id: string; readonly reason: string; readonly rows: number }[];
  /** What the handler found in the source, e.g. which partitioning a partition table has. */
  readonly partitioning?: string;
  /**
   * A static `load_strategy: upsert` table's keys: new, changed (read), gone from the source
   * (removed) and unchanged (kept from the lake); `full_read` says why the whole table was read.
   */
  readonly upsert?: {
    readonly inserted: number;
    readonly updated: number;
    readonly deleted: number;
    readonly unchanged: number;
    readonly full_read?: string;
  };
  /**
   * An SCD2 table's history changes: versions new to the lake, versions read again with other
   * values (rewritten), versions read again unchanged (a lookback re-read), keys closed because
   * they left the source (`detect_deletes`), and buckets rewritten (the others kept their files).
   */
  readonly scd?: {
    readonly versions_added: number;
    readonly versions_replaced: number;
    readonly versions_unchanged: number;
    readonly keys_deleted: number;
    readonly buckets_rewritten: number;
  };
  /**
   * How the table's units read the source (`processing.snapshot_isolation`): `snapshot` — each
   * unit's rows and validation figures in one SNAPSHOT transaction; `read_committed` — validated
   * after the read, with `retries` units read again because the table changed meanwhile; `mixed`
   * when the database's setting changed during the run. Absent when no unit read the source.
   */
  readonly read?: { readonly mode: 'snapshot' | 'read_committed' | 'mixed'; readonly retries: number };
  /** Set when the table waited for another run holding its lock: for how long, and whom. */
  readonly lock?: { readonly waited_seconds: number; readonly holder: string };
  /**
   * Set when the table's state was healed before planning: why (missing, corrupt, inconsistent
   * with the lake), where it came from (`backup`, `lake`, `none`: everything re-read), what the
   * lake's files said, and what was chosen.
   */
  readonly state_healed?: {
    readonly why: string;
    readonly source: 'backup' | 'lake' | 'none';
    readonly found?: string;
    readonly chose: string;
  };
  /**
   * The SQL Server warehouse load (`destination: { type: mssql }`) after the lake published: how
   * (`switch` per partition, one `merge`, or `replace` = DELETE + INSERT), whether the warehouse
   * table was created, rows bulk-loaded, partitions switched in and emptied. A failed load fails
   * the table (its `error`); the lake keeps what it published.
   */
  readonly destination?: {
    readonly table: string;
    readonly mode?: 'switch' | 'merge' | 'replace' | 'unchanged';
    readonly created?: boolean;
    readonly rows: number;
    readonly partitions_switched: number;
    readonly partitions_emptied: number;
  };
  /** datetime2/time values whose 100 ns digit was dropped by the µs lake type (never silent). */
  readonly dropped_sub_microsecond_values: number;
  readonly duration_seconds: number;
  readonly error?: SerializedError;
}

/**
 * The one-line JSON summary `sqlsync run` prints as the last line of stdout (Airflow's
 * BashOperator pushes it to XCom). Totals keep the original tool's names.
 */
export interface RunSummary {
  readonly status: 'ok' | 'failed' | 'nothing_to_do';
  readonly run_id: string;
  readonly pipeline_name: string;
  readonly tables_processed: number;
  readonly tables_failed: number;
  readonly total_records: number;
  readonly total_duration_seconds: number;
  readonly lake_root: string;
  readonly tables: readonly TableSummary[];
}

/** What `sqlsync plan` prints: the units a run would execute now, per table. Nothing is written. */
export interface PlanSummary {
  readonly status: 'ok' | 'failed';
  readonly run_id: string;
  readonly pipeline_name: string;
  readonly tables: readonly {
    readonly table: string;
    readonly kind: TableKind;
    readonly partitioning?: string;
    readonly units: readonly { readonly id: string; readonly reason: string }[];
    readonly error?: SerializedError;
  }[];
}
