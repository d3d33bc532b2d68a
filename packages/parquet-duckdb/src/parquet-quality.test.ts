import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { SqlSyncError } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readQualityFigures } from './parquet-quality.js';

let directory: string;
let file: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parquet-quality-'));
  file = join(directory, 'part-0.parquet');
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  // A composite key (Region, "Code ""x""") with one value held by two rows, and ('ab','c') vs
  // ('a','bc'), which a key joined into one string would confuse.
  await connection.run(`COPY (SELECT * FROM (VALUES
      ('ab', 'c', 1.50::DECIMAL(10,2), 'x'),
      ('a', 'bc', NULL, 'y'),
      ('eu', 'EUR', 2.00, NULL),
      ('eu', 'EUR', 3.00, 'z'),
      ('us', 'USD', NULL, 'w')
    ) AS t(Region, "Code ""x""", Rate, Note)) TO '${file}' (FORMAT PARQUET)`);
  connection.closeSync();
  duckdb.closeSync();
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('readQualityFigures', () => {
  it('finds the most repeated composite key, comparing each column exactly', async () => {
    const figures = await readQualityFigures(file, { uniqueKey: ['Region', 'Code "x"'] });
    expect(figures.rowCount).toBe(5n);
    expect(figures.duplicateKey).toEqual({ values: ['eu', 'EUR'], rows: 2n, duplicatedKeys: 1n });
  });

  it('finds no duplicate when the key is unique', async () => {
    const figures = await readQualityFigures(file, { uniqueKey: ['Region', 'Code "x"', 'Rate'] });
    expect(figures.duplicateKey).toBeUndefined();
  });

  it('counts NULLs per column, with the key of the first row holding one', async () => {
    const figures = await readQualityFigures(file, {
      notNullColumns: ['Rate', 'Note', 'Region'],
      sampleColumns: ['Region', 'Code "x"'],
    });
    expect(figures.nullCounts).toEqual({
      Rate: { nulls: 2n, sample: ['a', 'bc'] },
      Note: { nulls: 1n, sample: ['eu', 'EUR'] },
      Region: { nulls: 0n },
    });
  });

  it('fails with VALIDATION_FAILED naming a missing column', async () => {
    const error = await readQualityFigures(file, { notNullColumns: ['Nope'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SqlSyncError);
    expect((error as SqlSyncError).code).toBe('VALIDATION_FAILED');
    expect((error as SqlSyncError).message).toMatch(/Nope/);
  });
});
