import type { SerializedError } from '@sync/core';
import type { RowPredicate } from '@sync/extract-mssql';
import type { PartitionFingerprint } from './partition-fingerprint.js';

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
  /**
   * The rows the unit reads (the table's `custom_where_clause` included), with JSON-safe
   * parameters (dates as ISO 8601 text, bigints as text). Absent: the whole table.
   */
  readonly predicate?: RowPredicate;
  /** For a partition table: the lake partition the unit replaces or removes. */
  readonly partition?: UnitPartition;
}

/** The lake partition of a unit: directory `<key>=<value>`. */
export interface UnitPartition {
  /** The directory key, e.g. `OrderDate_month`. */
  readonly key: string;
  /** The directory value, e.g. `2024-01`; `null` is Hive's default (NULL) partition. */
  readonly value: string | null;
  /** `replace`: read the partition and publish it; `remove`: delete it from the lake. */
  readonly action: 'replace' | 'remove';
  /** The source fingerprint the unit was planned from (written into the files' metadata). */
  readonly fingerprint?: PartitionFingerprint;
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
  /** Arrow record batches read (absent when nothing was read). */
  readonly batches?: number;
  readonly validation?: UnitValidation;
  readonly durationMs: number;
  readonly error?: SerializedError;
}

/**
 * The result of a unit that read no rows: a removal, or a failure carried back as data.
 *
 * @example
 * return emptyUnitResult(unit, { durationMs: 12, error: failure.toJSON() });
 */
export function emptyUnitResult(
  unit: Pick<WorkUnit, 'id' | 'tableId'>,
  extra: { readonly durationMs?: number; readonly error?: SerializedError } = {},
): UnitResult {
  return {
    unitId: unit.id,
    tableId: unit.tableId,
    rows: 0,
    bytes: 0,
    files: [],
    droppedSubMicrosecondValues: 0,
    durationMs: extra.durationMs ?? 0,
    ...(extra.error === undefined ? {} : { error: extra.error }),
  };
}
