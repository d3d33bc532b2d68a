import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ScdHistoryColumns,
  scdBucketDirName,
  scdBucketSql,
  scdDeletedAtSql,
  scdHistorySql,
} from './scd-history-sql.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;

const columns: ScdHistoryColumns = {
  keyColumns: ['A', 'B'],
  sourceColumns: ['A', 'B', 'V', 'LM'],
  effectiveColumn: 'eff',
  endColumn: 'end',
  isLatestColumn: 'latest',
  isDeletedColumn: 'deleted',
};

async function history(values: string): Promise<string[]> {
  const versions = `(SELECT A, B, V, LM::TIMESTAMP AS LM, LM::TIMESTAMP AS eff, del::TIMESTAMP AS sqlsync_deleted_at
    FROM (VALUES ${values}) t(A, B, V, LM, del))`;
  const reader = await connection.runAndReadAll(
    `SELECT A, B, V, eff::VARCHAR, "end"::VARCHAR, latest, deleted FROM (${scdHistorySql(versions, columns, 'timestamp')}) ORDER BY A, B, eff`,
  );
  return reader.getRows().map((row) => row.map(String).join('|'));
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
});

afterAll(() => {
  connection?.closeSync();
  instance?.closeSync();
});

describe('scdHistorySql', () => {
  it('chains end dates to the next version, flags one latest per key, and keeps ("ab","c") apart from ("a","bc")', async () => {
    expect(
      await history(`('ab', 'c', 1, '2024-01-01 00:00:00', NULL), ('ab', 'c', 2, '2024-02-01 00:00:00.000001', NULL),
        ('a', 'bc', 3, '2024-01-15 00:00:00', NULL)`),
    ).toEqual([
      'a|bc|3|2024-01-15 00:00:00|9999-12-31 00:00:00|true|false',
      'ab|c|1|2024-01-01 00:00:00|2024-02-01 00:00:00.000001|false|false',
      'ab|c|2|2024-02-01 00:00:00.000001|9999-12-31 00:00:00|true|false',
    ]);
  });

  it('closes a deleted version at its delete time, leaves a gap before a returning version, and never overlaps it', async () => {
    expect(
      await history(`('k', 'x', 1, '2024-01-01', '2024-03-01'), ('k', 'x', 2, '2024-04-01', NULL),
        ('d', 'x', 1, '2024-01-01', '2024-03-01'),
        ('o', 'x', 1, '2024-01-01', '2024-05-01'), ('o', 'x', 2, '2024-04-01', NULL),
        ('s', 'x', 1, '2024-06-01', '2024-05-01')`),
    ).toEqual([
      'd|x|1|2024-01-01 00:00:00|2024-03-01 00:00:00|true|true',
      'k|x|1|2024-01-01 00:00:00|2024-03-01 00:00:00|false|true',
      'k|x|2|2024-04-01 00:00:00|9999-12-31 00:00:00|true|false',
      // deleted after the next version began: closed when it began
      'o|x|1|2024-01-01 00:00:00|2024-04-01 00:00:00|false|true',
      'o|x|2|2024-04-01 00:00:00|9999-12-31 00:00:00|true|false',
      // a delete time before the version's own start (source clock behind): closed where it began
      's|x|1|2024-06-01 00:00:00|2024-06-01 00:00:00|true|true',
    ]);
  });

  it('uses DATE end dates for date columns', async () => {
    const sql = scdHistorySql(
      `(SELECT 1 AS A, 2 AS B, 0 AS V, DATE '2024-01-01' AS LM, DATE '2024-01-01' AS eff, NULL::DATE AS sqlsync_deleted_at)`,
      columns,
      'date',
    );
    const row = (
      await connection.runAndReadAll(`SELECT typeof("end"), "end"::VARCHAR FROM (${sql})`)
    ).getRows()[0];
    expect(row).toEqual(['DATE', '9999-12-31']);
  });

  it('reads the delete time back from a lake row', async () => {
    const sql = `SELECT ${scdDeletedAtSql(columns)}::VARCHAR FROM (VALUES (TIMESTAMP '2024-03-01', true), (TIMESTAMP '9999-12-31', false)) t("end", deleted)`;
    expect((await connection.runAndReadAll(sql)).getRows()).toEqual([['2024-03-01 00:00:00'], [null]]);
  });
});

describe('scdBucketSql', () => {
  it('is md5_number of the length-prefixed encoding modulo the count, so ("ab","c") and ("a","bc") differ, and stays in range', async () => {
    const sql = `SELECT ${scdBucketSql(['A', 'B'], 1024)} AS b, md5_number('2:ab;1:c;') % 1024 AS expected
      FROM (VALUES ('ab', 'c'), ('a', 'bc')) t(A, B)`;
    const rows = (await connection.runAndReadAll(sql)).getRows();
    expect(rows[0]?.[0]).toBe(Number(rows[0]?.[1]));
    expect(rows[0]?.[0]).not.toBe(rows[1]?.[0]);
    for (const n of [1, 10, 16, 1000, 1023]) {
      const same = await connection.runAndReadAll(
        `SELECT COUNT(*) FILTER (WHERE ${scdBucketSql(['i'], n)} <> (md5_number(length(i::VARCHAR)::VARCHAR || ':' || i::VARCHAR || ';') % ${n})::INTEGER) FROM range(20000) t(i)`,
      );
      expect(Number(same.getRows()[0]?.[0])).toBe(0);
    }
    const range = await connection.runAndReadAll(
      `SELECT min(${scdBucketSql(['i'], 16)}), max(${scdBucketSql(['i'], 16)}) FROM range(1000) t(i)`,
    );
    expect(range.getRows()[0]).toEqual([0, 15]);
  });
});

describe('scdBucketDirName', () => {
  it('pads to two digits, three beyond 100 buckets', () => {
    expect(scdBucketDirName(7, 16)).toBe('bucket=07');
    expect(scdBucketDirName(7, 101)).toBe('bucket=007');
    expect(() => scdBucketDirName(16, 16)).toThrow(/not in 0..15/);
  });
});
