import sql from 'mssql';

/**
 * SQL Server types a bound parameter can have. A predicate over a column binds its parameters with
 * the column's own type, so SQL Server compares without an implicit conversion of the column and
 * can seek an index or eliminate partitions.
 */
export type QueryParamType =
  | 'bit'
  | 'tinyint'
  | 'smallint'
  | 'int'
  | 'bigint'
  | 'nvarchar'
  | 'varchar'
  | 'date'
  | 'smalldatetime'
  | 'datetime'
  | 'datetime2'
  | 'decimal';

/**
 * A bound parameter of a predicate; its value is never concatenated into T-SQL.
 *
 * Values that cross threads or go into `sqlsync plan --json` should be JSON-safe: dates and
 * datetimes as ISO 8601 text (`2024-01-31`, `2024-01-31T00:00:00.000Z`), bigints as decimal text.
 */
export interface QueryParam {
  readonly name: string;
  readonly type: QueryParamType;
  readonly value: string | number | bigint | Date | null;
  /** For decimal parameters. */
  readonly precision?: number;
  /** For decimal parameters, and fractional-second digits of datetime2 (defaults to 7). */
  readonly scale?: number;
}

/** A WHERE clause over quoted identifiers and `@name` parameters. */
export interface RowPredicate {
  readonly sql: string;
  readonly params?: readonly QueryParam[];
}

/**
 * Both predicates must hold; either may be absent.
 *
 * @example
 * andPredicates({ sql: '[Region] = 1' }, { sql: '[Day] = @d', params }) // { sql: '([Region] = 1) AND ([Day] = @d)', params }
 */
export function andPredicates(
  a: RowPredicate | undefined,
  b: RowPredicate | undefined,
): RowPredicate | undefined {
  if (a === undefined) {
    return b;
  }
  if (b === undefined) {
    return a;
  }
  // Always parenthesised: a custom clause may hold OR or quoted parentheses.
  return { sql: `(${a.sql}) AND (${b.sql})`, params: [...(a.params ?? []), ...(b.params ?? [])] };
}

function dateValue(value: QueryParam['value']): Date | null {
  if (value === null) {
    return null;
  }
  return value instanceof Date ? value : new Date(String(value));
}

/** Binds a predicate's parameters to a request with their SQL Server types. */
export function bindParameters(request: sql.Request, predicate: RowPredicate | undefined): void {
  for (const param of predicate?.params ?? []) {
    const value = typeof param.value === 'bigint' ? param.value.toString() : param.value;
    switch (param.type) {
      case 'bit':
        request.input(param.name, sql.Bit, value);
        break;
      case 'tinyint':
        request.input(param.name, sql.TinyInt, value);
        break;
      case 'smallint':
        request.input(param.name, sql.SmallInt, value);
        break;
      case 'int':
        request.input(param.name, sql.Int, value);
        break;
      case 'bigint':
        request.input(param.name, sql.BigInt, value);
        break;
      case 'nvarchar':
        request.input(param.name, sql.NVarChar(sql.MAX), value);
        break;
      case 'varchar':
        request.input(param.name, sql.VarChar(sql.MAX), value);
        break;
      case 'date':
        request.input(param.name, sql.Date, dateValue(value));
        break;
      case 'smalldatetime':
        request.input(param.name, sql.SmallDateTime, dateValue(value));
        break;
      case 'datetime':
        request.input(param.name, sql.DateTime, dateValue(value));
        break;
      case 'datetime2':
        request.input(param.name, sql.DateTime2(param.scale ?? 7), dateValue(value));
        break;
      case 'decimal':
        request.input(param.name, sql.Decimal(param.precision ?? 38, param.scale ?? 0), value);
        break;
    }
  }
}
