import { SqlSyncError } from '@sync/core';
import { type TableReadPlan, tableCatalogQuery } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';
import { tedious } from './driver.js';
import {
  boundaryTextSql,
  type PartitionParameterType,
  parameterTypeDeclaration,
} from './partition-boundary.js';
import {
  type PartitionSpec,
  partitionKeyExpressions,
  partitionPredicate,
  type SourcePartitionScheme,
} from './partitioning.js';
import { predicateParameters, type RowPredicate } from './predicate.js';
import { queryRows } from './query-rows.js';
import { rowHashFoldExpression } from './row-hash.js';
import { qualifiedName, quoteIdentifier } from './tsql.js';

/**
 * The partition scheme and function a table's data (heap or clustered index: index_id 0 or 1)
 * is stored on, with the column it is partitioned by (`partition_ordinal` 1) and the function's
 * parameter type. No row: the table is not partitioned.
 */
export const PARTITION_SCHEME_QUERY = `SELECT ps.name AS scheme_name, pf.name AS function_name, pf.function_id,
  pf.boundary_value_on_right, c.name AS column_name, ty.name AS parameter_type, pp.max_length, pp.precision, pp.scale
FROM sys.tables AS t
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
JOIN sys.indexes AS i ON i.object_id = t.object_id AND i.index_id IN (0, 1)
JOIN sys.partition_schemes AS ps ON ps.data_space_id = i.data_space_id
JOIN sys.partition_functions AS pf ON pf.function_id = ps.function_id
JOIN sys.partition_parameters AS pp ON pp.function_id = pf.function_id AND pp.parameter_id = 1
JOIN sys.types AS ty ON ty.user_type_id = pp.system_type_id
JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id AND ic.partition_ordinal = 1
JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
WHERE s.name = @schema AND t.name = @table;`;

/**
 * A partition function's boundaries in order, each an exact text: `sys.partition_range_values.value`
 * is a sql_variant, cast back to the parameter type and converted with a style that keeps every
 * digit (see `boundaryTextSql`) — the driver's own decoding of a sql_variant datetime2 would drop
 * the digits below the millisecond.
 *
 * @example
 * partitionBoundariesQuery({ name: 'date', maxLength: 3, precision: 10, scale: 0 }, 'date')
 */
export function partitionBoundariesQuery(type: PartitionParameterType, declaration: string): string {
  return `SELECT prv.boundary_id, ${boundaryTextSql(`CAST(prv.value AS ${declaration})`, type)} AS [value]
FROM sys.partition_range_values AS prv
WHERE prv.function_id = @function_id
ORDER BY prv.boundary_id;`;
}

async function schemeBoundaries(
  pool: ConnectionPool,
  functionId: number,
  type: PartitionParameterType,
  declaration: string,
  tableId: string,
): Promise<string[]> {
  const rows = await queryRows(
    pool,
    partitionBoundariesQuery(type, declaration),
    [{ name: 'function_id', type: tedious.TYPES.Int, value: functionId, options: {} }],
    tableId,
  );
  return rows.map((b) => {
    if (b.value === null || b.value === undefined) {
      throw new SqlSyncError(
        'SOURCE_SCHEMA',
        `${tableId}: its partition function has a NULL boundary value; lake partitions are labelled by boundary values, so a NULL boundary is not supported`,
        { context: { table: tableId } },
      );
    }
    return String(b.value);
  });
}

/** Rows per partition number from the storage engine's metadata (heap or clustered index). */
export const PARTITION_ROWS_QUERY = `SELECT p.partition_number, SUM(p.row_count) AS row_count
FROM sys.dm_db_partition_stats AS p
JOIN sys.tables AS t ON t.object_id = p.object_id
JOIN sys.schemas AS s ON s.schema_id = t.schema_id
WHERE s.name = @schema AND t.name = @table AND p.index_id IN (0, 1)
GROUP BY p.partition_number;`;

/** One partition of the source as it is now: its key, fingerprint and the predicate that reads it. */
export interface SourcePartition {
  /**
   * `scheme`: the partition's lower boundary as exact text (`null`: the first partition, which
   * has none and holds the NULLs); `granularity`: the bucket's first day (`yyyy-mm-dd`);
   * `value`: the value as text. `null` otherwise: the rows whose partition column is NULL.
   */
  readonly key: string | null;
  /** `scheme` only: the partition number as of the snapshot (it changes with SPLIT/MERGE RANGE). */
  readonly partitionNumber?: number;
  /** COUNT_BIG(*) as text. */
  readonly rowCount: string;
  /** MAX of the last-modified column as text (ISO 8601 for dates); absent when none is configured. */
  readonly maxModified?: string | null;
  /**
   * The partition's rows folded into one order-independent value: the exact sum of a 64-bit slice
   * of each row's SHA-256 over every column (see `row-hash.ts`), as text.
   */
  readonly rowHashSum: string | null;
  /** `scheme` only: rows of the partition in `sys.dm_db_partition_stats`. */
  readonly catalogRows?: string;
  /** `scheme` only: the boundaries below and above the partition (null: unbounded). */
  readonly lowerBoundary?: string | null;
  readonly upperBoundary?: string | null;
  /** The rows of this partition; JSON-safe. */
  readonly predicate: RowPredicate;
}

/** Options of {@link sourcePartitions}. */
export interface SourcePartitionsOptions {
  /** A column whose MAX per partition joins the fingerprint. */
  readonly lastModifiedColumn?: string;
  /** A predicate ANDed to the query (the table's `custom_where_clause`). */
  readonly where?: RowPredicate;
}

function text(value: unknown): string | null {
  if (value === null || value === undefined) {
    return null;
  }
  if (value instanceof Date) {
    return value.toISOString();
  }
  if (Buffer.isBuffer(value)) {
    return `0x${value.toString('hex').toUpperCase()}`;
  }
  return String(value);
}

/**
 * Finds the partition scheme a table is stored on, with its function's boundaries; `undefined`
 * for a table that is not partitioned.
 *
 * @example
 * const scheme = await sourcePartitionScheme(pool, 'sales', 'Orders');
 * scheme?.boundaries.length // 24
 */
export async function sourcePartitionScheme(
  pool: ConnectionPool,
  schemaName: string,
  tableName: string,
): Promise<SourcePartitionScheme | undefined> {
  const tableId = `${schemaName}.${tableName}`;
  const rows = await tableCatalogQuery(pool, PARTITION_SCHEME_QUERY, schemaName, tableName);
  const row = rows[0];
  if (row === undefined) {
    return undefined;
  }
  const parameterType: PartitionParameterType = {
    name: String(row.parameter_type),
    maxLength: Number(row.max_length),
    precision: Number(row.precision),
    scale: Number(row.scale),
  };
  const parameterDeclaration = parameterTypeDeclaration(parameterType, tableId);
  const functionId = Number(row.function_id);
  return {
    schemeName: String(row.scheme_name),
    functionName: String(row.function_name),
    functionId,
    rangeRight: row.boundary_value_on_right === true || row.boundary_value_on_right === 1,
    column: String(row.column_name),
    parameterType,
    parameterDeclaration,
    boundaries: await schemeBoundaries(pool, functionId, parameterType, parameterDeclaration, tableId),
  };
}

/**
 * The fingerprint query: one GROUP BY over the partition key computing COUNT_BIG(*), the fold of
 * the rows' SHA-256 hashes ({@link rowHashFoldExpression}: unlike CHECKSUM_AGG's XOR, a column set
 * to one value on an even number of rows moves it) and MAX of the last-modified column, ordered
 * by key (NULL first).
 * The MAX is returned as text (ISO 8601 for date/time types, `0x…` for binary and rowversion) so
 * no digit is lost in the driver.
 *
 * @example
 * partitionFingerprintStatement(plan, spec, { lastModifiedColumn: 'ModifiedAt' })
 */
export function partitionFingerprintStatement(
  plan: TableReadPlan,
  spec: PartitionSpec,
  options: SourcePartitionsOptions = {},
): string {
  const key = partitionKeyExpressions(spec);
  const parts = [
    `${key.text} AS [partition_key]`,
    'COUNT_BIG(*) AS [row_count]',
    `${rowHashFoldExpression(plan.schema.columns, 'hashbytes_sha256')} AS [row_hash_sum]`,
  ];
  if (options.lastModifiedColumn !== undefined) {
    const column = plan.schema.columns.find((c) => c.name === options.lastModifiedColumn);
    if (column === undefined) {
      const tableId = `${plan.schema.schemaName}.${plan.schema.tableName}`;
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${tableId}: last_modified_column ${options.lastModifiedColumn} is not a column of the table`,
        { context: { table: tableId, configPath: 'last_modified_column' } },
      );
    }
    const max = `MAX(${quoteIdentifier(column.name)})`;
    const style = ['date', 'datetime', 'datetime2', 'smalldatetime', 'datetimeoffset'].includes(
      column.sqlType,
    )
      ? `CONVERT(varchar(40), ${max}, 126)`
      : ['binary', 'varbinary', 'timestamp', 'rowversion'].includes(column.sqlType)
        ? `CONVERT(varchar(100), ${max}, 1)`
        : `CONVERT(nvarchar(400), ${max})`;
    parts.push(`${style} AS [max_modified]`);
  }
  const where = options.where === undefined ? '' : ` WHERE ${options.where.sql}`;
  return `SELECT ${parts.join(', ')} FROM ${qualifiedName(plan.schema.schemaName, plan.schema.tableName)}${where} GROUP BY ${key.group} ORDER BY ${key.group};`;
}

/**
 * The table's partitions that hold rows, in key order (NULL first), each with its fingerprint
 * and predicate; for a scheme, joined with the catalog's rows per partition and boundaries.
 *
 * @example
 * for (const p of await sourcePartitions(pool, plan, spec)) console.log(p.key, p.rowCount, p.rowHashSum);
 */
export async function sourcePartitions(
  pool: ConnectionPool,
  plan: TableReadPlan,
  spec: PartitionSpec,
  options: SourcePartitionsOptions = {},
): Promise<SourcePartition[]> {
  const { schemaName, tableName } = plan.schema;
  const tableId = `${schemaName}.${tableName}`;
  const rows = await queryRows(
    pool,
    partitionFingerprintStatement(plan, spec, options),
    predicateParameters(options.where),
    tableId,
  );
  let catalogRows = new Map<string, string>();
  if (spec.mode === 'scheme') {
    const stats = await tableCatalogQuery(pool, PARTITION_ROWS_QUERY, schemaName, tableName);
    catalogRows = new Map(stats.map((s) => [String(s.partition_number), String(s.row_count)]));
    // Partition numbers are turned into boundaries with the boundaries read before the
    // fingerprint: a SPLIT or MERGE RANGE in between would pair rows with the wrong range.
    const scheme = spec.scheme;
    const now = await schemeBoundaries(
      pool,
      scheme.functionId,
      scheme.parameterType,
      scheme.parameterDeclaration,
      tableId,
    );
    if (JSON.stringify(now) !== JSON.stringify(scheme.boundaries)) {
      throw new SqlSyncError(
        'SOURCE_QUERY',
        `${tableId}: the boundaries of partition function ${scheme.functionName} changed while its partitions were fingerprinted (SPLIT or MERGE RANGE); read again`,
        { context: { table: tableId }, retryable: true },
      );
    }
  }
  return rows.map((row) => {
    const found = text(row.partition_key);
    const fingerprint = {
      rowCount: String(row.row_count),
      rowHashSum: text(row.row_hash_sum),
      ...(options.lastModifiedColumn === undefined ? {} : { maxModified: text(row.max_modified) }),
    };
    if (spec.mode !== 'scheme') {
      return { key: found, ...fingerprint, predicate: partitionPredicate(spec, found) };
    }
    // Partition n lies between boundaries n-1 and n; it is known by its lower boundary.
    const n = Number(found);
    const bounds = spec.scheme.boundaries;
    const key = n > 1 ? (bounds[n - 2] ?? null) : null;
    return {
      key,
      ...fingerprint,
      predicate: partitionPredicate(spec, key),
      partitionNumber: n,
      catalogRows: catalogRows.get(String(n)) ?? '0',
      lowerBoundary: key,
      upperBoundary: n <= bounds.length ? (bounds[n - 1] ?? null) : null,
    };
  });
}
