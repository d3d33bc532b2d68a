import { describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { pipelineConfigJsonSchema } from './json-schema.js';
import { parseConfig } from './load-config.js';

const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };

function scd(table: Record<string, unknown>) {
  return parseConfig({ database, scd_tables: [{ table_name: 'Customers', ...table }] }, 'sqlsync.yaml')
    .scdTables[0];
}

function refusal(table: Record<string, unknown>): string[] {
  try {
    scd(table);
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('CONFIG_INVALID');
    return (error as SqlSyncError).message.split('\n');
  }
  throw new Error('expected the config to be refused');
}

describe('scd_tables[]', () => {
  it('loads a table with every default filled in, and no business key unless written', () => {
    const table = scd({});
    expect(table).toEqual({
      kind: 'scd',
      id: 'dbo.Customers',
      schemaName: 'dbo',
      tableName: 'Customers',
      targetSchema: 'dbo',
      targetTable: 'Customers',
      columns: {},
      unsupportedTypes: 'error',
      lastModifiedColumn: 'LastModified',
      isLatestColumn: 'IsLatest',
      effectiveDateColumn: 'effective_date',
      endDateColumn: 'end_date',
      isDeletedColumn: 'IsDeleted',
      detectDeletes: false,
      bucketCount: 16,
      lookbackMinutes: 0,
    });
    expect(table && 'businessKeyColumns' in table).toBe(false);
    expect(Object.isFrozen(table)).toBe(true);
  });

  it('loads every field as written', () => {
    expect(
      scd({
        business_key_columns: ['Region', 'CustomerNo'],
        last_modified_column: 'ModifiedAt',
        is_latest_column: 'Current',
        effective_date_column: 'ValidFrom',
        end_date_column: 'ValidTo',
        is_deleted_column: 'Deleted',
        detect_deletes: true,
        bucket_count: 1024,
        lookback_minutes: 5,
        columns: { ModifiedAt: { timestamp_precision: 'us' }, Other: { timestamp_precision: 'ns' } },
      }),
    ).toMatchObject({
      businessKeyColumns: ['Region', 'CustomerNo'],
      lastModifiedColumn: 'ModifiedAt',
      isLatestColumn: 'Current',
      effectiveDateColumn: 'ValidFrom',
      endDateColumn: 'ValidTo',
      isDeletedColumn: 'Deleted',
      detectDeletes: true,
      bucketCount: 1024,
      lookbackMinutes: 5,
    });
    expect(scd({ bucket_count: 1 })?.bucketCount).toBe(1);
  });

  it('refuses a bucket_count outside 1..1024 or not whole, naming the path', () => {
    expect(refusal({ bucket_count: 0 })).toEqual([
      'sqlsync.yaml: scd_tables[0].bucket_count: must be >= 1, got 0',
    ]);
    expect(refusal({ bucket_count: 1025 })).toEqual([
      'sqlsync.yaml: scd_tables[0].bucket_count: must be <= 1024, got 1025',
    ]);
    expect(refusal({ bucket_count: 2.5 })[0]).toMatch(/^sqlsync\.yaml: scd_tables\[0\]\.bucket_count: /);
    expect(refusal({ bucket_count: '16' })[0]).toMatch(/^sqlsync\.yaml: scd_tables\[0\]\.bucket_count: /);
  });

  it('refuses a detect_deletes that is not a boolean, and an empty business key', () => {
    expect(refusal({ detect_deletes: 'yes' })[0]).toMatch(
      /^sqlsync\.yaml: scd_tables\[0\]\.detect_deletes: /,
    );
    expect(refusal({ business_key_columns: [] })).toEqual([
      'sqlsync.yaml: scd_tables[0].business_key_columns: must list at least 1 item',
    ]);
    expect(refusal({ is_deleted_column: '' })[0]).toMatch(
      /^sqlsync\.yaml: scd_tables\[0\]\.is_deleted_column: /,
    );
  });

  it('refuses two lake columns of the same name, ignoring case, naming the later setting', () => {
    expect(refusal({ is_deleted_column: 'islatest' })).toEqual([
      'sqlsync.yaml: scd_tables[0].is_deleted_column: islatest is already the is_latest_column (IsLatest); is_latest_column, effective_date_column, end_date_column and is_deleted_column must name four different lake columns, ignoring case',
    ]);
    expect(refusal({ effective_date_column: 'From', end_date_column: 'FROM' })[0]).toMatch(
      /^sqlsync\.yaml: scd_tables\[0\]\.end_date_column: FROM is already the effective_date_column \(From\);/,
    );
  });

  it('refuses timestamp_precision ns on the last-modified column, naming the path', () => {
    expect(refusal({ columns: { LastModified: { timestamp_precision: 'ns' } } })).toEqual([
      'sqlsync.yaml: scd_tables[0].columns.LastModified.timestamp_precision: ns is not possible for the last_modified_column (LastModified): its values are also the effective and end dates, and the open end date 9999-12-31 does not fit TIMESTAMP_NS (1677-2262); remove it (us keeps microseconds)',
    ]);
    expect(
      refusal({
        last_modified_column: 'Changed At',
        columns: { 'changed at': { timestamp_precision: 'ns' } },
      }),
    ).toEqual([
      expect.stringMatching(
        /^sqlsync\.yaml: scd_tables\[0\]\.columns\["changed at"\]\.timestamp_precision: ns is not possible/,
      ),
    ]);
  });

  it('reports the field checks and the other problems of the file together', () => {
    const lines = refusal({ business_key_columns: [], bucket_count: 0 });
    expect(lines).toEqual([
      'sqlsync.yaml: scd_tables[0].business_key_columns: must list at least 1 item',
      'sqlsync.yaml: scd_tables[0].bucket_count: must be >= 1, got 0',
    ]);
  });

  it('documents every field with its default in the JSON Schema', () => {
    const schema = pipelineConfigJsonSchema() as {
      properties: Record<
        string,
        {
          description?: string;
          items?: { properties?: Record<string, { description?: string; default?: unknown }> };
        }
      >;
    };
    const fields = schema.properties.scd_tables?.items?.properties ?? {};
    for (const key of [
      'business_key_columns',
      'last_modified_column',
      'is_latest_column',
      'effective_date_column',
      'end_date_column',
      'is_deleted_column',
      'detect_deletes',
      'bucket_count',
      'lookback_minutes',
    ]) {
      expect(fields[key]?.description, key).toMatch(/Defaults to /);
    }
    expect(fields.bucket_count).toMatchObject({ default: 16 });
    expect(fields.detect_deletes).toMatchObject({ default: false });
    expect(fields.is_deleted_column).toMatchObject({ default: 'IsDeleted' });
    expect(schema.properties.scd_tables?.description).not.toMatch(/not supported/i);
  });
});
