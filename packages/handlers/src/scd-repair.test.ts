import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type SCDTableConfig, scdTableConfigSchema } from '@sync/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { repairScdIntegrity } from './scd-repair.js';

// Lake column names other than the defaults: the report must follow the config's.
const customers: SCDTableConfig = scdTableConfigSchema.parse({
  schema_name: 'crm',
  table_name: 'Customers',
  target_schema: 'dw',
  target_table: 'customers',
  business_key_columns: ['CustomerId'],
  effective_date_column: 'valid_from',
  end_date_column: 'valid_to',
  is_latest_column: 'is_current',
  is_deleted_column: 'is_gone',
  bucket_count: 1,
});

let root: string;
let lake: string;
let duckdb: DuckDBInstance;

/** One bucket file holding an overlap (key 1) and a valid key (2). */
async function writeLake(): Promise<string> {
  const dir = join(lake, 'dw', 'customers', 'bucket=00');
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'part-20240101T000000Z-aaaaaa-0.parquet');
  const connection = await duckdb.connect();
  try {
    await connection.run(`COPY (SELECT * FROM (VALUES
        (1, 'a', TIMESTAMP '2024-01-01', TIMESTAMP '2024-03-01', false, false),
        (1, 'b', TIMESTAMP '2024-02-01', TIMESTAMP '9999-12-31', true, false),
        (2, 'a', TIMESTAMP '2024-01-01', TIMESTAMP '9999-12-31', true, false)
      ) t(CustomerId, Name, valid_from, valid_to, is_current, is_gone))
      TO '${file}' (FORMAT PARQUET, KV_METADATA {'sqlsync.scd.business_key': '["CustomerId"]', 'sqlsync.scd.bucket_count': '1', 'sqlsync.scd.bucket': '0'})`);
  } finally {
    connection.closeSync();
  }
  return file;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'scd-repair-'));
  duckdb = await DuckDBInstance.create(':memory:');
});

beforeEach(async () => {
  lake = await mkdtemp(join(root, 'lake-'));
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(root, { recursive: true, force: true });
});

describe('repairScdIntegrity', () => {
  it('reports the violations of a dry run by the config lake column names and changes nothing', async () => {
    const file = await writeLake();
    const mtime = (await stat(file)).mtimeMs;
    const report = await repairScdIntegrity(customers, { lakeRoot: lake, dryRun: true });
    expect(report).toMatchObject({
      table: 'crm.Customers',
      dryRun: true,
      valid: false,
      rows: 3,
      keys: 2,
      bucketsRewritten: [0],
      rowsRemoved: 0,
      rowsChanged: 1,
    });
    expect(report.runId).toMatch(/^\d{8}T\d{9}Z-[0-9a-f]{6}$/);
    expect(report.violations.overlaps).toMatchObject({ count: 1, examples: [{ key: { CustomerId: '1' } }] });
    expect((await stat(file)).mtimeMs).toBe(mtime);
    expect(await readdir(join(lake, 'dw', 'customers', 'bucket=00'))).toEqual([
      'part-20240101T000000Z-aaaaaa-0.parquet',
    ]);
  });

  it('repairs the history under its run id and reports what it rewrote', async () => {
    await writeLake();
    const runId = '20240102T000000Z-bbbbbb';
    const report = await repairScdIntegrity(customers, { lakeRoot: lake, runId, dryRun: false });
    expect(report).toMatchObject({
      dryRun: false,
      runId,
      valid: false,
      bucketsRewritten: [0],
      rowsChanged: 1,
    });
    expect(await readdir(join(lake, 'dw', 'customers', 'bucket=00'))).toEqual([`part-${runId}-0.parquet`]);
    const again = await repairScdIntegrity(customers, { lakeRoot: lake, dryRun: false });
    expect(again).toMatchObject({ valid: true, bucketsRewritten: [], rowsRemoved: 0, rowsChanged: 0 });
  });

  it('names the table and business_key_columns when the lake is keyed otherwise', async () => {
    await writeLake();
    const byName = scdTableConfigSchema.parse({
      schema_name: 'crm',
      table_name: 'Customers',
      target_schema: 'dw',
      target_table: 'customers',
      business_key_columns: ['Name'],
      effective_date_column: 'valid_from',
      end_date_column: 'valid_to',
      is_latest_column: 'is_current',
      is_deleted_column: 'is_gone',
    });
    await expect(repairScdIntegrity(byName, { lakeRoot: lake, dryRun: true })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { table: 'crm.Customers', configPath: 'business_key_columns' },
    });
  });
});
