#!/usr/bin/env node
// The sqlsync demo: starts the SQL Server emulator with a small shop database, writes a config,
// runs the real `sqlsync run` CLI against it as a child process, and shows what landed in the lake.
// Run it with `npm run demo` (which builds first).
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { startEmulator } = await import(join(root, 'tools', 'mssql-emulator', 'dist', 'index.js'));
// The `sqlsync` command as `npm ci` links it into node_modules/.bin (the shim loads dist/cli.js).
const cli = join(root, 'node_modules', '.bin', 'sqlsync');
const out = join(root, 'demo-output');
const password = 'Demo!Passw0rd';

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });

console.log('Starting the SQL Server emulator …');
const emulator = await startEmulator({ port: 0, password });
try {
  await seed(emulator);
  const configFile = join(out, 'sqlsync.yaml');
  await writeFile(
    configFile,
    `# Written by the sqlsync demo. The password comes from SQLSYNC_PASSWORD, not from this file.
database:
  server: 127.0.0.1
  port: ${emulator.port}
  database: master
  username: sa
  encrypt: false        # the emulator speaks plain TDS; keep TLS on for a real SQL Server
state:
  parquet_directory: ${join(out, 'lake')}
  state_directory: ${join(out, 'state')}
partition_tables:
  - schema_name: shop
    table_name: Orders
    target_schema: warehouse
    target_table: orders
    partition_column: OrderDate
    granularity: month
static_tables:
  - schema_name: shop
    table_name: Currencies
    target_schema: warehouse
    target_table: currencies
  - schema_name: shop
    table_name: Products
    target_schema: warehouse
    target_table: products
scd_tables:
  - schema_name: shop
    table_name: Customers
    target_schema: warehouse
    target_table: customers
    last_modified_column: LastModified # business key: the primary key, CustomerId
    detect_deletes: true
`,
  );
  console.log(`Running: sqlsync run --config ${relative(root, configFile)}`);
  const { code, stdout, stderr } = await run(process.execPath, [cli, 'run', '--config', configFile], {
    ...process.env,
    SQLSYNC_PASSWORD: password,
  });
  await writeFile(join(out, 'sqlsync.log'), stderr);
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines[lines.length - 1] ?? '{}');
  if (code !== 0) {
    console.error(`sqlsync exited with ${code}; its log is in ${relative(root, join(out, 'sqlsync.log'))}`);
    console.error(stdout);
    process.exitCode = 1;
  } else {
    console.log(
      `\nRun ${summary.run_id}: ${summary.total_records} rows in ${summary.total_duration_seconds} s\n`,
    );
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    for (const table of summary.tables) {
      const files = (await readdir(table.lake_path, { recursive: true })).filter((f) =>
        f.endsWith('.parquet'),
      );
      const glob = join(table.lake_path, '**', '*.parquet').replaceAll("'", "''");
      const counted = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${glob}')`);
      const rows = String(counted.getRows()[0]?.[0]);
      console.log(
        `  ${table.table.padEnd(16)} ${rows.padStart(7)} rows  ${relative(root, table.lake_path)}/ (${files.length <= 2 ? files.join(', ') : `${files.length} files in ${new Set(files.map((f) => dirname(f))).size} ${table.scd === undefined ? 'partitions' : 'buckets'}`})`,
      );
    }
    connection.closeSync();
    duckdb.closeSync();
    console.log(
      `\nThe lake is in ${relative(root, join(out, 'lake'))}; the run's JSON log in ${relative(root, join(out, 'sqlsync.log'))}.`,
    );
    console.log(
      `Query it with any DuckDB client: SELECT * FROM read_parquet('${relative(root, join(out, 'lake'))}/warehouse/orders/**/*.parquet') LIMIT 5`,
    );
  }
} finally {
  await emulator.close();
}

function run(file, args, env) {
  return new Promise((resolvePromise) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolvePromise({ code: error === null ? 0 : (error.code ?? 1), stdout, stderr });
    });
  });
}

async function seed(emulator) {
  await emulator.exec('CREATE SCHEMA [shop];');
  await emulator.exec(`CREATE TABLE [shop].[Currencies] (
    [Code] nchar(3) NOT NULL PRIMARY KEY, [Name] nvarchar(50) NOT NULL, [RateToEur] decimal(19,8) NOT NULL);`);
  await emulator.exec(`INSERT INTO [shop].[Currencies] ([Code], [Name], [RateToEur]) VALUES
    (N'EUR', N'Euro', 1.00000000), (N'USD', N'US dollar', 0.92345678), (N'GBP', N'Pound sterling', 1.16543210),
    (N'JPY', N'Yen', 0.00612345), (N'CHF', N'Swiss franc', 1.04567890);`);
  await emulator.exec(`CREATE TABLE [shop].[Products] (
    [ProductId] int NOT NULL PRIMARY KEY, [Sku] nvarchar(20) NOT NULL, [Name] nvarchar(200) NULL,
    [Price] decimal(38,10) NOT NULL, [InStock] bit NOT NULL, [UpdatedAt] datetime2(7) NOT NULL);`);
  await insertMany(
    emulator,
    '[shop].[Products] ([ProductId], [Sku], [Name], [Price], [InStock], [UpdatedAt])',
    2_000,
    (i) =>
      `(${i}, N'SKU-${String(i).padStart(6, '0')}', ${i % 50 === 0 ? 'NULL' : `N'Product ${i} – «${['red', 'green', 'blue'][i % 3]}»'`}, ${(i * 7919) % 100000}.${String((i * 104729) % 10 ** 10).padStart(10, '0')}, ${i % 4 === 0 ? 0 : 1}, '2026-0${1 + (i % 9)}-${String(1 + (i % 28)).padStart(2, '0')}T${String(i % 24).padStart(2, '0')}:15:30.123456')`,
  );
  await seedOrders(emulator);
  await emulator.exec(`CREATE TABLE [shop].[Customers] (
    [CustomerId] bigint NOT NULL PRIMARY KEY, [Email] nvarchar(100) NOT NULL, [Country] nvarchar(2) NULL,
    [CreditLimit] decimal(12,2) NULL, [CreatedAt] datetime2(7) NOT NULL, [LastModified] datetime2(7) NOT NULL);`);
  await insertMany(
    emulator,
    '[shop].[Customers] ([CustomerId], [Email], [Country], [CreditLimit], [CreatedAt], [LastModified])',
    25_000,
    (i) =>
      `(${1_000_000_000_000 + i}, N'customer${i}@example.com', ${i % 10 === 0 ? 'NULL' : `N'${['DE', 'FR', 'NL', 'US', 'GB'][i % 5]}'`}, ${i % 3 === 0 ? 'NULL' : `${i % 100000}.${String(i % 100).padStart(2, '0')}`}, '20${String(10 + (i % 16)).padStart(2, '0')}-01-01T00:00:00', '2026-11-${String(1 + (i % 28)).padStart(2, '0')}T08:00:00.1234567')`,
  );
}

async function seedOrders(emulator) {
  await emulator.exec(`CREATE TABLE [shop].[Orders] (
    [OrderId] bigint NOT NULL PRIMARY KEY, [OrderDate] datetime2(7) NOT NULL, [CustomerId] bigint NOT NULL,
    [Amount] decimal(19,4) NOT NULL, [Currency] nchar(3) NOT NULL);`);
  // 60,000 orders, one every 8 minutes from 2025-01-01 (11 months), seeded with T-SQL on the server.
  await emulator.exec(`INSERT INTO [shop].[Orders] ([OrderId], [OrderDate], [CustomerId], [Amount], [Currency])
    SELECT value, DATEADD(MINUTE, value * 8, CAST('2025-01-01T00:00:00' AS datetime2(7))), 1000000000000 + value % 25000,
           CAST(value % 100000 AS decimal(19,4)) / 100, N'EUR'
    FROM GENERATE_SERIES(CAST(1 AS bigint), CAST(60000 AS bigint));`);
}

async function insertMany(emulator, target, count, row) {
  // SQL Server takes at most 1000 rows per VALUES list.
  for (let start = 1; start <= count; start += 1000) {
    const values = [];
    for (let i = start; i < Math.min(start + 1000, count + 1); i++) {
      values.push(row(i));
    }
    await emulator.exec(`INSERT INTO ${target} VALUES ${values.join(',\n')};`);
  }
}
