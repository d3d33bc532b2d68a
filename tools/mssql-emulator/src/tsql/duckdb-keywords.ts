/**
 * Words DuckDB's parser reserves (or allows only as type / function names) that T-SQL neither
 * reserves nor uses as syntax the emulator passes through: in T-SQL they are ordinary names, so
 * a column called `DO` or `Map` is legal there and must reach DuckDB quoted. Taken from
 * `duckdb_keywords()` (categories `reserved` and `type_function`, DuckDB 1.5) less SQL Server's
 * reserved keywords ("Reserved Keywords (Transact-SQL)") and the words T-SQL syntax uses that the
 * emulator hands to DuckDB as they are: OFFSET / FETCH … ONLY, TRIM(LEADING|TRAILING|BOTH …),
 * AT TIME ZONE, WINDOW, MERGE's USING, GENERATED ALWAYS, CREATE SCHEMA … AUTHORIZATION, type
 * names (binary), TRUE/FALSE and RETURNING (the emulator's own rewrites emit them).
 */
const duckdbOnlyKeywords = new Set([
  'ANALYSE',
  'ANALYZE',
  'ANTI',
  'ARRAY',
  'ASOF',
  'ASYMMETRIC',
  'CAST',
  'COLLATION',
  'COLUMNS',
  'CONCURRENTLY',
  'DEFERRABLE',
  'DESCRIBE',
  'DO',
  'FREEZE',
  'GLOB',
  'INITIALLY',
  'ISNULL',
  'LAMBDA',
  'LATERAL',
  'LIMIT',
  'MAP',
  'NATURAL',
  'NOTNULL',
  'OVERLAPS',
  'PIVOT_LONGER',
  'PIVOT_WIDER',
  'PLACING',
  'POSITIONAL',
  'QUALIFY',
  'SEMI',
  'SHOW',
  'SIMILAR',
  'STRUCT',
  'SUMMARIZE',
  'SYMMETRIC',
  'UNPACK',
  'VARIADIC',
  'VERBOSE',
]);

/**
 * True when an unquoted T-SQL name (upper-cased, not followed by `(`) is a keyword to DuckDB and
 * must be quoted to stay a name.
 *
 * @example
 * needsQuotingForDuckdb('DO') // true
 * needsQuotingForDuckdb('NAME') // false
 */
export function needsQuotingForDuckdb(upper: string): boolean {
  return duckdbOnlyKeywords.has(upper);
}
