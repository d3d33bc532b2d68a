import { type SourceColumn, SqlSyncError } from '@sync/core';
import { boundaryValueSql, type PartitionParameterType } from './partition-boundary.js';
import type { QueryParam, QueryParamType, RowPredicate } from './predicate.js';
import { quoteIdentifier } from './tsql.js';

/** Calendar buckets of a date/time partition column. */
export type PartitionGranularity = 'day' | 'month' | 'year';

/** A partition function and scheme a table is stored on (its heap or clustered index). */
export interface SourcePartitionScheme {
  readonly schemeName: string;
  readonly functionName: string;
  /** `sys.partition_functions.function_id`. */
  readonly functionId: number;
  /** `boundary_value_on_right`: RANGE RIGHT (true) or RANGE LEFT (false). */
  readonly rangeRight: boolean;
  /** The partitioning column, as SQL Server names it. */
  readonly column: string;
  /** The function's parameter type (the boundaries' and the column's). */
  readonly parameterType: PartitionParameterType;
  /** Its T-SQL declaration, e.g. `datetime2(3)`. */
  readonly parameterDeclaration: string;
  /**
   * Boundary values in `boundary_id` order as exact text (`boundaryTextSql`: dates `2024-01-01`,
   * datetimes ISO 8601 with every fractional digit of the type, numbers as text). There is one
   * more partition than boundaries: partition n lies between boundaries n-1 and n, and is known by
   * its lower boundary (the first partition by none: `null`).
   */
  readonly boundaries: readonly string[];
}

/**
 * How a table's rows are split into partitions; plain data (it is recorded in state and the
 * run summary).
 *
 * - `scheme`: the table's own partition scheme; one partition per partition number, as
 *   `$PARTITION` assigns rows.
 * - `granularity`: no scheme; one partition per day, month or year of a date/time column.
 * - `value`: no scheme, no granularity; one partition per distinct value.
 */
export type PartitionSpec =
  | { readonly mode: 'scheme'; readonly column: string; readonly scheme: SourcePartitionScheme }
  | {
      readonly mode: 'granularity';
      readonly column: string;
      readonly columnType: QueryParamType;
      /** Fractional-second digits of a datetime2 column. */
      readonly scale: number;
      readonly granularity: PartitionGranularity;
    }
  | {
      readonly mode: 'value';
      readonly column: string;
      readonly columnType: QueryParamType;
    };

/** What the configuration asks for; the catalog decides the rest. */
export interface PartitioningRequest {
  readonly column: string;
  readonly granularity?: PartitionGranularity;
  /** A configured function or scheme name must be the one the table is stored on. */
  readonly partitionFunction?: string;
  readonly partitionScheme?: string;
}

const GRANULARITY_TYPES: Readonly<Record<string, QueryParamType>> = {
  date: 'date',
  smalldatetime: 'smalldatetime',
  datetime: 'datetime',
  datetime2: 'datetime2',
};

const VALUE_TYPES: Readonly<Record<string, QueryParamType>> = {
  bit: 'bit',
  tinyint: 'tinyint',
  smallint: 'smallint',
  int: 'int',
  bigint: 'bigint',
  date: 'date',
  char: 'varchar',
  varchar: 'varchar',
  nchar: 'nvarchar',
  nvarchar: 'nvarchar',
};

/**
 * Chooses how to partition a table: its partition scheme when it has one (over the configured
 * column), else calendar buckets when a granularity is configured, else one partition per value.
 * Throws `CONFIG_INVALID` naming the config field when the column or its type does not fit.
 *
 * @example
 * const spec = partitionSpecFor('sales.Orders', columns, { column: 'OrderDate', granularity: 'month' }, undefined);
 * spec.mode // 'granularity'
 */
export function partitionSpecFor(
  tableId: string,
  columns: readonly SourceColumn[],
  request: PartitioningRequest,
  scheme: SourcePartitionScheme | undefined,
): PartitionSpec {
  const fail = (message: string, configPath: string): SqlSyncError =>
    new SqlSyncError('CONFIG_INVALID', `${tableId}: ${message}`, {
      context: { table: tableId, column: request.column, configPath },
    });
  const column = columns.find((c) => c.name.toLowerCase() === request.column.toLowerCase());
  if (column === undefined) {
    throw fail(`partition_column ${request.column} is not a column of the table`, 'partition_column');
  }
  if (scheme !== undefined) {
    if (scheme.column.toLowerCase() !== column.name.toLowerCase()) {
      throw fail(
        `the table is stored on partition scheme ${scheme.schemeName} over column ${scheme.column}, but partition_column is ${column.name}; set partition_column: ${scheme.column}`,
        'partition_column',
      );
    }
    for (const [field, configured, actual] of [
      ['partition_function', request.partitionFunction, scheme.functionName],
      ['partition_scheme', request.partitionScheme, scheme.schemeName],
    ] as const) {
      if (configured !== undefined && configured.toLowerCase() !== actual.toLowerCase()) {
        throw fail(`${field} is ${configured}, but the table is stored on ${actual}`, field);
      }
    }
    return { mode: 'scheme', column: column.name, scheme };
  }
  if (request.partitionFunction !== undefined || request.partitionScheme !== undefined) {
    throw fail(
      `partition_function/partition_scheme are configured, but the table is not stored on a partition scheme`,
      request.partitionScheme === undefined ? 'partition_function' : 'partition_scheme',
    );
  }
  if (request.granularity !== undefined) {
    const columnType = GRANULARITY_TYPES[column.sqlType];
    if (columnType === undefined) {
      throw fail(
        `granularity ${request.granularity} needs a date, datetime, datetime2 or smalldatetime partition_column; ${column.name} is ${column.sqlType}`,
        'granularity',
      );
    }
    return {
      mode: 'granularity',
      column: column.name,
      columnType,
      scale: column.scale,
      granularity: request.granularity,
    };
  }
  const columnType = VALUE_TYPES[column.sqlType];
  if (columnType === undefined || column.maxLength === -1) {
    throw fail(
      `one lake partition per value needs an integer, bit, date or (n)char/(n)varchar(n) partition_column; ${column.name} is ${column.sqlType}${column.maxLength === -1 ? '(max)' : ''}: set granularity (day, month, year) for date/time columns`,
      'partition_column',
    );
  }
  return { mode: 'value', column: column.name, columnType };
}

/**
 * A one-line description of the partitioning, for logs and the run summary.
 *
 * @example
 * describePartitionSpec(spec) // 'granularity month over [OrderDate] (datetime2)'
 */
export function describePartitionSpec(spec: PartitionSpec): string {
  switch (spec.mode) {
    case 'scheme': {
      const s = spec.scheme;
      return `source partition scheme ${s.schemeName} (function ${s.functionName}, RANGE ${s.rangeRight ? 'RIGHT' : 'LEFT'}, ${s.boundaries.length} boundaries, ${s.boundaries.length + 1} partitions) over [${spec.column}]`;
    }
    case 'granularity':
      return `granularity ${spec.granularity} over [${spec.column}] (${spec.columnType}), no source partition scheme`;
    case 'value':
      return `one partition per value of [${spec.column}] (${spec.columnType}), no source partition scheme`;
  }
}

/**
 * The expressions a partition's key is grouped by (a comma-separated list), and the text of the
 * key as the fingerprint query returns it, built from them: the partition number, the bucket's
 * first day (`yyyy-mm-dd`), or the value.
 */
export function partitionKeyExpressions(spec: PartitionSpec): { group: string; text: string } {
  const column = quoteIdentifier(spec.column);
  switch (spec.mode) {
    case 'scheme': {
      const group = `$PARTITION.${quoteIdentifier(spec.scheme.functionName)}(${column})`;
      return { group, text: group };
    }
    case 'granularity': {
      if (spec.granularity === 'day') {
        const day = `CAST(${column} AS date)`;
        // Style 23 is yyyy-mm-dd whatever the session's language and date format.
        return { group: day, text: `CONVERT(char(10), ${day}, 23)` };
      }
      // Grouped by integers, and the bucket's first day built once per group rather than per row:
      // DATEFROMPARTS per row made the no-change fingerprint of a 5 M-row table ~5x slower (emulator).
      const year = `YEAR(${column})`;
      const month = spec.granularity === 'month' ? `MONTH(${column})` : '1';
      return {
        group: spec.granularity === 'month' ? `${year}, ${month}` : year,
        text: `CONVERT(char(10), DATEFROMPARTS(${year}, ${month}, 1), 23)`,
      };
    }
    case 'value':
      switch (spec.columnType) {
        case 'date':
          return { group: column, text: `CONVERT(char(10), ${column}, 23)` };
        case 'varchar':
        case 'nvarchar':
          return { group: column, text: column };
        default:
          return { group: column, text: `CONVERT(varchar(20), ${column})` };
      }
  }
}

/** The last day each type can hold, as `yyyy-mm-dd`. */
const LAST_DAY: Readonly<Partial<Record<QueryParamType, string>>> = { smalldatetime: '2079-06-06' };

/** The first day of the next bucket, or undefined past 9999-12-31. */
export function nextBucketStart(start: string, granularity: PartitionGranularity): string | undefined {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0-99 to 1900-1999.
  const date = new Date(0);
  if (granularity === 'day') {
    date.setUTCFullYear(y, m - 1, d + 1);
  } else if (granularity === 'month') {
    date.setUTCFullYear(y, m, 1);
  } else {
    date.setUTCFullYear(y + 1, 0, 1);
  }
  const year = date.getUTCFullYear();
  if (year > 9999) {
    return undefined;
  }
  return `${String(year).padStart(4, '0')}-${String(date.getUTCMonth() + 1).padStart(2, '0')}-${String(date.getUTCDate()).padStart(2, '0')}`;
}

/**
 * The rows of one partition of a source scheme, known by its lower boundary (`null`: the first
 * partition): the range between its boundaries, compared as the function compares (RANGE RIGHT:
 * `lo <= col < hi`; RANGE LEFT: `lo < col <= hi`), the first partition with the NULLs, as
 * `$PARTITION` puts them. Bounded by values rather than by partition number, the predicate reads
 * the same rows when a SPLIT or MERGE RANGE renumbers partitions between the snapshot and the read.
 */
function schemePartitionPredicate(
  scheme: SourcePartitionScheme,
  column: string,
  key: string | null,
): RowPredicate {
  const bounds = scheme.boundaries;
  const index = key === null ? 0 : bounds.indexOf(key) + 1;
  if (index === 0 && key !== null) {
    throw new RangeError(`${key} is not a boundary of partition function ${scheme.functionName}`);
  }
  const lo = index === 0 ? undefined : bounds[index - 1];
  const hi = bounds[index];
  const value = (name: string): string =>
    boundaryValueSql(`@${name}`, scheme.parameterType, scheme.parameterDeclaration);
  const parts: string[] = [];
  const params: QueryParam[] = [];
  if (lo !== undefined) {
    parts.push(`${column} ${scheme.rangeRight ? '>=' : '>'} ${value('partition_lo')}`);
    params.push({ name: 'partition_lo', type: 'nvarchar', value: lo });
  }
  if (hi !== undefined) {
    parts.push(`${column} ${scheme.rangeRight ? '<' : '<='} ${value('partition_hi')}`);
    params.push({ name: 'partition_hi', type: 'nvarchar', value: hi });
  }
  if (parts.length === 0) {
    return { sql: '1 = 1' };
  }
  const range = parts.join(' AND ');
  return { sql: index === 0 ? `(${range} OR ${column} IS NULL)` : range, params };
}

/**
 * The rows of one partition, as a predicate SQL Server can eliminate partitions or seek an index
 * with: for a scheme, the range between the partition's boundaries (see `schemePartitionPredicate`;
 * `key` is its lower boundary); a half-open range
 * `[col] >= @partition_lo AND [col] < @partition_hi`, typed as the column, for a calendar bucket;
 * `[col] = @partition_value` for a value; `[col] IS NULL` for the NULL partition (`key` null;
 * under a scheme `null` is the first partition, NULLs included). Parameter values are JSON-safe
 * (numbers and text).
 *
 * @example
 * partitionPredicate(monthSpec, '2024-01-01')
 * // { sql: '[OrderDate] >= @partition_lo AND [OrderDate] < @partition_hi', params: [lo 2024-01-01, hi 2024-02-01] }
 */
export function partitionPredicate(spec: PartitionSpec, key: string | null): RowPredicate {
  const column = quoteIdentifier(spec.column);
  if (spec.mode === 'scheme') {
    return schemePartitionPredicate(spec.scheme, column, key);
  }
  if (key === null) {
    return { sql: `${column} IS NULL` };
  }
  if (spec.mode === 'value') {
    const numeric = ['bit', 'tinyint', 'smallint', 'int'].includes(spec.columnType);
    return {
      sql: `${column} = @partition_value`,
      params: [{ name: 'partition_value', type: spec.columnType, value: numeric ? Number(key) : key }],
    };
  }
  const bound = (day: string): string => (spec.columnType === 'date' ? day : `${day}T00:00:00.000Z`);
  const param = (name: string, day: string) => ({
    name,
    type: spec.columnType,
    value: bound(day),
    ...(spec.columnType === 'datetime2' ? { scale: spec.scale } : {}),
  });
  const next = nextBucketStart(key, spec.granularity);
  const last = LAST_DAY[spec.columnType];
  if (next === undefined || (last !== undefined && next > last)) {
    return { sql: `${column} >= @partition_lo`, params: [param('partition_lo', key)] };
  }
  return {
    sql: `${column} >= @partition_lo AND ${column} < @partition_hi`,
    params: [param('partition_lo', key), param('partition_hi', next)],
  };
}
