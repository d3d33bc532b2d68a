import { describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { parseConfig } from './load-config.js';

const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };

function refusal(table: Record<string, unknown>): string {
  try {
    parseConfig({ database, static_tables: [{ table_name: 'T', ...table }] }, 'sqlsync.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('CONFIG_INVALID');
    return (error as SqlSyncError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('static_tables[].data_quality', () => {
  it('parses every check into camelCase, with defaults', () => {
    const config = parseConfig({
      database,
      static_tables: [
        {
          table_name: 'T',
          primary_key_columns: ['A', 'B'],
          data_quality: { primary_key_unique: true, not_null_columns: ['A'], min_rows: 1, max_rows: 10 },
        },
        { table_name: 'U', data_quality: {} },
        { table_name: 'V' },
      ],
    });
    expect(config.staticTables[0]).toMatchObject({
      primaryKeyColumns: ['A', 'B'],
      dataQuality: { primaryKeyUnique: true, notNullColumns: ['A'], minRows: 1, maxRows: 10 },
    });
    expect(config.staticTables[1]?.dataQuality).toEqual({ primaryKeyUnique: false, notNullColumns: [] });
    expect(config.staticTables[2]?.dataQuality).toBeUndefined();
  });

  it('refuses max_rows below min_rows, naming the field', () => {
    expect(refusal({ data_quality: { min_rows: 5, max_rows: 4 } })).toBe(
      'sqlsync.yaml: static_tables[0].data_quality.max_rows: must be at least min_rows (5), got 4',
    );
  });

  it('refuses an unknown check, naming it', () => {
    expect(refusal({ data_quality: { unique: true } })).toMatch(
      /^sqlsync\.yaml: static_tables\[0\]\.data_quality.*unique/,
    );
  });

  it('refuses primary_key_columns that nothing reads, and accepts them for upsert', () => {
    expect(refusal({ primary_key_columns: ['Id'] })).toBe(
      'sqlsync.yaml: static_tables[0].primary_key_columns: is only used by load_strategy: upsert and data_quality.primary_key_unique: true; set one or remove the field',
    );
    const config = parseConfig({
      database,
      static_tables: [{ table_name: 'T', load_strategy: 'upsert', primary_key_columns: ['Id'] }],
    });
    expect(config.staticTables[0]).toMatchObject({ loadStrategy: 'upsert', primaryKeyColumns: ['Id'] });
  });
});
