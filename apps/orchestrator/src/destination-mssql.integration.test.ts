import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type PipelineConfig, parseConfig } from '@sync/core';
import { WarehouseConnection } from '@sync/load-mssql';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The built pipeline: its piscina workers load `dist/unit-worker.js` next to it.
import { Pipeline, type TableSummary } from '../dist/index.js';
import { runCli } from './test-support/run-cli.js';

// Issue 17: a SQL Server warehouse as a second destination. Two emulators: the source and the
// warehouse. After each run every warehouse table equals its source (partition, static) or its
// lake history (SCD2); a changed partition is switched in alone; a schema mismatch is reported
// before any data moves; a failure mid-switch leaves the warehouse table as it was.

const PASSWORD = 'Destination!Passw0rd';
let source: Emulator;
let warehouse: Emulator;
let work: string;
let src: WarehouseConnection;
let dw: WarehouseConnection;

const connection = (e: Emulator) => ({
  server: '127.0.0.1',
  port: e.port,
  database: 'master',
  username: 'sa',
  password: PASSWORD,
  encrypt: false,
});

function config(extra: Record<string, unknown> = {}): PipelineConfig {
  return parseConfig(
    {
      pipeline_name: 'destination_test',
      log_level: process.env.SQLSYNC_TEST_LOG === undefined ? 'ERROR' : 'INFO',
      database: connection(source),
      processing: { max_workers: 1, retry_attempts: 0 },
      state: { parquet_directory: join(work, 'lake'), state_directory: join(work, 'state') },
      partition_tables: [{ table_name: 'Sales', target_schema: 'sales', partition_column: 'SaleDate' }],
      static_tables: [{ table_name: 'Rates', target_schema: 'ref' }],
      scd_tables: [{ table_name: 'Customers', target_schema: 'dim', business_key_columns: ['CustomerId'] }],
      destination: {
        type: 'mssql',
        connection: connection(warehouse),
        target_schema: 'warehouse',
        batch_size: 500,
      },
      ...extra,
    },
    'sqlsync.yaml',
  );
}

async function run(cfg = config()): Promise<Record<string, TableSummary>> {
  const summary = await new Pipeline(cfg, {
    logger: createLogger({ level: process.env.SQLSYNC_TEST_LOG === undefined ? 'silent' : 'info' }),
  }).run();
  return Object.fromEntries(summary.tables.map((t) => [t.table.replace('dbo.', ''), t]));
}

const SALES = 'SELECT Id, CONVERT(nvarchar(10), SaleDate, 23) AS d, CAST(Amount AS nvarchar(40)) AS a, Note';
const RATES = 'SELECT Code, CAST(Rate AS nvarchar(40)) AS r, CONVERT(nvarchar(30), UpdatedAt, 126) AS u';
const text = (rows: Record<string, unknown>[]) => rows.map((r) => Object.values(r).join('|'));

async function expectSalesEqual(): Promise<void> {
  const want = text(await src.execute(`${SALES} FROM dbo.Sales ORDER BY Id;`));
  expect(text(await dw.execute(`${SALES} FROM warehouse.Sales ORDER BY Id;`))).toEqual(want);
}

async function expectRatesEqual(): Promise<void> {
  const want = text(await src.execute(`${RATES} FROM dbo.Rates ORDER BY Code;`));
  expect(text(await dw.execute(`${RATES} FROM warehouse.Rates ORDER BY Code;`))).toEqual(want);
}

/** The warehouse's current customer versions equal the source's rows. */
async function expectCustomersCurrent(): Promise<void> {
  const want = text(await src.execute('SELECT CustomerId, Name FROM dbo.Customers ORDER BY CustomerId;'));
  const have = await dw.execute(
    'SELECT CustomerId, Name FROM warehouse.Customers WHERE IsLatest = 1 ORDER BY CustomerId;',
  );
  expect(text(have)).toEqual(want);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-destination-'));
  source = await startEmulator({ port: 0, password: PASSWORD });
  warehouse = await startEmulator({ port: 0, password: PASSWORD });
  await source.exec(`
    CREATE PARTITION FUNCTION pfMonth (date) AS RANGE RIGHT FOR VALUES ('2024-01-01', '2024-02-01', '2024-03-01', '2024-04-01');
    CREATE PARTITION SCHEME psMonth AS PARTITION pfMonth ALL TO ([PRIMARY]);
    CREATE TABLE dbo.Sales (Id int NOT NULL, SaleDate date NOT NULL, Amount decimal(19,4) NOT NULL, Note nvarchar(40) NULL,
      CONSTRAINT PK_Sales PRIMARY KEY (Id, SaleDate)) ON psMonth(SaleDate);
    INSERT INTO dbo.Sales SELECT value, DATEADD(day, value % 120, '2023-12-15'), value * 1.25, N'sale ' + CAST(value AS nvarchar(10))
      FROM GENERATE_SERIES(1, 2000);
    CREATE TABLE dbo.Rates (Code nchar(3) NOT NULL PRIMARY KEY, Rate decimal(18,6) NOT NULL, UpdatedAt datetime2(3) NULL);
    INSERT INTO dbo.Rates VALUES (N'EUR', 1.000000, '2024-01-01T10:00:00.123'), (N'USD', 1.082345, NULL), (N'JPY', 161.5, '2024-01-02T00:00:00');
    CREATE TABLE dbo.Customers (CustomerId int NOT NULL PRIMARY KEY, Name nvarchar(50) NOT NULL, LastModified datetime2(3) NOT NULL);
    INSERT INTO dbo.Customers VALUES (1, N'Ada', '2024-01-01T00:00:00'), (2, N'Grace', '2024-01-01T00:00:00');`);
  src = await WarehouseConnection.open(config().database);
  dw = await WarehouseConnection.open(connection(warehouse) as never);
}, 60_000);

afterAll(async () => {
  await src?.close();
  await dw?.close();
  await source?.close();
  await warehouse?.close();
  await rm(work, { recursive: true, force: true });
});

describe('destination: { type: mssql }', () => {
  it('creates and loads the warehouse tables of all three kinds; a changed partition is switched in alone', async () => {
    const first = await run();
    for (const t of Object.values(first)) {
      expect(t.status, JSON.stringify(t.error)).toBe('ok');
    }
    expect(first.Sales?.destination).toMatchObject({
      table: 'warehouse.Sales',
      mode: 'switch',
      created: true,
      rows: 2000,
    });
    expect(first.Sales?.destination?.partitions_switched).toBeGreaterThanOrEqual(4);
    expect(first.Rates?.destination).toMatchObject({ mode: 'merge', created: true, rows: 3 });
    expect(first.Customers?.destination).toMatchObject({ mode: 'replace', created: true, rows: 2 });
    await expectSalesEqual();
    await expectRatesEqual();
    await expectCustomersCurrent();
    // The warehouse table sits on the source's partition function.
    const parts = await dw.execute(
      "SELECT partition_number, rows FROM sys.partitions WHERE object_id = OBJECT_ID(N'warehouse.Sales') AND index_id IN (0, 1) AND rows > 0 ORDER BY partition_number;",
    );
    expect(parts.map((p) => Number(p.partition_number))).toEqual([1, 2, 3, 4, 5]);

    await source.exec(`UPDATE dbo.Sales SET Amount = Amount + 1 WHERE SaleDate >= '2024-02-01' AND SaleDate < '2024-03-01';
      UPDATE dbo.Rates SET Rate = 1.09 WHERE Code = N'USD'; INSERT INTO dbo.Rates VALUES (N'GBP', 0.85, NULL);
      UPDATE dbo.Customers SET Name = N'Ada L.', LastModified = '2024-02-01T00:00:00' WHERE CustomerId = 1;`);
    const second = await run();
    expect(second.Sales?.destination).toMatchObject({
      mode: 'switch',
      created: false,
      partitions_switched: 1,
    });
    expect(second.Rates?.destination).toMatchObject({ mode: 'merge', created: false, rows: 4 });
    await expectSalesEqual();
    await expectRatesEqual();
    await expectCustomersCurrent();
    const versions = await dw.execute('SELECT COUNT(*) AS n FROM warehouse.Customers WHERE CustomerId = 1;');
    expect(versions[0]?.n).toBe(2);

    // Nothing changed: nothing is loaded.
    const third = await run();
    expect(third.Sales?.destination).toMatchObject({ mode: 'unchanged', rows: 0 });
    expect(third.Rates?.destination).toMatchObject({ mode: 'unchanged', rows: 0 });
  }, 300_000);

  it('leaves the warehouse partition as it was when the switch in fails', async () => {
    const before = text(await dw.execute(`${SALES} FROM warehouse.Sales ORDER BY Id;`));
    await source.exec(
      `UPDATE dbo.Sales SET Note = N'changed' WHERE SaleDate >= '2024-03-01' AND SaleDate < '2024-04-01';`,
    );
    warehouse.faults.failNext(
      /SWITCH TO \[warehouse\]\.\[Sales\] PARTITION/,
      1205,
      'Injected deadlock mid-switch.',
    );
    const failed = await run();
    expect(failed.Sales?.status).toBe('failed');
    expect(failed.Sales?.error).toMatchObject({
      code: 'DESTINATION_LOAD',
      context: { sqlErrorNumber: 1205 },
    });
    expect(text(await dw.execute(`${SALES} FROM warehouse.Sales ORDER BY Id;`))).toEqual(before);
    const tables = await dw.execute("SELECT name FROM sys.tables WHERE name LIKE N'Sales%';");
    expect(tables.map((t) => t.name)).toEqual(['Sales']);
    // The next run loads what the failed one could not.
    const retried = await run();
    expect(retried.Sales?.status, JSON.stringify(retried.Sales?.error)).toBe('ok');
    expect(retried.Sales?.destination).toMatchObject({ mode: 'switch', partitions_switched: 1 });
    await expectSalesEqual();
  }, 300_000);

  it('with processing.enable_sql_server_partition_switching false, loads a partition table by one MERGE', async () => {
    await source.exec(
      `UPDATE dbo.Sales SET Note = N'merged' WHERE SaleDate >= '2024-01-01' AND SaleDate < '2024-02-01';`,
    );
    warehouse.clearStatements();
    const merged = await run(
      config({
        processing: { max_workers: 1, retry_attempts: 0, enable_sql_server_partition_switching: false },
      }),
    );
    expect(merged.Sales?.status, JSON.stringify(merged.Sales?.error)).toBe('ok');
    expect(merged.Sales?.destination).toMatchObject({ mode: 'merge', partitions_switched: 0 });
    expect(warehouse.statements.filter((s) => /\bSWITCH\b/.test(s.sql))).toEqual([]);
    await expectSalesEqual();
  }, 300_000);

  it('sqlsync publish (the Airflow scale-out path) loads the warehouse too', async () => {
    await source.exec(
      `UPDATE dbo.Sales SET Note = N'published' WHERE SaleDate >= '2024-02-01' AND SaleDate < '2024-03-01';`,
    );
    const file = join(work, 'scale-out.json');
    await writeFile(
      file,
      JSON.stringify({
        log_level: 'WARNING',
        database: connection(source),
        processing: { retry_attempts: 0 },
        state: { parquet_directory: join(work, 'lake'), state_directory: join(work, 'state') },
        partition_tables: [{ table_name: 'Sales', target_schema: 'sales', partition_column: 'SaleDate' }],
        destination: { type: 'mssql', connection: connection(warehouse), target_schema: 'warehouse' },
      }),
    );
    const sqlsync = (...args: string[]) => runCli([...args, '--config', file], process.env);
    const planned = await sqlsync('plan', '--json', '--table', 'dbo.Sales');
    expect(planned.code, planned.stderr).toBe(0);
    const line = planned.summary() as unknown as { run_id: string; tables: { units: { id: string }[] }[] };
    const units = line.tables[0]?.units ?? [];
    expect(units).toHaveLength(1);
    for (const unit of units) {
      const ran = await sqlsync('run', '--unit', unit.id, '--run-id', line.run_id);
      expect(ran.code, ran.stderr).toBe(0);
    }
    const published = await sqlsync('publish', '--table', 'dbo.Sales', '--run-id', line.run_id);
    expect(published.code, published.stderr).toBe(0);
    expect(published.summary()).toMatchObject({
      status: 'ok',
      tables: [{ destination: { table: 'warehouse.Sales', mode: 'switch', partitions_switched: 1 } }],
    });
    await expectSalesEqual();
  }, 300_000);

  it('reports a schema mismatch before any data moves', async () => {
    await dw.execute('ALTER TABLE warehouse.Rates ADD Comment nvarchar(20) NULL;');
    const before = text(await dw.execute(`${RATES} FROM warehouse.Rates ORDER BY Code;`));
    await source.exec("UPDATE dbo.Rates SET Rate = 2 WHERE Code = N'EUR';");
    const mismatched = await run();
    expect(mismatched.Rates?.status).toBe('failed');
    expect(mismatched.Rates?.error?.code).toBe('DESTINATION_SCHEMA');
    expect(mismatched.Rates?.error?.message).toContain(
      'column Comment of warehouse.Rates is not in the lake table',
    );
    expect(text(await dw.execute(`${RATES} FROM warehouse.Rates ORDER BY Code;`))).toEqual(before);
    expect(mismatched.Sales?.status).toBe('ok');
  }, 300_000);

  it('validate checks the warehouse: columns, partition function alignment, existence', async () => {
    await source.exec(`CREATE TABLE dbo.Sales2 (Id int NOT NULL, SaleDate date NOT NULL, CONSTRAINT PK_Sales2 PRIMARY KEY (Id, SaleDate)) ON psMonth(SaleDate);
      INSERT INTO dbo.Sales2 VALUES (1, '2024-01-05');`);
    await dw.execute(
      "CREATE PARTITION FUNCTION pfOther (date) AS RANGE RIGHT FOR VALUES ('2024-01-01', '2024-02-15', '2024-03-01', '2024-04-01');",
    );
    await dw.execute('CREATE PARTITION SCHEME psOther AS PARTITION pfOther ALL TO ([PRIMARY]);');
    await dw.execute(
      'CREATE TABLE warehouse.Sales2 (Id int NOT NULL, SaleDate date NOT NULL, CONSTRAINT PK_wSales2 PRIMARY KEY (Id, SaleDate)) ON psOther(SaleDate);',
    );
    const cfg = config({
      partition_tables: [
        { table_name: 'Sales', target_schema: 'sales', partition_column: 'SaleDate' },
        { table_name: 'Sales2', target_schema: 'sales', partition_column: 'SaleDate' },
      ],
    });
    const report = await new Pipeline(cfg, { logger: createLogger({ level: 'silent' }) }).validateAllTables();
    const byTable = Object.fromEntries(report.tables.map((t) => [t.table.replace('dbo.', ''), t]));
    expect(report.status).toBe('invalid');
    expect(byTable.Sales).toMatchObject({ valid: true, problems: [] });
    expect(byTable.Customers).toMatchObject({ valid: true });
    expect(byTable.Sales2?.valid).toBe(false);
    expect(byTable.Sales2?.problems.join('\n')).toMatch(
      /destination: partition function pfOther puts the source's boundary 2024-02-01\S* in partition 2, the source in 3/,
    );
    expect(byTable.Rates?.problems).toEqual([
      'destination: column Comment of warehouse.Rates is not in the lake table',
    ]);
  }, 300_000);
});
