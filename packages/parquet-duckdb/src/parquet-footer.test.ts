import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readParquetFooter } from './parquet-footer.js';
import { readParquetMetadata } from './parquet-metadata.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sqlsync-footer-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readParquetFooter', () => {
  it('reads what DuckDB reads: the row count and every key-value pair, over many row groups and types', async () => {
    const file = join(dir, 'many.parquet');
    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      await connection.run(`COPY (SELECT i, 'text ' || i AS s, CAST(i AS DECIMAL(18,3)) / 7 AS d, i % 2 = 0 AS b,
          TIMESTAMP '2024-01-01' + to_seconds(i) AS t, CASE WHEN i % 3 = 0 THEN NULL ELSE [i, i + 1] END AS l
        FROM range(0, 250000) t(i))
        TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 10000,
          KV_METADATA {'sqlsync.run_id': 'r1', 'sqlsync.source_fingerprint': '{"rowCount":"250000","note":"é ✓"}', 'empty': ''})`);
      const rows = Number(
        (await connection.runAndReadAll(`SELECT count(*) FROM '${file}'`)).getRows()[0]?.[0],
      );
      const facts = await readParquetFooter(file);
      expect(facts.rows).toBe(rows);
      expect(facts.metadata).toEqual(await readParquetMetadata(file));
      expect(facts.metadata['sqlsync.source_fingerprint']).toBe('{"rowCount":"250000","note":"é ✓"}');
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  });

  it('refuses a file that is not Parquet, naming it', async () => {
    const file = join(dir, 'not.parquet');
    await writeFile(file, 'hello, this is not parquet at all');
    await expect(readParquetFooter(file)).rejects.toThrow(/not\.parquet: no PAR1 magic/);
  });
});
