import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bucketLayoutProblems, compareScdHistory, deleteTimes } from './scd-lake-history.js';
import { type ReferenceHistoryRow, ScdReference } from './scd-reference.js';
import type { ScdSourceTable } from './scd-source-snapshot.js';

// The comparison tools the SCD2 acceptance tests rely on, checked against a lake written here by
// hand in the spec's layout: they must pass a right lake and catch a wrong one.

const table: ScdSourceTable = {
  schema: 'dbo',
  table: 'T',
  columns: ['Id', 'Amount', 'LastModified'],
  timestampColumns: ['LastModified'],
  businessKey: ['Id'],
  lastModified: 'LastModified',
};
const BUCKETS = 4;
const DELETED_AT = '2026-01-03 00:00:00.000000';

function history(): ReferenceHistoryRow[] {
  const ref = new ScdReference({ lookbackMinutes: 0, detectDeletes: true });
  const row = (id: number, lm: string, amount: string) => ({
    key: [String(id)],
    lastModified: lm,
    values: [String(id), amount, lm.slice(0, -1)],
  });
  const first = Array.from({ length: 40 }, (_, i) => row(i + 1, '2026-01-01 10:00:00.1234567', `${i}.5000`));
  ref.run(first, '2026-01-02 00:00:00.000000');
  const second = first
    .slice(1)
    .map((r, i) => (i < 5 ? row(i + 2, '2026-01-02 10:00:00.0000001', '-1.0000') : r));
  ref.run(second, DELETED_AT);
  return ref.history();
}

describe('SCD lake history checks', () => {
  let work: string;
  let tableDir: string;
  const expected = history();

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-scd-lake-history-'));
    tableDir = join(work, 'dbo', 'T');
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const values = expected
        .map(
          (r) =>
            `(${r.values[0]}, ${r.values[1]}, TIMESTAMP '${r.values[2]}', TIMESTAMP '${r.effective}', TIMESTAMP '${r.end}', ${r.isLatest}, ${r.isDeleted})`,
        )
        .join(', ');
      await connection.run(`CREATE TABLE h AS SELECT CAST(c0 AS INTEGER) AS "Id", CAST(c1 AS DECIMAL(19,4)) AS "Amount",
          c2 AS "LastModified", c3 AS effective_date, c4 AS end_date, c5 AS "IsLatest", c6 AS "IsDeleted"
        FROM (VALUES ${values}) v(c0, c1, c2, c3, c4, c5, c6)`);
      for (let b = 0; b < BUCKETS; b++) {
        const dir = join(tableDir, `bucket=0${b}`);
        await mkdir(dir, { recursive: true });
        await connection.run(`COPY (SELECT * FROM h
            WHERE md5_number(length(CAST("Id" AS VARCHAR)) || ':' || CAST("Id" AS VARCHAR) || ';') % ${BUCKETS} = ${b})
          TO '${join(dir, 'part-r1-0.parquet')}' (FORMAT parquet, KV_METADATA {
            'sqlsync.scd.bucket': '${b}', 'sqlsync.scd.bucket_count': '${BUCKETS}',
            'sqlsync.scd.bucket_hash': 'md5-length-prefixed-v1', 'sqlsync.scd.business_key': '["Id"]' })`);
      }
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  }, 60_000);

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it('a lake holding exactly the expected rows compares equal and is laid out by the spec', async () => {
    expect(expected.length).toBe(45);
    const comparison = await compareScdHistory(tableDir, table, expected);
    expect(comparison).toEqual({
      lakeRows: 45,
      expectedRows: 45,
      differingRows: 0,
      onlyInLake: [],
      onlyExpected: [],
    });
    expect(await bucketLayoutProblems(tableDir, table, BUCKETS)).toEqual([]);
    expect(await deleteTimes(tableDir)).toEqual([DELETED_AT]);
  });

  it('one wrong flag, end date or µs shows as a differing row both ways', async () => {
    const wrong = expected.map((r, i) =>
      i === 0 ? { ...r, isLatest: !r.isLatest } : i === 1 ? { ...r, end: '2026-01-05 00:00:00.000001' } : r,
    );
    const comparison = await compareScdHistory(tableDir, table, wrong);
    expect(comparison.differingRows).toBe(4);
    expect(comparison.onlyInLake).toHaveLength(2);
    expect(comparison.onlyExpected.some((l) => l.includes('2026-01-05 00:00:00.000001'))).toBe(true);
    const dropped = await compareScdHistory(tableDir, table, expected.slice(1));
    expect(dropped).toMatchObject({ lakeRows: 45, expectedRows: 44, differingRows: 1 });
  });

  it('a file in another bucket’s directory is reported by key and by metadata', async () => {
    await rename(
      join(tableDir, 'bucket=01', 'part-r1-0.parquet'),
      join(tableDir, 'bucket=02', 'part-r0-0.parquet'),
    );
    try {
      const problems = await bucketLayoutProblems(tableDir, table, BUCKETS);
      expect(problems.some((p) => /^bucket=02 holds 2 files/.test(p))).toBe(true);
      expect(problems.some((p) => /is in bucket=02, its hash says 1$/.test(p))).toBe(true);
      expect(problems.some((p) => /metadata sqlsync\.scd\.bucket = 1, expected 2/.test(p))).toBe(true);
    } finally {
      await rename(
        join(tableDir, 'bucket=02', 'part-r0-0.parquet'),
        join(tableDir, 'bucket=01', 'part-r1-0.parquet'),
      );
    }
  });
});
