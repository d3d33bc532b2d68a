import type { DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { SqlType } from './sql-type.js';

/** A parameter value ready to bind in DuckDB, with a plain JS rendering for statement capture. */
export interface BoundValue {
  readonly type: SqlType;
  readonly duckType: DuckDBType;
  /** `null` for SQL NULL. */
  readonly duck: DuckDBValue;
  /** number, bigint, boolean, string (decimals, dates, guids as exact text), Buffer, or null. */
  readonly js: unknown;
  /** For datetimeoffset: the offset in minutes that goes with the instant in `duck` (default 0). */
  readonly offsetMinutes?: number;
  /**
   * For a datetime2(7) / time(7) / datetimeoffset(7) variable assigned in T-SQL: the seventh
   * fractional digit that `duck` (microseconds) drops. Parameters carry it in `js` (exact text).
   */
  readonly digit?: number;
}
