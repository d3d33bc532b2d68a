import { quoteIdent, quoteString } from '../sql-quoting.js';
import type { SqlType } from '../types/sql-type.js';

// SQL Server 2019+ reports a value longer than its column as error 2628 naming the table, the
// column and the value cut to the column's length ("Truncated value: 'abc'"). When every character
// beyond the length is a space, SQL Server stores the value cut to the length without an error
// (ANSI/ISO SQL's rule for character strings); a DuckDB CHECK cannot change the value it checks,
// so the emulator refuses that insert/update with an error naming the feature instead of storing
// the blanks. The CHECK raises DuckDB errors carrying these markers; `duckdb-errors.ts` turns them
// into SQL Server's errors.

/**
 * Marker of a value longer than its column: `<marker>|<column>|<value cut to the length>`.
 *
 * @example
 * `${truncatedMarker}|Name|abc` // the DuckDB error text of a CHECK that failed
 */
export const truncatedMarker = '__emulator_2628';
/**
 * Marker of a value whose excess characters are all spaces: `<marker>|<column>|<length>`.
 *
 * @example
 * `${trailingBlanksMarker}|Name|3` // the DuckDB error text of a CHECK that failed
 */
export const trailingBlanksMarker = '__emulator_trailing_blanks';

/**
 * The DuckDB CHECK a declared length implies for a column, or undefined for types without one.
 * NULL passes; the common case (the value fits) is the first, cheapest test.
 *
 * @example
 * lengthCheck('Name', sqlType('nvarchar', 20))
 * // `CHECK (CASE WHEN length("Name") <= 10 THEN true WHEN "Name" IS NULL THEN true …)`
 */
export function lengthCheck(colName: string, type: SqlType): string | undefined {
  const col = quoteIdent(colName);
  if (type.maxLength > 0 && ['char', 'varchar', 'nchar', 'nvarchar'].includes(type.name)) {
    const chars = type.name.startsWith('n') ? type.maxLength / 2 : type.maxLength;
    const name = quoteString(colName);
    return (
      `CHECK (CASE WHEN length(${col}) <= ${chars} THEN true WHEN ${col} IS NULL THEN true ` +
      `WHEN length(rtrim(${col}, ' ')) <= ${chars} THEN error('${trailingBlanksMarker}|' || ${name} || '|${chars}') ` +
      `ELSE error('${truncatedMarker}|' || ${name} || '|' || left(${col}, ${chars})) END)`
    );
  }
  if (type.maxLength > 0 && (type.name === 'varbinary' || type.name === 'binary')) {
    return `CHECK (octet_length(${col}) <= ${type.maxLength})`;
  }
  return undefined;
}
