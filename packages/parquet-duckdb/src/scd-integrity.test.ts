import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readParquetMetadata } from './parquet-metadata.js';
import { checkScdIntegrity } from './scd-integrity.js';
import { REPAIRED_BY_METADATA, repairScdHistory } from './scd-integrity-repair.js';
import type { ScdColumnNames } from './scd-integrity-report.js';

const COLUMNS: ScdColumnNames = {
  effectiveDate: 'effective_date',
  endDate: 'end_date',
  isLatest: 'IsLatest',
  isDeleted: 'IsDeleted',
};
const BUCKETS = 4;
const RUN_1 = '20240101T000000Z-aaaaaa';
const RUN_2 = '20240102T000000Z-bbbbbb';
const REPAIR = '20240103T000000Z-cccccc';
const OPEN = '9999-12-31';

let root: string;
let lake: string;
let tableDir: string;
let duckdb: DuckDBInstance;

/** One stored version: key, name, effective, end, latest, deleted; `bucket` forces a wrong one. */
interface Version {
  readonly id: number;
  readonly name: string;
  readonly effective: string;
  readonly end: string;
  readonly latest: boolean;
  readonly deleted?: boolean;
  readonly bucket?: number;
}

/** The spec's bucket of a one-column key: md5_number of the length-prefixed text, modulo the count. */
const bucketSql = (column: string): string =>
  `md5_number(length(${column}::VARCHAR) || ':' || ${column}::VARCHAR || ';') % ${BUCKETS}`;

async function query(sql: string): Promise<unknown[][]> {
  const connection = await duckdb.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRows();
  } finally {
    connection.closeSync();
  }
}

/** Writes the versions as run `runId` would: one file per bucket, with the spec's metadata. */
async function writeRun(runId: string, versions: readonly Version[]): Promise<void> {
  const values = versions
    .map(
      (v) =>
        `(${v.id}, '${v.name}', TIMESTAMP '${v.effective}', TIMESTAMP '${v.effective}', TIMESTAMP '${v.end}', ${v.latest}, ${v.deleted ?? false}, ${v.bucket ?? 'NULL'})`,
    )
    .join(', ');
  const rows = `SELECT * FROM (VALUES ${values}) t(CustomerId, Name, LastModified, effective_date, end_date, IsLatest, IsDeleted, forced)`;
  const buckets = await query(
    `SELECT DISTINCT coalesce(forced, ${bucketSql('CustomerId')})::INTEGER FROM (${rows})`,
  );
  for (const [bucket] of buckets) {
    const dir = join(tableDir, `bucket=${String(bucket).padStart(2, '0')}`);
    await mkdir(dir, { recursive: true });
    const metadata = {
      'sqlsync.run_id': runId,
      'sqlsync.table': 'crm.Customers',
      'sqlsync.unit': 'crm.Customers',
      'sqlsync.version': '0.1.0',
      'sqlsync.scd.bucket': String(bucket),
      'sqlsync.scd.bucket_count': String(BUCKETS),
      'sqlsync.scd.bucket_hash': 'md5-length-prefixed-v1',
      'sqlsync.scd.business_key': '["CustomerId"]',
      'sqlsync.scd.watermark': '2024-06-01 00:00:00.0000000',
    };
    const kv = Object.entries(metadata)
      .map(([k, v]) => `'${k}': '${v}'`)
      .join(', ');
    await query(
      `COPY (SELECT * EXCLUDE (forced) FROM (${rows}) WHERE coalesce(forced, ${bucketSql('CustomerId')}) = ${bucket})
       TO '${join(dir, `part-${runId}-0.parquet`)}' (FORMAT PARQUET, KV_METADATA {${kv}})`,
    );
  }
}

/** Every stored row, ordered, as text: [id, name, effective, end, latest, deleted, bucket dir]. */
async function storedRows(): Promise<string[][]> {
  const rows = await query(
    `SELECT CustomerId, Name, effective_date::VARCHAR, end_date::VARCHAR, IsLatest, IsDeleted, regexp_extract(filename, 'bucket=(\\d+)', 1)
     FROM read_parquet('${tableDir}/bucket=*/*.parquet', hive_partitioning = false, filename = true)
     ORDER BY CustomerId, effective_date`,
  );
  return rows.map((row) => row.map(String));
}

async function fileTimes(): Promise<Map<string, number>> {
  const times = new Map<string, number>();
  for (const bucket of await readdir(tableDir)) {
    for (const file of await readdir(join(tableDir, bucket))) {
      times.set(`${bucket}/${file}`, (await stat(join(tableDir, bucket, file))).mtimeMs);
    }
  }
  return times;
}

const d = (day: string): string => `2024-${day} 00:00:00`;

/** A history breaking each rule once (keys 2, 3, 4, 6, 8, 9, 10) beside valid keys (1, 5, 7). */
async function writeCorruptHistory(): Promise<number> {
  const hashed = await query(`SELECT ${bucketSql('9')}::INTEGER`);
  const wrongBucketOf9 = (Number(hashed[0]?.[0]) + 1) % BUCKETS;
  await writeRun(RUN_1, [
    // 1: valid.
    { id: 1, name: 'a', effective: d('01-01'), end: d('02-01'), latest: false },
    { id: 1, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    // 2: two latest versions.
    { id: 2, name: 'a', effective: d('01-01'), end: d('02-01'), latest: true },
    { id: 2, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    // 3: the first version ends after the second began.
    { id: 3, name: 'a', effective: d('01-01'), end: d('03-01'), latest: false },
    { id: 3, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    // 4: a gap between two versions, the first not deleted.
    { id: 4, name: 'a', effective: d('01-01'), end: d('01-15'), latest: false },
    { id: 4, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    // 5: a gap after a delete: valid.
    { id: 5, name: 'a', effective: d('01-01'), end: d('01-15'), latest: false, deleted: true },
    { id: 5, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    // 6: the older copy of a duplicated version (the newer is in RUN_2).
    { id: 6, name: 'old', effective: d('01-01'), end: OPEN, latest: true },
    // 7: deleted and still latest: valid.
    { id: 7, name: 'a', effective: d('01-01'), end: d('03-01'), latest: true, deleted: true },
    // 8: the last version ends though not deleted.
    { id: 8, name: 'a', effective: d('01-01'), end: d('05-01'), latest: true },
    // 9: stored in another bucket than its key hashes to.
    { id: 9, name: 'a', effective: d('01-01'), end: OPEN, latest: true, bucket: wrongBucketOf9 },
    // 10: deleted with no delete time.
    { id: 10, name: 'a', effective: d('01-01'), end: OPEN, latest: true, deleted: true },
  ]);
  await writeRun(RUN_2, [{ id: 6, name: 'new', effective: d('01-01'), end: OPEN, latest: true }]);
  return wrongBucketOf9;
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'scd-integrity-'));
  duckdb = await DuckDBInstance.create(':memory:');
});

beforeEach(async () => {
  lake = await mkdtemp(join(root, 'lake-'));
  tableDir = join(lake, 'crm', 'Customers');
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(root, { recursive: true, force: true });
});

describe('checkScdIntegrity', () => {
  it('reports each broken rule with its keys, versions and buckets, and writes nothing', async () => {
    const wrongBucketOf9 = await writeCorruptHistory();
    const before = await fileTimes();
    const report = await checkScdIntegrity({ tableDir, columns: COLUMNS, examplesPerRule: 5 });

    expect(report).toMatchObject({ files: before.size, rows: 16, keys: 10, businessKey: ['CustomerId'] });
    expect(report.bucketCount).toBe(BUCKETS);
    expect(report.valid).toBe(false);
    const counts = Object.fromEntries(
      Object.entries(report.violations).map(([rule, v]) => [
        rule,
        [v.count, v.examples.map((e) => e.key.CustomerId)],
      ]),
    );
    expect(counts).toEqual({
      latestCount: [1, ['2']],
      latestNotLast: [1, ['2']],
      duplicates: [1, ['6']],
      overlaps: [1, ['3']],
      gaps: [1, ['4']],
      lastEnd: [1, ['8']],
      deletedEnd: [1, ['10']],
      wrongBucket: [1, ['9']],
    });
    expect(report.violations.overlaps.examples[0]?.versions).toMatchObject([
      { effective: d('01-01'), end: d('03-01'), isLatest: false, isDeleted: false },
      { effective: d('02-01'), end: '9999-12-31 00:00:00', isLatest: true },
    ]);
    // The copies of a duplicate, the kept one (newest file) first.
    const copies = report.violations.duplicates.examples[0]?.versions ?? [];
    expect(copies.map((v) => v.file.split('/')[1])).toEqual([
      `part-${RUN_2}-0.parquet`,
      `part-${RUN_1}-0.parquet`,
    ]);
    expect(report.violations.wrongBucket.examples[0]).toMatchObject({
      versions: [{ bucket: wrongBucketOf9 }],
      expectedBucket: (wrongBucketOf9 + BUCKETS - 1) % BUCKETS,
    });
    expect(report.repair).toMatchObject({ rowsToRemove: 1, rowsToChange: 6 });
    expect(await fileTimes()).toEqual(before);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('bounds the examples per rule but counts every violation', async () => {
    await writeRun(
      RUN_1,
      Array.from({ length: 30 }, (_, i) => ({
        id: i,
        name: 'x',
        effective: d('01-01'),
        end: d('02-01'),
        latest: true,
      })),
    );
    const report = await checkScdIntegrity({ tableDir, columns: COLUMNS, examplesPerRule: 3 });
    expect(report.violations.lastEnd).toMatchObject({ count: 30, keys: 30 });
    expect(report.violations.lastEnd.examples.map((e) => e.key.CustomerId)).toEqual(['0', '1', '2']);
  });

  it('finds a table without bucket files valid and empty', async () => {
    const report = await checkScdIntegrity({ tableDir, columns: COLUMNS, businessKey: ['CustomerId'] });
    expect(report).toMatchObject({ files: 0, rows: 0, valid: true, repair: { bucketsToRewrite: [] } });
  });

  it('refuses a business key other than the one the files carry, naming business_key_columns', async () => {
    await writeRun(RUN_1, [{ id: 1, name: 'a', effective: d('01-01'), end: OPEN, latest: true }]);
    await expect(
      checkScdIntegrity({ tableDir, columns: COLUMNS, businessKey: ['Name'], table: 'crm.Customers' }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      context: { table: 'crm.Customers', configPath: 'business_key_columns' },
    });
  });

  it('names a missing SCD column', async () => {
    await writeRun(RUN_1, [{ id: 1, name: 'a', effective: d('01-01'), end: OPEN, latest: true }]);
    await expect(
      checkScdIntegrity({ tableDir, columns: { ...COLUMNS, isDeleted: 'Gone' } }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED', context: { column: 'Gone' } });
  });
});

describe('repairScdHistory', () => {
  it('rewrites the affected buckets into a valid history and leaves the others alone', async () => {
    const wrongBucketOf9 = await writeCorruptHistory();
    const before = await fileTimes();
    const result = await repairScdHistory({
      lakeRoot: lake,
      tableDir,
      runId: REPAIR,
      columns: COLUMNS,
      metadata: { 'sqlsync.run_id': REPAIR },
    });
    expect(result).toMatchObject({ rowsRemoved: 1, rowsChanged: 6 });
    expect(result.bucketsRewritten).toEqual(result.before.repair.bucketsToRewrite);
    expect(result.bucketsRewritten).toContain(wrongBucketOf9);

    const after = await checkScdIntegrity({ tableDir, columns: COLUMNS });
    expect(after.valid).toBe(true);
    expect(after.rows).toBe(15);

    const rows = await storedRows();
    const of = (id: number): string[][] => rows.filter((r) => r[0] === String(id)).map((r) => r.slice(1, 6));
    const open = '9999-12-31 00:00:00';
    expect(of(1)).toEqual([
      ['a', d('01-01'), d('02-01'), 'false', 'false'],
      ['b', d('02-01'), open, 'true', 'false'],
    ]);
    expect(of(2)[0]).toEqual(['a', d('01-01'), d('02-01'), 'false', 'false']);
    expect(of(3)[0]).toEqual(['a', d('01-01'), d('02-01'), 'false', 'false']);
    expect(of(4)[0]).toEqual(['a', d('01-01'), d('02-01'), 'false', 'false']);
    expect(of(5)[0]).toEqual(['a', d('01-01'), d('01-15'), 'false', 'true']);
    expect(of(6)).toEqual([['new', d('01-01'), open, 'true', 'false']]);
    expect(of(7)).toEqual([['a', d('01-01'), d('03-01'), 'true', 'true']]);
    expect(of(8)).toEqual([['a', d('01-01'), open, 'true', 'false']]);
    // No delete time: re-opened, for the next run with detect_deletes to close again.
    expect(of(10)).toEqual([['a', d('01-01'), open, 'true', 'false']]);
    expect(rows.find((r) => r[0] === '9')?.[6]).toBe(
      String((wrongBucketOf9 + BUCKETS - 1) % BUCKETS).padStart(2, '0'),
    );

    const times = await fileTimes();
    for (const [file, mtime] of before) {
      const bucket = Number(file.slice('bucket='.length, file.indexOf('/')));
      if (!result.bucketsRewritten.includes(bucket)) {
        expect(times.get(file)).toBe(mtime);
      }
    }
    for (const bucket of result.bucketsRewritten) {
      const dir = join(tableDir, `bucket=${String(bucket).padStart(2, '0')}`);
      const files = await readdir(dir);
      expect(files.length).toBeLessThanOrEqual(1);
      for (const file of files) {
        expect(file).toBe(`part-${REPAIR}-0.parquet`);
        const metadata = await readParquetMetadata(join(dir, file));
        expect(metadata).toMatchObject({
          'sqlsync.run_id': REPAIR,
          [REPAIRED_BY_METADATA]: REPAIR,
          'sqlsync.scd.bucket': String(bucket),
          'sqlsync.scd.bucket_count': String(BUCKETS),
          'sqlsync.scd.business_key': '["CustomerId"]',
          'sqlsync.scd.watermark': '2024-06-01 00:00:00.0000000',
        });
      }
    }
    // Staging and journals are gone.
    expect(await readdir(join(lake, '_sqlsync', 'staging'))).toEqual([]);
    expect(await readdir(join(lake, '_sqlsync', 'journal'))).toEqual([]);
  });

  it('leaves a valid history untouched', async () => {
    await writeRun(RUN_1, [
      { id: 1, name: 'a', effective: d('01-01'), end: d('02-01'), latest: false },
      { id: 1, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
      { id: 7, name: 'a', effective: d('01-01'), end: d('03-01'), latest: true, deleted: true },
    ]);
    const before = await fileTimes();
    const result = await repairScdHistory({ lakeRoot: lake, tableDir, runId: REPAIR, columns: COLUMNS });
    expect(result).toMatchObject({
      bucketsRewritten: [],
      rowsRemoved: 0,
      rowsChanged: 0,
      before: { valid: true },
    });
    expect(await fileTimes()).toEqual(before);
  });

  it('keeps a delete time that fits and cuts one that overlaps the next version', async () => {
    await writeRun(RUN_1, [
      // Deleted, then back before its recorded end: the end becomes the return.
      { id: 1, name: 'a', effective: d('01-01'), end: d('03-01'), latest: false, deleted: true },
      { id: 1, name: 'b', effective: d('02-01'), end: OPEN, latest: true },
    ]);
    const report = await checkScdIntegrity({ tableDir, columns: COLUMNS });
    expect(report.violations.overlaps.count).toBe(1);
    await repairScdHistory({ lakeRoot: lake, tableDir, runId: REPAIR, columns: COLUMNS });
    expect((await storedRows()).map((r) => r.slice(1, 6))).toEqual([
      ['a', d('01-01'), d('02-01'), 'false', 'true'],
      ['b', d('02-01'), '9999-12-31 00:00:00', 'true', 'false'],
    ]);
  });

  it('repairs a DATE history keyed by two text columns, in the buckets of the length-prefixed hash', async () => {
    const hash = `md5_number(length(A::VARCHAR) || ':' || A::VARCHAR || ';' || length(B::VARCHAR) || ':' || B::VARCHAR || ';') % 2`;
    // ('ab','c') and ('a','bc') are two keys; the second has a gap.
    const rows = `SELECT * FROM (VALUES
        ('ab', 'c', DATE '2024-01-01', DATE '9999-12-31', true, false),
        ('a', 'bc', DATE '2024-01-01', DATE '2024-01-10', false, false),
        ('a', 'bc', DATE '2024-02-01', DATE '9999-12-31', true, false)
      ) t(A, B, effective_date, end_date, IsLatest, IsDeleted)`;
    for (const bucket of [0, 1]) {
      const dir = join(tableDir, `bucket=0${bucket}`);
      await mkdir(dir, { recursive: true });
      await query(
        `COPY (SELECT * FROM (${rows}) WHERE ${hash} = ${bucket}) TO '${join(dir, `part-${RUN_1}-0.parquet`)}'
         (FORMAT PARQUET, KV_METADATA {'sqlsync.scd.business_key': '["A","B"]', 'sqlsync.scd.bucket_count': '2'})`,
      );
    }
    const report = await checkScdIntegrity({ tableDir, columns: COLUMNS });
    expect(report.violations.wrongBucket.count).toBe(0);
    expect(report.violations.gaps.examples).toMatchObject([
      { key: { A: 'a', B: 'bc' }, versions: [{ end: '2024-01-10' }, { effective: '2024-02-01' }] },
    ]);
    await repairScdHistory({ lakeRoot: lake, tableDir, runId: REPAIR, columns: COLUMNS });
    expect((await checkScdIntegrity({ tableDir, columns: COLUMNS })).valid).toBe(true);
    const stored = await query(
      `SELECT A, B, typeof(end_date), end_date::VARCHAR FROM read_parquet('${tableDir}/bucket=*/*.parquet') ORDER BY A, B, effective_date`,
    );
    expect(stored).toEqual([
      ['a', 'bc', 'DATE', '2024-02-01'],
      ['a', 'bc', 'DATE', '9999-12-31'],
      ['ab', 'c', 'DATE', '9999-12-31'],
    ]);
  });

  it('moves a key into its bucket directory, creating it, and leaves the wrong one empty', async () => {
    const [[hashed]] = (await query(`SELECT ${bucketSql('1')}::INTEGER`)) as [[number]];
    const wrong = (hashed + 1) % BUCKETS;
    await writeRun(RUN_1, [
      { id: 1, name: 'a', effective: d('01-01'), end: OPEN, latest: true, bucket: wrong },
    ]);
    const result = await repairScdHistory({ lakeRoot: lake, tableDir, runId: REPAIR, columns: COLUMNS });
    expect(result.bucketsRewritten).toEqual([hashed, wrong].sort((a, b) => a - b));
    expect(await readdir(join(tableDir, `bucket=0${wrong}`))).toEqual([]);
    expect(await readdir(join(tableDir, `bucket=0${hashed}`))).toEqual([`part-${REPAIR}-0.parquet`]);
    expect((await checkScdIntegrity({ tableDir, columns: COLUMNS })).valid).toBe(true);
  });
});
