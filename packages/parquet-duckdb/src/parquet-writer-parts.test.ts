import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { formatDecimal } from '@sync/arrow-decimal';
import type { LakeType, SourceSchema } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetMetadata } from './parquet-metadata.js';
import { readParquetStats } from './parquet-stats.js';
import type { ParquetTarget } from './parquet-write-options.js';
import { ParquetWriter } from './parquet-writer.js';
import { quoteStringLiteral } from './sql-quote.js';
import { decimalColumn, Int32, numberColumn, recordBatch, utf8Column } from './test-support/arrow-columns.js';
import { randomDigits, seededRandom } from './test-support/random.js';
import { queryColumns } from './test-support/read-lake.js';
import { sourceColumn } from './test-support/source-column.js';
import { writeParquet } from './write-parquet.js';

const AMOUNT: LakeType = { kind: 'decimal', precision: 38, scale: 10 };
const SCHEMA: SourceSchema = {
  schemaName: 'sales',
  tableName: 'orders',
  columns: [
    sourceColumn('id', { kind: 'int32' }),
    sourceColumn('amount', AMOUNT),
    sourceColumn('name', { kind: 'string' }),
    sourceColumn('guid', { kind: 'uuid' }),
  ],
};

const ROWS = 23_456;
const ROWS_PER_FILE = 5000;
const random = seededRandom(424242);
/** Every 7th amount is NULL, so validity has to be right on both sides of every part boundary. */
const AMOUNTS: (bigint | null)[] = Array.from({ length: ROWS }, (_, row) => {
  if (row % 7 === 3) {
    return null;
  }
  const magnitude = randomDigits(random, 1 + Math.floor(random() * 38));
  return random() < 0.5 ? -magnitude : magnitude;
});
const GUID = '6F9619FF-8B86-D011-B42D-00C04FC964FF';

function batchOf(start: number, end: number, guid: (row: number) => string | null = () => GUID): RecordBatch {
  const rows = Array.from({ length: end - start }, (_, i) => start + i);
  return recordBatch([
    ['id', numberColumn(new Int32(), rows)],
    ['amount', decimalColumn(38, 10, AMOUNTS.slice(start, end))],
    ['name', utf8Column(rows.map((row) => (row % 5 === 0 ? null : `row ${row} — Zürich`)))],
    ['guid', utf8Column(rows.map(guid))],
  ]);
}

/** Batch sizes that straddle part boundaries (5000) mid-batch and mid-vector (2048), then the rest. */
function* batches(): Generator<RecordBatch> {
  const sizes = [1, 4998, 2, 4096, 7000, 2049, 3];
  let start = 0;
  for (const size of sizes) {
    yield batchOf(start, start + size);
    start += size;
  }
  yield batchOf(start, ROWS);
}

const exactSum = (values: readonly (bigint | null)[]): string =>
  formatDecimal({
    value: values.reduce<bigint>((sum, v) => sum + (v ?? 0n), 0n),
    precision: 38,
    scale: 10,
  });

let root: string;
let count = 0;

async function freshTarget(prefix = 'part-r1-'): Promise<ParquetTarget> {
  const directory = join(root, `case-${count++}`);
  await mkdir(directory);
  return { directory, fileName: (n) => `${prefix}${n}.parquet` };
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'parquet-parts-'));
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('writeParquet with rowsPerFile', () => {
  it('rolls to a new part every rowsPerFile rows, keeping every value exact across the boundaries', async () => {
    const target = await freshTarget();
    const metadata = { 'sqlsync.run_id': 'r1' };
    const result = await writeParquet(batches(), SCHEMA, target, { rowsPerFile: ROWS_PER_FILE, metadata });

    const names = [0, 1, 2, 3, 4].map((n) => `part-r1-${n}.parquet`);
    expect(result.rows).toBe(ROWS);
    expect(result.files).toEqual(names.map((name) => join(target.directory, name)));
    expect((await readdir(target.directory)).sort()).toEqual(names);

    // Each part holds the next rowsPerFile rows in order: ids [n * 5000, (n + 1) * 5000).
    for (const [n, file] of result.files.entries()) {
      const read = await queryColumns(
        `SELECT min(id) AS first, max(id) AS last, count(*) AS rows FROM read_parquet(${quoteStringLiteral(file)})`,
      );
      const first = n * ROWS_PER_FILE;
      const last = Math.min(ROWS, first + ROWS_PER_FILE) - 1;
      expect(read).toEqual({ first: [first], last: [last], rows: [BigInt(last - first + 1)] });
      expect(await readParquetMetadata(file)).toEqual(metadata);
    }

    const list = `[${result.files.map(quoteStringLiteral).join(', ')}]`;
    const read = await queryColumns(
      `SELECT id, amount::VARCHAR AS amount, name, upper(guid::VARCHAR) AS guid FROM read_parquet(${list}) ORDER BY id`,
    );
    expect(read.id).toEqual(Array.from({ length: ROWS }, (_, row) => row));
    expect(read.amount).toEqual(
      AMOUNTS.map((v) => (v === null ? null : formatDecimal({ value: v, precision: 38, scale: 10 }))),
    );
    expect(read.name).toEqual(read.id?.map((row) => (Number(row) % 5 === 0 ? null : `row ${row} — Zürich`)));
    expect(new Set(read.guid)).toEqual(new Set([GUID]));

    const stats = await readParquetStats(result.files, [{ name: 'amount', lakeType: AMOUNT }]);
    expect(stats).toEqual({ rowCount: BigInt(ROWS), sums: { amount: exactSum(AMOUNTS) } });
  });

  it('writes no empty trailing part when the rows end on a part boundary', async () => {
    const target = await freshTarget();
    const result = await writeParquet([batchOf(0, 6000), batchOf(6000, 10_000)], SCHEMA, target, {
      rowsPerFile: ROWS_PER_FILE,
    });
    expect(result.files.map((file) => file.slice(target.directory.length + 1))).toEqual([
      'part-r1-0.parquet',
      'part-r1-1.parquet',
    ]);
    expect(result.rows).toBe(10_000);
  });

  it('writes one empty part with the schema when no row comes', async () => {
    const target = await freshTarget();
    const result = await writeParquet([], SCHEMA, target, { rowsPerFile: ROWS_PER_FILE });
    expect(result).toMatchObject({ rows: 0, files: [join(target.directory, 'part-r1-0.parquet')] });
  });

  it('holds at most two parts of rows (one filling, one being written), stores none in DuckDB tables', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const observer = await instance.connect();
    try {
      const target = await freshTarget();
      const writer = await ParquetWriter.create(SCHEMA, target, { duckdb: instance, rowsPerFile: 3000 });
      const buffered: number[] = [];
      const tables: bigint[][] = [];
      try {
        for (const batch of batches()) {
          await writer.append(batch);
          buffered.push(writer.bufferedRows);
          tables.push(await writerTableSizes(observer));
        }
        const result = await writer.finish();
        expect(result.files).toHaveLength(Math.ceil(ROWS / 3000));
        expect(writer.files).toEqual(result.files);
        expect(writer.bufferedRows).toBe(0);
      } finally {
        await writer.close();
      }
      expect(Math.max(...buffered)).toBeGreaterThan(0);
      expect(Math.max(...buffered)).toBeLessThanOrEqual(2 * 3000);
      expect(tables.every((sizes) => sizes.length === 0)).toBe(true);
      const stats = await readParquetStats(join(target.directory, '*.parquet'), [
        { name: 'amount', lakeType: AMOUNT },
      ]);
      expect(stats.sums.amount).toBe(exactSum(AMOUNTS));
    } finally {
      observer.closeSync();
      instance.closeSync();
    }
  });

  it('writes the parts one after another through a single given connection', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const target = await freshTarget();
      const result = await writeParquet(batches(), SCHEMA, target, {
        duckdb: connection,
        rowsPerFile: ROWS_PER_FILE,
      });
      expect(result.files).toHaveLength(5);
      const stats = await readParquetStats(result.files, [{ name: 'amount', lakeType: AMOUNT }]);
      expect(stats).toEqual({ rowCount: BigInt(ROWS), sums: { amount: exactSum(AMOUNTS) } });
      expect(await writerTableSizes(connection)).toEqual([]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('ParquetWriter with releaseBatches', () => {
  const bufferBytes = (batch: RecordBatch): number[] =>
    batch.data.children.flatMap((data) =>
      [data.values, data.valueOffsets, data.nullBitmap].map((view) => view?.buffer.byteLength ?? 0),
    );

  it('empties each batch once all its rows are written, even one cut across parts, and writes every row exactly', async () => {
    const target = await freshTarget();
    const writer = await ParquetWriter.create(SCHEMA, target, {
      rowsPerFile: ROWS_PER_FILE,
      releaseBatches: true,
    });
    const handedOver: RecordBatch[] = [];
    try {
      for (const batch of batches()) {
        handedOver.push(batch);
        await writer.append(batch);
      }
      // The 7000-row batch spans part boundaries; parts not yet written still hold their batches.
      expect(bufferBytes(handedOver[handedOver.length - 1] as RecordBatch).some((n) => n > 0)).toBe(true);
      const result = await writer.finish();
      expect(result.rows).toBe(ROWS);
      const stats = await readParquetStats(result.files, [{ name: 'amount', lakeType: AMOUNT }]);
      expect(stats).toEqual({ rowCount: BigInt(ROWS), sums: { amount: exactSum(AMOUNTS) } });
      const files = result.files.map(quoteStringLiteral).join(', ');
      const names = await queryColumns(
        `SELECT count(name) AS named, count(DISTINCT guid) AS guids FROM read_parquet([${files}])`,
      );
      expect(names).toEqual({ named: [BigInt(ROWS - Math.ceil(ROWS / 5))], guids: [1n] });
    } finally {
      await writer.close();
    }
    for (const batch of handedOver) {
      expect(bufferBytes(batch).every((n) => n === 0)).toBe(true);
    }
  });

  it('leaves the batches alone by default', async () => {
    const batch = batchOf(0, 3000);
    const before = bufferBytes(batch);
    await writeParquet([batch], SCHEMA, await freshTarget(), { rowsPerFile: 1000 });
    expect(before.filter((n) => n > 0).length).toBeGreaterThan(4);
    expect(bufferBytes(batch)).toEqual(before);
  });
});

describe('writeParquet with rowsPerFile, on failure', () => {
  it('removes the parts already written when a later batch is refused', async () => {
    const target = await freshTarget();
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batchOf(0, 12_000);
      yield batchOf(12_000, 13_000, (row) => (row === 12_500 ? 'not a uuid' : GUID));
    }
    await expect(
      writeParquet(failing(), SCHEMA, target, { rowsPerFile: ROWS_PER_FILE }),
    ).rejects.toMatchObject({ code: 'VALUE_OUT_OF_RANGE' });
    expect(await readdir(target.directory)).toEqual([]);
  });

  it('removes the parts already written when the source stream fails', async () => {
    const target = await freshTarget();
    async function* failing(): AsyncGenerator<RecordBatch> {
      yield batchOf(0, 12_000);
      throw new Error('connection reset');
    }
    await expect(writeParquet(failing(), SCHEMA, target, { rowsPerFile: ROWS_PER_FILE })).rejects.toThrow(
      'connection reset',
    );
    expect(await readdir(target.directory)).toEqual([]);
  });

  it('refuses a part name that repeats or is not a plain file name, leaving nothing behind', async () => {
    const repeat = await freshTarget();
    const failure = writeParquet(
      batches(),
      SCHEMA,
      { directory: repeat.directory, fileName: (n) => `part-${Math.min(n, 1)}.parquet` },
      { rowsPerFile: ROWS_PER_FILE },
    );
    await expect(failure).rejects.toBeInstanceOf(SqlSyncError);
    await expect(failure).rejects.toMatchObject({ code: 'LAKE_WRITE' });
    expect(await readdir(repeat.directory)).toEqual([]);

    const nested = await freshTarget();
    await expect(
      writeParquet(batches(), SCHEMA, {
        directory: nested.directory,
        fileName: (n) => `x/part-${n}.parquet`,
      }),
    ).rejects.toMatchObject({ code: 'LAKE_WRITE' });
    expect(await readdir(nested.directory)).toEqual([]);
  });

  it('stops on abort, with a part being written, and leaves nothing behind', async () => {
    const target = await freshTarget();
    const controller = new AbortController();
    const writer = await ParquetWriter.create(SCHEMA, target, {
      rowsPerFile: ROWS_PER_FILE,
      signal: controller.signal,
    });
    try {
      // The second append fills part 1 and starts its COPY after part 0's: one may still be running.
      await writer.append(batchOf(0, 5000));
      await writer.append(batchOf(5000, 10_000));
      controller.abort();
      await expect(writer.append(batchOf(10_000, 11_000))).rejects.toThrow();
      await expect(writer.finish()).rejects.toThrow();
    } finally {
      await writer.close();
    }
    expect(await readdir(target.directory)).toEqual([]);
  });

  it('leaves nothing behind when closed without finish()', async () => {
    const target = await freshTarget();
    const writer = await ParquetWriter.create(SCHEMA, target, { rowsPerFile: 2000 });
    try {
      await writer.append(batchOf(0, 9000));
    } finally {
      await writer.close();
    }
    expect(await readdir(target.directory)).toEqual([]);
  });

  it('refuses a rowsPerFile that is not a positive integer', async () => {
    const target = await freshTarget();
    await expect(ParquetWriter.create(SCHEMA, target, { rowsPerFile: 0 })).rejects.toMatchObject({
      code: 'LAKE_WRITE',
    });
    await expect(ParquetWriter.create(SCHEMA, target, { rowsPerFile: 1.5 })).rejects.toMatchObject({
      code: 'LAKE_WRITE',
    });
  });
});

/** Row counts of the writer's tables (`sqlsync_write_…`) in the instance, largest first. */
async function writerTableSizes(connection: DuckDBConnection): Promise<bigint[]> {
  const reader = await connection.runAndReadAll(
    "SELECT estimated_size FROM duckdb_tables() WHERE table_name LIKE 'sqlsync_write_%' ORDER BY 1 DESC",
  );
  return reader.getRows().map((row) => row[0] as bigint);
}
