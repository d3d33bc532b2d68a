import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { SourceColumn, SourceSchema } from '@sync/core';
import type { SourcePartitionScheme } from '@sync/extract-mssql';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeRows } from './lake-rows.js';
import { WarehouseConnection } from './warehouse-connection.js';
import { loadWarehouseTable, type WarehouseLoadRequest } from './warehouse-load.js';

const password = 'Destination#Test1';
let emulator: Emulator;
let dw: WarehouseConnection;
let lake: LakeRows;
let root: string;

const col = (
  name: string,
  sqlType: string,
  nullable: boolean,
  extra: Partial<SourceColumn> = {},
): SourceColumn => ({
  name,
  sqlType,
  maxLength: 0,
  precision: 0,
  scale: 0,
  nullable,
  lakeType: { kind: 'string' },
  ...extra,
});

const source: SourceSchema = {
  schemaName: 'sales',
  tableName: 'Orders',
  columns: [
    col('OrderId', 'int', false),
    col('OrderDate', 'date', false),
    col('Amount', 'decimal', true, { precision: 19, scale: 4 }),
    col('Note', 'nvarchar', true, { maxLength: 100 }),
    col('At', 'datetime2', true, { scale: 6 }),
  ],
};

// Only the fields the destination reads (issue 16 adds more to the type).
const scheme = {
  schemeName: 'psOrderMonth',
  functionName: 'pfOrderMonth',
  rangeRight: true,
  column: 'OrderDate',
  boundaries: ['2024-01-01T00:00:00.000Z', '2024-02-01T00:00:00.000Z', '2024-03-01T00:00:00.000Z'],
} as unknown as SourcePartitionScheme;

/** Writes one lake partition directory from a DuckDB VALUES list. */
async function writePartition(dir: string, values: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(
    `COPY (SELECT * FROM (VALUES ${values}) AS v(OrderId, OrderDate, Amount, Note, "At")) TO '${join(dir, 'part-1.parquet')}' (FORMAT parquet)`,
  );
  c.closeSync();
  db.closeSync();
}

const row = (id: number, day: string, amount: string, note: string | null) =>
  `(${id}::INTEGER, DATE '${day}', ${amount}::DECIMAL(19,4), ${note === null ? 'NULL::VARCHAR' : `'${note}'`}, TIMESTAMP '${day} 10:11:12.123456')`;

function request(lakeDir: string, extra: Partial<WarehouseLoadRequest> = {}): WarehouseLoadRequest {
  return {
    tableId: 'sales.Orders',
    kind: 'partition',
    schema: 'warehouse',
    table: 'Orders',
    lakeDir,
    source,
    primaryKey: ['OrderId', 'OrderDate'],
    partitioning: scheme,
    runId: `2024-03-01T09-00-00-${Math.floor(Math.random() * 1000)}Z`,
    batchSize: 2,
    partitionSwitching: true,
    ...extra,
  };
}

const target = async (table = 'Orders') =>
  (
    await dw.execute(
      `SELECT OrderId, CONVERT(nvarchar(10), OrderDate, 23) AS d, CAST(Amount AS nvarchar(40)) AS a, Note, CONVERT(nvarchar(30), [At], 126) AS at FROM warehouse.${table} ORDER BY OrderId;`,
    )
  ).map((r) => `${r.OrderId}|${r.d}|${r.a}|${r.Note}|${r.at}`);

beforeAll(async () => {
  emulator = await startEmulator({ port: 0, password });
  dw = await WarehouseConnection.open({
    server: emulator.host,
    port: emulator.port,
    database: emulator.database,
    username: emulator.user,
    password,
    encrypt: false,
    trustServerCertificate: true,
  } as never);
  lake = await LakeRows.open();
  root = await mkdtemp(join(tmpdir(), 'load-mssql-'));
}, 60_000);

afterAll(async () => {
  lake?.close();
  await dw?.close();
  await emulator?.close();
  await rm(root, { recursive: true, force: true });
});

describe('loadWarehouseTable', () => {
  it('creates an aligned partitioned table, switches partitions in, and only the replaced one later', async () => {
    const dir = join(root, 'orders');
    const jan = join(dir, 'OrderDate_partition=00002');
    const feb = join(dir, 'OrderDate_partition=00003');
    await writePartition(
      jan,
      [row(1, '2024-01-05', '10.5', 'a'), row(2, '2024-01-31', '123456789012345.6789', null)].join(', '),
    );
    await writePartition(feb, row(3, '2024-02-01', '-0.0001', 'ü'));
    const first = await loadWarehouseTable(dw, lake, request(dir));
    expect(first).toMatchObject({ mode: 'switch', created: true, rows: 3, partitionsSwitched: 2 });
    expect(await target()).toEqual([
      '1|2024-01-05|10.5000|a|2024-01-05T10:11:12.123456',
      '2|2024-01-31|123456789012345.6789|null|2024-01-31T10:11:12.123456',
      '3|2024-02-01|-0.0001|ü|2024-02-01T10:11:12.123456',
    ]);
    await writePartition(jan, row(4, '2024-01-07', '1', 'new'));
    const second = await loadWarehouseTable(dw, lake, request(dir, { replacedPartitions: [jan] }));
    expect(second).toMatchObject({ mode: 'switch', created: false, rows: 1, partitionsSwitched: 1 });
    expect(await target()).toEqual([
      '3|2024-02-01|-0.0001|ü|2024-02-01T10:11:12.123456',
      '4|2024-01-07|1.0000|new|2024-01-07T10:11:12.123456',
    ]);
    // A partition gone from the lake is switched out of the warehouse.
    await rm(feb, { recursive: true });
    const third = await loadWarehouseTable(dw, lake, request(dir, { removedPartitions: true }));
    expect(third).toMatchObject({ partitionsEmptied: 1 });
    expect(await target()).toEqual(['4|2024-01-07|1.0000|new|2024-01-07T10:11:12.123456']);
    const tables = await dw.execute("SELECT name FROM sys.tables WHERE name LIKE N'Orders%';");
    expect(tables.map((t) => t.name)).toEqual(['Orders']);
  });

  it('leaves the warehouse table as it was when the switch in fails, and drops its staging tables', async () => {
    const dir = join(root, 'orders');
    const jan = join(dir, 'OrderDate_partition=00002');
    await writePartition(jan, row(5, '2024-01-09', '5', 'five'));
    const before = await target();
    emulator.faults.failNext(
      /SWITCH TO \[warehouse\]\.\[Orders\] PARTITION/,
      1205,
      'Injected deadlock mid-switch.',
    );
    await expect(
      loadWarehouseTable(dw, lake, request(dir, { replacedPartitions: [jan] })),
    ).rejects.toMatchObject({
      code: 'DESTINATION_LOAD',
      context: { sqlErrorNumber: 1205 },
    });
    expect(await target()).toEqual(before);
    const tables = await dw.execute("SELECT name FROM sys.tables WHERE name LIKE N'Orders%';");
    expect(tables.map((t) => t.name)).toEqual(['Orders']);
  });

  it('reports every schema mismatch before any data moves', async () => {
    await dw.execute("IF SCHEMA_ID(N'warehouse') IS NULL EXEC(N'CREATE SCHEMA warehouse');");
    await dw.execute(
      'CREATE TABLE warehouse.Bad (OrderId bigint NOT NULL, OrderDate date NULL, Amount decimal(19,4) NULL, Extra int NULL, CONSTRAINT PK_Bad PRIMARY KEY (OrderId));',
    );
    await dw.execute("INSERT INTO warehouse.Bad (OrderId, OrderDate) VALUES (42, '2024-01-01');");
    const dir = join(root, 'orders');
    const error = await loadWarehouseTable(
      dw,
      lake,
      request(dir, { table: 'Bad', kind: 'static', replacedPartitions: [] }),
    ).then(
      () => undefined,
      (e: unknown) => e as Error & { code: string },
    );
    expect(error?.code).toBe('DESTINATION_SCHEMA');
    expect(error?.message).toContain('column OrderId of warehouse.Bad is bigint, expected int');
    expect(error?.message).toContain('column OrderDate of warehouse.Bad is NULL, expected NOT NULL');
    expect(error?.message).toContain('column Note is missing');
    expect(error?.message).toContain('column Extra of warehouse.Bad is not in the lake table');
    expect(error?.message).toContain(
      'primary key of warehouse.Bad is (OrderId), expected (OrderId, OrderDate)',
    );
    expect(await dw.execute('SELECT OrderId FROM warehouse.Bad;')).toEqual([{ OrderId: '42' }]);
  });

  it('loads a static table through one MERGE on its primary key, and without a key by DELETE + INSERT', async () => {
    const dir = join(root, 'static');
    await writePartition(dir, [row(1, '2024-05-01', '1', 'x'), row(2, '2024-05-02', '2', 'y')].join(', '));
    const first = await loadWarehouseTable(
      dw,
      lake,
      request(dir, { kind: 'static', table: 'Rates', partitioning: undefined }),
    );
    expect(first).toMatchObject({ mode: 'merge', created: true, rows: 2 });
    await writePartition(
      dir,
      [row(2, '2024-05-02', '2.5', 'y2'), row(3, '2024-05-03', '3', null)].join(', '),
    );
    await loadWarehouseTable(
      dw,
      lake,
      request(dir, { kind: 'static', table: 'Rates', partitioning: undefined }),
    );
    expect(await target('Rates')).toEqual([
      '2|2024-05-02|2.5000|y2|2024-05-02T10:11:12.123456',
      '3|2024-05-03|3.0000|null|2024-05-03T10:11:12.123456',
    ]);
    const heap = await loadWarehouseTable(
      dw,
      lake,
      request(dir, { kind: 'scd', table: 'RatesHistory', partitioning: undefined, primaryKey: [] }),
    );
    expect(heap).toMatchObject({ mode: 'replace', created: true, rows: 2 });
    expect(await target('RatesHistory')).toEqual(await target('Rates'));
  });
});
