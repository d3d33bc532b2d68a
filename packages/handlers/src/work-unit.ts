import type { SerializedError } from '@sync/core';
import type { LastModifiedType, RowPredicate } from '@sync/extract-mssql';
import type { PartitionFingerprint } from './partition-fingerprint.js';
import type { TableKind } from './table-kind.js';

/** What every unit carries, whatever its table's kind. */
interface UnitBase<K extends TableKind> {
  /** Stable id, e.g. `dbo.Products` or `sales.Orders#OrderDate=2024-01`. */
  readonly id: string;
  /** `schema.table` of the source. */
  readonly tableId: string;
  readonly kind: K;
  readonly runId: string;
  /** Directory this unit writes its files into; created by the unit. */
  readonly stagingDir: string;
  /** The published lake directory that `stagingDir` replaces on commit. */
  readonly lakeDir: string;
  /** Why the unit was planned, for the run summary (e.g. `full reload`, `fingerprint changed`). */
  readonly reason: string;
  /**
   * The rows the unit reads (the table's `custom_where_clause` included), with JSON-safe
   * parameters (dates as ISO 8601 text, bigints as text). Absent: nothing narrower than the table
   * (a static unit applies `custom_where_clause` when it runs; a partition removal reads nothing).
   */
  readonly predicate?: RowPredicate;
}

/**
 * A partition table's unit: one lake partition directory `<key>=<value>`, re-read and replaced,
 * or removed.
 *
 * @example
 * unit.partition // { key: 'OrderDate_month', value: '2024-01', action: 'replace', fingerprint: { rowCount: '5', rowHashSum: '-812' } }
 */
export interface PartitionUnit extends UnitBase<'partition'> {
  readonly partition: UnitPartition;
}

/**
 * An SCD2 table's unit: the whole table, one per table. It reads the rows changed since the
 * watermark (its `predicate`; all rows on a first load), merges them into the history of the keys
 * they touch, and stages only the `bucket=<nn>` directories holding touched keys.
 *
 * @example
 * unit.scd // { bucketCount: 16, businessKey: ['CustomerId'], lastModifiedColumn: 'LastModified',
 *          //   lastModifiedType: 'datetime2(7)', readAfter: '2024-03-01 09:00:00.1234567',
 *          //   watermark: '2024-03-01 09:15:00.1234567', sourceNow: '2024-03-01 09:20:00.0000000' }
 */
export interface ScdUnit extends UnitBase<'scd'> {
  readonly scd: UnitScd;
}

/**
 * A static table's unit: the whole table (its `custom_where_clause` aside), replacing the lake
 * table's directory — or, with `skip`, nothing: the table's hash is unchanged, so the unit reads
 * no row and its commit publishes nothing (its `reason` says why, in the run summary).
 *
 * @example
 * unit.lakeDir // '/data/lake/ref/rates'
 */
export interface StaticUnit extends UnitBase<'static'> {
  readonly skip?: true;
  /** `force_reload_after_days` forced this load: an upsert reads the whole table, not only changed rows. */
  readonly forced?: true;
}

/** The unit of each kind; a kind without one here is a compile error in `WorkUnitOf`. */
interface UnitsByKind {
  readonly partition: PartitionUnit;
  readonly scd: ScdUnit;
  readonly static: StaticUnit;
}

/** Checks that each kind's unit says that kind. */
type KindChecked<T extends { readonly [K in TableKind]: { readonly kind: K } }> = T;

/**
 * The unit of one table kind.
 *
 * @example
 * function partitionOf(unit: WorkUnitOf<'partition'>) { return unit.partition; }
 */
export type WorkUnitOf<K extends TableKind> = KindChecked<UnitsByKind>[K];

/**
 * A serialisable piece of work: it can run inline, in a worker thread or in another Airflow task.
 * Running it writes only to staging; publishing is the commit step's job. `kind` tells the variant.
 *
 * @example
 * if (unit.kind === 'partition' && unit.partition.action === 'remove') {
 *   // nothing to read
 * }
 */
export type WorkUnit = WorkUnitOf<TableKind>;

/** The lake partition of a unit: directory `<key>=<value>`. */
interface PartitionDirectory {
  /** The directory key, e.g. `OrderDate_month`. */
  readonly key: string;
  /** The directory value, e.g. `2024-01`; `null` is Hive's default (NULL) partition. */
  readonly value: string | null;
}

/** A partition to read and publish, as of the source fingerprint it was planned from. */
export interface PartitionReplace extends PartitionDirectory {
  readonly action: 'replace';
  /** The source fingerprint the unit was planned from (written into the files' metadata). */
  readonly fingerprint: PartitionFingerprint;
}

/** A partition to delete from the lake (nothing is read). */
export interface PartitionRemove extends PartitionDirectory {
  readonly action: 'remove';
}

/**
 * The lake partition of a unit: `replace` reads the partition and publishes it; `remove` deletes
 * it from the lake.
 *
 * @example
 * const partition: UnitPartition = { key: 'OrderDate_month', value: null, action: 'remove' };
 */
export type UnitPartition = PartitionReplace | PartitionRemove;

/**
 * What an SCD2 unit needs besides its predicate, all as the snapshot found it (JSON-safe text: the
 * watermark texts are style 121 of the column's type, never a JS Date).
 *
 * @example
 * const scd: UnitScd = { bucketCount: 16, businessKey: ['Id'], lastModifiedColumn: 'LastModified',
 *   lastModifiedType: 'datetime', watermark: '2024-03-01 09:15:00.003', sourceNow: '2024-03-01 09:20:00.000' };
 */
export interface UnitScd {
  /** Buckets of the table (`bucket_count`, fixed at its first load). */
  readonly bucketCount: number;
  /** The business key columns, as the source names them. */
  readonly businessKey: readonly string[];
  /** The last-modified column, as the source names it. */
  readonly lastModifiedColumn: string;
  /** Its T-SQL type, e.g. `datetime2(7)`. */
  readonly lastModifiedType: LastModifiedType;
  /** The read's lower bound (exclusive): the recorded watermark less `lookback_minutes`. Absent: a full read. */
  readonly readAfter?: string;
  /** `MAX(last_modified)` at the snapshot, recorded once the run is published (`null`: an empty table). */
  readonly watermark: string | null;
  /** The server's clock at the snapshot: the end date of versions closed by a delete. */
  readonly sourceNow: string;
}

/**
 * What an SCD2 unit did to the table's history.
 *
 * @example
 * const outcome: ScdOutcome = { versionsAdded: 3, versionsReplaced: 0, versionsUnchanged: 12, keysDeleted: 1, bucketsRewritten: 2, buckets: [3, 9] };
 */
export interface ScdOutcome {
  /** Versions (business key, last-modified) new to the lake. */
  readonly versionsAdded: number;
  /** Versions already in the lake read again with other values (or re-opened after a delete). */
  readonly versionsReplaced: number;
  /** Versions read again exactly as the lake holds them (a lookback): nothing changes for them. */
  readonly versionsUnchanged: number;
  /** Keys gone from the source whose latest version was closed (`detect_deletes`). */
  readonly keysDeleted: number;
  readonly bucketsRewritten: number;
  /** The rewritten buckets' numbers, ascending. */
  readonly buckets: readonly number[];
}

/** Exact validation figures of a unit: what the source said and what the lake holds. */
export interface UnitValidation {
  readonly sourceRows: string;
  readonly lakeRows: string;
  /** Exact decimal sums by column: source and lake text. */
  readonly sums: Readonly<Record<string, { readonly source: string | null; readonly lake: string | null }>>;
}

/**
 * How an upsert's source keys compared with the lake's: `inserted` (new keys), `updated` (row
 * hash differs), `deleted` (gone from the source), `unchanged`. Only inserted and updated rows are
 * read, unless `fullRead` says why the whole table was read instead.
 *
 * @example
 * const outcome: UpsertOutcome = { inserted: 1, updated: 2, deleted: 0, unchanged: 997 };
 */
export interface UpsertOutcome {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
  readonly unchanged: number;
  readonly fullRead?: string;
}

/**
 * How a unit read the source: `snapshot` — reads and validation figures in one SNAPSHOT
 * transaction; `read_committed` — statement by statement, validated after the read (see
 * `processing.snapshot_isolation`).
 *
 * @example
 * const mode: ReadMode = 'snapshot';
 */
export type ReadMode = 'snapshot' | 'read_committed';

/**
 * A unit's read mode and how often it was read again because the table changed under a READ
 * COMMITTED read (always 0 for a snapshot read).
 *
 * @example
 * const read: UnitRead = { mode: 'read_committed', retries: 2 };
 */
export interface UnitRead {
  readonly mode: ReadMode;
  readonly retries: number;
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
  /** A static `load_strategy: upsert` unit's key counts (absent for every other unit). */
  readonly upsert?: UpsertOutcome;
  /** An SCD2 unit's version counts (absent for every other unit). */
  readonly scd?: ScdOutcome;
  /** How the unit read the source (absent when it read nothing). */
  readonly read?: UnitRead;
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
