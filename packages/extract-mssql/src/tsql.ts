/**
 * Quotes a SQL Server identifier with brackets, doubling any `]` inside, as QUOTENAME does.
 * Every identifier sqlsync sends goes through here; none is concatenated raw.
 *
 * @example
 * quoteIdentifier('Order Lines') // '[Order Lines]'
 * quoteIdentifier('a]b')         // '[a]]b]'
 */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.length > 128) {
    throw new RangeError(`invalid SQL Server identifier ${JSON.stringify(name)}: must be 1..128 characters`);
  }
  return `[${name.replaceAll(']', ']]')}]`;
}

/**
 * `[schema].[table]`, both parts quoted.
 *
 * @example
 * qualifiedName('sales', 'Orders') // '[sales].[Orders]'
 */
export function qualifiedName(schemaName: string, tableName: string): string {
  return `${quoteIdentifier(schemaName)}.${quoteIdentifier(tableName)}`;
}
