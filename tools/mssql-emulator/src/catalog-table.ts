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

/** One user table (or view) of the emulated database. */
export interface CatalogTable {
  readonly objectId: number;
  readonly schema: string;
  readonly name: string;
  readonly kind: 'table' | 'view';
  readonly columns: readonly CatalogColumn[];
  /** Column names of the primary key in key order, with the constraint's name. */
  readonly primaryKey: { readonly name: string; readonly columns: readonly string[] } | undefined;
  /** DuckDB sequence feeding the identity column, if any. */
  readonly identitySequence: string | undefined;
  /** The partition scheme and column the table is stored on (`ON scheme(column)`), if any. */
  readonly partition?: { readonly scheme: string; readonly column: string };
}
