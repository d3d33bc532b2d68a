import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeUpsert } from './lake-upsert.js';
import { readParquetMetadata } from './parquet-metadata.js';

let directory: string;
let duckdb: DuckDBInstance;
const file = (name: string): string => join(directory, name);

async function copy(sql: string, name: string): Promise<string> {
  const connection = await duckdb.connect();
  try {
    await connection.run(`COPY (${sql}) TO '${file(name)}' (FORMAT PARQUET)`);
  } finally {
    connection.closeSync();
  }
  return file(name);
}

async function rows(path: string, order: string): Promise<unknown[][]> {
  const connection = await duckdb.connect();
  try {
    return (
      await connection.runAndReadAll(`SELECT * FROM read_parquet('${path}') ORDER BY ${order}`)
    ).getRows();
  } finally {
    connection.closeSync();
  }
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lake-upsert-'));
  duckdb = await DuckDBInstance.create(':memory:');
  // The published table: composite key (A, B); ('ab','c') and ('a','bc') are two different keys.
  await copy(
    `SELECT * FROM (VALUES ('ab', 'c', 1.50::DECIMAL(10,2)), ('a', 'bc', 2.00), ('x', 'y', 3.00), ('gone', 'g', 4.00)) t(A, B, V)`,
    'lake.parquet',
  );
  await copy(
    `SELECT * FROM (VALUES ('ab', 'c', '\\x01'::BLOB), ('a', 'bc', '\\x02'::BLOB), ('x', 'y', '\\x03'::BLOB), ('gone', 'g', '\\x04'::BLOB)) t(A, B, h)`,
    'lake-hashes.parquet',
  );
  // The source now: ('a','bc') changed, ('gone','g') deleted, ('new','n') inserted.
  await copy(
    `SELECT * FROM (VALUES ('ab', 'c', '\\x01'::BLOB), ('a', 'bc', '\\x22'::BLOB), ('x', 'y', '\\x03'::BLOB), ('new', 'n', '\\x05'::BLOB)) t(A, B, h)`,
    'source-hashes.parquet',
  );
  await copy(
    `SELECT * FROM (VALUES ('a', 'bc', 20.00::DECIMAL(10,2)), ('new', 'n', 5.00)) t(A, B, V)`,
    'changed.parquet',
  );
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(directory, { recursive: true, force: true });
});

describe('LakeUpsert', () => {
  it('classifies keys exactly, lists the keys to read, and merges unchanged lake rows with the rows read', async () => {
    const upsert = await LakeUpsert.open({
      sourceHashes: file('source-hashes.parquet'),
      lakeHashes: file('lake-hashes.parquet'),
      keyColumns: ['A', 'B'],
      hashColumn: 'h',
    });
    try {
      expect(upsert.counts).toEqual({ inserted: 1, updated: 1, deleted: 1, unchanged: 2 });
      expect(await upsert.changedKeys()).toEqual([
        ['a', 'bc'],
        ['new', 'n'],
      ]);
      const merged = await upsert.writeMerged({
        lakeFiles: file('lake.parquet'),
        changedRows: [file('changed.parquet')],
        columns: ['A', 'B', 'V'],
        target: file('merged.parquet'),
        options: { metadata: { 'sqlsync.run_id': 'r2' } },
      });
      expect(merged.rows).toBe(4);
      expect(merged.bytes).toBeGreaterThan(0);
      expect((await rows(file('merged.parquet'), 'A, B')).map((r) => r.map(String))).toEqual([
        ['a', 'bc', '20.00'],
        ['ab', 'c', '1.50'],
        ['new', 'n', '5.00'],
        ['x', 'y', '3.00'],
      ]);
      expect((await readParquetMetadata(file('merged.parquet')))['sqlsync.run_id']).toBe('r2');
      await upsert.writeHashes(file('new-hashes.parquet'));
      expect(await rows(file('new-hashes.parquet'), 'A, B')).toEqual(
        await rows(file('source-hashes.parquet'), 'A, B'),
      );
    } finally {
      upsert.close();
      upsert.close();
    }
  });

  it('keeps only unchanged rows when keys were only deleted', async () => {
    const upsert = await LakeUpsert.open({
      sourceHashes: file('lake-hashes.parquet'),
      lakeHashes: file('lake-hashes.parquet'),
      keyColumns: ['A', 'B'],
      hashColumn: 'h',
    });
    try {
      expect(upsert.counts).toEqual({ inserted: 0, updated: 0, deleted: 0, unchanged: 4 });
      expect(await upsert.changedKeys()).toEqual([]);
    } finally {
      upsert.close();
    }
    const shrunk = await LakeUpsert.open({
      sourceHashes: file('source-hashes.parquet'),
      lakeHashes: file('lake-hashes.parquet'),
      keyColumns: ['A', 'B'],
      hashColumn: 'h',
    });
    try {
      const merged = await shrunk.writeMerged({
        lakeFiles: file('lake.parquet'),
        changedRows: [],
        columns: ['V', 'A', 'B'],
        target: file('only-kept.parquet'),
      });
      expect(merged.rows).toBe(2);
      expect((await rows(file('only-kept.parquet'), 'A')).map((r) => r.map(String))).toEqual([
        ['1.50', 'ab', 'c'],
        ['3.00', 'x', 'y'],
      ]);
    } finally {
      shrunk.close();
    }
  });

  it('counts every source key as inserted when the lake has no hashes', async () => {
    const upsert = await LakeUpsert.open({
      sourceHashes: file('source-hashes.parquet'),
      keyColumns: ['A', 'B'],
      hashColumn: 'h',
    });
    try {
      expect(upsert.counts).toEqual({ inserted: 4, updated: 0, deleted: 0, unchanged: 0 });
    } finally {
      upsert.close();
    }
  });

  it('fails with VALIDATION_FAILED naming a missing column', async () => {
    await expect(
      LakeUpsert.open({ sourceHashes: file('source-hashes.parquet'), keyColumns: ['Nope'], hashColumn: 'h' }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', message: expect.stringMatching(/Nope/) });
  });
});
