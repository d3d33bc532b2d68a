import { SqlSyncError } from '@sync/core';
import { quoteIdentifier } from './tsql.js';
import type { MappedColumn } from './type-mapping.js';

// A datetimeoffset is an instant plus the offset it was written at. The lake's TIMESTAMPTZ keeps
// only the instant (Parquet's timestamp has no offset field), so the offset travels in a column of
// its own right after it. Both are read on the same row of the same SELECT, so they always agree.

/**
 * Suffix of the companion column that holds a `datetimeoffset` column's offset in minutes:
 * `[At] datetimeoffset(7)` reaches the lake as `At` (TIMESTAMPTZ, the UTC instant) and
 * `At_offset_minutes` (SMALLINT, −840 … 840, NULL where `At` is NULL).
 *
 * @example
 * `${'At'}${OFFSET_COLUMN_SUFFIX}` // 'At_offset_minutes'
 */
export const OFFSET_COLUMN_SUFFIX = '_offset_minutes';

/**
 * The lake name of a `datetimeoffset` column's offset companion.
 *
 * @example
 * offsetColumnName('OrderedAt') // 'OrderedAt_offset_minutes'
 */
export function offsetColumnName(columnName: string): string {
  return `${columnName}${OFFSET_COLUMN_SUFFIX}`;
}

/**
 * The companion of a mapped `datetimeoffset` column: its offset in minutes, read by SQL Server as
 * `DATEPART(tzoffset, <column>)` (an int; NULL for NULL) and written as SMALLINT. Its
 * `SourceColumn.offsetOf` names the column, so T-SQL built from a schema leaves it out.
 *
 * @example
 * offsetCompanion(mapped).selectExpression // 'DATEPART(tzoffset, [At]) AS [At_offset_minutes]'
 */
export function offsetCompanion(datetimeoffset: MappedColumn): MappedColumn {
  const { name, nullable } = datetimeoffset.column;
  const companion = offsetColumnName(name);
  return {
    column: {
      name: companion,
      sqlType: 'smallint',
      maxLength: 2,
      precision: 5,
      scale: 0,
      nullable,
      lakeType: { kind: 'int16' },
      offsetOf: name,
    },
    selectExpression: `DATEPART(tzoffset, ${quoteIdentifier(name)}) AS ${quoteIdentifier(companion)}`,
    decoder: 'number',
  };
}

/**
 * The mapped columns with each `datetimeoffset` column's offset companion right after it (a
 * column read `as_text` or skipped has none). A companion name that a column of the table already
 * has (compared ignoring case, as SQL Server's default collations and DuckDB do) is SOURCE_SCHEMA
 * naming the table and that column: the lake cannot hold both.
 *
 * @example
 * withOffsetCompanions([id, at], 'dbo.Orders').map((c) => c.column.name) // ['Id', 'At', 'At_offset_minutes']
 */
export function withOffsetCompanions(columns: readonly MappedColumn[], tableId: string): MappedColumn[] {
  const taken = new Map(columns.map((c) => [c.column.name.toLowerCase(), c.column.name]));
  const out: MappedColumn[] = [];
  for (const mapped of columns) {
    out.push(mapped);
    if (mapped.decoder !== 'datetimeoffset') {
      continue;
    }
    const companion = offsetCompanion(mapped);
    const clash = taken.get(companion.column.name.toLowerCase());
    if (clash !== undefined) {
      throw new SqlSyncError(
        'SOURCE_SCHEMA',
        `${tableId}.${clash}: the column has the name of the companion column sqlsync adds for datetimeoffset column ${mapped.column.name} (its offset in minutes, ${companion.column.name}); the lake cannot hold both — rename ${clash} in the source`,
        { context: { table: tableId, column: clash } },
      );
    }
    taken.set(companion.column.name.toLowerCase(), companion.column.name);
    out.push(companion);
  }
  return out;
}
