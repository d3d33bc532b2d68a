import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_BATCH_BYTES } from './batch-stream.js';
import { partitionSpecFor } from './partitioning.js';
import { SourceConnection } from './source-connection.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'Extract!Passw0rd';
const ROWS = 60_000;

describe('SourceConnection against the emulator', () => {
  let emulator: Emulator;
  let source: SourceConnection;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Facts] (
      [Id] int NOT NULL PRIMARY KEY, [Amount] decimal(38,10) NULL, [Small] decimal(9,2) NULL,
      [Label] nvarchar(40) NULL, [At] datetime2(7) NULL, [Flag] bit NULL, [Big] bigint NULL);`);
    for (let start = 1; start <= ROWS; start += 1000) {
      const values: string[] = [];
      for (let i = start; i < start + 1000; i++) {
        values.push(
          `(${i}, ${i % 10 === 0 ? 'NULL' : `${i}123456789012345678.${String(i).padStart(10, '0')}`}, ${-i}.25, N'row ${i}', '2024-01-01T00:00:00.${String(i % 1_000_000).padStart(6, '0')}0', ${i % 2}, ${i * 1_000_000_007})`,
        );
      }
      await emulator.exec(`INSERT INTO [dbo].[Facts] VALUES ${values.join(',')};`);
    }
    source = await SourceConnection.open(emulatorLogin(emulator, PASSWORD));
  }, 120_000);

  afterAll(async () => {
    await source?.close();
    await emulator?.close();
  });

  it('describes columns from the catalog with their lake types', async () => {
    const plan = await source.describe('dbo', 'Facts');
    expect(plan.schema.columns.map((c) => [c.name, c.sqlType, c.lakeType.kind])).toEqual([
      ['Id', 'int', 'int32'],
      ['Amount', 'decimal', 'decimal'],
      ['Small', 'decimal', 'decimal'],
      ['Label', 'nvarchar', 'string'],
      ['At', 'datetime2', 'timestamp_us'],
      ['Flag', 'bit', 'boolean'],
      ['Big', 'bigint', 'int64'],
    ]);
    expect(plan.schema.columns[1]).toMatchObject({ precision: 38, scale: 10, nullable: true });
    expect(plan.schema.columns[0]?.nullable).toBe(false);
  });

  it('names a missing table', async () => {
    await expect(source.describe('dbo', 'Nope')).rejects.toThrow(/dbo\.Nope: table not found/);
  });

  it('streams every row once through a slow consumer, pausing the TDS stream', async () => {
    const plan = await source.describe('dbo', 'Facts');
    const stream = source.read(plan, { batchRows: 2_000, maxBufferedBatches: 1 });
    let rows = 0;
    let idSum = 0;
    const seen = new Set<number>();
    let amountSum = 0n;
    for await (const batch of stream as AsyncIterable<RecordBatch>) {
      // A slow consumer: the reader must pause the server rather than buffer.
      await new Promise((resolve) => setTimeout(resolve, 20));
      const ids = batch.getChildAt(0)?.toArray() as Int32Array;
      const amounts = batch.getChildAt(1);
      for (let i = 0; i < batch.numRows; i++) {
        const id = ids[i] as number;
        seen.add(id);
        idSum += id;
        if (amounts?.isValid(i)) {
          const words = amounts.data[0]?.values as Uint32Array;
          const offset = (amounts.data[0]?.offset ?? 0) + i;
          const lanes = new BigInt64Array(words.buffer, words.byteOffset + offset * 16, 2);
          amountSum += ((lanes[1] as bigint) << 64n) + BigInt.asUintN(64, lanes[0] as bigint);
        }
      }
      rows += batch.numRows;
    }
    expect(rows).toBe(ROWS);
    expect(seen.size).toBe(ROWS);
    expect(idSum).toBe((ROWS * (ROWS + 1)) / 2);
    expect(stream.stats.rows).toBe(ROWS);
    expect(stream.stats.pauses).toBeGreaterThan(5);
    // Memory stays bounded: the reader never held more than the configured batch plus the one
    // finishing while the pause took effect, however far behind the consumer was.
    expect(stream.stats.maxBufferedBatches).toBeLessThanOrEqual(2);
    const aggregates = await source.aggregates(plan);
    expect(aggregates.rowCount).toBe(BigInt(ROWS));
    const text = aggregates.sums.Amount as string;
    expect(BigInt(text.replace('.', ''))).toBe(amountSum);
    // Both are plain SUMs here: decimal(9,2) cannot overflow decimal(38,2), and these totals fit.
    let smallSum = 0n; // unscaled: row i holds -i.25
    for (let i = 1; i <= ROWS; i++) {
      smallSum -= BigInt(i) * 100n + 25n;
    }
    expect(aggregates.sums.Small).toBe(`${smallSum / 100n}.${String(-smallSum % 100n).padStart(2, '0')}`);
    const statement = emulator.statements.map((s) => s.sql).find((sql) => sql.includes('COUNT_BIG(*)'));
    expect(statement).toContain('SUM([Small])');
    expect(statement).toContain('SUM([Amount])');
  }, 120_000);

  it('sums exactly past 38 digits: a plain SUM first, the halves after SQL Server error 8115', async () => {
    await emulator.exec(`CREATE TABLE [dbo].[Wide] ([Id] int NOT NULL PRIMARY KEY, [V] decimal(38,10) NULL);
      INSERT INTO [dbo].[Wide] VALUES (1, 9999999999999999999999999999.9999999999),
        (2, 9999999999999999999999999999.9999999999), (3, 9999999999999999999999999999.9999999999), (4, NULL);`);
    const plan = await source.describe('dbo', 'Wide');
    const before = emulator.statements.length;
    const aggregates = await source.aggregates(plan);
    expect(aggregates).toEqual({ rowCount: 4n, sums: { V: '29999999999999999999999999999.9999999997' } });
    const sent = emulator.statements.slice(before).map((s) => s.sql);
    expect(sent.filter((sql) => sql.includes('COUNT_BIG(*)'))).toEqual([
      expect.stringContaining('SUM([V])'),
      expect.stringContaining('ROUND([V], 0, 1)'),
    ]);
    await emulator.exec('DELETE FROM [dbo].[Wide] WHERE [Id] > 1;');
    expect((await source.aggregates(plan)).sums).toEqual({ V: '9999999999999999999999999999.9999999999' });
  });

  it('reads a predicate with bound parameters', async () => {
    const plan = await source.describe('dbo', 'Facts');
    const predicate = {
      sql: '[Id] BETWEEN @from AND @to',
      params: [
        { name: 'from', type: 'int' as const, value: 101 },
        { name: 'to', type: 'int' as const, value: 200 },
      ],
    };
    let rows = 0;
    for await (const batch of source.read(plan, { predicate })) {
      rows += batch.numRows;
    }
    expect(rows).toBe(100);
    expect((await source.aggregates(plan, predicate)).rowCount).toBe(100n);
    expect(emulator.statements.some((s) => s.sql.includes('WHERE [Id] BETWEEN @from AND @to'))).toBe(true);
  });
  it('cuts batches by bytes as well as by rows, so wide rows keep memory bounded', async () => {
    await emulator.exec(
      'CREATE TABLE [dbo].[Docs] ([Id] int NOT NULL PRIMARY KEY, [Body] nvarchar(max) NULL);',
    );
    // 200 rows of ~100 KB of UTF-8 each: 20 MB in all, far under batchRows.
    const values = Array.from({ length: 200 }, (_, i) => `(${i + 1}, REPLICATE(N'x', ${100_000 + i}))`);
    await emulator.exec(`INSERT INTO [dbo].[Docs] VALUES ${values.join(',')};`);
    const plan = await source.describe('dbo', 'Docs');

    const sizes = async (options: { batchRows?: number; batchBytes?: number }) => {
      const out: { rows: number; bytes: number }[] = [];
      for await (const batch of source.read(plan, options) as AsyncIterable<RecordBatch>) {
        const body = batch.getChildAt(1)?.data[0];
        out.push({ rows: batch.numRows, bytes: body?.values.byteLength ?? 0 });
      }
      return out;
    };

    // The default bound (DEFAULT_BATCH_BYTES, 4 MiB): a batch stops within one row of it.
    const byDefault = await sizes({ batchRows: 50_000 });
    expect(byDefault.reduce((n, b) => n + b.rows, 0)).toBe(200);
    expect(byDefault.length).toBeGreaterThanOrEqual(4);
    for (const batch of byDefault) {
      expect(batch.bytes).toBeLessThanOrEqual(DEFAULT_BATCH_BYTES + 100_200);
    }
    expect(Math.max(...byDefault.map((b) => b.bytes))).toBeGreaterThanOrEqual(DEFAULT_BATCH_BYTES);

    // A smaller bound: ~1 MB batches of ~10 rows.
    const small = await sizes({ batchBytes: 1_000_000 });
    expect(small.reduce((n, b) => n + b.rows, 0)).toBe(200);
    for (const batch of small) {
      expect(batch.bytes).toBeLessThanOrEqual(1_000_000 + 100_200);
      expect(batch.rows).toBeLessThanOrEqual(11);
    }

    // Rows still cap a batch first where the bytes do not: 60,000 narrow rows in 2,500-row batches.
    const facts = await source.describe('dbo', 'Facts');
    const counts: number[] = [];
    for await (const batch of source.read(facts, { batchRows: 2_500 }) as AsyncIterable<RecordBatch>) {
      counts.push(batch.numRows);
    }
    expect(counts).toEqual(Array.from({ length: ROWS / 2_500 }, () => 2_500));
  }, 120_000);
  it('buckets partitions by day, month and year, NULLs apart, each with its row count', async () => {
    await emulator.exec(
      'CREATE TABLE [dbo].[Events] ([Id] int NOT NULL PRIMARY KEY, [At] datetime2(7) NULL);',
    );
    const stamps = [
      '2023-12-31T23:59:59.9999999',
      '2024-01-01T00:00:00',
      '2024-01-31T12:00:00',
      '2024-02-29T08:30:00',
      '2024-02-29T23:00:00',
      null,
      '2025-07-04T00:00:00',
    ];
    await emulator.exec(
      `INSERT INTO [dbo].[Events] VALUES ${stamps.map((at, i) => `(${i + 1}, ${at === null ? 'NULL' : `'${at}'`})`).join(', ')};`,
    );
    const plan = await source.describe('dbo', 'Events');
    const expected = (bucket: (day: string) => string) => {
      const counts = new Map<string | null, number>();
      for (const at of stamps) {
        const key = at === null ? null : bucket(at.slice(0, 10));
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return [...counts]
        .sort(([a], [b]) => (a ?? '').localeCompare(b ?? ''))
        .map(([key, n]) => [key, String(n)]);
    };
    const buckets = {
      day: (day: string) => day,
      month: (day: string) => `${day.slice(0, 7)}-01`,
      year: (day: string) => `${day.slice(0, 4)}-01-01`,
    } as const;
    for (const granularity of ['day', 'month', 'year'] as const) {
      const spec = partitionSpecFor(
        'dbo.Events',
        plan.schema.columns,
        { column: 'At', granularity },
        undefined,
      );
      const partitions = await source.partitions(plan, spec);
      expect(partitions.map((p) => [p.key, p.rowCount])).toEqual(expected(buckets[granularity]));
    }
  });
});
