import type sql from 'mssql';
import type { Request as TediousRequest } from 'tedious';
import { mssql, tedious } from './driver.js';

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

/** A parameter as both drivers take it: the type, its size options and the value. */
interface BoundParam {
  readonly mssql: sql.ISqlType | (() => sql.ISqlType);
  readonly tedious: TediousDataType;
  readonly options: { length?: number; precision?: number; scale?: number };
  readonly value: string | number | Date | null;
}

type TediousDataType = (typeof tedious.TYPES)[keyof typeof tedious.TYPES];

/** nvarchar(max) / varchar(max) as both drivers spell the length. */
const MAX_LENGTH = 65_535;

function boundParam(param: QueryParam): BoundParam {
  const value = typeof param.value === 'bigint' ? param.value.toString() : param.value;
  switch (param.type) {
    case 'bit':
      return { mssql: mssql.Bit, tedious: tedious.TYPES.Bit, options: {}, value };
    case 'tinyint':
      return { mssql: mssql.TinyInt, tedious: tedious.TYPES.TinyInt, options: {}, value };
    case 'smallint':
      return { mssql: mssql.SmallInt, tedious: tedious.TYPES.SmallInt, options: {}, value };
    case 'int':
      return { mssql: mssql.Int, tedious: tedious.TYPES.Int, options: {}, value };
    case 'bigint':
      return { mssql: mssql.BigInt, tedious: tedious.TYPES.BigInt, options: {}, value };
    case 'nvarchar':
      return {
        mssql: mssql.NVarChar(mssql.MAX),
        tedious: tedious.TYPES.NVarChar,
        options: { length: MAX_LENGTH },
        value,
      };
    case 'varchar':
      return {
        mssql: mssql.VarChar(mssql.MAX),
        tedious: tedious.TYPES.VarChar,
        options: { length: MAX_LENGTH },
        value,
      };
    case 'date':
      return { mssql: mssql.Date, tedious: tedious.TYPES.Date, options: {}, value: dateValue(value) };
    case 'smalldatetime':
      return {
        mssql: mssql.SmallDateTime,
        tedious: tedious.TYPES.SmallDateTime,
        options: {},
        value: dateValue(value),
      };
    case 'datetime':
      return { mssql: mssql.DateTime, tedious: tedious.TYPES.DateTime, options: {}, value: dateValue(value) };
    case 'datetime2': {
      const scale = param.scale ?? 7;
      return {
        mssql: mssql.DateTime2(scale),
        tedious: tedious.TYPES.DateTime2,
        options: { scale },
        value: dateValue(value),
      };
    }
    case 'decimal': {
      const precision = param.precision ?? 38;
      const scale = param.scale ?? 0;
      return {
        mssql: mssql.Decimal(precision, scale),
        tedious: tedious.TYPES.Decimal,
        options: { precision, scale },
        value,
      };
    }
  }
}

/**
 * Binds a predicate's parameters to an `mssql` request (sent through `sp_executesql`).
 *
 * @example
 * bindParameters(pool.request(), { sql: '[Day] = @day', params: [{ name: 'day', type: 'date', value: '2024-01-31' }] });
 */
export function bindParameters(request: sql.Request, predicate: RowPredicate | undefined): void {
  for (const param of predicate?.params ?? []) {
    const bound = boundParam(param);
    request.input(param.name, bound.mssql, bound.value);
  }
}

/**
 * Binds a predicate's parameters to a `tedious` request, with the same SQL types as
 * {@link bindParameters}.
 */
export function bindTediousParameters(request: TediousRequest, predicate: RowPredicate | undefined): void {
  for (const param of predicate?.params ?? []) {
    const bound = boundParam(param);
    request.addParameter(param.name, bound.tedious, bound.value, bound.options);
  }
}
