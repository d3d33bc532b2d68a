import { SqlServerError } from '../sql-server-error.js';
import type { Token } from './lexer.js';

// LIKE under SQL_Latin1_General_CP1_CI_AS is case-insensitive; DuckDB's LIKE compares bytes even
// under the `nocase` default collation, so the emulator writes ILIKE. T-SQL patterns also have
// character classes (`[a-c]`, `[^a]`), which DuckDB's LIKE reads as a literal '[': a pattern with
// '[' is refused rather than matched differently.

/**
 * The DuckDB operator for T-SQL's LIKE whose pattern starts at `pattern` (a literal, or a
 * variable whose value `variableValue` gives): `ILIKE`, or an error naming the feature when the pattern
 * holds a character class.
 *
 * @example
 * caseInsensitiveLike(tokenize("'a%'")[0], () => undefined) // 'ILIKE'
 */
export function caseInsensitiveLike(
  pattern: Token | undefined,
  variableValue: (variable: string) => unknown,
): string {
  const value =
    pattern?.kind === 'string'
      ? pattern.value
      : pattern?.kind === 'variable'
        ? variableValue(pattern.value)
        : undefined;
  if (typeof value === 'string' && value.includes('[')) {
    throw new SqlServerError(
      102,
      `LIKE pattern '${value}': character classes ([…]) are not supported by the emulator (DuckDB's LIKE would match '[' literally).`,
      { severity: 15 },
    );
  }
  return 'ILIKE';
}
