import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { pipelineConfigJsonSchema } from './json-schema.js';
import { loadConfig, parseConfig } from './load-config.js';
import { listTables } from './pipeline-config.js';
import { redactConfig } from './redact-config.js';
import { scdTableConfigSchema } from './scd-table-config.js';

const YAML_CONFIG = `
database:
  server: db.example.com
  database: Sales
  username: etl
  password: s3cret
partition_tables:
  - table_name: Orders
    schema_name: sales
    partition_column: OrderDate
    granularity: month
static_tables:
  - table_name: Products
    columns:
      Updated At: { timestamp_precision: ns }
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

function configError(run: () => unknown): SqlSyncError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    return error as SqlSyncError;
  }
  throw new Error('expected a config error');
}

async function loadError(path: string, env: NodeJS.ProcessEnv = {}): Promise<SqlSyncError> {
  const error = await loadConfig(path, env).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SqlSyncError);
  return error as SqlSyncError;
}

describe('loadConfig', () => {
  it('loads YAML with every default filled in, camelCased', async () => {
    const config = await loadConfig(await file('config.yaml', YAML_CONFIG), {});
    expect(config.database).toEqual({
      server: 'db.example.com',
      database: 'Sales',
      port: 1433,
      username: 'etl',
      password: 's3cret',
      authentication: 'sql',
      encrypt: true,
      trustServerCertificate: false,
      connectionTimeout: 30,
      commandTimeout: 300,
      applicationName: 'sqlsync',
      packetSize: 32767,
    });
    expect(config.processing).toEqual({
      batchSize: 50_000,
      maxWorkers: 8,
      memoryLimitMb: 2048,
      retryAttempts: 3,
      retryDelaySeconds: 30,
      partitionParallelLimit: 4,
      enableSqlServerPartitionSwitching: true,
      validatePrecisionEndToEnd: true,
      snapshotIsolation: 'auto',
      concurrentChangeRetries: 3,
    });
    expect(config.state).toEqual({
      stateDirectory: './state',
      parquetDirectory: './data',
      enableSelfHealing: true,
      stateRetentionDays: 30,
      validateStateConsistency: true,
      backupStateBeforeRun: true,
      lockTimeoutSeconds: 300,
    });
    expect(config.partitionTables[0]).toEqual({
      kind: 'partition',
      id: 'sales.Orders',
      schemaName: 'sales',
      tableName: 'Orders',
      targetSchema: 'sales',
      targetTable: 'Orders',
      columns: {},
      unsupportedTypes: 'error',
      partitionColumn: 'OrderDate',
      granularity: 'month',
      newestPartitionsToRefresh: 0,
      removeMissingPartitions: false,
    });
    // The SCD table schema on its own fills in the same defaults as a loaded file.
    const scd = scdTableConfigSchema.parse({
      table_name: 'Customers',
      schema_name: 'crm',
      target_schema: 'warehouse',
      business_key_columns: ['CustomerID'],
    });
    expect(scd).toMatchObject({
      kind: 'scd',
      targetSchema: 'warehouse',
      targetTable: 'Customers',
      businessKeyColumns: ['CustomerID'],
      lastModifiedColumn: 'LastModified',
      isLatestColumn: 'IsLatest',
      effectiveDateColumn: 'effective_date',
      endDateColumn: 'end_date',
      lookbackMinutes: 0,
    });
    expect(config.staticTables[0]).toMatchObject({
      id: 'dbo.Products',
      hashAlgorithm: 'hashbytes_sha256',
      loadStrategy: 'replace',
      columns: { 'Updated At': { timestampPrecision: 'ns' } },
    });
    expect(config).toMatchObject({
      pipelineName: 'sql_server_incremental',
      logLevel: 'INFO',
      enableStructuredLogging: true,
    });
    expect(listTables(config).map((t) => `${t.kind}:${t.id}`)).toEqual([
      'partition:sales.Orders',
      'static:dbo.Products',
    ]);
  });

  it('loads JSON the same way', async () => {
    const json = JSON.stringify({
      database: { server: 'db', database: 'Sales', username: 'etl', password: 'pw' },
      static_tables: [{ table_name: 'Products', load_strategy: 'replace' }],
      log_level: 'debug',
    });
    const config = await loadConfig(await file('config.json', json), {});
    expect(config.staticTables[0]?.loadStrategy).toBe('replace');
    expect(config.logLevel).toBe('DEBUG');
  });

  it('returns a deeply frozen config', async () => {
    const config = await loadConfig(await file('config.yaml', YAML_CONFIG), {});
    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.database)).toBe(true);
    expect(Object.isFrozen(config.staticTables)).toBe(true);
    expect(Object.isFrozen(config.staticTables[0]?.columns)).toBe(true);
    expect(() => {
      (config.database as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('lets the environment fill in and override the file', async () => {
    const path = await file(
      'config.yaml',
      'database:\n  server: from-file\n  port: 1433\nstatic_tables: [{ table_name: T }]\n',
    );
    const config = await loadConfig(path, {
      SQLSYNC_SERVER: 'from-env',
      SQLSYNC_DATABASE: 'Sales',
      SQLSYNC_USERNAME: 'etl',
      SQLSYNC_PASSWORD: 'pw',
      SQLSYNC_PORT: '14330',
      SQLSYNC_ENCRYPT: 'false',
      SQLSYNC_TRUST_SERVER_CERTIFICATE: '1',
      SQLSYNC_LAKE_DIR: '/lake',
      SQLSYNC_STATE_DIR: '/state',
      SQLSYNC_UNRELATED: 'x',
    });
    expect(config.database).toMatchObject({
      server: 'from-env',
      database: 'Sales',
      username: 'etl',
      password: 'pw',
      port: 14330,
      encrypt: false,
      trustServerCertificate: true,
    });
    expect(config.state).toMatchObject({ parquetDirectory: '/lake', stateDirectory: '/state' });
  });

  it('names a bad environment value by its variable', async () => {
    const path = await file('config.yaml', YAML_CONFIG);
    const error = await loadError(path, { SQLSYNC_PORT: 'abc' });
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(`${path}: SQLSYNC_PORT: expected a port number 1-65535, got "abc"`);
  });

  it('reports a missing file as CONFIG_NOT_FOUND', async () => {
    const error = await loadError(join(dir, 'nope.yaml'));
    expect(error.code).toBe('CONFIG_NOT_FOUND');
    expect(error.context.file).toBe(join(dir, 'nope.yaml'));
  });

  it('reports YAML syntax errors with their line', async () => {
    const path = await file('config.yaml', 'database:\n  server: a\n  server: b\n');
    const error = await loadError(path);
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/config\.yaml: invalid YAML \(line 3\)/);
  });

  it('reports JSON syntax errors', async () => {
    const error = await loadError(await file('config.json', '{\n "database": }'));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toMatch(/config\.json: invalid JSON/);
  });
});

describe('parseConfig errors', () => {
  const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };

  it('names the file and snake_case path of a wrong value', () => {
    const error = configError(() =>
      parseConfig({ database, static_tables: [{ table_name: 'T', load_strategy: 'merge' }] }, 'config.yaml'),
    );
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toBe(
      'config.yaml: static_tables[0].load_strategy: expected one of replace|upsert, got "merge"',
    );
    expect(error.context).toEqual({ file: 'config.yaml', configPath: 'static_tables[0].load_strategy' });
  });

  it('names a missing required field', () => {
    const error = configError(() =>
      parseConfig({ database: { database: 'Sales', username: 'etl', password: 'pw' } }, 'c.yml'),
    );
    expect(error.message).toBe('c.yml: database.server: required');
  });

  it('names a wrong type', () => {
    const error = configError(() => parseConfig({ database, processing: { batch_size: '10k' } }, 'c.yml'));
    expect(error.message).toBe('c.yml: processing.batch_size: expected a number, got "10k"');
  });

  it('rejects unknown keys with a suggestion', () => {
    const error = configError(() =>
      parseConfig({ database: { ...database, trust_server_certificat: true } }, 'config.yaml'),
    );
    expect(error.message).toBe(
      'config.yaml: database.trust_server_certificat: unknown key (did you mean trust_server_certificate?)',
    );
  });

  it('lists every problem, one per line', () => {
    const error = configError(() =>
      parseConfig(
        {
          database,
          scd_tables: [{ table_name: '', business_key_columns: [] }],
          processing: { max_workers: 0 },
        },
        'config.yaml',
      ),
    );
    expect(error.message.split('\n')).toEqual([
      'config.yaml: processing.max_workers: must be > 0, got 0',
      'config.yaml: scd_tables[0].table_name: must not be empty',
      'config.yaml: scd_tables[0].business_key_columns: must list at least 1 item',
    ]);
  });

  it('requires credentials (a SQL login)', () => {
    const error = configError(() =>
      parseConfig({ database: { server: 'db', database: 'Sales', username: 'etl' } }),
    );
    expect(error.message).toBe(
      '<inline>: database.password: required for authentication sql: set password (or SQLSYNC_PASSWORD) or password_file',
    );
  });

  it('rejects a table configured twice, across kinds and ignoring case', () => {
    const error = configError(() =>
      parseConfig({
        database,
        partition_tables: [{ table_name: 'Orders', schema_name: 'sales' }],
        static_tables: [{ table_name: 'ORDERS', schema_name: 'Sales' }],
      }),
    );
    expect(error.message).toBe(
      '<inline>: static_tables[0].table_name: table Sales.ORDERS is already configured at partition_tables[0]',
    );
  });

  it('rejects two tables writing the same lake table', () => {
    const error = configError(() =>
      parseConfig({
        database,
        static_tables: [{ table_name: 'A' }, { table_name: 'B', target_table: 'a' }],
      }),
    );
    expect(error.message).toBe(
      '<inline>: static_tables[1].target_table: lake table dbo.a is already written by static_tables[0]',
    );
  });

  it('rejects target names that would escape the lake', () => {
    const error = configError(() =>
      parseConfig({ database, static_tables: [{ table_name: 'T', target_schema: '..' }] }),
    );
    expect(error.message).toBe('<inline>: static_tables[0].target_schema: ".." cannot name a lake directory');
  });

  it('rejects a document that is not a mapping', () => {
    expect(configError(() => parseConfig(null, 'empty.yaml')).message).toBe(
      'empty.yaml: expected a mapping, got null',
    );
  });
});

describe('redactConfig', () => {
  it('replaces the password and leaves the original alone', () => {
    const config = parseConfig({ database: { server: 'db', database: 'S', username: 'u', password: 'pw' } });
    const redacted = redactConfig(config);
    expect(redacted.database.password).toBe('***');
    expect(config.database.password).toBe('pw');
    expect(JSON.stringify(redacted)).not.toContain('pw"');
  });
});

describe('pipelineConfigJsonSchema', () => {
  it('describes the snake_case file with defaults and no extra keys', () => {
    const schema = pipelineConfigJsonSchema() as {
      additionalProperties: boolean;
      required: string[];
      properties: Record<string, { properties?: Record<string, { default?: unknown }> }>;
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['database']);
    expect(schema.properties.processing?.properties?.batch_size?.default).toBe(50_000);
    expect(schema.properties.database?.properties?.trust_server_certificate).toBeDefined();
  });
});
