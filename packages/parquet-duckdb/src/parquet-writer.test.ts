import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SourceSchema } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import { Int32 as ArrowInt32, makeData } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParquetWriter } from './parquet-writer.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';
import { decimalColumn, Int32, numberColumn, recordBatch, utf8Column } from './test-support/arrow-columns.js';
import { batches, batchOf, CASES, ROWS, SCHEMA, VALUES, type Value } from './test-support/lake-type-cases.js';
import { queryColumns } from './test-support/read-lake.js';
import { singleFile } from './test-support/single-file.js';
import { sourceColumn } from './test-support/source-column.js';
import { writeParquet } from './write-parquet.js';

let directory: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parquet-writer-'));
});

afterAll(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('writeParquet', () => {
  it('writes every lake type exactly, with nulls, edge values and KV metadata', async () => {
    const file = join(directory, "it's orders.parquet");
    const metadata = {
      'sqlsync.run_id': 'run-1',
      'sqlsync.table': "sales.O'Brien",
      watermark: '2024-06-11T00:00:00',
    };
    const result = await writeParquet(batches(), SCHEMA, singleFile(file), {
      metadata,
      rowGroupSize: 30_000,
    });
    expect(result.rows).toBe(ROWS);
    expect(result.files).toEqual([file]);
    expect(result.bytes).toBeGreaterThan(1000);
    expect((await readdir(directory)).filter((name) => name.startsWith('.'))).toEqual([]);

    const source = `read_parquet(${quoteStringLiteral(file)})`;
    const selectList = CASES.map((c, index) => `${c.readBack(quoteIdentifier(c.name))} AS c${index}`).join(
      ', ',
    );
    const read = await queryColumns(`SELECT id, ${selectList} FROM ${source} ORDER BY id`);
    expect(read.id).toEqual(Array.from({ length: ROWS }, (_, row) => row));
    CASES.forEach((c, index) => {
      const expected = (VALUES[index] as Value[]).map((v) => (v === null ? null : c.expected(v)));
      const actual = read[`c${index}`] as unknown[];
      const firstDifference = actual.findIndex((v, row) => !Object.is(v, expected[row]));
      expect({ column: c.name, row: firstDifference, value: actual[firstDifference] }).toEqual({
        column: c.name,
        row: -1,
        value: undefined,
      });
    });

    const described = await queryColumns(`DESCRIBE SELECT * FROM ${source}`);
    expect(described.column_name).toEqual(SCHEMA.columns.map((c) => c.name));
    expect(described.column_type).toEqual(['INTEGER', ...CASES.map((c) => c.describedType)]);

    const edges = await queryColumns(
      `SELECT modified::VARCHAR AS ts, day::VARCHAR AS d FROM ${source} WHERE id IN (2, 3) ORDER BY id`,
    );
    expect(edges.ts).toEqual(['0001-01-01 00:00:00', '9999-12-31 23:59:59.999999']);
    expect(edges.d).toEqual(['0001-01-01', '9999-12-31']);

    const kv = await queryColumns(
      `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${quoteStringLiteral(file)}) ORDER BY 1`,
    );
    expect(
      Object.fromEntries((kv.key as string[]).map((key, i) => [key, (kv.value as string[])[i]])),
    ).toEqual(metadata);

    const groups = await queryColumns(
      `SELECT DISTINCT compression FROM parquet_metadata(${quoteStringLiteral(file)})`,
    );
    expect(groups.compression).toEqual(['ZSTD']);
  }, 120_000);

  it('writes an empty file with the schema when there are no batches', async () => {
    const file = join(directory, 'empty.parquet');
    const result = await writeParquet([], SCHEMA, singleFile(file), { compression: 'snappy' });
    expect(result.rows).toBe(0);
    const described = await queryColumns(`DESCRIBE SELECT * FROM read_parquet(${quoteStringLiteral(file)})`);
    expect(described.column_type).toContain('DECIMAL(38,10)');
  });

  it('clears nulls of an earlier batch when a later batch has no validity bitmap', async () => {
    const schema: SourceSchema = {
      schemaName: 'dbo',
      tableName: 't',
      columns: [sourceColumn('n', { kind: 'int32' })],
    };
    const withNulls = recordBatch([
      [
        'n',
        numberColumn(
          new Int32(),
          Array.from({ length: 3000 }, () => null),
        ),
      ],
    ]);
    const noBitmap = makeData({
      type: new ArrowInt32(),
      length: 3000,
      data: Int32Array.from({ length: 3000 }, (_, i) => i),
    });
    const file = join(directory, 'validity.parquet');
    await writeParquet([withNulls, recordBatch([['n', noBitmap]])], schema, singleFile(file));
    const read = await queryColumns(
      `SELECT count(n) AS valid, count(*) AS rows, sum(n)::VARCHAR AS total FROM read_parquet(${quoteStringLiteral(file)})`,
    );
    expect(read).toEqual({ valid: [3000n], rows: [6000n], total: [String((2999 * 3000) / 2)] });
  });

  it('reuses a given DuckDB instance and leaves no table behind in it', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    try {
      const file = join(directory, 'shared.parquet');
      const result = await writeParquet([batchOf(0, 5000)], SCHEMA, singleFile(file), { duckdb: instance });
      expect(result.rows).toBe(5000);
      const connection = await instance.connect();
      try {
        const tables = await connection.runAndReadAll('SELECT count(*) FROM duckdb_tables()');
        expect(tables.getRows()).toEqual([[0n]]);
      } finally {
        connection.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  });

  it('refuses a batch whose decimal scale differs from the lake type, leaving no file', async () => {
    const schema: SourceSchema = {
      schemaName: 'dbo',
      tableName: 't',
      columns: [sourceColumn('amount', { kind: 'decimal', precision: 38, scale: 4 })],
    };
    const file = join(directory, 'wrong-scale.parquet');
    const batch = recordBatch([['amount', decimalColumn(38, 2, [1n])]]);
    const failure = writeParquet([batch], schema, singleFile(file));
    await expect(failure).rejects.toBeInstanceOf(SqlSyncError);
    await expect(failure).rejects.toMatchObject({ code: 'LAKE_WRITE', context: { column: 'amount' } });
    expect(await readdir(directory)).not.toContain('wrong-scale.parquet');
  });

  it('refuses a decimal value wider than the column precision instead of truncating it', async () => {
    const schema: SourceSchema = {
      schemaName: 'dbo',
      tableName: 't',
      columns: [sourceColumn('amount', { kind: 'decimal', precision: 9, scale: 2 })],
    };
    const batch = recordBatch([['amount', decimalColumn(9, 2, [1n, null, 2n ** 40n])]]);
    await expect(
      writeParquet([batch], schema, singleFile(join(directory, 'wide.parquet'))),
    ).rejects.toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
    });
  });

  it('refuses text that is not a UUID', async () => {
    const schema: SourceSchema = {
      schemaName: 'dbo',
      tableName: 't',
      columns: [sourceColumn('guid', { kind: 'uuid' })],
    };
    const batch = recordBatch([['guid', utf8Column(['6F9619FF-8B86-D011-B42D-00C04FC964FG'])]]);
    await expect(
      writeParquet([batch], schema, singleFile(join(directory, 'uuid.parquet'))),
    ).rejects.toMatchObject({
      code: 'VALUE_OUT_OF_RANGE',
      context: { column: 'guid' },
    });
  });

  it('stops on abort and leaves nothing behind', async () => {
    const controller = new AbortController();
    const writer = await ParquetWriter.create(SCHEMA, singleFile(join(directory, 'aborted.parquet')), {
      signal: controller.signal,
    });
    try {
      await writer.append(batchOf(0, 100));
      controller.abort();
      await expect(writer.append(batchOf(100, 200))).rejects.toThrow();
      await expect(writer.finish()).rejects.toThrow();
    } finally {
      await writer.close();
    }
    expect(await readdir(directory)).not.toContain('aborted.parquet');
  });
});
