import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { listTables, type PipelineConfig, SqlSyncError } from '@sync/core';
import { type AirflowDagOptions, airflowDag } from '../airflow/airflow-dag.js';

/** The arguments of `sqlsync airflow-dag --config F [--out dag.py]`. */
export interface AirflowDagRequest extends Partial<AirflowDagOptions> {
  readonly config: PipelineConfig;
  /** The `--config` file; the DAG passes its absolute path unless `configPath` says otherwise. */
  readonly configFile: string;
  /** Where to write the DAG; absent: the DAG is returned for stdout. */
  readonly out?: string;
}

/** What `airflow-dag` produced: the file written, or the source to print. */
export type AirflowDagOutcome =
  | { readonly written: string; readonly tables: number }
  | { readonly source: string; readonly tables: number };

/**
 * Generates the Airflow DAG of a config (see `airflowDag`) and writes it to `out` atomically (a
 * scheduler scanning the DAG folder never reads half a file), or returns it.
 *
 * @example
 * await writeAirflowDag({ config, configFile: 'sqlsync.yaml', out: 'dags/sqlsync.py' });
 * // { written: '/…/dags/sqlsync.py', tables: 3 }
 */
export async function writeAirflowDag(request: AirflowDagRequest): Promise<AirflowDagOutcome> {
  const source = airflowDag(request.config, {
    configPath: request.configPath ?? resolve(request.configFile),
    ...(request.sqlsyncCommand === undefined ? {} : { sqlsyncCommand: request.sqlsyncCommand }),
    ...(request.dagId === undefined ? {} : { dagId: request.dagId }),
    ...(request.schedule === undefined ? {} : { schedule: request.schedule }),
  });
  const tables = listTables(request.config).length;
  if (request.out === undefined) {
    return { source, tables };
  }
  const out = resolve(request.out);
  const temporary = join(dirname(out), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await mkdir(dirname(out), { recursive: true });
    await writeFile(temporary, source);
    await rename(temporary, out);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new SqlSyncError('USAGE', `--out ${request.out}: cannot write the DAG there`, { cause: error });
  }
  return { written: out, tables };
}
