import { execFile } from 'node:child_process';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cliSearchPath } from './run-cli.js';

/** How a `sqlsync` process ended: its exit code, or the signal that killed it. */
export interface CrashRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `sqlsync <args>` (found on the PATH as users find it) with `SQLSYNC_TEST_CRASH_AT` set to
 * `crashAt` when given, and reports the signal too: a process the crash hook killed ends with
 * `SIGKILL` and no summary.
 *
 * @example
 * const run = await runCrashing(['run', '--config', file], env, 'publish.switched#2');
 * run.signal // 'SIGKILL' when the point was reached
 */
export function runCrashing(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  crashAt?: string,
): Promise<CrashRun> {
  const childEnv: NodeJS.ProcessEnv = { ...env, PATH: cliSearchPath(env) };
  delete childEnv.SQLSYNC_TEST_CRASH_AT;
  if (crashAt !== undefined) {
    childEnv.SQLSYNC_TEST_CRASH_AT = crashAt;
  }
  return new Promise((done) => {
    const child = execFile(
      'sqlsync',
      [...args],
      { env: childEnv, maxBuffer: 64 * 1024 * 1024 },
      (_e, stdout, stderr) => {
        done({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
      },
    );
  });
}

/** One lake table as the suite reads it. */
export interface CrashTable {
  /** `<target_schema>/<target_table>`. */
  readonly path: string;
  /**
   * `table`: the whole table is one directory (static tables); `directory`: each first-level
   * directory (partition, bucket) is published on its own.
   */
  readonly unit: 'table' | 'directory';
  /** A DuckDB expression list hashed per row: the columns that must match (SCD2: no delete-time end dates). */
  readonly rowHash: string;
  /** The source table (`dbo.Items`) whose rows the lake table must equal; absent: compared with a reference run only. */
  readonly source?: string;
}

/**
 * What a reader sees of a table right now, per published directory: `<rows>:<sum of row hashes>`
 * (a multiset digest), read with DuckDB through `<table>/**\/*.parquet` as users read it. A table
 * or directory that cannot be read throws.
 *
 * @example
 * await directoryDigests(lakeRoot, { path: 'sales/orders', unit: 'directory', rowHash: 'Id, Amount' });
 * // { 'OrderDate_month=2024-01': '512:9381…', … }
 */
export async function directoryDigests(lakeRoot: string, table: CrashTable): Promise<Record<string, string>> {
  const tableDir = join(lakeRoot, table.path);
  const present = await lstat(tableDir).then(
    () => true,
    () => false,
  );
  if (!present) {
    return {};
  }
  const glob = join(tableDir, '**', '*.parquet').replaceAll("'", "''");
  const prefix = `${tableDir}/`.replaceAll("'", "''");
  const directory =
    table.unit === 'table' ? `''` : `split_part(substr(filename, ${prefix.length + 1}), '/', 1)`;
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const files = await connection.runAndReadAll(`SELECT count(*) FROM glob('${glob}')`);
    if (Number(files.getRows()[0]?.[0]) === 0) {
      return {};
    }
    const result = await connection.runAndReadAll(
      `SELECT ${directory} AS d, count(*) || ':' || sum(hash(${table.rowHash})::HUGEINT) AS digest
       FROM read_parquet('${glob}', filename = true, hive_partitioning = false, union_by_name = true)
       GROUP BY d ORDER BY d`,
    );
    return Object.fromEntries(result.getRows().map((r) => [String(r[0]), String(r[1])]));
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

/**
 * The multiset digest (`<rows>:<sum of row hashes>`) of the rows of one or more Parquet files or
 * globs, `rowHash` hashing each row: to compare a lake table with the source's rows exported to
 * Parquet (hash text casts, so both sides' types need only print alike).
 *
 * @example
 * await rowsDigest([`${lakeRoot}/shop/Items/**\/*.parquet`], 'CAST(Id AS VARCHAR), CAST(Price AS VARCHAR)');
 */
export async function rowsDigest(globs: readonly string[], rowHash: string): Promise<string> {
  const list = globs.map((g) => `'${g.replaceAll("'", "''")}'`).join(', ');
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    const result = await connection.runAndReadAll(
      `SELECT count(*) || ':' || coalesce(sum(hash(${rowHash})::HUGEINT), 0) FROM read_parquet([${list}], hive_partitioning = false, union_by_name = true)`,
    );
    return String(result.getRows()[0]?.[0]);
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

/**
 * What a killed run left that a finished run must not: anything in `_sqlsync/staging`,
 * `backup`, `journal` or `plans`; version directories no table points at; and hidden temporary
 * files (`.…tmp`, `.…link`) anywhere in the lake. `[]` when the lake is clean.
 *
 * @example
 * expect(await lakeGarbage(lakeRoot)).toEqual([]);
 */
export async function lakeGarbage(lakeRoot: string): Promise<string[]> {
  const garbage: string[] = [];
  const list = (dir: string): Promise<string[]> => readdir(dir).catch(() => [] as string[]);
  for (const area of ['staging', 'backup', 'journal', 'plans']) {
    for (const name of await list(join(lakeRoot, '_sqlsync', area))) {
      garbage.push(`_sqlsync/${area}/${name}`);
    }
  }
  const versions = join(lakeRoot, '_sqlsync', 'versions');
  for (const schema of await list(versions)) {
    for (const table of await list(join(versions, schema))) {
      const link = join(lakeRoot, schema, table);
      const current = await readlink(link).then(
        (target) => resolve(dirname(link), target),
        () => '',
      );
      for (const version of await list(join(versions, schema, table))) {
        if (join(versions, schema, table, version) !== current) {
          garbage.push(relative(lakeRoot, join(versions, schema, table, version)));
        }
      }
    }
  }
  for (const entry of await readdir(lakeRoot, { recursive: true, withFileTypes: true })) {
    if (entry.name.startsWith('.') && (entry.name.endsWith('.tmp') || entry.name.endsWith('.link'))) {
      garbage.push(relative(lakeRoot, join(entry.parentPath, entry.name)));
    }
  }
  return garbage.sort();
}
