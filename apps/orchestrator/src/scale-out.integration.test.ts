import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliRun, runCli } from './test-support/run-cli.js';

const PASSWORD = 'ScaleOut!Passw0rd';
const ROWS = 3000;

interface PlanLine {
  status: string;
  run_id: string;
  tables: { table: string; units: { id: string }[] }[];
}

/**
 * `sqlsync plan --json`, `run --unit` and `publish` as separate processes, the way Airflow's tasks
 * call them: retries, order mistakes and concurrent runs.
 */
describe('sqlsync run --unit and publish: units planned, run and published by separate processes', () => {
  let emulator: Emulator;
  let work: string;
  let configFile: string;
  const env = { ...process.env, SQLSYNC_PASSWORD: PASSWORD };
  const lake = (): string => join(work, 'lake');

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-scale-out-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    for (const table of ['Orders', 'Doomed']) {
      await emulator.exec(`CREATE TABLE [dbo].[${table}] ([Id] bigint NOT NULL PRIMARY KEY,
        [OrderDate] date NOT NULL, [Amount] decimal(19,4) NULL);`);
      // Three months: 2024-01 .. 2024-03.
      await emulator.duckdb(`INSERT INTO dbo."${table}"
        SELECT i, DATE '2024-01-01' + CAST(i % 91 AS INTEGER), CAST(i AS DECIMAL(19,4)) / 3
        FROM range(1, ${ROWS + 1}) t(i)`);
    }
    configFile = join(work, 'sqlsync.yaml');
    const partitionTable = (name: string): string => `  - schema_name: dbo
    table_name: ${name}
    target_schema: sales
    target_table: ${name.toLowerCase()}
    partition_column: OrderDate
    granularity: month
    newest_partitions_to_refresh: 0`;
    await writeFile(
      configFile,
      `log_level: WARNING
database: { server: 127.0.0.1, port: ${emulator.port}, database: master, username: sa, encrypt: false }
processing: { retry_attempts: 0 }
state: { parquet_directory: ${lake()}, state_directory: ${join(work, 'state')} }
partition_tables:
${partitionTable('Orders')}
${partitionTable('Doomed')}
`,
    );
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  const sqlsync = (...args: string[]): Promise<CliRun> => runCli([...args, '--config', configFile], env);

  async function plan(table: string): Promise<PlanLine> {
    const result = await sqlsync('plan', '--json', '--table', table);
    expect(result.code, result.stderr).toBe(0);
    return result.summary() as unknown as PlanLine;
  }

  async function runUnits(line: PlanLine): Promise<void> {
    for (const unit of line.tables[0]?.units ?? []) {
      const result = await sqlsync('run', '--unit', unit.id, '--run-id', line.run_id);
      expect(result.code, result.stderr).toBe(0);
    }
  }

  async function lakeRows(): Promise<number> {
    const rows = await emulator.duckdb(
      `SELECT count(*) AS n FROM read_parquet('${join(lake(), 'sales', 'orders', '**', '*.parquet')}')`,
    );
    return Number(rows[0]?.n);
  }

  it('publishes only once every unit ran; a retried unit replaces its staging; a second publish is a no-op', async () => {
    const planned = await plan('dbo.Orders');
    const units = planned.tables[0]?.units.map((u) => u.id) ?? [];
    expect(units).toHaveLength(3);
    expect(existsSync(join(lake(), '_sqlsync', 'plans', planned.run_id, 'dbo.Orders.json'))).toBe(true);

    const early = await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', planned.run_id);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain(`units not run yet: ${units.join(', ')}`);
    expect(existsSync(join(lake(), 'sales', 'orders'))).toBe(false);

    // A first try leaves something behind in staging; the retry starts from a clean directory.
    const first = await sqlsync('run', '--unit', units[0] as string, '--run-id', planned.run_id);
    expect(first.code, first.stderr).toBe(0);
    const staged = (first.summary().staged_files as string[])[0] as string;
    const leftover = join(staged, '..', 'part-leftover-from-a-killed-try.parquet');
    await writeFile(leftover, 'not parquet');
    const retry = await sqlsync('run', '--unit', units[0] as string, '--run-id', planned.run_id);
    expect(retry.code, retry.stderr).toBe(0);
    expect(existsSync(leftover)).toBe(false);
    expect(retry.summary()).toMatchObject({ status: 'ok', unit: units[0], rows: first.summary().rows });

    const partial = await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', planned.run_id);
    expect(partial.code).toBe(1);
    expect(partial.stderr).toContain(`units not run yet: ${units.slice(1).join(', ')}`);

    await runUnits({
      ...planned,
      tables: [{ table: 'dbo.Orders', units: units.slice(1).map((id) => ({ id })) }],
    });
    const published = await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', planned.run_id);
    expect(published.code, published.stderr).toBe(0);
    expect(published.summary()).toMatchObject({ status: 'ok', run_id: planned.run_id, total_records: ROWS });
    expect(await lakeRows()).toBe(ROWS);
    const state = JSON.parse(await readFile(join(work, 'state', 'dbo.Orders.json'), 'utf8'));
    expect(state.state.lastRunId).toBe(planned.run_id);
    expect(existsSync(join(lake(), '_sqlsync', 'staging', planned.run_id))).toBe(false);

    const twice = await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', planned.run_id);
    expect(twice.code, twice.stderr).toBe(0);
    expect(twice.summary().tables).toEqual(published.summary().tables);
    expect(await lakeRows()).toBe(ROWS);

    // The plan is gone once published: its units cannot run again into a published table.
    const late = await sqlsync('run', '--unit', units[0] as string, '--run-id', planned.run_id);
    expect(late.code).toBe(2);
    expect(late.stderr).toContain('no unpublished plan');
  }, 120_000);

  it('refuses to publish a stale plan over newer data', async () => {
    await emulator.exec(`UPDATE [dbo].[Orders] SET [Amount] = [Amount] + 1 WHERE [Id] <= 10;`);
    const older = await plan('dbo.Orders');
    const newer = await plan('dbo.Orders');
    expect(older.tables[0]?.units.length).toBeGreaterThan(0);
    await runUnits(newer);
    expect((await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', newer.run_id)).code).toBe(0);
    await runUnits(older);
    const stale = await sqlsync('publish', '--table', 'dbo.Orders', '--run-id', older.run_id);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('stale plan');
    const state = JSON.parse(await readFile(join(work, 'state', 'dbo.Orders.json'), 'utf8'));
    expect(state.state.lastRunId).toBe(newer.run_id);
    const files = await readdir(join(lake(), 'sales', 'orders'), { recursive: true });
    expect(files.filter((f) => f.endsWith('.parquet')).some((f) => f.includes(older.run_id))).toBe(false);
  }, 120_000);

  it('records a failed unit, and publish names it', async () => {
    const planned = await plan('dbo.Doomed');
    await emulator.exec(`DROP TABLE [dbo].[Doomed];`);
    const unit = planned.tables[0]?.units[0]?.id as string;
    const failed = await sqlsync('run', '--unit', unit, '--run-id', planned.run_id);
    expect(failed.code).toBe(1);
    expect(failed.summary()).toMatchObject({ status: 'failed', unit });
    const publish = await sqlsync('publish', '--table', 'dbo.Doomed', '--run-id', planned.run_id);
    expect(publish.code).toBe(1);
    expect(publish.stderr).toContain(`units failed: ${unit} (`);
    expect(existsSync(join(lake(), 'sales', 'doomed'))).toBe(false);
  }, 120_000);

  it('refuses bad arguments with exit 2 before touching anything', async () => {
    await mkdir(lake(), { recursive: true });
    for (const args of [
      ['run', '--unit', 'dbo.Orders#OrderDate_month=2024-01'],
      ['run', '--unit', 'x', '--run-id', '../../etc'],
      ['run', '--unit', 'no-such-unit', '--run-id', '20260101T000000Z-abcdef'],
      ['publish', '--run-id', '20260101T000000Z-abcdef'],
      ['publish', '--table', 'dbo.Nope', '--run-id', '20260101T000000Z-abcdef'],
    ]) {
      const result = await sqlsync(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.summary().status).toBe('failed');
    }
  }, 60_000);
});
