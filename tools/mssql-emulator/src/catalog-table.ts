import type { SqlType } from './types/sql-type.js';

/** One column of a user table as declared in T-SQL. */
export interface CatalogColumn {
  readonly columnId: number;
  readonly name: string;
  readonly type: SqlType;
  /** True when declared with `sysname`. */
  readonly sysname: boolean;
  readonly nullable: boolean;
  readonly identity: boolean;
  readonly defaultText: string | undefined;
  /**
   * For datetime2(7), time(7) and datetimeoffset(7): the hidden DuckDB column holding the
   * 100 ns digit that DuckDB's microsecond types cannot (see {@link hiddenDigitName}).
   */
  readonly ns100?: string;
  /**
   * For datetimeoffset: the hidden DuckDB SMALLINT column holding the offset in minutes (the
   * TIMESTAMPTZ itself is the instant; see {@link hiddenOffsetName}).
   */
  readonly tz?: string;
}

/** The hidden DuckDB column that keeps a scale-7 time/datetime2/datetimeoffset column's seventh digit.
 *
 * @example
 * hiddenDigitName('Ts') // 'Ts__100ns' */
export function hiddenDigitName(column: string): string {
  return `${column}__100ns`;
}

/** The hidden DuckDB column that keeps a datetimeoffset column's offset in minutes.
 *
 * @example
 * hiddenOffsetName('At') // 'At__tz' */
export function hiddenOffsetName(column: string): string {
  return `${column}__tz`;
}

/** The hidden side columns of a column (100 ns digit, offset), as DuckDB names them.
 *
 * @example
 * hiddenColumnsOf(column) // ['At__100ns', 'At__tz'] for a datetimeoffset(7) */
export function hiddenColumnsOf(column: CatalogColumn): string[] {
  return [column.ns100, column.tz].filter((h): h is string => h !== undefined);
}

/**
 * True for the SQL Server types whose values need a hidden 100 ns digit column: the scale-7
 * types whose seventh fractional digit DuckDB's microsecond TIME / TIMESTAMP / TIMESTAMPTZ drop.
 *
 * @example
 * needsHiddenDigit(sqlType('datetime2', 7)) // true
 */
export function needsHiddenDigit(type: SqlType): boolean {
  return (
    (type.name === 'datetime2' || type.name === 'time' || type.name === 'datetimeoffset') && type.scale === 7
  );
}

/**
 * A unique index of a table other than its primary key: a `UNIQUE` constraint (inline or
 * table-level) or `CREATE UNIQUE INDEX`, listed in `sys.indexes` as SQL Server lists it.
 *
 * @example
 * const uq: CatalogUniqueIndex = { indexId: 2, name: 'UQ_T_No', columns: ['No'], constraint: true, filter: undefined };
 */
export interface CatalogUniqueIndex {
  /** `sys.indexes.index_id`: 2 and up, kept when another index is dropped. */
  readonly indexId: number;
  readonly name: string;
  /** Key column names in key order. */
  readonly columns: readonly string[];
  /** True for a UNIQUE constraint (`is_unique_constraint` = 1), false for CREATE UNIQUE INDEX. */
  readonly constraint: boolean;
  /** `filter_definition` of a filtered index (`CREATE UNIQUE INDEX … WHERE …`), if any. */
  readonly filter: string | undefined;
}

/** One user table (or view) of the emulated database. */
export interface CatalogTable {
  readonly objectId: number;
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly columns: readonly CatalogColumn[];
  /** Column names of the primary key in key order, with the constraint's name. */
  readonly primaryKey: { readonly name: string; readonly columns: readonly string[] } | undefined;
  /** UNIQUE constraints and unique indexes besides the primary key, in index_id order. */
  readonly uniqueIndexes?: readonly CatalogUniqueIndex[];
  /** DuckDB sequence feeding the identity column, if any. */
  readonly identitySequence: string | undefined;
  /** The partition scheme and column the table is stored on (`ON scheme(column)`), if any. */
  readonly partition?: { readonly scheme: string; readonly column: string };
}
