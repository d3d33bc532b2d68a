import { SqlSyncError } from '@sync/core';
import type { TableReadPlan } from './catalog.js';
import { rowHashBytes, rowHashExpression, rowSerialisationExpression } from './row-hash.js';
import type { TableHashAlgorithm } from './table-hash.js';
import { quoteIdentifier } from './tsql.js';
import type { MappedColumn } from './type-mapping.js';

/** The name of the row-hash column of a (key, row hash) read. */
export const ROW_HASH_COLUMN = 'sqlsync_row_hash';

/**
 * The T-SQL of one row's hash for `hash_algorithm`: HASHBYTES SHA2_256 (`binary(32)`) or MD5
 * (`binary(16)`) over the row's unambiguous serialisation, or for `checksum` BINARY_CHECKSUM of
 * that same serialisation (an `int`: cheaper, but two different rows collide with probability
 * 2⁻³²).
 *
 * @example
 * keyRowHashExpression(plan.schema.columns, 'checksum') // 'BINARY_CHECKSUM(CAST(… AS nvarchar(max)))'
 */
export function keyRowHashExpression(
  columns: TableReadPlan['schema']['columns'],
  algorithm: TableHashAlgorithm,
): string {
  return algorithm === 'checksum'
    ? `BINARY_CHECKSUM(${rowSerialisationExpression(columns)})`
    : rowHashExpression(columns, algorithm);
}

/**
 * A read plan for the (key, row hash) pairs of a table: the key columns, read exactly as the full
 * read reads them (same wire form and lake type, so they compare with the published rows' keys),
 * then {@link ROW_HASH_COLUMN}, the hash of every column of `plan` (see
 * {@link keyRowHashExpression}). Stream it with `SourceConnection.read`: one SELECT, one short row
 * per source row. Throws `CONFIG_INVALID` when a key column is not among the plan's columns.
 *
 * @example
 * const stream = source.read(keyHashReadPlan(plan, ['Id'], 'hashbytes_sha256'));
 * // SELECT [Id], CAST(HASHBYTES('SHA2_256', …) AS binary(32)) AS [sqlsync_row_hash] FROM [dbo].[T];
 */
export function keyHashReadPlan(
  plan: TableReadPlan,
  keyColumns: readonly string[],
  algorithm: TableHashAlgorithm,
): TableReadPlan {
  const tableId = `${plan.schema.schemaName}.${plan.schema.tableName}`;
  const keys = keyColumns.map((name) => {
    const column = plan.columns.find((c) => c.column.name === name);
    if (column === undefined || name === ROW_HASH_COLUMN) {
      throw new SqlSyncError(
        'CONFIG_INVALID',
        `${tableId}: key column ${name} is not a column the table is read with${name === ROW_HASH_COLUMN ? ` (${ROW_HASH_COLUMN} is sqlsync's own)` : ''}`,
        { context: { table: tableId, column: name, configPath: 'primary_key_columns' } },
      );
    }
    return column;
  });
  const checksum = algorithm === 'checksum';
  const hash: MappedColumn = {
    column: {
      name: ROW_HASH_COLUMN,
      sqlType: checksum ? 'int' : 'binary',
      maxLength: checksum ? 4 : rowHashBytes(algorithm),
      precision: 0,
      scale: 0,
      nullable: false,
      lakeType: checksum ? { kind: 'int32' } : { kind: 'binary' },
    },
    selectExpression: `${keyRowHashExpression(plan.schema.columns, algorithm)} AS ${quoteIdentifier(ROW_HASH_COLUMN)}`,
    decoder: checksum ? 'number' : 'binary',
  };
  const columns = [...keys, hash];
  return { schema: { ...plan.schema, columns: columns.map((c) => c.column) }, columns };
}
