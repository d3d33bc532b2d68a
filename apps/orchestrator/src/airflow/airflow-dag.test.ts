import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@sync/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { airflowDag } from './airflow-dag.js';

const STAND_IN = join(dirname(fileURLToPath(import.meta.url)), '..', 'test-support', 'airflow-stand-in');

/** Names a shell or a Python literal would trip over: quotes, a backslash, `$()`, a space, a `#`. */
const ODD = `Rates "EU" O'Hare \\ $(touch x) #1`;

function config(extra: Record<string, unknown> = {}) {
  return parseConfig({
    pipeline_name: 'shop nightly "prod"',
    database: { server: 'db', database: 'Shop', username: 'etl', password: 'S3cret!pw' },
    state: { parquet_directory: '/data/lake', state_directory: '/data/state' },
    static_tables: [{ schema_name: 'ref', table_name: ODD, target_table: 'rates' }],
    partition_tables: [
      {
        schema_name: 'sales',
        table_name: 'Order Lines',
        partition_column: 'OrderDate',
        granularity: 'month',
      },
      {
        schema_name: 'sales',
        table_name: 'Order_Lines',
        partition_column: 'OrderDate',
        granularity: 'month',
      },
    ],
    ...extra,
  });
}

function python(
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('python3', [...args], { env }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : 1, out: `${stdout}${stderr}` });
    });
  });
}

describe('airflowDag', () => {
  let work: string;
  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-dag-'));
  });
  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('writes Python that compiles and, imported, holds each table id and path exactly, shell-quoted', async () => {
    const source = airflowDag(config(), {
      configPath: `/opt/sqlsync/it's "conf".yaml`,
      sqlsyncCommand: '/usr/local/bin/sqlsync',
    });
    expect(source).not.toContain('S3cret!pw');
    const file = join(work, 'odd_dag.py');
    await writeFile(file, source);
    const compiled = await python(['-m', 'py_compile', file]);
    expect(compiled.code, compiled.out).toBe(0);

    // The commands the DAG holds, split back by a POSIX shell parser, give the exact arguments.
    const probe = join(work, 'probe.py');
    await writeFile(
      probe,
      `import json, shlex, sys
sys.argv = ["run_dag.py", ${JSON.stringify(file)}]
import runpy
from airflow import _graph
runpy.run_path(${JSON.stringify(file)})
dag = _graph._dags[0]
print(json.dumps({"dag_id": dag.dag_id, "tasks": {t.task_id: shlex.split(t.arguments["bash_command"])
  for t in dag.tasks.values() if isinstance(t.arguments.get("bash_command"), str)}}))
`,
    );
    const imported = await python([probe], {
      ...process.env,
      PYTHONPATH: STAND_IN,
      PYTHONDONTWRITEBYTECODE: '1',
    });
    expect(imported.code, imported.out).toBe(0);
    const { dag_id, tasks } = JSON.parse(imported.out) as { dag_id: string; tasks: Record<string, string[]> };
    expect(dag_id).toBe('shop_nightly__prod_');
    const conf = ['--config', `/opt/sqlsync/it's "conf".yaml`];
    expect(tasks).toEqual({
      validate_config: ['/usr/local/bin/sqlsync', 'validate', ...conf],
      'static_tables.ref_Rates__EU__O_Hare_____touch_x___1': [
        '/usr/local/bin/sqlsync',
        'run',
        '--table',
        `ref.${ODD}`,
        '--skip-exit-code',
        ...conf,
      ],
      'partition_tables.sales_Order_Lines.plan': [
        '/usr/local/bin/sqlsync',
        'plan',
        '--json',
        '--table',
        'sales.Order Lines',
        '--skip-exit-code',
        ...conf,
      ],
      // Two ids that clean up alike get distinct task ids.
      'partition_tables.sales_Order_Lines_2.plan': [
        '/usr/local/bin/sqlsync',
        'plan',
        '--json',
        '--table',
        'sales.Order_Lines',
        '--skip-exit-code',
        ...conf,
      ],
    });
  }, 30_000);

  it('takes retries and the mapped-unit limit from the config, and omits a kind without tables', () => {
    const source = airflowDag(
      config({
        processing: { retry_attempts: 5, retry_delay_seconds: 12.5, partition_parallel_limit: 7 },
        partition_tables: [],
      }),
      { configPath: '/c.yaml', dagId: 'nightly', schedule: '@hourly' },
    );
    expect(source).toContain('"retries": 5,');
    expect(source).toContain('"retry_delay": timedelta(seconds=12.5),');
    expect(source).toContain('dag_id="nightly",');
    expect(source).toContain('schedule="@hourly",');
    expect(source).not.toContain('TaskGroup(group_id="partition_tables")');
    expect(
      airflowDag(config({ processing: { partition_parallel_limit: 7 } }), { configPath: '/c' }),
    ).toContain('max_active_tis_per_dagrun=7,');
  });

  it('refuses a DAG id Airflow would refuse', () => {
    expect(() => airflowDag(config(), { configPath: '/c.yaml', dagId: 'my dag' })).toThrow(
      /--dag-id "my dag"/,
    );
  });
});
