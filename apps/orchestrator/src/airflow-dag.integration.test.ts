import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareLakeTable } from './test-support/lake-tables.js';
import { cliSearchPath, runCli } from './test-support/run-cli.js';

const PASSWORD = 'Airflow!Passw0rd';
const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), 'test-support', 'airflow-stand-in');
const ORDERS = 6000;
/** Orders spread over 2024-01 .. 2024-06: six month partitions, six mapped unit tasks. */
const MONTHS = 6;

interface StandInTask {
  task_id: string;
  kind: 'bash' | 'mapped_bash' | 'python';
  upstream: string[];
  function?: string;
  arguments: Record<string, unknown>;
}
interface StandInRun {
  task_id: string;
  state: string;
  command?: string;
  exit?: number;
  xcom?: unknown;
  output?: string;
  mapped?: { command: string; state: string; exit: number; xcom: string; output?: string }[];
}
interface StandInReport {
  dag: Record<string, unknown> & { default_args: Record<string, unknown> };
  tasks: StandInTask[];
  runs?: StandInRun[];
}

function python(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('python3', [...args], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr });
    });
  });
}

describe('sqlsync airflow-dag: the generated DAG, imported and run by an Airflow stand-in', () => {
  let emulator: Emulator;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-airflow-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE SCHEMA [ref];`);
    await emulator.exec(`CREATE SCHEMA [sales];`);
    // A quote and a space in the name: the DAG's bash commands must quote the table id.
    await emulator.exec(`CREATE TABLE [ref].[Rates O'Hare] ([Code] nvarchar(10) NOT NULL PRIMARY KEY,
      [Rate] decimal(19,6) NULL);`);
    await emulator.exec(
      `INSERT INTO [ref].[Rates O'Hare] VALUES (N'EUR', 1.085), (N'GBP', 1.27), (N'JPY', NULL);`,
    );
    await emulator.exec(`CREATE TABLE [sales].[Orders] ([Id] bigint NOT NULL PRIMARY KEY,
      [OrderDate] datetime2(3) NOT NULL, [Amount] decimal(19,4) NULL, [Note] nvarchar(40) NULL);`);
    await emulator.duckdb(`INSERT INTO sales."Orders"
      SELECT i, TIMESTAMP '2024-01-01 00:00:00' + to_seconds((i * 7919) % (182 * 86400)),
             CAST(i AS DECIMAL(19,4)) / 7, 'order ' || i
      FROM range(1, ${ORDERS + 1}) t(i)`);
  }, 60_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function writeConfig(name: string): Promise<string> {
    const file = join(work, `${name}.yaml`);
    await writeFile(
      file,
      `pipeline_name: shop nightly
log_level: WARNING
database:
  server: 127.0.0.1
  port: ${emulator.port}
  database: master
  username: sa
  encrypt: false
processing:
  retry_attempts: 2
  retry_delay_seconds: 7
  partition_parallel_limit: 3
state:
  parquet_directory: ${join(work, name, 'lake')}
  state_directory: ${join(work, name, 'state')}
static_tables:
  - schema_name: ref
    table_name: "Rates O'Hare"
    target_schema: ref
    target_table: rates
partition_tables:
  - schema_name: sales
    table_name: Orders
    target_schema: sales
    target_table: orders
    partition_column: OrderDate
    granularity: month
    newest_partitions_to_refresh: 0
`,
    );
    return file;
  }

  it('validates, runs the static table, plans, maps one task per unit, publishes: the lake equals `sqlsync run`', async () => {
    const env = { ...process.env, SQLSYNC_PASSWORD: PASSWORD };
    const dagConfig = await writeConfig('dag');
    const dagFile = join(work, 'dags', 'shop_nightly.py');
    const generated = await runCli(['airflow-dag', '--config', dagConfig, '--out', dagFile], env);
    expect(generated.code, generated.stderr).toBe(0);
    expect(generated.summary()).toMatchObject({ status: 'ok', dag: dagFile, tables: 2 });
    const source = await readFile(dagFile, 'utf8');
    expect(source).not.toContain(PASSWORD);

    const compiled = await python(['-m', 'py_compile', dagFile], env);
    expect(compiled.code, compiled.stderr).toBe(0);

    // The stand-in `airflow` package, written to a temp dir and put on PYTHONPATH.
    const standIn = join(work, 'stand-in');
    await cp(STAND_IN, standIn, { recursive: true });
    const pythonEnv = {
      ...env,
      PATH: cliSearchPath(env),
      PYTHONPATH: standIn,
      PYTHONDONTWRITEBYTECODE: '1',
    };
    const imported = await python([join(standIn, 'run_dag.py'), dagFile], pythonEnv);
    expect(imported.code, imported.stderr).toBe(0);
    const shape = JSON.parse(imported.stdout) as StandInReport;
    expect(shape.dag).toMatchObject({
      dag_id: 'shop_nightly',
      schedule: '0 2 * * *',
      catchup: false,
      max_active_runs: 1,
      default_args: { retries: 2, retry_delay: { seconds: 7 } },
    });
    const group = 'partition_tables.sales_Orders';
    expect(shape.tasks.map((t) => [t.task_id, t.kind, t.upstream])).toEqual([
      ['validate_config', 'bash', []],
      ['static_tables.ref_Rates_O_Hare', 'bash', ['validate_config']],
      [`${group}.plan`, 'bash', ['validate_config']],
      [`${group}.unit_commands`, 'python', [`${group}.plan`]],
      [`${group}.run_unit`, 'mapped_bash', [`${group}.unit_commands`]],
      [`${group}.publish_command`, 'python', [`${group}.plan`]],
      [`${group}.publish`, 'bash', [`${group}.publish_command`, `${group}.run_unit`]],
    ]);
    const task = (id: string): StandInTask => shape.tasks.find((t) => t.task_id === id) as StandInTask;
    expect(task('static_tables.ref_Rates_O_Hare').arguments).toEqual({
      skip_on_exit_code: 99,
      bash_command: `sqlsync run --table 'ref.Rates O'"'"'Hare' --skip-exit-code --config ${dagConfig}`,
    });
    expect(task(`${group}.plan`).arguments).toMatchObject({
      skip_on_exit_code: 99,
      do_xcom_push: true,
      bash_command: `sqlsync plan --json --table sales.Orders --skip-exit-code --config ${dagConfig}`,
    });
    expect(task(`${group}.run_unit`).arguments).toEqual({
      max_active_tis_per_dagrun: 3,
      expand: { xcom_from: `${group}.unit_commands` },
    });
    expect(task(`${group}.publish`).arguments).toEqual({
      bash_command: { xcom_from: `${group}.publish_command` },
    });

    // Run every task in dependency order, as workers would: bash commands against the emulator.
    const executed = await python([join(standIn, 'run_dag.py'), dagFile, '--execute'], pythonEnv);
    expect(executed.code, executed.stderr).toBe(0);
    const runs = (JSON.parse(executed.stdout) as StandInReport).runs ?? [];
    const failed = runs.filter((r) => r.state !== 'success');
    expect(failed, JSON.stringify(failed, null, 1).slice(0, 4000)).toEqual([]);
    const run = (id: string): StandInRun => runs.find((r) => r.task_id === id) as StandInRun;
    const plan = JSON.parse(run(`${group}.plan`).xcom as string);
    expect(plan.tables[0].units).toHaveLength(MONTHS);
    const mapped = run(`${group}.run_unit`).mapped ?? [];
    expect(mapped.map((m) => m.command).sort()).toEqual(
      plan.tables[0].units
        .map(
          (u: { id: string }) => `sqlsync run --unit '${u.id}' --run-id ${plan.run_id} --config ${dagConfig}`,
        )
        .sort(),
    );
    expect(mapped.map((m) => JSON.parse(m.xcom).status)).toEqual(Array(MONTHS).fill('ok'));
    expect(mapped.reduce((n, m) => n + JSON.parse(m.xcom).rows, 0)).toBe(ORDERS);
    const published = JSON.parse(run(`${group}.publish`).xcom as string);
    expect(published).toMatchObject({ status: 'ok', run_id: plan.run_id, total_records: ORDERS });
    expect(JSON.parse(run('static_tables.ref_Rates_O_Hare').xcom as string)).toMatchObject({
      status: 'ok',
      total_records: 3,
    });
    // Nothing of the run is left: no plan, no unit result, no staging.
    const dagLake = join(work, 'dag', 'lake');
    expect(existsSync(join(dagLake, '_sqlsync', 'staging', plan.run_id))).toBe(false);
    const runDir = join(dagLake, '_sqlsync', 'plans', plan.run_id);
    expect((await readdir(runDir)).filter((f) => f.endsWith('.json'))).toEqual([]);

    // The same source through one `sqlsync run` into another lake: the same rows, the same state.
    const plainConfig = await writeConfig('plain');
    const plain = await runCli(['run', '--config', plainConfig], env);
    expect(plain.code, plain.stderr).toBe(0);
    const plainLake = join(work, 'plain', 'lake');
    const orders = await compareLakeTable(
      dagLake,
      plainLake,
      'sales/orders',
      'Id, OrderDate, Amount, Note, OrderDate_month',
    );
    expect(orders).toEqual({ rowsA: ORDERS, rowsB: ORDERS, differingRows: 0 });
    const rates = await compareLakeTable(dagLake, plainLake, 'ref/rates', 'Code, Rate');
    expect(rates).toEqual({ rowsA: 3, rowsB: 3, differingRows: 0 });
    const partitionsOf = async (name: string): Promise<unknown> =>
      JSON.parse(await readFile(join(work, name, 'state', 'sales.Orders.json'), 'utf8')).state.partitions;
    expect(await partitionsOf('dag')).toEqual(await partitionsOf('plain'));

    // Nothing changed since: the plan task exits 99 and Airflow skips the table's group.
    const again = await python([join(standIn, 'run_dag.py'), dagFile, '--execute'], pythonEnv);
    const againRuns = (JSON.parse(again.stdout) as StandInReport).runs ?? [];
    const againGroup = againRuns.filter((r) => r.task_id.startsWith(group));
    expect(Object.fromEntries(againGroup.map((r) => [r.task_id, [r.state, r.exit]]))).toEqual({
      [`${group}.plan`]: ['skipped', 99],
      [`${group}.unit_commands`]: ['skipped', undefined],
      [`${group}.run_unit`]: ['skipped', undefined],
      [`${group}.publish_command`]: ['skipped', undefined],
      [`${group}.publish`]: ['skipped', undefined],
    });
    // A skipped plan saves nothing: only the first run's directory (its published summaries) is there.
    expect(await readdir(join(dagLake, '_sqlsync', 'plans'))).toEqual([plan.run_id]);
    // About 30 s on an idle two-core machine; generous for a loaded one (about a dozen processes).
  }, 300_000);
});
