/**
 * The lake type of a column: the type a source column is written as, and the Arrow type its
 * record batch column has (see the type mapping table in `@sync/extract-mssql`). Decimal columns
 * carry their precision and scale; every value is kept exactly. `@sync/parquet-duckdb` maps each
 * to its DuckDB / Parquet type.
 */
export type LakeType =
  | { readonly kind: 'boolean' }
  | { readonly kind: 'int8' }
  | { readonly kind: 'uint8' }
  | { readonly kind: 'int16' }
  | { readonly kind: 'int32' }
  | { readonly kind: 'int64' }
  | { readonly kind: 'float32' }
  | { readonly kind: 'float64' }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'binary' }
  | { readonly kind: 'uuid' }
  | { readonly kind: 'date' }
  | { readonly kind: 'time' }
  | { readonly kind: 'timestamp_us' }
  | { readonly kind: 'timestamp_ns' }
  | { readonly kind: 'timestamptz_us' };

/**
 * One source column as read from SQL Server's catalog, plus the lake type it is written as.
 * The Arrow field of a record batch column has the same name and matches `lakeType`
 * (see the type mapping table in `@sync/extract-mssql`).
 */
export interface SourceColumn {
  /** Column name exactly as in SQL Server. */
  readonly name: string;
  /** SQL Server type name in lower case, e.g. `decimal`, `datetime2`, `nvarchar`. */
  readonly sqlType: string;
  /** Bytes as in `sys.columns.max_length`; -1 for `(max)`. */
  readonly maxLength: number;
  /** As in `sys.columns.precision`. */
  readonly precision: number;
  /** As in `sys.columns.scale` (fractional-second digits for time types). */
  readonly scale: number;
  readonly nullable: boolean;
  readonly lakeType: LakeType;
  /**
   * Set on the companion column sqlsync adds right after each `datetimeoffset` column: the name of
   * that column, whose UTC instant the lake keeps as TIMESTAMPTZ while this one keeps its offset in
   * minutes (SMALLINT, −840 … 840). The companion is not in the source table: it is read as
   * `DATEPART(tzoffset, <column>)`, and T-SQL built from a schema (row hashes, predicates) must
   * leave it out. Absent (the default) on every column the source table has.
   *
   * @example
   * // source [At] datetimeoffset(7) → lake columns At (TIMESTAMPTZ), At_offset_minutes (SMALLINT)
   * schema.columns.filter((c) => c.offsetOf === undefined) // the source table's own columns
   */
  readonly offsetOf?: string;
}

/** The columns of one source table, in catalog order (`column_id`). */
export interface SourceSchema {
  readonly schemaName: string;
  readonly tableName: string;
  readonly columns: readonly SourceColumn[];
}
