import type { TableReadPlan } from './catalog.js';
import type { QueryParam, QueryParamType, RowPredicate } from './predicate.js';
import { quoteIdentifier } from './tsql.js';

/**
 * SQL Server allows 2,100 parameters per request; a key predicate binds at most this many, leaving
 * room for the parameters of `custom_where_clause`-free statements and the driver's own.
 */
export const MAX_KEY_PARAMETERS = 2000;

/** How a key value (as text) is bound: the parameter type and its conversion from text. */
interface KeyBinding {
  readonly type: QueryParamType;
  readonly value: (text: string) => QueryParam['value'];
  readonly precision?: number;
  readonly scale?: number;
}

function bindingOf(column: TableReadPlan['schema']['columns'][number]): KeyBinding | undefined {
  switch (column.sqlType) {
    case 'bit':
      return { type: 'bit', value: (t) => (t === 'true' || t === '1' ? 1 : 0) };
    case 'tinyint':
    case 'smallint':
    case 'int':
      return { type: column.sqlType, value: Number };
    case 'bigint':
      return { type: 'bigint', value: (t) => t };
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
      // nvarchar for all: a varchar parameter would go through a code page in the driver.
      return { type: 'nvarchar', value: (t) => t };
    case 'date':
      return { type: 'date', value: (t) => t };
    case 'decimal':
    case 'numeric':
      // The driver sends a decimal parameter from a double: exact up to 15 digits only.
      return column.precision <= 15
        ? { type: 'decimal', value: Number, precision: column.precision, scale: column.scale }
        : undefined;
    default:
      return undefined;
  }
}

/**
 * Why the rows of some keys cannot be read by binding key values, or `undefined` when they can:
 * the key columns must be integers, bit, (n)char/(n)varchar, date, or decimals of at most 15 digits
 * (values the driver binds exactly). The caller then reads the whole table instead.
 *
 * @example
 * keyBindingProblem(plan, ['At']) // 'key column At is datetime2, whose values cannot be bound exactly'
 */
export function keyBindingProblem(plan: TableReadPlan, keyColumns: readonly string[]): string | undefined {
  for (const name of keyColumns) {
    const column = plan.schema.columns.find((c) => c.name === name);
    if (column === undefined) {
      return `key column ${name} is not read`;
    }
    if (bindingOf(column) === undefined) {
      const type =
        column.sqlType === 'decimal' || column.sqlType === 'numeric'
          ? `${column.sqlType}(${column.precision},${column.scale})`
          : column.sqlType;
      return `key column ${name} is ${type}, whose values cannot be bound exactly`;
    }
  }
  return undefined;
}

/**
 * Predicates selecting the rows of the given keys, each binding at most `maxParameters` values:
 * `[Id] IN (@k0, @k1, …)` for one key column, `([A] = @k0_0 AND [B] = @k0_1) OR (…)` for several
 * (each column compared on its own: never a joined string). A NULL value is `IS NULL`. Key values
 * are text as DuckDB prints the lake's values (`true`, `42`, `2024-01-31`, `1.50`); check
 * {@link keyBindingProblem} first.
 *
 * @example
 * keyPredicates(plan, ['Code'], [['EUR'], ['USD']])
 * // [{ sql: '[Code] IN (@k0, @k1)', params: [{ name: 'k0', type: 'nvarchar', value: 'EUR' }, …] }]
 */
export function keyPredicates(
  plan: TableReadPlan,
  keyColumns: readonly string[],
  keys: readonly (readonly (string | null)[])[],
  maxParameters = MAX_KEY_PARAMETERS,
): RowPredicate[] {
  const bindings = keyColumns.map((name) => {
    const column = plan.schema.columns.find((c) => c.name === name);
    const binding = column === undefined ? undefined : bindingOf(column);
    if (binding === undefined) {
      throw new RangeError(keyBindingProblem(plan, keyColumns) ?? `key column ${name} cannot be bound`);
    }
    return { quoted: quoteIdentifier(name), binding };
  });
  const perKey = Math.max(1, keyColumns.length);
  const keysPerChunk = Math.max(1, Math.floor(maxParameters / perKey));
  const predicates: RowPredicate[] = [];
  for (let start = 0; start < keys.length; start += keysPerChunk) {
    const chunk = keys.slice(start, start + keysPerChunk);
    const params: QueryParam[] = [];
    const bind = (row: number, col: number, text: string): string => {
      const { binding } = bindings[col] as (typeof bindings)[number];
      const name = bindings.length === 1 ? `k${row}` : `k${row}_${col}`;
      params.push({
        name,
        type: binding.type,
        value: binding.value(text),
        ...(binding.precision === undefined ? {} : { precision: binding.precision, scale: binding.scale }),
      });
      return `@${name}`;
    };
    let sql: string;
    if (bindings.length === 1) {
      const quoted = (bindings[0] as (typeof bindings)[number]).quoted;
      const values = chunk.flatMap((key, row) => (key[0] == null ? [] : [bind(row, 0, key[0])]));
      const terms = [
        ...(values.length === 0 ? [] : [`${quoted} IN (${values.join(', ')})`]),
        ...(chunk.some((key) => key[0] == null) ? [`${quoted} IS NULL`] : []),
      ];
      sql = terms.join(' OR ');
    } else {
      sql = chunk
        .map((key, row) => {
          const terms = bindings.map(({ quoted }, col) => {
            const text = key[col];
            return text == null ? `${quoted} IS NULL` : `${quoted} = ${bind(row, col, text)}`;
          });
          return `(${terms.join(' AND ')})`;
        })
        .join(' OR ');
    }
    predicates.push({ sql, params });
  }
  return predicates;
}
