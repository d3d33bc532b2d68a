/**
 * Quotes a DuckDB identifier.
 *
 * @example
 * quoteIdent('a"b') // '"a""b"'
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a DuckDB string literal.
 *
 * @example
 * quoteString("it's") // "'it''s'"
 */
export function quoteString(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
