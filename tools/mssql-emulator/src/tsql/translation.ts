import type { Catalog } from '../catalog.js';
import type { BoundValue } from '../types/bound-value.js';
import type { SqlType } from '../types/sql-type.js';

/** What the translator needs to know about the session and database. */
export interface TranslateEnv {
  readonly catalog: Catalog;
  readonly database: string;
  readonly user: string;
  /** Parameters and local variables in scope, by lower-case name without `@`. */
  readonly variables: ReadonlyMap<string, BoundValue>;
  /** The SQL text (a DuckDB expression) of an `@@NAME` global, or undefined when unknown. */
  globalValue(name: string): string | undefined;
  /** The last identity value this session inserted, as SQL text. */
  scopeIdentity(): string;
  /** `MIN_ACTIVE_ROWVERSION()` as SQL text. */
  minActiveRowversion(): string;
}

/** A translated statement: DuckDB SQL, the parameters it binds, and result-type hints. */
export interface Translation {
  readonly sql: string;
  /** DuckDB parameter name (without `$`) → value. */
  readonly params: ReadonlyMap<string, BoundValue>;
  /** Declared SQL Server types of the result columns by position, where known. */
  readonly hints: readonly (SqlType | undefined)[] | undefined;
  /** Result column names by position as SQL Server names them ('' for unnamed expressions), where known. */
  readonly names: readonly string[] | undefined;
  /** Declared types of the referenced tables' columns by lower-case name (unique names only). */
  readonly columnTypes: ReadonlyMap<string, SqlType>;
}

/** How {@link translate} may shape its SQL. */
export interface TranslateOptions {
  /** Translate `+` between operands of unknown type as `||` (the retry after DuckDB rejected `+` on text). Defaults to false. */
  readonly concatMode?: boolean;
  /**
   * Bind string literals longer than {@link longLiteralChars} as parameters instead of inlining
   * them; only for statements run with their {@link Translation.params} bound. Defaults to false.
   */
  readonly bindLongStrings?: boolean;
}

/**
 * String literals longer than this are bound as parameters when
 * {@link TranslateOptions.bindLongStrings} allows. DuckDB's parser scans a literal at ~60 MB/s
 * (a 10 MiB one costs it ~150 ms, binding it ~40 ms). Past 4000 characters SQL Server types a
 * literal nvarchar(max)/varchar(max): data, never a date or number DuckDB would need to see as an
 * untyped literal.
 */
export const longLiteralChars = 4000;
