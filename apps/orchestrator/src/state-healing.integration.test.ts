import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import { compareLakeTable } from './test-support/lake-tables.js';
import type { CliRun } from './test-support/run-cli.js';

// Issue 14's acceptance of self-healing state through the built CLI: one partition, one static and
// one SCD2 table; after the first run the state is lost or damaged in four ways (directory deleted,
// bad JSON, `state: null`, another table's state), the source changes, and the rerun must give the
// same lake as an undisturbed lake's rerun, read no more than the conservative rule implies, and
// say in its log and summary how the state was rebuilt.

const PASSWORD = 'StateHeal!Passw0rd';
const ORDERS = 3000;
const RATES = 40;
const CUSTOMERS = 120;

type TableResult = Record<string, unknown> & {
  table: string;
  status: string;
  rows: number;
  units: { id: string; reason: string; rows: number }[];
  state_healed?: { why: string; source: string; found?: string; chose: string };
  scd?: Record<string, number>;
};

const TABLES = {
  partition_tables: [
    {
      schema_name: 'dbo',
      table_name: 'Orders',
      target_schema: 'sales',
      partition_column: 'OrderDate',
      granularity: 'month',
      newest_partitions_to_refresh: 0,
    },
  ],
  static_tables: [{ schema_name: 'dbo', table_name: 'Rates', target_schema: 'ref' }],
  scd_tables: [
    {
      schema_name: 'dbo',
      table_name: 'Customers',
      target_schema: 'crm',
      last_modified_column: 'LastModified',
      bucket_count: 4,
    },
  ],
};

let emulator: Emulator;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'sqlsync-state-heal-'));
  emulator = await startEmulator({ port: 0, password: PASSWORD });
  await emulator.exec(`CREATE TABLE [dbo].[Orders] ([Id] int NOT NULL PRIMARY KEY, [OrderDate] datetime2(3) NOT NULL,
      [Amount] decimal(12,2) NOT NULL);
    CREATE TABLE [dbo].[Rates] ([Code] nvarchar(8) NOT NULL PRIMARY KEY, [Rate] decimal(10,4) NOT NULL);
    CREATE TABLE [dbo].[Customers] ([Id] int NOT NULL PRIMARY KEY, [Name] nvarchar(40) NOT NULL,
      [LastModified] datetime2(3) NOT NULL);`);
  // Six months of orders, rates, and customers modified one minute apart.
  await emulator.duckdb(`INSERT INTO dbo."Orders" SELECT i, TIMESTAMP '2024-01-01' + to_seconds((i * 7919) % (181 * 86400)),
      CAST(i % 1000 AS DECIMAL(12,2)) / 10 FROM range(1, ${ORDERS + 1}) t(i)`);
  await emulator.duckdb(
    `INSERT INTO dbo."Rates" SELECT 'R' || i, CAST(i AS DECIMAL(10,4)) / 7 FROM range(1, ${RATES + 1}) t(i)`,
  );
  await emulator.duckdb(`INSERT INTO dbo."Customers" SELECT i, 'name ' || i, TIMESTAMP '2024-01-01' + to_minutes(i)
      FROM range(1, ${CUSTOMERS + 1}) t(i)`);
}, 120_000);

afterAll(async () => {
  await emulator?.close();
  await rm(work, { recursive: true, force: true });
});

async function lakeFor(name: string): Promise<CliLake> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  return new CliLake(emulator, dir, PASSWORD);
}

async function run(lake: CliLake): Promise<{ cli: CliRun; tables: Record<string, TableResult> }> {
  const cli = await lake.command(['run'], TABLES.static_tables, {
    partition_tables: TABLES.partition_tables,
    scd_tables: TABLES.scd_tables,
  });
  expect(cli.code, `${cli.stderr.slice(-3000)}\n${cli.stdout.slice(-2000)}`).toBe(0);
  const summary = cli.summary() as unknown as { tables: TableResult[] };
  return { cli, tables: Object.fromEntries(summary.tables.map((t) => [t.table, t])) };
}

const stateDir = (lake: CliLake): string => join(lake.work, 'state');
const stateFile = (lake: CliLake, id: string): string => join(stateDir(lake), `${id}.json`);
const IDS = ['dbo.Orders', 'dbo.Rates', 'dbo.Customers'] as const;

/** Ways to lose or damage the state after the first run. */
const DAMAGE: Record<string, (lake: CliLake) => Promise<void>> = {
  'state directory deleted': async (lake) => rm(stateDir(lake), { recursive: true, force: true }),
  'bad JSON': async (lake) => {
    for (const id of IDS) {
      await writeFile(stateFile(lake, id), '{"version": 1, "tableId": "');
    }
  },
  'state: null': async (lake) => {
    for (const id of IDS) {
      await writeFile(
        stateFile(lake, id),
        JSON.stringify({ version: 1, tableId: id, writtenAt: 'x', state: null }),
      );
    }
  },
  "another table's state": async (lake) => {
    // Each file gets the next table's file, copied over as is.
    const copies = IDS.map((id, i) => [
      stateFile(lake, IDS[(i + 1) % IDS.length] as string),
      `${stateFile(lake, id)}.other`,
    ]);
    for (const [from, to] of copies) {
      await copyFile(from as string, to as string);
    }
    for (const id of IDS) {
      await copyFile(`${stateFile(lake, id)}.other`, stateFile(lake, id));
      await rm(`${stateFile(lake, id)}.other`);
    }
  },
};

describe('state lost or damaged, then rerun (partition, static and SCD2 tables)', () => {
  const lakes: Record<string, CliLake> = {};
  let undisturbed: CliLake;
  const second: Record<string, { cli: CliRun; tables: Record<string, TableResult> }> = {};
  let reference: Record<string, TableResult>;

  beforeAll(async () => {
    undisturbed = await lakeFor('undisturbed');
    await run(undisturbed);
    for (const name of Object.keys(DAMAGE)) {
      lakes[name] = await lakeFor(name.replace(/\W+/g, '-'));
      await run(lakes[name] as CliLake);
    }
    // The source moves on: one order in March, one rate, two customers.
    await emulator.exec(`UPDATE [dbo].[Orders] SET [Amount] = [Amount] + 1 WHERE [Id] = (SELECT MIN([Id]) FROM [dbo].[Orders] WHERE [OrderDate] >= '2024-03-01' AND [OrderDate] < '2024-04-01');
      UPDATE [dbo].[Rates] SET [Rate] = 9.5 WHERE [Code] = N'R3';
      UPDATE [dbo].[Customers] SET [Name] = N'moved', [LastModified] = '2024-06-01T00:00:00' WHERE [Id] IN (7, 90);`);
    for (const [name, damage] of Object.entries(DAMAGE)) {
      await damage(lakes[name] as CliLake);
    }
    reference = (await run(undisturbed)).tables;
    for (const name of Object.keys(DAMAGE)) {
      second[name] = await run(lakes[name] as CliLake);
    }
  }, 600_000);

  it('the undisturbed rerun reads only what changed (the baseline)', () => {
    expect(reference['dbo.Orders']?.units.map((u) => u.reason)).toEqual([
      expect.stringMatching(/^fingerprint changed/),
    ]);
    expect(reference['dbo.Rates']?.rows).toBe(RATES);
    expect(reference['dbo.Customers']?.scd?.versions_added).toBe(2);
  });

  it.each(Object.keys(DAMAGE))(
    '%s: the lake equals the undisturbed one',
    async (name) => {
      const lake = lakes[name] as CliLake;
      for (const path of ['sales/Orders', 'ref/Rates', 'crm/Customers']) {
        const c = await compareLakeTable(undisturbed.lakeRoot, lake.lakeRoot, path, '*');
        expect(c.rowsA, path).toBeGreaterThan(0);
        expect(c, path).toEqual({ rowsA: c.rowsA, rowsB: c.rowsA, differingRows: 0 });
      }
    },
    60_000,
  );

  it.each(Object.keys(DAMAGE))('%s: reads no more than the conservative rule implies', (name) => {
    const tables = second[name]?.tables ?? {};
    // Partition: the files' fingerprints vouch for every untouched month: only March is read.
    expect(tables['dbo.Orders']?.units.map((u) => u.reason)).toEqual(
      reference['dbo.Orders']?.units.map((u) => u.reason),
    );
    expect(tables['dbo.Orders']?.rows).toBe(reference['dbo.Orders']?.rows);
    // Static: the files carry no table hash, so the table is read in full (as every change of it is).
    expect(tables['dbo.Rates']?.rows).toBe(RATES);
    // SCD2: from the minimum watermark the bucket files recorded: the two changed customers only.
    expect(tables['dbo.Customers']?.rows).toBe(2);
    expect(tables['dbo.Customers']?.scd?.versions_added).toBe(2);
  });

  it.each(Object.keys(DAMAGE))('%s: the log and the summary say how each state was rebuilt', (name) => {
    const { cli, tables } = second[name] ?? { cli: undefined, tables: {} };
    const logs = (cli?.stderr ?? '')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.msg === 'state rebuilt from the lake');
    expect(logs.map((l) => l.table).sort()).toEqual([...IDS].sort());
    for (const log of logs) {
      expect(log.found).toEqual(expect.any(String));
      expect(log.chose).toEqual(expect.any(String));
    }
    expect(tables['dbo.Orders']?.state_healed).toMatchObject({
      source: 'lake',
      found: expect.stringMatching(/6 with a fingerprint/),
    });
    expect(tables['dbo.Rates']?.state_healed).toMatchObject({
      source: 'none',
      chose: expect.stringMatching(/read in full/),
    });
    expect(tables['dbo.Customers']?.state_healed).toMatchObject({
      source: 'lake',
      chose: expect.stringMatching(/^the minimum watermark 2024-01-01 02:00:00\.000/),
    });
    const why = tables['dbo.Orders']?.state_healed?.why ?? '';
    expect(why).toMatch(
      name === 'state directory deleted'
        ? /^missing$/
        : name === 'bad JSON'
          ? /not valid JSON/
          : name === 'state: null'
            ? /state is null/
            : /holds the state of dbo\.Rates/,
    );
  });

  it('a healed run writes sound state again: the next run heals nothing and reads nothing new', async () => {
    const lake = lakes['bad JSON'] as CliLake;
    const third = await run(lake);
    for (const id of IDS) {
      expect(third.tables[id]?.state_healed, id).toBeUndefined();
    }
    expect(third.tables['dbo.Orders']?.units).toEqual([]);
    expect(third.tables['dbo.Customers']?.rows).toBe(0);
    expect((await readdir(stateDir(lake))).filter((n) => n.endsWith('.lock'))).toEqual([]);
  }, 120_000);

  it('a state pointing at a partition the lake lost is rebuilt (validate_state_consistency) and that partition read again', async () => {
    const lake = lakes['bad JSON'] as CliLake;
    const dirs = (await readdir(join(lake.lakeRoot, 'sales', 'Orders'))).filter((n) =>
      n.startsWith('OrderDate_month='),
    );
    const lost = dirs.sort()[1] as string;
    await rm(join(lake.lakeRoot, 'sales', 'Orders', lost), { recursive: true });
    const healed = await run(lake);
    const orders = healed.tables['dbo.Orders'];
    expect(orders?.state_healed?.why).toMatch(
      new RegExp(`^inconsistent with the lake: ${lost}: no file in the lake`),
    );
    expect(orders?.units.map((u) => `${u.id.split('=')[1]}: ${u.reason}`)).toEqual([
      `${lost.split('=')[1]}: new partition`,
    ]);
    const c = await compareLakeTable(undisturbed.lakeRoot, lake.lakeRoot, 'sales/Orders', '*');
    expect(c.differingRows).toBe(0);
  }, 120_000);

  it('sqlsync state show, rebuild and reset', async () => {
    const lake = lakes['state: null'] as CliLake;
    const extra = { partition_tables: TABLES.partition_tables, scd_tables: TABLES.scd_tables };
    await writeFile(
      stateFile(lake, 'dbo.Orders'),
      JSON.stringify({ version: 1, tableId: 'dbo.Orders', writtenAt: 'x', state: null }),
    );
    const show = await lake.command(['state', 'show', '--table', 'dbo.Orders'], TABLES.static_tables, extra);
    expect(show.code, show.stderr).toBe(1);
    expect(show.summary()).toMatchObject({
      status: 'damaged',
      health: { valid: false, error: { code: 'STATE_CORRUPT' } },
    });

    const rebuilt = await lake.command(
      ['state', 'rebuild', '--table', 'dbo.Orders'],
      TABLES.static_tables,
      extra,
    );
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.summary()).toMatchObject({
      status: 'ok',
      found: expect.stringMatching(/6 partition directories/),
    });
    const healthy = await lake.command(
      ['state', 'show', '--table', 'dbo.Orders'],
      TABLES.static_tables,
      extra,
    );
    expect(healthy.code, healthy.stderr).toBe(0);
    expect(healthy.summary()).toMatchObject({ status: 'ok', health: { valid: true, consistent: true } });

    const reset = await lake.command(
      ['state', 'reset', '--table', 'dbo.Customers'],
      TABLES.static_tables,
      extra,
    );
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.summary()).toMatchObject({
      status: 'ok',
      removed: true,
      backup: expect.stringMatching(/\.reset-.*\.bak$/),
    });
    const gone = await lake.command(
      ['state', 'show', '--table', 'dbo.Customers'],
      TABLES.static_tables,
      extra,
    );
    expect(gone.summary()).toMatchObject({ status: 'ok', health: { exists: false }, state: null });

    const usage = await lake.command(['state', 'fix', '--table', 'dbo.Orders'], TABLES.static_tables, extra);
    expect(usage.code).toBe(2);
  }, 180_000);
});
