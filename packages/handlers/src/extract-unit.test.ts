import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { readParquetMetadata } from '@sync/parquet-duckdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractToStaging, MIN_WRITER_MEMORY_MB, writerMemoryLimitMb } from './extract-unit.js';
import { staticTableHandler } from './static-table-handler.js';
import { type StaticTableContext, startStaticTableContext } from './test-support/static-table-context.js';
import type { StaticUnit } from './work-unit.js';

const ROWS = 12_345;

describe('writerMemoryLimitMb', () => {
  it('shares memory_limit_mb among max_workers, with a floor', () => {
    expect(writerMemoryLimitMb({ memoryLimitMb: 2048, maxWorkers: 1 })).toBe(2048);
    expect(writerMemoryLimitMb({ memoryLimitMb: 2048, maxWorkers: 3 })).toBe(682);
    expect(writerMemoryLimitMb({ memoryLimitMb: 2048, maxWorkers: 16 })).toBe(MIN_WRITER_MEMORY_MB);
  });
});

describe('extractToStaging into several part files', () => {
  let t: StaticTableContext;

  beforeAll(async () => {
    t = await startStaticTableContext('Ledger', 'ledger', async (emulator) => {
      await emulator.exec(
        'CREATE TABLE [dbo].[Ledger] ([Id] int NOT NULL PRIMARY KEY, [Amount] decimal(38,10) NULL, [Fee] decimal(9,2) NOT NULL)',
      );
      // Amounts of 28 integer digits: no double holds one, and their sum needs every digit.
      await emulator.duckdb(
        `INSERT INTO dbo."Ledger" ("Id", "Amount", "Fee")
         SELECT i,
                CASE WHEN i % 7 = 3 THEN NULL
                     ELSE (CASE WHEN i % 2 = 0 THEN '' ELSE '-' END || (1000000 + (i * 7919) % 1000003)::VARCHAR
                           || '123456789012345678901.' || lpad(i::VARCHAR, 10, '0'))::DECIMAL(38,10) END,
                ((i % 1000) / 100)::DECIMAL(9,2)
         FROM range(${ROWS}) t(i)`,
      );
    });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
  });

  it('rolls into part files, validates count and exact sums over all of them, and drops stale parts', async () => {
    const { config, table, source, ctx } = t;
    const run = { runId: 'run1', lakeRoot: config.state.parquetDirectory, now: new Date() };
    const unit = staticTableHandler.plan(
      table,
      { tableHash: 'hashbytes_sha256:0:', sourceColumns: '[]' },
      undefined,
      run,
    )[0] as StaticUnit;
    // Left by an earlier attempt of this unit that wrote more parts: must not be published.
    await mkdir(unit.stagingDir, { recursive: true });
    await writeFile(join(unit.stagingDir, 'part-run1-9.parquet'), 'stale');
    const plan = await source.describe('dbo', 'Ledger');

    const result = await extractToStaging(unit, plan, undefined, ctx, {}, { rowsPerFile: 5000 });

    expect(result.rows).toBe(ROWS);
    expect(result.files.map((file) => basename(file))).toEqual([
      'part-run1-0.parquet',
      'part-run1-1.parquet',
      'part-run1-2.parquet',
    ]);
    expect((await readdir(unit.stagingDir)).sort()).toEqual(result.files.map((file) => basename(file)));
    expect(result.validation?.lakeRows).toBe(String(ROWS));
    const amount = result.validation?.sums.Amount;
    expect(amount?.lake).toBe(amount?.source);
    expect(amount?.lake?.replace('-', '').split('.')[0]?.length).toBeGreaterThanOrEqual(28);
    const fee = result.validation?.sums.Fee;
    expect(fee?.lake).toBe(fee?.source);
    expect(fee?.lake).toMatch(/^\d+\.\d\d$/);
    for (const file of result.files) {
      expect(await readParquetMetadata(file)).toMatchObject({
        'sqlsync.run_id': 'run1',
        'sqlsync.unit': unit.id,
      });
    }
  });
});
