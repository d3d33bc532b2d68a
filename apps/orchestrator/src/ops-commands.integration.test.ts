import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, loadConfig } from '@sync/core';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pipeline } from './pipeline.js';
import { runCli } from './test-support/run-cli.js';

const PASSWORD = 'Ops!Passw0rd';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('sqlsync validate, status and config-schema against the emulator', () => {
  let emulator: Emulator;
  let work: string;
  let good: string;
  let mixed: string;
  let unreachable: string;

  const database = (port: number): string =>
    `database: {server: 127.0.0.1, port: ${port}, database: master, username: sa, password: '${PASSWORD}', encrypt: false}`;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-ops-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [shop];`);
    await emulator.exec(
      `CREATE TABLE [shop].[Products] ([Id] int NOT NULL PRIMARY KEY, [Price] decimal(12,2) NULL);`,
    );
    await emulator.exec(`INSERT INTO [shop].[Products] VALUES (1, 9.99), (2, NULL), (3, 0.50);`);
    await emulator.exec(
      `CREATE TABLE [shop].[Orders] ([Id] int NOT NULL PRIMARY KEY, [OrderDate] date NOT NULL, [Note] nvarchar(10) NULL);`,
    );
    await emulator.exec(`CREATE TABLE [shop].[Odd] ([Id] int NOT NULL PRIMARY KEY, [V] sql_variant NULL);`);
    await emulator.exec(`CREATE TABLE [shop].[Odd2] ([Id] int NOT NULL PRIMARY KEY, [V] sql_variant NULL);`);
    await emulator.exec(
      `CREATE TABLE [shop].[Orders2] ([Id] int NOT NULL PRIMARY KEY, [OrderDate] date NOT NULL);`,
    );
    const state = (name: string): string =>
      `state: {parquet_directory: ${join(work, name, 'lake')}, state_directory: ${join(work, name, 'state')}}`;
    good = join(work, 'good.yaml');
    await writeFile(
      good,
      `${database(emulator.port)}\n${state('good')}\nstatic_tables: [{schema_name: shop, table_name: Products}]\n`,
    );
    mixed = join(work, 'mixed.yaml');
    await writeFile(
      mixed,
      `${database(emulator.port)}
${state('mixed')}
static_tables:
  - {schema_name: shop, table_name: Products}
  - {schema_name: shop, table_name: Missing}
  - {schema_name: shop, table_name: Odd}
  - {schema_name: shop, table_name: Odd2, unsupported_types: skip}
partition_tables:
  - {schema_name: shop, table_name: Orders, partition_column: OrderDate, granularity: month}
  - {schema_name: shop, table_name: Orders2, partition_column: Shipped, last_modified_column: ModifiedAt}
`,
    );
    unreachable = join(work, 'unreachable.yaml');
    await writeFile(
      unreachable,
      `${database(await closedPort())}\n${state('down')}\nstatic_tables: [{schema_name: shop, table_name: Products}]\n`,
    );
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('validate: a JSON report naming each invalid table and its problem, exit 1', async () => {
    const result = await runCli(['validate', '--config', mixed], {});
    expect(result.code).toBe(1);
    const report = result.summary() as unknown as {
      status: string;
      database_connected: boolean;
      total_tables: number;
      valid_tables: number;
      tables: { table: string; valid: boolean; problems: string[]; columns?: number }[];
    };
    expect(report).toMatchObject({
      status: 'invalid',
      database_connected: true,
      total_tables: 6,
      valid_tables: 3,
    });
    const byTable = new Map(report.tables.map((t) => [t.table, t]));
    const problemsOf = (id: string): string => byTable.get(id)?.problems.join(' | ') ?? 'not reported';
    expect([...byTable.keys()].sort()).toEqual([
      'shop.Missing',
      'shop.Odd',
      'shop.Odd2',
      'shop.Orders',
      'shop.Orders2',
      'shop.Products',
    ]);
    expect(
      report.tables
        .filter((t) => t.valid)
        .map((t) => t.table)
        .sort(),
    ).toEqual(['shop.Odd2', 'shop.Orders', 'shop.Products']);
    expect(problemsOf('shop.Missing')).toMatch(/shop\.Missing: table not found/);
    expect(problemsOf('shop.Odd')).toMatch(
      /shop\.Odd\.V: SQL Server type sql_variant .*unsupported_types: skip/,
    );
    expect(byTable.get('shop.Odd2')?.columns).toBe(1);
    expect(problemsOf('shop.Orders2')).toMatch(/partition_column Shipped is not a column/);
    expect(problemsOf('shop.Orders2')).toMatch(/last_modified_column ModifiedAt is not a column/);
    // Each problem also reaches stderr, for a person reading the task log.
    expect(result.stderr).toMatch(/sqlsync validate: shop\.Missing: table not found/);
    // SELECT permission was asked with bound names.
    expect(emulator.statements.some((s) => s.sql.includes('HAS_PERMS_BY_NAME(QUOTENAME(@schema)'))).toBe(
      true,
    );
  }, 60_000);

  it('validate: exit 0 when every selected table is valid; --offline checks the config only', async () => {
    const ok = await runCli(['validate', '--config', mixed, '--table', 'shop.Products'], {});
    expect(ok.code).toBe(0);
    expect(ok.summary()).toMatchObject({ status: 'ok', valid_tables: 1, total_tables: 1 });

    const down = await runCli(['validate', '--config', unreachable], {});
    expect(down.code).toBe(1);
    expect(down.summary()).toMatchObject({ status: 'failed', database_connected: false });
    expect(down.stderr).toMatch(/validate --offline/);

    const offline = await runCli(['validate', '--offline', '--config', unreachable], {});
    expect(offline.code).toBe(0);
    expect(offline.summary()).toMatchObject({ status: 'ok', offline: true, total_tables: 1 });
  }, 60_000);

  it('status: before and after a run, and with a damaged state file', async () => {
    const before = await runCli(['status', '--config', good], {});
    expect(before.code).toBe(0);
    expect(before.summary()).toMatchObject({
      database_connected: true,
      tables: [{ table: 'shop.Products', kind: 'static', state: 'missing', lake_rows: 0 }],
    });

    const run = await runCli(['run', '--config', good], {});
    expect(run.code).toBe(0);
    const runId = run.summary().run_id;

    const after = await runCli(['status', '--config', good], {});
    expect(after.code).toBe(0);
    const table = (after.summary().tables ?? [])[0] as Record<string, unknown>;
    expect(table).toMatchObject({ state: 'ok', last_run_id: runId, last_run_rows: 3, lake_rows: 3 });
    expect(table.age_seconds).toBeGreaterThanOrEqual(0);
    expect(table.age_seconds).toBeLessThan(600);

    await writeFile(join(work, 'good', 'state', 'shop.Products.json'), '{ not json');
    const damaged = await runCli(['status', '--config', good], {});
    expect(damaged.code).toBe(1);
    expect((damaged.summary().tables ?? [])[0]).toMatchObject({ state: 'corrupt', lake_rows: 3 });

    // Valid JSON of the wrong shape is as damaged as bad JSON (checked with the kind's state schema).
    await writeFile(
      join(work, 'good', 'state', 'shop.Products.json'),
      JSON.stringify({
        version: 1,
        tableId: 'shop.Products',
        writtenAt: new Date().toISOString(),
        state: null,
      }),
    );
    const wrongShape = await runCli(['status', '--config', good], {});
    expect(wrongShape.code).toBe(1);
    expect((wrongShape.summary().tables ?? [])[0]).toMatchObject({ state: 'corrupt', lake_rows: 3 });

    const down = await runCli(['status', '--config', unreachable], {});
    expect(down.code).toBe(1);
    expect(down.summary()).toMatchObject({ database_connected: false, tables: [{ state: 'missing' }] });
  }, 120_000);

  it('Pipeline API: validateAllTables() and getPipelineStatus() answer as the CLI does', async () => {
    const pipeline = new Pipeline(await loadConfig(mixed, {}), { logger: createLogger({ level: 'silent' }) });
    const validation = await pipeline.validateAllTables({ tableTypes: ['partition'] });
    expect([validation.valid_tables, validation.total_tables]).toEqual([1, 2]);
    const status = await pipeline.getPipelineStatus({ tableNames: ['shop.Products'] });
    expect(status.database_connected).toBe(true);
    expect(status.tables.map((t) => t.table)).toEqual(['shop.Products']);
  }, 60_000);

  it('config-schema: the JSON Schema of the config file, without --config', async () => {
    const result = await runCli(['config-schema'], {});
    expect(result.code).toBe(0);
    const schema = JSON.parse(result.stdout) as {
      $schema: string;
      properties: Record<string, { items?: { properties?: Record<string, unknown> } }>;
    };
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['database', 'processing', 'state', 'partition_tables', 'static_tables']),
    );
    expect(Object.keys(schema.properties.static_tables?.items?.properties ?? {})).toContain('table_name');
  });
});
