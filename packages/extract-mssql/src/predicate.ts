import type { Request as TediousRequest } from 'tedious';
import { tedious } from './driver.js';

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

/** A parameter as tedious's `Request.addParameter` takes it: name, type, value and size options. */
export interface BoundParameter {
  readonly name: string;
  readonly type: TediousDataType;
  readonly value: string | number | Date | null;
  readonly options: { length?: number; precision?: number; scale?: number };
}

type TediousDataType = (typeof tedious.TYPES)[keyof typeof tedious.TYPES];

/** nvarchar(max) / varchar(max): the length tedious declares as `(max)`. */
const MAX_LENGTH = 65_535;

function boundParameter(param: QueryParam): BoundParameter {
  const { name } = param;
  const value = typeof param.value === 'bigint' ? param.value.toString() : param.value;
  const { TYPES } = tedious;
  switch (param.type) {
    case 'bit':
      return { name, type: TYPES.Bit, options: {}, value };
    case 'tinyint':
      return { name, type: TYPES.TinyInt, options: {}, value };
    case 'smallint':
      return { name, type: TYPES.SmallInt, options: {}, value };
    case 'int':
      return { name, type: TYPES.Int, options: {}, value };
    case 'bigint':
      return { name, type: TYPES.BigInt, options: {}, value };
    case 'nvarchar':
      return { name, type: TYPES.NVarChar, options: { length: MAX_LENGTH }, value };
    case 'varchar':
      return { name, type: TYPES.VarChar, options: { length: MAX_LENGTH }, value };
    case 'date':
      return { name, type: TYPES.Date, options: {}, value: dateValue(value) };
    case 'smalldatetime':
      return { name, type: TYPES.SmallDateTime, options: {}, value: dateValue(value) };
    case 'datetime':
      return { name, type: TYPES.DateTime, options: {}, value: dateValue(value) };
    case 'datetime2':
      return { name, type: TYPES.DateTime2, options: { scale: param.scale ?? 7 }, value: dateValue(value) };
    case 'decimal':
      return {
        name,
        type: TYPES.Decimal,
        options: { precision: param.precision ?? 38, scale: param.scale ?? 0 },
        value,
      };
  }
}

/**
 * A predicate's parameters as tedious binds them (the request then goes out as `sp_executesql`
 * with their declarations).
 *
 * @example
 * predicateParameters({ sql: '[Day] = @day', params: [{ name: 'day', type: 'date', value: '2024-01-31' }] })
 * // [{ name: 'day', type: TYPES.Date, value: Date(2024-01-31), options: {} }]
 */
export function predicateParameters(predicate: RowPredicate | undefined): BoundParameter[] {
  return (predicate?.params ?? []).map(boundParameter);
}

/** Adds bound parameters to a tedious request. */
export function addParameters(request: TediousRequest, parameters: readonly BoundParameter[]): void {
  for (const p of parameters) {
    request.addParameter(p.name, p.type, p.value, p.options);
  }
}
