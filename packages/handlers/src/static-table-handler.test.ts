import { existsSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import { DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError, type StaticTableConfig } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateStaged } from './extract-unit.js';
import { staticTableHandler } from './static-table-handler.js';
import {
  type StaticTableContext,
  startStaticTableContext,
  staticTableConfig,
} from './test-support/static-table-context.js';
import type { StaticUnit } from './work-unit.js';

const snapshot = { tableHash: 'hashbytes_sha256:3:-42', sourceColumns: '[]' };

describe('staticTableHandler.plan', () => {
  it('plans one full-reload unit staged under the run, replacing the table directory', () => {
    const config = staticTableConfig(1433, '/', 'Rates', 'rates');
    const table = config.staticTables[0] as StaticTableConfig;
    const units = staticTableHandler.plan(table, snapshot, undefined, {
      runId: 'r1',
      lakeRoot: '/lake',
      now: new Date(),
    });
    expect(units).toHaveLength(1);
    expect(units[0]).toMatchObject({
      id: 'dbo.Rates',
      tableId: 'dbo.Rates',
      kind: 'static',
      runId: 'r1',
      lakeDir: '/lake/ref/rates',
    });
    expect(units[0]?.stagingDir.startsWith('/lake/_sqlsync/staging/r1/')).toBe(true);
    expect(units[0]?.reason).toBe('full reload (no table hash recorded yet)');
    expect(units[0]?.skip).toBeUndefined();
  });
});

describe('static table against the emulator', () => {
  let t: StaticTableContext;

  beforeAll(async () => {
    t = await startStaticTableContext('Rates', 'rates', async (emulator) => {
      await emulator.exec(
        `CREATE TABLE [dbo].[Rates] ([Code] nvarchar(3) NOT NULL PRIMARY KEY, [Rate] decimal(38,10) NOT NULL, [Fee] decimal(9,2) NULL);`,
      );
      await emulator.exec(
        `INSERT INTO [dbo].[Rates] VALUES (N'EUR', 1.0000000000, 0.10), (N'USD', 1234567890123456789012345678.0000000001, NULL), (N'JPY', -0.0061234500, 2.50);`,
      );
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('stages, validates and publishes the table', async () => {
    const { config, table, ctx } = t;
    const run = { runId: 'run1', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const units = staticTableHandler.plan(table, snapshot, undefined, run);
    const result = await staticTableHandler.run(table, units[0] as StaticUnit, ctx);
    expect(result.rows).toBe(3);
    expect(result.validation?.sums.Rate).toEqual({
      source: '1234567890123456789012345678.9938765501',
      lake: '1234567890123456789012345678.9938765501',
    });
    const state = await staticTableHandler.commit(table, units, [result], snapshot, undefined, run);
    expect(state.rowCount).toBe(3);
    expect(state).toMatchObject({ tableHash: snapshot.tableHash, lastFullLoadAt: run.now.toISOString() });
    expect(
      (await readdir((units[0] as StaticUnit).lakeDir)).filter((f) => f.endsWith('.parquet')),
    ).toHaveLength(1);
  });

  it('skips an unchanged table: the unit reads nothing and commit publishes nothing', async () => {
    const { config, table, ctx } = t;
    const first = { runId: 'hash1', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const taken = await staticTableHandler.snapshot(table, ctx);
    expect(taken.tableHash).toMatch(/^hashbytes_sha256:3:-?\d+$/);
    const units = staticTableHandler.plan(table, taken, undefined, first);
    const result = await staticTableHandler.run(table, units[0] as StaticUnit, ctx);
    const state = await staticTableHandler.commit(table, units, [result], taken, undefined, first);
    const lakeDir = (units[0] as StaticUnit).lakeDir;
    const filesBefore = await readdir(lakeDir);
    const second = { runId: 'hash2', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const again = await staticTableHandler.snapshot(table, ctx);
    expect(again).toEqual(taken);
    const [skip] = staticTableHandler.plan(table, again, state, second);
    expect(skip).toMatchObject({ skip: true, reason: 'unchanged (hashbytes_sha256)' });
    const skipped = await staticTableHandler.run(table, skip as StaticUnit, ctx);
    expect(skipped.rows).toBe(0);
    const kept = await staticTableHandler.commit(
      table,
      [skip as StaticUnit],
      [skipped],
      again,
      state,
      second,
    );
    // The lake holds the first run's files: the state keeps naming that run.
    expect(kept).toEqual(state);
    expect(await readdir(lakeDir)).toEqual(filesBefore);
  });

  it("reads in batches of the table's own batch_size", async () => {
    const { config, table, ctx } = t;
    const run = { runId: 'run-batches', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const [unit] = staticTableHandler.plan(table, snapshot, undefined, run);
    const byDefault = await staticTableHandler.run(table, unit as StaticUnit, ctx);
    expect(byDefault.batches).toBe(1); // 3 rows, processing.batch_size 50,000
    const small = await staticTableHandler.run({ ...table, batchSize: 2 }, unit as StaticUnit, ctx);
    expect(small.rows).toBe(3);
    expect(small.batches).toBe(2);
  });

  it('fails validation when one staged value is corrupted, naming table, unit, column and both sums', async () => {
    const { config, table, source, ctx } = t;
    const run = { runId: 'run2', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const unit = staticTableHandler.plan(table, snapshot, undefined, run)[0] as StaticUnit;
    const lakeBefore = await readdir(unit.lakeDir);
    const result = await staticTableHandler.run(table, unit, ctx);
    const file = result.files[0] as string;
    // Rewrite the staged file with one decimal changed by a single unit in the last place.
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    const quoted = file.replaceAll("'", "''");
    await connection.run(
      `COPY (SELECT Code, CASE WHEN Code = 'EUR' THEN Rate + 0.0000000001 ELSE Rate END::DECIMAL(38,10) AS Rate, Fee FROM read_parquet('${quoted}')) TO '${quoted}.tmp' (FORMAT PARQUET)`,
    );
    connection.closeSync();
    duckdb.closeSync();
    await rm(file);
    const { rename } = await import('node:fs/promises');
    await rename(`${file}.tmp`, file);
    const plan = await source.describe('dbo', 'Rates');
    const figures = await source.aggregates(plan);
    const error = await validateStaged(unit, plan, file, figures).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('VALIDATION_FAILED');
    expect((error as SqlSyncError).message).toBe(
      'dbo.Rates unit dbo.Rates column Rate: SUM differs: source 1234567890123456789012345678.9938765501, lake 1234567890123456789012345678.9938765502',
    );
    // Nothing was published: the lake directory is as it was.
    expect(await readdir(unit.lakeDir)).toEqual(lakeBefore);
    expect(existsSync(unit.lakeDir)).toBe(true);
  });
});
