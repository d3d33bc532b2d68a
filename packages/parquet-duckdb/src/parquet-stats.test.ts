import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatDecimal as formatDecimalValue } from '@sync/arrow-decimal';
import type { LakeType, SourceSchema } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const formatDecimal = (value: bigint, scale: number): string =>
  formatDecimalValue({ value, precision: 38, scale });

import { readParquetMetadata } from './parquet-metadata.js';
import { readParquetStats } from './parquet-stats.js';
import { bigintColumn, decimalColumn, Int64, recordBatch } from './test-support/arrow-columns.js';
import { randomDigits, seededRandom } from './test-support/random.js';
import { singleFile } from './test-support/single-file.js';
import { sourceColumn } from './test-support/source-column.js';
import { writeParquet } from './write-parquet.js';

const AMOUNT: LakeType = { kind: 'decimal', precision: 38, scale: 10 };
const PRICE: LakeType = { kind: 'decimal', precision: 9, scale: 4 };
const SCHEMA: SourceSchema = {
  schemaName: 'sales',
  tableName: 'orders',
  columns: [
    sourceColumn('Amount', AMOUNT),
    sourceColumn('Unit "Price"', PRICE),
    sourceColumn('qty', { kind: 'int64' }),
    sourceColumn('empty', AMOUNT),
  ],
};

let directory: string;
const expected = { amount: 0n, price: 0n, qty: 0n, rows: 0 };

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parquet-stats-'));
  const random = seededRandom(7);
  for (const part of [0, 1]) {
    const rows = 50_000;
    // Values with 28 integer digits; sums stay well inside DECIMAL(38,10).
    const amounts = Array.from({ length: rows }, (_, i) => {
      if (i % 10 === 0) {
        return null;
      }
      const magnitude = randomDigits(random, 33);
      return random() < 0.5 ? -magnitude : magnitude;
    });
    const prices = Array.from({ length: rows }, () => BigInt(Math.floor((random() - 0.5) * 1e9)));
    const quantities = Array.from({ length: rows }, () => BigInt(Math.floor((random() - 0.5) * 2 ** 50)));
    for (const value of amounts) {
      expected.amount += value ?? 0n;
    }
    for (const value of prices) {
      expected.price += value;
    }
    for (const value of quantities) {
      expected.qty += value;
    }
    expected.rows += rows;
    const batch = recordBatch([
      ['Amount', decimalColumn(38, 10, amounts)],
      ['Unit "Price"', decimalColumn(9, 4, prices)],
      ['qty', bigintColumn(new Int64(), quantities)],
      [
        'empty',
        decimalColumn(
          38,
          10,
          Array.from({ length: rows }, () => null),
        ),
      ],
    ]);
    await writeParquet([batch], SCHEMA, singleFile(join(directory, `part-r1-${part}.parquet`)), {
      metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.part': String(part) },
    });
  }
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readParquetStats', () => {
  it('counts rows and sums decimals and integers exactly over a glob', async () => {
    const stats = await readParquetStats(join(directory, '*.parquet'), [
      { name: 'Amount', lakeType: AMOUNT },
      { name: 'Unit "Price"', lakeType: PRICE },
      { name: 'qty', lakeType: { kind: 'int64' } },
      { name: 'empty', lakeType: AMOUNT },
    ]);
    expect(stats.rowCount).toBe(BigInt(expected.rows));
    expect(stats.sums).toEqual({
      Amount: formatDecimal(expected.amount, 10),
      'Unit "Price"': formatDecimal(expected.price, 4),
      qty: String(expected.qty),
      empty: null,
    });
  });

  it('sums exactly where a 128-bit sum overflows (28 integer digits in 20,000 rows)', async () => {
    const schema: SourceSchema = {
      schemaName: 'dbo',
      tableName: 'big',
      columns: [sourceColumn('Amount', AMOUNT)],
    };
    const max = 10n ** 38n - 1n;
    const amounts = Array.from({ length: 20_000 }, (_, i) =>
      i % 3 === 2 ? -(max - BigInt(i)) : max - BigInt(i),
    );
    const file = join(directory, 'overflow', 'big.parquet');
    await mkdir(join(directory, 'overflow'));
    await writeParquet([recordBatch([['Amount', decimalColumn(38, 10, amounts)]])], schema, singleFile(file));
    const total = amounts.reduce((sum, v) => sum + v, 0n);
    expect(total > 2n ** 127n).toBe(true);
    const stats = await readParquetStats(file, [{ name: 'Amount', lakeType: AMOUNT }]);
    expect(stats).toEqual({ rowCount: 20_000n, sums: { Amount: formatDecimal(total, 10) } });
  });

  it('accepts a list of files', async () => {
    const stats = await readParquetStats([join(directory, 'part-r1-0.parquet')], []);
    expect(stats).toEqual({ rowCount: 50_000n, sums: {} });
  });

  it('throws VALIDATION_FAILED when nothing matches or a column cannot be summed', async () => {
    await expect(readParquetStats(join(directory, 'none-*.parquet'), [])).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
    await expect(
      readParquetStats(join(directory, '*.parquet'), [{ name: 'x', lakeType: { kind: 'string' } }]),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('readParquetMetadata', () => {
  it('returns the key-value metadata written with the file', async () => {
    const metadata = await readParquetMetadata(join(directory, 'part-r1-1.parquet'));
    expect(metadata).toMatchObject({ 'sqlsync.run_id': 'r1', 'sqlsync.part': '1' });
  });
});
