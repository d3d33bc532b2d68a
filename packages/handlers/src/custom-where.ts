import type { RowPredicate } from '@sync/extract-mssql';

/**
 * A table's `custom_where_clause` as a predicate, parenthesised (a clause may hold OR), or
 * `undefined` when the table has none.
 *
 * @example
 * customWherePredicate({ customWhereClause: "Region = 'EU' OR Region IS NULL" })
 * // { sql: "(Region = 'EU' OR Region IS NULL)" }
 */
export function customWherePredicate(table: {
  readonly customWhereClause?: string;
}): RowPredicate | undefined {
  return table.customWhereClause === undefined ? undefined : { sql: `(${table.customWhereClause})` };
}
