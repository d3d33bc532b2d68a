import { describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { pipelineConfigJsonSchema } from './json-schema.js';
import { parseConfig } from './load-config.js';

const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };

function refusal(document: Record<string, unknown>): string {
  try {
    parseConfig({ database, ...document }, 'sqlsync.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('CONFIG_INVALID');
    return (error as SqlSyncError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('fields that are not supported yet', () => {
  // Each case: a field set to a value sqlsync would silently ignore, and the path the refusal names.
  const cases: [string, Record<string, unknown>, string][] = [
    ['enable_structured_logging: false', { enable_structured_logging: false }, 'enable_structured_logging'],
  ];

  it.each(cases)(
    'refuses %s at load, naming the field and saying "not supported yet"',
    (_, document, path) => {
      const message = refusal(document);
      expect(message.split('\n')).toHaveLength(1);
      expect(message).toMatch(
        new RegExp(`^sqlsync\\.yaml: ${path.replace(/[[\].]/g, '\\$&')}: not supported yet`),
      );
    },
  );

  const warehouse = {
    type: 'mssql',
    connection: { server: 'dw', database: 'Warehouse', username: 'etl', password: 'pw' },
  };

  it.each([
    [
      'processing.enable_sql_server_partition_switching',
      { processing: { enable_sql_server_partition_switching: false } },
    ],
    [
      'partition_tables[0].enable_partition_switching',
      { partition_tables: [{ table_name: 'Orders', enable_partition_switching: false }] },
    ],
  ])('refuses %s: false without a SQL Server destination, saying where it applies', (path, document) => {
    expect(refusal(document)).toBe(
      `sqlsync.yaml: ${path}: applies only to a SQL Server destination (destination: { type: mssql }): the lake replaces each partition by switching its directory; remove it`,
    );
  });

  it('reads partition switching with a SQL Server destination: the processing default, a per-table override, no warning', () => {
    const config = parseConfig({
      database,
      destination: warehouse,
      processing: { enable_sql_server_partition_switching: false },
      partition_tables: [{ table_name: 'Orders', enable_partition_switching: true }, { table_name: 'Lines' }],
    });
    expect(config.processing.enableSqlServerPartitionSwitching).toBe(false);
    expect(config.partitionTables.map((t) => t.enablePartitionSwitching)).toEqual([true, undefined]);
    expect(config.warnings).toEqual([]);
  });

  it('says what to do instead', () => {
    expect(refusal({ enable_structured_logging: false })).toMatch(
      /^sqlsync\.yaml: enable_structured_logging: not supported yet \(only true is accepted\): \S/,
    );
  });

  it('accepts each of them at the value sqlsync implements, with a warning naming the field', () => {
    const config = parseConfig({
      database: { ...database, driver: 'ODBC Driver 18 for SQL Server', integrated_security: false },
      processing: { enable_sql_server_partition_switching: true },
      state: { state_retention_days: 30, validate_state_consistency: true },
      enable_structured_logging: true,
      partition_tables: [{ table_name: 'Orders', enable_partition_switching: true }],
      static_tables: [{ table_name: 'T', hash_algorithm: 'hashbytes_sha256', load_strategy: 'replace' }],
      scd_tables: [],
    });
    expect(config.warnings.map((w) => w.path)).toEqual([
      'database.driver',
      'enable_structured_logging',
      'processing.enable_sql_server_partition_switching',
      'partition_tables[0].enable_partition_switching',
    ]);
    expect(config.warnings[0]?.message).toMatch(/^ignored: .*no ODBC driver/);
    expect(Object.isFrozen(config.warnings)).toBe(true);
  });

  it('accepts hash_algorithm and force_reload_after_days, now that static tables detect change', () => {
    const config = parseConfig({
      database,
      static_tables: [{ table_name: 'T', hash_algorithm: 'checksum', force_reload_after_days: 7 }],
    });
    expect(config.staticTables[0]).toMatchObject({ hashAlgorithm: 'checksum', forceReloadAfterDays: 7 });
    expect(config.warnings).toEqual([]);
    expect(
      parseConfig({ database, static_tables: [{ table_name: 'T' }] }).staticTables[0]?.hashAlgorithm,
    ).toBe('hashbytes_sha256');
  });

  it('accepts state_retention_days and validate_state_consistency at any value, now that both are read', () => {
    const config = parseConfig({
      database,
      state: { state_retention_days: 7, validate_state_consistency: false, lock_timeout_seconds: 5 },
    });
    expect(config.state).toMatchObject({
      stateRetentionDays: 7,
      validateStateConsistency: false,
      lockTimeoutSeconds: 5,
    });
    expect(config.warnings).toEqual([]);
  });

  it('warns about nothing when the file leaves those fields out', () => {
    expect(parseConfig({ database, static_tables: [{ table_name: 'T' }] }).warnings).toEqual([]);
  });

  it('refuses a destination other than parquet', () => {
    expect(refusal({ destination: 'delta' })).toBe(
      "sqlsync.yaml: destination.type: Invalid discriminator value. Expected 'parquet' | 'mssql'",
    );
  });

  it('keeps the JSON Schema in step: the refused values are described as not supported yet', () => {
    const schema = pipelineConfigJsonSchema() as {
      properties: Record<
        string,
        { description?: string; properties?: Record<string, { description?: string }> }
      >;
    };
    expect(
      schema.properties.processing?.properties?.enable_sql_server_partition_switching?.description,
    ).toMatch(/SQL Server destination/);
    expect(schema.properties.enable_structured_logging?.description).toMatch(/only true is accepted/);
  });
});
