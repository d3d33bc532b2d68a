import { SqlSyncError } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { offsetColumnName, withOffsetCompanions } from './offset-companion.js';
import { rowSerialisationExpression } from './row-hash.js';
import { type CatalogColumn, type MappedColumn, mapColumn } from './type-mapping.js';

const mapped = (name: string, typeName: string, nullable = true): MappedColumn => {
  const catalog: CatalogColumn = { name, typeName, maxLength: 10, precision: 34, scale: 7, nullable };
  const column = mapColumn(catalog, 'dbo.T', {}, 'as_text');
  if (column === undefined) {
    throw new Error(`${typeName} not mapped`);
  }
  return column;
};

describe('withOffsetCompanions', () => {
  it('puts each datetimeoffset column’s offset in minutes right after it', () => {
    const columns = withOffsetCompanions(
      [mapped('Id', 'int', false), mapped('At', 'datetimeoffset', false), mapped('Due', 'datetimeoffset')],
      'dbo.T',
    );
    expect(columns.map((c) => c.column.name)).toEqual([
      'Id',
      'At',
      'At_offset_minutes',
      'Due',
      'Due_offset_minutes',
    ]);
    const companion = columns[2] as MappedColumn;
    expect(companion.column).toEqual({
      name: 'At_offset_minutes',
      sqlType: 'smallint',
      maxLength: 2,
      precision: 5,
      scale: 0,
      nullable: false,
      lakeType: { kind: 'int16' },
      offsetOf: 'At',
    });
    expect(companion.selectExpression).toBe('DATEPART(tzoffset, [At]) AS [At_offset_minutes]');
    expect(companion.decoder).toBe('number');
    expect(columns[4]?.column.nullable).toBe(true);
    expect(offsetColumnName('x]y')).toBe('x]y_offset_minutes');
  });

  it('adds nothing for a table without datetimeoffset, nor for one read as text', () => {
    const columns = [mapped('Id', 'int'), mapped('G', 'geography'), mapped('D', 'datetime2')];
    expect(withOffsetCompanions(columns, 'dbo.T')).toEqual(columns);
  });

  it('refuses a column that has the companion’s name, ignoring case, naming table and column', () => {
    const attempt = () =>
      withOffsetCompanions(
        [mapped('At', 'datetimeoffset'), mapped('AT_Offset_Minutes', 'int')],
        'sales.Orders',
      );
    expect(attempt).toThrow(SqlSyncError);
    expect(attempt).toThrow(
      /^sales\.Orders\.AT_Offset_Minutes: the column has the name of the companion column sqlsync adds for datetimeoffset column At \(its offset in minutes, At_offset_minutes\)/,
    );
    try {
      attempt();
    } catch (error) {
      expect((error as SqlSyncError).code).toBe('SOURCE_SCHEMA');
      expect((error as SqlSyncError).context).toMatchObject({
        table: 'sales.Orders',
        column: 'AT_Offset_Minutes',
      });
    }
    // A datetimeoffset column named like another's companion clashes too (its own companion is fine).
    expect(() =>
      withOffsetCompanions(
        [mapped('At', 'datetimeoffset'), mapped('At_offset_minutes', 'datetimeoffset')],
        'dbo.T',
      ),
    ).toThrow(/dbo\.T\.At_offset_minutes: the column has the name/);
  });

  it('is left out of the row serialisation, which already carries the offset', () => {
    const plain = [mapped('Id', 'int'), mapped('At', 'datetimeoffset')];
    const withCompanions = withOffsetCompanions(plain, 'dbo.T');
    expect(rowSerialisationExpression(withCompanions.map((c) => c.column))).toBe(
      rowSerialisationExpression(plain.map((c) => c.column)),
    );
    expect(rowSerialisationExpression(withCompanions.map((c) => c.column))).not.toContain('offset_minutes');
  });
});
