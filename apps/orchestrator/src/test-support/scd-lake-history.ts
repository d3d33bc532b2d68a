import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { ReferenceHistoryRow } from './scd-reference.js';
import { columnText, type ScdSourceTable } from './scd-source-snapshot.js';

/** The four lake columns an SCD table adds, by their config defaults. */
export interface ScdLakeColumns {
  readonly effective: string;
  readonly end: string;
  readonly isLatest: string;
  readonly isDeleted: string;
}

/** `effective_date`, `end_date`, `IsLatest`, `IsDeleted`: the config's defaults. */
export const DEFAULT_SCD_COLUMNS: ScdLakeColumns = {
  effective: 'effective_date',
  end: 'end_date',
  isLatest: 'IsLatest',
  isDeleted: 'IsDeleted',
};

/** How a lake table's history compares with the expected one (multisets of whole rows). */
export interface ScdHistoryComparison {
  readonly lakeRows: number;
  readonly expectedRows: number;
  /** Rows in the lake and not expected, plus expected rows missing from the lake. */
  readonly differingRows: number;
  /** Up to 10 of each, as `values…|effective|end|latest|deleted` lines, for the failure message. */
  readonly onlyInLake: readonly string[];
  readonly onlyExpected: readonly string[];
}

/** `<dir>/*\/*.parquet` (the bucket files) as a DuckDB scan, or undefined when there is none. */
async function bucketScan(connection: DuckDBConnection, tableDir: string): Promise<string | undefined> {
  const glob = join(tableDir, '*', '*.parquet').replaceAll("'", "''");
  const files = await connection.runAndReadAll(`SELECT count(*) FROM glob('${glob}')`);
  return Number(files.getRows()[0]?.[0]) === 0
    ? undefined
    : `read_parquet('${glob}', filename = true, hive_partitioning = false)`;
}

async function withDuckdb<T>(work: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  const duckdb = await DuckDBInstance.create(':memory:');
  const connection = await duckdb.connect();
  try {
    return await work(connection);
  } finally {
    connection.closeSync();
    duckdb.closeSync();
  }
}

/**
 * Compares every row of an SCD lake table (`tableDir` = `<lake>/<schema>/<table>`) with the
 * reference history: source columns as text, effective/end dates to the microsecond, the two flags.
 *
 * @example
 * const c = await compareScdHistory(join(lake, 'crm', 'customers'), customers, ref.history());
 * expect(c.differingRows, c.onlyInLake.join('\n')).toBe(0);
 */
export async function compareScdHistory(
  tableDir: string,
  table: ScdSourceTable,
  expected: readonly ReferenceHistoryRow[],
  lakeColumns: ScdLakeColumns = DEFAULT_SCD_COLUMNS,
): Promise<ScdHistoryComparison> {
  return withDuckdb(async (connection) => {
    const valueColumns = table.columns.map((_, i) => `c${i}`);
    await connection.run(
      `CREATE TABLE expected (${valueColumns.map((c) => `${c} VARCHAR`).join(', ')}, eff VARCHAR, en VARCHAR, latest BOOLEAN, deleted BOOLEAN)`,
    );
    const appender = await connection.createAppender('expected');
    for (const row of expected) {
      for (const value of row.values) {
        if (value === null) {
          appender.appendNull();
        } else {
          appender.appendVarchar(value);
        }
      }
      appender.appendVarchar(row.effective);
      appender.appendVarchar(row.end);
      appender.appendBoolean(row.isLatest);
      appender.appendBoolean(row.isDeleted);
      appender.endRow();
    }
    appender.closeSync();
    const stamp = (c: string): string => `strftime("${c}", '%Y-%m-%d %H:%M:%S.%f')`;
    const scan = await bucketScan(connection, tableDir);
    const lakeSelect =
      scan === undefined
        ? `SELECT * FROM expected WHERE false`
        : `SELECT ${table.columns.map((c, i) => `${columnText(table, c)} AS c${i}`).join(', ')},
             ${stamp(lakeColumns.effective)} AS eff, ${stamp(lakeColumns.end)} AS en,
             "${lakeColumns.isLatest}" AS latest, "${lakeColumns.isDeleted}" AS deleted FROM ${scan}`;
    await connection.run(`CREATE TABLE lake AS ${lakeSelect}`);
    const line = `concat_ws('|', ${[...valueColumns, 'eff', 'en', 'latest', 'deleted'].map((c) => `coalesce(CAST(${c} AS VARCHAR), '∅')`).join(', ')})`;
    const differing = async (a: string, b: string): Promise<{ count: number; sample: string[] }> => {
      const diff = `SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}`;
      const count = Number(
        (await connection.runAndReadAll(`SELECT count(*) FROM (${diff})`)).getRows()[0]?.[0],
      );
      const sample = (await connection.runAndReadAll(`SELECT ${line} FROM (${diff}) ORDER BY ALL LIMIT 10`))
        .getRows()
        .map((r) => String(r[0]));
      return { count, sample };
    };
    const onlyInLake = await differing('lake', 'expected');
    const onlyExpected = await differing('expected', 'lake');
    const count = async (t: string): Promise<number> =>
      Number((await connection.runAndReadAll(`SELECT count(*) FROM ${t}`)).getRows()[0]?.[0]);
    return {
      lakeRows: await count('lake'),
      expectedRows: await count('expected'),
      differingRows: onlyInLake.count + onlyExpected.count,
      onlyInLake: onlyInLake.sample,
      onlyExpected: onlyExpected.sample,
    };
  });
}

/**
 * What breaks the spec's bucket layout, as human-readable lines (empty = none): a directory not
 * named `bucket=<nn>` (2 digits, 3 above 100 buckets) or holding more than one file, a row whose
 * key hashes to another bucket (`md5_number` of the length-prefixed key text % count), or a file
 * whose `sqlsync.scd.*` metadata disagrees with its directory, the count, hash or business key.
 *
 * @example
 * expect(await bucketLayoutProblems(tableDir, customers, 16)).toEqual([]);
 */
export async function bucketLayoutProblems(
  tableDir: string,
  table: ScdSourceTable,
  bucketCount: number,
): Promise<string[]> {
  const problems: string[] = [];
  const digits = bucketCount > 100 ? 3 : 2;
  for (const dir of await readdir(tableDir)) {
    if (!new RegExp(`^bucket=\\d{${digits}}$`).test(dir) || Number(dir.slice(7)) >= bucketCount) {
      problems.push(`unexpected directory ${dir}`);
      continue;
    }
    const files = await readdir(join(tableDir, dir));
    if (files.length > 1) {
      problems.push(`${dir} holds ${files.length} files: ${files.join(', ')}`);
    }
  }
  await withDuckdb(async (connection) => {
    const scan = await bucketScan(connection, tableDir);
    if (scan === undefined) {
      return;
    }
    const encoding = table.businessKey
      .map((c) => `length(CAST("${c}" AS VARCHAR)) || ':' || CAST("${c}" AS VARCHAR) || ';'`)
      .join(' || ');
    const misplaced = await connection.runAndReadAll(
      `SELECT concat_ws(',', ${table.businessKey.map((c) => `CAST("${c}" AS VARCHAR)`).join(', ')}) AS k,
              regexp_extract(filename, 'bucket=([0-9]+)', 1) AS dir, md5_number(${encoding}) % ${bucketCount} AS want
       FROM ${scan} WHERE CAST(regexp_extract(filename, 'bucket=([0-9]+)', 1) AS INTEGER) <> md5_number(${encoding}) % ${bucketCount}
       LIMIT 10`,
    );
    for (const [key, dir, want] of misplaced.getRows()) {
      problems.push(`key (${String(key)}) is in bucket=${String(dir)}, its hash says ${String(want)}`);
    }
    const glob = join(tableDir, '*', '*.parquet').replaceAll("'", "''");
    const metadata = await connection.runAndReadAll(
      `SELECT file_name, decode(key) AS k, decode(value) AS v FROM parquet_kv_metadata('${glob}') WHERE decode(key) LIKE 'sqlsync.scd.%'`,
    );
    const byFile = new Map<string, Map<string, string>>();
    for (const [file, key, value] of metadata.getRows()) {
      const entries = byFile.get(String(file)) ?? new Map<string, string>();
      entries.set(String(key), String(value));
      byFile.set(String(file), entries);
    }
    const files = await connection.runAndReadAll(`SELECT file FROM glob('${glob}')`);
    for (const [file] of files.getRows()) {
      const entries = byFile.get(String(file)) ?? new Map<string, string>();
      const dirBucket = Number(/bucket=(\d+)/.exec(String(file))?.[1]);
      const want: Record<string, unknown> = {
        'sqlsync.scd.bucket': dirBucket,
        'sqlsync.scd.bucket_count': bucketCount,
        'sqlsync.scd.bucket_hash': 'md5-length-prefixed-v1',
        'sqlsync.scd.business_key': JSON.stringify(table.businessKey),
      };
      for (const [key, value] of Object.entries(want)) {
        const got = entries.get(key);
        const same =
          typeof value === 'number'
            ? got !== undefined && Number(got) === value
            : key.endsWith('business_key')
              ? got !== undefined && JSON.stringify(JSON.parse(got)) === value
              : got === value;
        if (!same) {
          problems.push(
            `${String(file)}: metadata ${key} = ${got ?? '(missing)'}, expected ${String(value)}`,
          );
        }
      }
    }
  });
  return problems;
}

/**
 * The distinct end dates of the lake's deleted versions (µs text), sorted: each is some run's
 * source time. The test brackets a run's new one with the emulator's clock and hands it to the
 * reference, which cannot know `SYSDATETIME()` in advance.
 *
 * @example
 * const fresh = (await deleteTimes(tableDir)).filter((t) => !known.includes(t));
 */
export async function deleteTimes(
  tableDir: string,
  lakeColumns: ScdLakeColumns = DEFAULT_SCD_COLUMNS,
): Promise<string[]> {
  return withDuckdb(async (connection) => {
    const scan = await bucketScan(connection, tableDir);
    if (scan === undefined) {
      return [];
    }
    const result = await connection.runAndReadAll(
      `SELECT DISTINCT strftime("${lakeColumns.end}", '%Y-%m-%d %H:%M:%S.%f') FROM ${scan} WHERE "${lakeColumns.isDeleted}" ORDER BY 1`,
    );
    return result.getRows().map((r) => String(r[0]));
  });
}
