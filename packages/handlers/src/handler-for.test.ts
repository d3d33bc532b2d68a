import { readFile } from 'node:fs/promises';
import { parseConfig, type SCDTableConfig, scdTableConfigSchema } from '@sync/core';
import { describe, expect, it } from 'vitest';
import { handlerFor } from './handler-for.js';
import { SQLSYNC_VERSION } from './sqlsync-version.js';

const config = parseConfig({
  database: { server: 'db', database: 'shop', username: 'u', password: 'p' },
  state: { parquet_directory: '/lake', state_directory: '/state' },
  processing: { partition_parallel_limit: 3 },
  partition_tables: [{ schema_name: 'sales', table_name: 'Orders', partition_column: 'OrderDate' }],
  static_tables: [{ schema_name: 'dbo', table_name: 'Rates', target_schema: 'ref', target_table: 'rates' }],
});
const [orders, rates] = [config.partitionTables[0], config.staticTables[0]];
const customers: SCDTableConfig = scdTableConfigSchema.parse({
  schema_name: 'crm',
  table_name: 'Customers',
  business_key_columns: ['CustomerId'],
});

describe('handlerFor', () => {
  it('gives each kind its handler, with its parallel limit and lake directory', () => {
    if (orders === undefined || rates === undefined) {
      throw new Error('config without its three tables');
    }
    expect(handlerFor(orders).kind).toBe('partition');
    expect(handlerFor(orders).parallelLimit(orders, config.processing)).toBe(3);
    expect(handlerFor(rates).parallelLimit(rates, config.processing)).toBe(1);
    expect(handlerFor(rates).lakeDir(rates, '/lake')).toBe('/lake/ref/rates');
    expect(handlerFor(customers).lakeDir(customers, '/lake')).toBe('/lake/crm/Customers');
    expect(handlerFor(customers).parallelLimit(customers, config.processing)).toBe(1);
  });
});

describe('SQLSYNC_VERSION', () => {
  it("is the package's own version", async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    expect(SQLSYNC_VERSION).toBe(pkg.version);
  });
});
