import type { SerializedError } from '@sync/core';

/** The kinds of table a unit can belong to. */
export type TableKind = 'partition' | 'scd' | 'static';

/**
 * A serialisable piece of work: it can run inline, in a worker thread or in another Airflow task.
 * Running it writes only to staging; publishing is the commit step's job.
 */
export interface WorkUnit {
  /** Stable id, e.g. `dbo.Products` or `sales.Orders#OrderDate=2024-01`. */
  readonly id: string;
  /** `schema.table` of the source. */
  readonly tableId: string;
  readonly kind: TableKind;
  readonly runId: string;
  /** Directory this unit writes its files into; created by the unit. */
  readonly stagingDir: string;
  /** The published lake directory that `stagingDir` replaces on commit. */
  readonly lakeDir: string;
  /** Why the unit was planned, for the run summary (e.g. `full reload`, `fingerprint changed`). */
  readonly reason: string;
}

/** Exact validation figures of a unit: what the source said and what the lake holds. */
export interface UnitValidation {
  readonly sourceRows: string;
  readonly lakeRows: string;
  /** Exact decimal sums by column: source and lake text. */
  readonly sums: Readonly<Record<string, { readonly source: string | null; readonly lake: string | null }>>;
}

/** What running a unit produced (all plain data, so it crosses thread boundaries). */
export interface UnitResult {
  readonly unitId: string;
  readonly tableId: string;
  readonly rows: number;
  readonly bytes: number;
  readonly files: readonly string[];
  readonly droppedSubMicrosecondValues: number;
  readonly validation?: UnitValidation;
  readonly durationMs: number;
  readonly error?: SerializedError;
}
