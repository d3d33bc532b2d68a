import { describe, expect, it } from 'vitest';
import { SqlSyncError } from '../errors.js';
import { parseConfig } from './load-config.js';
import { redactConfig } from './redact-config.js';

const database = { server: 'db', database: 'Sales', username: 'etl', password: 'pw' };
const connection = { server: 'dw', database: 'Warehouse', username: 'loader', password: 'secret' };

function refusal(destination: unknown): string {
  try {
    parseConfig({ database, destination }, 'sqlsync.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('CONFIG_INVALID');
    return (error as SqlSyncError).message;
  }
  throw new Error('expected the config to be refused');
}

describe('destination', () => {
  it('defaults to the lake only, and accepts parquet written either way', () => {
    expect(parseConfig({ database }, 'sqlsync.yaml').destination).toEqual({ type: 'parquet' });
    expect(parseConfig({ database, destination: 'parquet' }, 'x').destination).toEqual({ type: 'parquet' });
    expect(parseConfig({ database, destination: { type: 'parquet' } }, 'x').destination).toEqual({
      type: 'parquet',
    });
  });

  it('loads a SQL Server destination with its defaults', () => {
    const config = parseConfig({ database, destination: { type: 'mssql', connection } }, 'sqlsync.yaml');
    expect(config.destination).toMatchObject({
      type: 'mssql',
      batchSize: 100_000,
      connection: { server: 'dw', database: 'Warehouse', port: 1433, username: 'loader' },
    });
    expect(Object.isFrozen(config.destination)).toBe(true);
  });

  it('refuses a field it does not honour, naming it', () => {
    expect(refusal({ type: 'mssql', connection, staging_filegroup: 'FG1' })).toContain('staging_filegroup');
    // Switching is the original tool's processing.enable_sql_server_partition_switching, not a second field here.
    expect(refusal({ type: 'mssql', connection, partition_switching: false })).toContain(
      'partition_switching',
    );
    expect(refusal({ type: 'snowflake' })).toContain('destination');
    expect(refusal({ type: 'mssql', connection, batch_size: 0 })).toContain('batch_size');
  });

  it('redacts the warehouse password with the source one', () => {
    const config = parseConfig({ database, destination: { type: 'mssql', connection } }, 'sqlsync.yaml');
    const redacted = redactConfig(config);
    expect(redacted.database.password).toBe('***');
    expect(redacted.destination.type === 'mssql' && redacted.destination.connection.password).toBe('***');
  });
});
