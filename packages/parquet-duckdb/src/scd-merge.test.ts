import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetMetadata } from './parquet-metadata.js';
import { parquetLayout } from './parquet-splice.js';
import { readParquetStats } from './parquet-stats.js';
import { SCD_MAX_APPENDED_ROW_GROUPS } from './scd-bucket-splice.js';
import type { ScdHistoryColumns } from './scd-history-sql.js';
import { ScdMerge, type ScdMergeResult } from './scd-merge.js';

let directory: string;
let duckdb: DuckDBInstance;
let runs = 0;

const columns: ScdHistoryColumns = {
  keyColumns: ['Id'],
  sourceColumns: ['Id', 'Name', 'Amount', 'LM'],
  effectiveColumn: 'effective_date',
  endColumn: 'end_date',
  isLatestColumn: 'IsLatest',
  isDeletedColumn: 'IsDeleted',
};
const amount = { name: 'Amount', lakeType: { kind: 'decimal', precision: 18, scale: 2 } } as const;

async function sql(statement: string): Promise<unknown[][]> {
  const connection = await duckdb.connect();
  try {
    return (await connection.runAndReadAll(statement)).getRows();
  } finally {
    connection.closeSync();
  }
}

/** A Parquet file of the rows read: `(Id, 'Name', amount, 'LM')` tuples. */
async function rowsFile(
  values: string,
  select = 'Id::INTEGER AS Id, Name, Amount::DECIMAL(18,2) AS Amount, LM::TIMESTAMP AS LM',
): Promise<string> {
  const file = join(directory, `rows-${runs}-${Math.random().toString(36).slice(2)}.parquet`);
  const from =
    values === ''
      ? `(SELECT 1 AS Id, 'x' AS Name, 0 AS Amount, '2000-01-01' AS LM) WHERE false`
      : `(VALUES ${values}) t(Id, Name, Amount, LM)`;
  await sql(`COPY (SELECT ${select} FROM ${from}) TO '${file}' (FORMAT PARQUET)`);
  return file;
}

async function keysFile(ids: readonly number[]): Promise<string> {
  const file = join(directory, `keys-${runs}-${Math.random().toString(36).slice(2)}.parquet`);
  const values =
    ids.length === 0
      ? '(SELECT 1 AS Id WHERE false)'
      : `(VALUES ${ids.map((i) => `(${i})`).join(', ')}) t(Id)`;
  await sql(`COPY (SELECT Id::INTEGER AS Id FROM ${values}) TO '${file}' (FORMAT PARQUET)`);
  return file;
}

/** Merges, then publishes each written bucket into the lake directory (as the handler's commit does). */
async function mergeInto(
  lake: string,
  changedRows: string,
  options: {
    sourceKeys?: string;
    bucketCount?: number;
    closeTime?: string;
    history?: ScdHistoryColumns;
    /** Reads the rows of the returning keys (as the handler does from the source). */
    returning?: (keys: string[][]) => Promise<string>;
  } = {},
): Promise<ScdMergeResult> {
  runs += 1;
  const staged = join(directory, `staged-${runs}`);
  const merge = await ScdMerge.open({
    table: 'dbo.T',
    changedRows: [changedRows],
    ...(options.sourceKeys === undefined ? {} : { sourceKeys: [options.sourceKeys] }),
    lakeTableDir: lake,
    columns: options.history ?? columns,
    lastModifiedColumn: 'LM',
    dateType: 'timestamp',
    bucketCount: options.bucketCount ?? 4,
    closeTime: options.closeTime ?? '2030-01-01 00:00:00.1234567',
    sumColumns: options.history === undefined ? [amount] : [],
    tempDirectory: join(directory, `scratch-${runs}`),
  });
  try {
    if (options.returning !== undefined) {
      await merge.addRows([await options.returning(await merge.returningKeys())]);
    }
    const result = await merge.write({
      directory: staged,
      fileName: `part-r${runs}-0.parquet`,
      metadata: { 'sqlsync.run_id': `r${runs}` },
    });
    for (const written of result.buckets) {
      const stats = await readParquetStats(written.file, options.history === undefined ? [amount] : []);
      expect(stats).toEqual(written.expected);
      const target = join(lake, written.directoryName);
      await rm(target, { recursive: true, force: true });
      await mkdir(lake, { recursive: true });
      await rename(join(staged, written.directoryName), target);
    }
    return result;
  } finally {
    await merge.close();
  }
}

/** The lake's history as `Id|Name|effective|end|latest|deleted` lines. */
async function history(lake: string): Promise<string[]> {
  const rows = await sql(
    `SELECT Id, Name, effective_date::VARCHAR, end_date::VARCHAR, IsLatest, IsDeleted FROM read_parquet('${lake}/*/*.parquet') ORDER BY Id, effective_date`,
  );
  return rows.map((row) => row.map(String).join('|'));
}

const END = '9999-12-31 00:00:00';

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'scd-merge-'));
  duckdb = await DuckDBInstance.create(':memory:');
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(directory, { recursive: true, force: true });
});

describe('ScdMerge', () => {
  it('builds history from successive snapshots; a re-read identical version changes nothing', async () => {
    const lake = join(directory, 'snapshots');
    const first = await mergeInto(
      lake,
      await rowsFile(
        `(1, 'a', 1.50, '2024-01-01 10:00:00'), (2, 'b', 2.25, '2024-01-01 11:00:00'), (3, 'c', NULL, '2024-01-02')`,
      ),
    );
    expect(first.counts).toEqual({
      versionsAdded: 3,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
    // Key 1 changes; key 2 is read again unchanged (a lookback); key 3 is not read.
    const second = await mergeInto(
      lake,
      await rowsFile(`(1, 'a2', 1.75, '2024-02-01 00:00:00.000001'), (2, 'b', 2.25, '2024-01-01 11:00:00')`),
    );
    expect(second.counts).toEqual({
      versionsAdded: 1,
      versionsReplaced: 0,
      versionsUnchanged: 1,
      keysDeleted: 0,
    });
    expect(await history(lake)).toEqual([
      `1|a|2024-01-01 10:00:00|2024-02-01 00:00:00.000001|false|false`,
      `1|a2|2024-02-01 00:00:00.000001|${END}|true|false`,
      `2|b|2024-01-01 11:00:00|${END}|true|false`,
      `3|c|2024-01-02 00:00:00|${END}|true|false`,
    ]);
    const same = await mergeInto(lake, await rowsFile(`(1, 'a2', 1.75, '2024-02-01 00:00:00.000001')`));
    expect(same.counts).toEqual({
      versionsAdded: 0,
      versionsReplaced: 0,
      versionsUnchanged: 1,
      keysDeleted: 0,
    });
    expect(same.buckets).toEqual([]);
    const written = second.buckets[0];
    const metadata = await readParquetMetadata(
      join(lake, written?.directoryName ?? '', `part-r${runs - 1}-0.parquet`),
    );
    expect(metadata).toMatchObject({
      'sqlsync.run_id': `r${runs - 1}`,
      'sqlsync.scd.bucket_count': '4',
      'sqlsync.scd.bucket_hash': 'md5-length-prefixed-v1',
      'sqlsync.scd.business_key': '["Id"]',
    });
  });

  it('inserts a late version at its place and fixes its neighbours; a version read again with other values replaces it', async () => {
    const lake = join(directory, 'late');
    await mergeInto(lake, await rowsFile(`(1, 'v1', 1, '2024-01-01'), (1, 'v3', 3, '2024-03-01')`));
    const late = await mergeInto(lake, await rowsFile(`(1, 'v2', 2, '2024-02-01')`));
    expect(late.counts.versionsAdded).toBe(1);
    expect(await history(lake)).toEqual([
      `1|v1|2024-01-01 00:00:00|2024-02-01 00:00:00|false|false`,
      `1|v2|2024-02-01 00:00:00|2024-03-01 00:00:00|false|false`,
      `1|v3|2024-03-01 00:00:00|${END}|true|false`,
    ]);
    const replaced = await mergeInto(lake, await rowsFile(`(1, 'v2 fixed', 2.5, '2024-02-01')`));
    expect(replaced.counts).toEqual({
      versionsAdded: 0,
      versionsReplaced: 1,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
    expect((await history(lake))[1]).toBe(`1|v2 fixed|2024-02-01 00:00:00|2024-03-01 00:00:00|false|false`);
  });

  it('closes the latest version of keys gone from the source, and starts a new version when a key comes back', async () => {
    const lake = join(directory, 'deletes');
    await mergeInto(lake, await rowsFile(`(1, 'a', 1, '2024-01-01'), (2, 'b', 2, '2024-01-01')`), {
      sourceKeys: await keysFile([1, 2]),
    });
    const gone = await mergeInto(lake, await rowsFile(''), {
      sourceKeys: await keysFile([1]),
      closeTime: '2024-02-01 12:00:00.1234567',
    });
    expect(gone.counts.keysDeleted).toBe(1);
    expect(gone.buckets).toHaveLength(1);
    expect(await history(lake)).toEqual([
      `1|a|2024-01-01 00:00:00|${END}|true|false`,
      `2|b|2024-01-01 00:00:00|2024-02-01 12:00:00.123456|true|true`,
    ]);
    // Read, then deleted before the key set was read: the new version is added and closed at once.
    const readThenGone = await mergeInto(lake, await rowsFile(`(9, 'brief', 9, '2024-02-01 13:00:00')`), {
      sourceKeys: await keysFile([1]),
      closeTime: '2024-02-01 14:00:00',
    });
    expect(readThenGone.counts).toEqual({
      versionsAdded: 1,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 1,
    });
    expect((await history(lake)).at(-1)).toBe('9|brief|2024-02-01 13:00:00|2024-02-01 14:00:00|true|true');
    // Still gone: nothing to do.
    const still = await mergeInto(lake, await rowsFile(''), { sourceKeys: await keysFile([1]) });
    expect(still).toEqual({
      counts: { versionsAdded: 0, versionsReplaced: 0, versionsUnchanged: 0, keysDeleted: 0 },
      buckets: [],
    });
    await mergeInto(lake, await rowsFile(`(2, 'b again', 2, '2024-03-01')`), {
      sourceKeys: await keysFile([1, 2]),
    });
    expect((await history(lake)).slice(0, 3)).toEqual([
      `1|a|2024-01-01 00:00:00|${END}|true|false`,
      `2|b|2024-01-01 00:00:00|2024-02-01 12:00:00.123456|false|true`,
      `2|b again|2024-03-01 00:00:00|${END}|true|false`,
    ]);
    // Deleted again, then back, unchanged, with a last-modified value older than any read: its
    // row is read by key (returningKeys) and the version that was deleted is re-opened.
    await mergeInto(lake, await rowsFile(''), { sourceKeys: await keysFile([1]), closeTime: '2024-03-15' });
    let returning: string[][] = [];
    const back = await mergeInto(lake, await rowsFile(''), {
      sourceKeys: await keysFile([1, 2]),
      returning: async (keys) => {
        returning = keys;
        return rowsFile(`(2, 'b again', 2, '2024-03-01')`);
      },
    });
    expect(returning).toEqual([['2']]);
    expect(back.counts).toEqual({
      versionsAdded: 0,
      versionsReplaced: 1,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
    expect((await history(lake))[2]).toBe(`2|b again|2024-03-01 00:00:00|${END}|true|false`);
    // Deleted again, then back with the very version that was deleted: it is re-opened.
    await mergeInto(lake, await rowsFile(''), { sourceKeys: await keysFile([1]), closeTime: '2024-04-01' });
    const reopened = await mergeInto(lake, await rowsFile(`(2, 'b again', 2, '2024-03-01')`), {
      sourceKeys: await keysFile([1, 2]),
    });
    expect(reopened.counts.versionsReplaced).toBe(1);
    expect((await history(lake))[2]).toBe(`2|b again|2024-03-01 00:00:00|${END}|true|false`);
  });

  it('gives a key restored with a last-modified value older than its deleted version a current version at the close time', async () => {
    const lake = join(directory, 'restored-older');
    await mergeInto(lake, await rowsFile(`(3, 'c', 3, '2024-01-01'), (4, 'd', 4, '2024-01-01')`), {
      sourceKeys: await keysFile([3, 4]),
    });
    await mergeInto(lake, await rowsFile(`(3, 'c2', 3, '2024-03-01')`), {
      sourceKeys: await keysFile([3, 4]),
    });
    await mergeInto(lake, await rowsFile(''), { sourceKeys: await keysFile([4]), closeTime: '2024-04-01' });
    const back = await mergeInto(lake, await rowsFile(`(3, 'c back', 3, '2024-01-15')`), {
      sourceKeys: await keysFile([3, 4]),
      closeTime: '2024-05-01 10:00:00.1234567',
    });
    expect(back.counts).toEqual({
      versionsAdded: 1,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
    expect((await history(lake)).filter((line) => line.startsWith('3|'))).toEqual([
      '3|c|2024-01-01 00:00:00|2024-03-01 00:00:00|false|false',
      '3|c2|2024-03-01 00:00:00|2024-04-01 00:00:00|false|true',
      `3|c back|2024-05-01 10:00:00.123456|${END}|true|false`,
    ]);
    // Read again unchanged (a lookback): nothing to do.
    const again = await mergeInto(lake, await rowsFile(`(3, 'c back', 3, '2024-01-15')`), {
      sourceKeys: await keysFile([3, 4]),
      closeTime: '2024-05-02',
    });
    expect(again).toEqual({
      counts: { versionsAdded: 0, versionsReplaced: 0, versionsUnchanged: 1, keysDeleted: 0 },
      buckets: [],
    });
  });

  it("keeps ('ab','c') and ('a','bc') apart", async () => {
    const lake = join(directory, 'composite');
    const history2: ScdHistoryColumns = {
      ...columns,
      keyColumns: ['A', 'B'],
      sourceColumns: ['A', 'B', 'Name', 'LM'],
    };
    const select = `split_part(Name, '/', 1) AS A, split_part(Name, '/', 2) AS B, Name, LM::TIMESTAMP AS LM`;
    await mergeInto(
      lake,
      await rowsFile(`(0, 'ab/c', 0, '2024-01-01'), (0, 'a/bc', 0, '2024-01-01')`, select),
      {
        history: history2,
        bucketCount: 1,
      },
    );
    await mergeInto(lake, await rowsFile(`(0, 'ab/c', 0, '2024-02-01')`, select), {
      history: history2,
      bucketCount: 1,
    });
    const rows = await sql(
      `SELECT A, B, effective_date::VARCHAR, IsLatest FROM read_parquet('${lake}/*/*.parquet') ORDER BY A, B, effective_date`,
    );
    expect(rows).toEqual([
      ['a', 'bc', '2024-01-01 00:00:00', true],
      ['ab', 'c', '2024-01-01 00:00:00', false],
      ['ab', 'c', '2024-02-01 00:00:00', true],
    ]);
  });

  it('expects exact sums beyond DECIMAL(38) (split sums)', async () => {
    const lake = join(directory, 'wide');
    const select = 'Id::INTEGER AS Id, Name, Amount::DECIMAL(38,2) AS Amount, LM::TIMESTAMP AS LM';
    const big = '999999999999999999999999999999999999.99';
    const values = Array.from({ length: 30 }, (_, i) => `(${i}, 'n', ${big}, '2024-01-01')`).join(', ');
    const first = await mergeInto(lake, await rowsFile(values, select), { bucketCount: 1 });
    expect(first.buckets[0]?.expected.sums.Amount).toBe('29999999999999999999999999999999999999.70');
    const second = await mergeInto(lake, await rowsFile(`(3, 'm', -${big}, '2024-02-01')`, select), {
      bucketCount: 1,
    });
    expect(second.buckets[0]?.expected).toEqual({
      rowCount: 31n,
      sums: { Amount: '28999999999999999999999999999999999999.71' },
    });
  });

  it('rewrites every bucket in the new shape when the source gained, lost or retyped a column', async () => {
    const lake = join(directory, 'reshaped');
    const values = Array.from({ length: 40 }, (_, i) => `(${i}, 'n${i}', ${i}, '2024-01-01')`).join(', ');
    const first = await mergeInto(lake, await rowsFile(values), { bucketCount: 4 });
    expect(first.buckets).toHaveLength(4);
    // Name dropped, Amount now DECIMAL(20,4), Extra new; one key changed.
    const wider: ScdHistoryColumns = { ...columns, sourceColumns: ['Id', 'Amount', 'LM', 'Extra'] };
    const select = `Id::INTEGER AS Id, Amount::DECIMAL(20,4) AS Amount, LM::TIMESTAMP AS LM, Name AS Extra`;
    const second = await mergeInto(lake, await rowsFile(`(7, 'x', 7.5, '2024-02-01')`, select), {
      bucketCount: 4,
      history: wider,
    });
    expect(second.buckets).toHaveLength(4);
    expect(second.counts).toEqual({
      versionsAdded: 1,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
    const rows = await sql(
      `SELECT Id, Amount::VARCHAR, Extra, IsLatest, typeof(Amount) FROM read_parquet('${lake}/*/*.parquet') WHERE Id IN (6, 7) ORDER BY Id, effective_date`,
    );
    expect(rows).toEqual([
      [6, '6.0000', null, true, 'DECIMAL(20,4)'],
      [7, '7.0000', null, false, 'DECIMAL(20,4)'],
      [7, '7.5000', 'x', true, 'DECIMAL(20,4)'],
    ]);
    // Now every bucket has the new shape: a change touches one bucket again.
    const third = await mergeInto(lake, await rowsFile(`(8, 'y', 8, '2024-02-01')`, select), {
      bucketCount: 4,
      history: wider,
    });
    expect(third.buckets).toHaveLength(1);
  });

  it('rewrites only the buckets holding touched keys', async () => {
    const lake = join(directory, 'buckets');
    const values = Array.from({ length: 200 }, (_, i) => `(${i}, 'n${i}', ${i}, '2024-01-01')`).join(', ');
    const first = await mergeInto(lake, await rowsFile(values), { bucketCount: 16 });
    expect(first.buckets).toHaveLength(16);
    expect((await readdir(lake)).sort()).toEqual(first.buckets.map((b) => b.directoryName));
    const second = await mergeInto(lake, await rowsFile(`(7, 'changed', 7, '2024-02-01')`), {
      bucketCount: 16,
    });
    expect(second.buckets.map((b) => b.rows)).toEqual([
      (first.buckets.find((b) => b.bucket === second.buckets[0]?.bucket)?.rows ?? 0) + 1,
    ]);
    expect(second.counts).toEqual({
      versionsAdded: 1,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 0,
    });
  });

  it('splices a bucket whose run only adds and closes versions (unchanged rows kept byte for byte), and rewrites it whole past the appended row groups allowed', async () => {
    const lake = join(directory, 'splice');
    const values = Array.from({ length: 300 }, (_, i) => `(${i}, 'n${i}', ${i}.25, '2024-01-01')`).join(', ');
    await mergeInto(lake, await rowsFile(values), { bucketCount: 1 });
    const file = async (): Promise<string> => {
      const names = await readdir(join(lake, 'bucket=00'));
      return join(lake, 'bucket=00', names[0] ?? '');
    };
    const chunks = async (path: string): Promise<string[]> =>
      (
        await sql(
          `SELECT row_group_id, path_in_schema, total_compressed_size, stats_min_value, stats_max_value FROM parquet_metadata('${path}') WHERE path_in_schema IN ('Id', 'Name', 'Amount', 'LM', 'effective_date') ORDER BY ALL`,
        )
      ).map((row) => row.map(String).join('|'));
    const before = await chunks(await file());
    // Key 5 changes, key 7 is deleted (detect deletes), key 1000 is new.
    const keys = Array.from({ length: 300 }, (_, i) => i).filter((i) => i !== 7);
    const spliced = await mergeInto(
      lake,
      await rowsFile(`(5, 'five', 5.5, '2024-02-01'), (1000, 'new', 1, '2024-02-01')`),
      {
        bucketCount: 1,
        sourceKeys: await keysFile([...keys, 1000]),
        closeTime: '2024-03-01 00:00:00',
      },
    );
    expect(spliced.counts).toEqual({
      versionsAdded: 2,
      versionsReplaced: 0,
      versionsUnchanged: 0,
      keysDeleted: 1,
    });
    expect((await parquetLayout(await file())).rowGroupRows).toEqual([300n, 2n]);
    // The source columns and effective dates of the 300 rows: the same chunks (sizes, statistics).
    expect((await chunks(await file())).filter((line) => line.startsWith('0|'))).toEqual(before);
    expect((await history(lake)).filter((line) => /^(5|7|1000)\|/.test(line))).toEqual([
      `5|n5|2024-01-01 00:00:00|2024-02-01 00:00:00|false|false`,
      `5|five|2024-02-01 00:00:00|${END}|true|false`,
      `7|n7|2024-01-01 00:00:00|2024-03-01 00:00:00|true|true`,
      `1000|new|2024-02-01 00:00:00|${END}|true|false`,
    ]);
    expect(
      await sql(
        `SELECT COUNT(*), SUM(Amount)::VARCHAR FROM read_parquet('${lake}/*/*.parquet') WHERE IsLatest AND NOT IsDeleted`,
      ),
    ).toEqual([[300n, '44919.00']]);
    // Each later run appends one row group, until SCD_MAX_APPENDED_ROW_GROUPS: then the bucket is rewritten whole.
    for (let n = 1; n <= SCD_MAX_APPENDED_ROW_GROUPS; n++) {
      await mergeInto(
        lake,
        await rowsFile(`(${n}, 'v${n}', ${n}, '2024-04-${String(n).padStart(2, '0')}')`),
        { bucketCount: 1 },
      );
    }
    expect((await parquetLayout(await file())).rowGroupRows).toHaveLength(
      1 + 1 + SCD_MAX_APPENDED_ROW_GROUPS,
    );
    await mergeInto(lake, await rowsFile(`(299, 'last', 1, '2024-05-01')`), { bucketCount: 1 });
    expect((await parquetLayout(await file())).rowGroupRows).toEqual([319n]);
    expect(
      await sql(
        `SELECT COUNT(*), COUNT(*) FILTER (WHERE IsLatest), COUNT(DISTINCT Id) FROM read_parquet('${lake}/*/*.parquet')`,
      ),
    ).toEqual([[319n, 301n, 301n]]);
    expect((await history(lake)).filter((line) => line.startsWith('2|'))).toEqual([
      `2|n2|2024-01-01 00:00:00|2024-04-02 00:00:00|false|false`,
      `2|v2|2024-04-02 00:00:00|${END}|true|false`,
    ]);
  }, 120_000);

  it('refuses a NULL key value, two rows of one version, and a lake of another bucket count', async () => {
    const lake = join(directory, 'errors');
    await expect(mergeInto(lake, await rowsFile(`(NULL, 'a', 1, '2024-01-01')`))).rejects.toMatchObject({
      code: 'DATA_QUALITY',
      context: { table: 'dbo.T', column: 'Id' },
    });
    await expect(mergeInto(lake, await rowsFile(`(1, 'a', 1, NULL)`))).rejects.toMatchObject({
      code: 'DATA_QUALITY',
      context: { column: 'LM', configPath: 'last_modified_column' },
    });
    await expect(
      mergeInto(lake, await rowsFile(`(1, 'a', 1, '2024-01-01'), (1, 'b', 1, '2024-01-01')`)),
    ).rejects.toMatchObject({
      code: 'DATA_QUALITY',
      message: expect.stringContaining('Id = 1, LM = 2024-01-01 00:00:00'),
    });
    await mergeInto(lake, await rowsFile(`(1, 'a', 1, '2024-01-01')`), { bucketCount: 4 });
    await expect(
      mergeInto(lake, await rowsFile(`(1, 'a', 1, '2024-01-01')`), { bucketCount: 128 }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { configPath: 'bucket_count' },
    });
    expect(existsSync(join(directory, `scratch-${runs}`))).toBe(false);
  });
});
