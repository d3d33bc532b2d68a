import type { SourceSchema } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import type { ConnectionPool } from './connection-pool.js';
import { tedious } from './driver.js';
import { withOffsetCompanions } from './offset-companion.js';
import { queryRows } from './query-rows.js';
import {
  type CatalogColumn,
  type ColumnOptions,
  type MappedColumn,
  mapColumn,
  type UnsupportedTypePolicy,
} from './type-mapping.js';

/** Catalog query for a table's columns; names are bound parameters, never concatenated. */
export const COLUMNS_QUERY = `SELECT c.column_id, c.name, t.name AS type_name, c.max_length, c.precision, c.scale, c.is_nullable
FROM sys.columns AS c
JOIN sys.types AS t ON t.user_type_id = c.user_type_id
JOIN sys.tables AS tb ON tb.object_id = c.object_id
JOIN sys.schemas AS s ON s.schema_id = tb.schema_id
WHERE s.name = @schema AND tb.name = @table
ORDER BY c.column_id;`;

/** A table's schema plus how each column is read. */
export interface TableReadPlan {
  readonly schema: SourceSchema;
  readonly columns: readonly MappedColumn[];
}

/** Options for {@link describeTable}. */
export interface DescribeOptions {
  /** Per-column options keyed by column name. */
  readonly columns?: Readonly<Record<string, ColumnOptions>>;
  /** Defaults to `error`. */
  readonly unsupportedTypes?: UnsupportedTypePolicy;
}

/**
 * Runs a catalog query about one table (its `@schema` and `@table` bound as nvarchar(128)) and
 * returns its rows; driver errors name the table.
 */
export function tableCatalogQuery(
  pool: ConnectionPool,
  statement: string,
  schemaName: string,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const sysname = { length: 128 };
  return queryRows(
    pool,
    statement,
    [
      { name: 'schema', type: tedious.TYPES.NVarChar, value: schemaName, options: sysname },
      { name: 'table', type: tedious.TYPES.NVarChar, value: tableName, options: sysname },
    ],
    `${schemaName}.${tableName}`,
  );
}

/**
 * Reads a table's columns from the catalog and maps each to its lake type; each `datetimeoffset`
 * column is followed by its offset companion (`<column>_offset_minutes`, see
 * {@link withOffsetCompanions}).
 *
 * @example
 * const plan = await describeTable(pool, 'sales', 'Orders'); // pool: a ConnectionPool
 * plan.schema.columns.map((c) => c.name);
 */
export async function describeTable(
  pool: ConnectionPool,
  schemaName: string,
  tableName: string,
  options: DescribeOptions = {},
): Promise<TableReadPlan> {
  const tableId = `${schemaName}.${tableName}`;
  const rows = await tableCatalogQuery(pool, COLUMNS_QUERY, schemaName, tableName);
  if (rows.length === 0) {
    throw new SqlSyncError(
      'SOURCE_SCHEMA',
      `${tableId}: table not found in the source database (check schema_name and table_name, and that the login can see it)`,
      { context: { table: tableId } },
    );
  }
  for (const name of Object.keys(options.columns ?? {})) {
    if (!rows.some((row) => row.name === name)) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${tableId}: columns.${name} names a column the table does not have`,
        {
          context: { table: tableId, column: name, configPath: `columns.${name}` },
        },
      );
    }
  }
  const mappedColumns: MappedColumn[] = [];
  for (const row of rows) {
    const catalog: CatalogColumn = {
      name: String(row.name),
      typeName: String(row.type_name),
      maxLength: Number(row.max_length),
      precision: Number(row.precision),
      scale: Number(row.scale),
      nullable: row.is_nullable === true || row.is_nullable === 1,
    };
    const mapped = mapColumn(catalog, tableId, options.columns?.[catalog.name], options.unsupportedTypes);
    if (mapped !== undefined) {
      mappedColumns.push(mapped);
    }
  }
  const columns = withOffsetCompanions(mappedColumns, tableId);
  return {
    schema: { schemaName, tableName, columns: columns.map((c) => c.column) },
    columns,
  };
}
