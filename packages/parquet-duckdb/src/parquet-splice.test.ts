import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parquetReadObjects } from 'hyparquet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parquetLayout, spliceParquet } from './parquet-splice.js';
import { decodeThriftStruct, encodeThriftStruct } from './thrift-compact.js';

let directory: string;
let duckdb: DuckDBInstance;

async function sql(statement: string): Promise<unknown[][]> {
  const connection = await duckdb.connect();
  try {
    return (await connection.runAndReadAll(statement)).getRows();
  } finally {
    connection.closeSync();
  }
}

const rows = (from: number, to: number): string =>
  `SELECT i::INTEGER AS Id, 'name ' || i AS Name, ['x', 'y', 'z'][i % 3 + 1] AS City,
     (i * 1.25)::DECIMAL(18,2) AS Amount, TIMESTAMP '2024-01-01' + to_seconds(i) AS Since,
     TIMESTAMP '9999-12-31' AS Until, true AS Latest
   FROM range(${from}, ${to}) t(i)`;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'parquet-splice-'));
  duckdb = await DuckDBInstance.create(':memory:');
});

afterAll(async () => {
  duckdb?.closeSync();
  await rm(directory, { recursive: true, force: true });
});

describe('thrift compact codec', () => {
  it('decodes and re-encodes a DuckDB footer byte for byte', async () => {
    const file = join(directory, 'footer.parquet');
    await sql(
      `COPY (${rows(0, 5000)}) TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048, KV_METADATA {'k': 'v'})`,
    );
    const bytes = await readFile(file);
    const length = bytes.readUInt32LE(bytes.length - 8);
    const footer = bytes.subarray(bytes.length - 8 - length, bytes.length - 8);
    const { fields, end } = decodeThriftStruct(footer);
    expect(end).toBe(footer.length);
    expect(Buffer.from(encodeThriftStruct(fields)).equals(footer)).toBe(true);
    expect(fields.find((f) => f.id === 3)?.value).toBe(5000n);
  });

  it('refuses bytes that run past the end', () => {
    expect(() => decodeThriftStruct(Uint8Array.from([0x18, 0x05]))).toThrow(/runs past the end/);
  });
});

describe('spliceParquet', () => {
  it("keeps the base's chunks, takes replaced columns per row group, appends rows and the appended file's metadata", async () => {
    const base = join(directory, 'base.parquet');
    await sql(`COPY (${rows(0, 5000)} ORDER BY Id) TO '${base}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
    const { rowGroupRows } = await parquetLayout(base);
    expect(rowGroupRows.reduce((a, b) => a + b, 0n)).toBe(5000n);
    const replacements: string[] = [];
    let start = 0n;
    for (const [i, n] of rowGroupRows.entries()) {
      const file = join(directory, `replacement-${i}.parquet`);
      // Every tenth row closed.
      await sql(`COPY (SELECT CASE WHEN Id % 10 = 0 THEN TIMESTAMP '2025-01-01' ELSE Until END AS Until,
          Id % 10 <> 0 AS Latest
        FROM read_parquet('${base}', file_row_number = true)
        WHERE file_row_number >= ${start} AND file_row_number < ${start + n} ORDER BY file_row_number)
        TO '${file}' (FORMAT PARQUET, ROW_GROUP_SIZE ${n + 2048n})`);
      replacements.push(file);
      start += n;
    }
    const appended = join(directory, 'appended.parquet');
    await sql(
      `COPY (${rows(5000, 5100)}) TO '${appended}' (FORMAT PARQUET, KV_METADATA {'sqlsync.run_id': 'r2'})`,
    );
    const target = join(directory, 'spliced.parquet');
    const result = await spliceParquet({ base, replacedColumns: [5, 6], replacements, appended, target });
    expect(result).toMatchObject({ rows: 5100n, rowGroups: rowGroupRows.length + 1 });
    const expected = `SELECT Id, Name, City, Amount, Since,
        CASE WHEN Id < 5000 AND Id % 10 = 0 THEN TIMESTAMP '2025-01-01' ELSE Until END AS Until,
        NOT (Id < 5000 AND Id % 10 = 0) AS Latest FROM (${rows(0, 5100)})`;
    const differences = await sql(`SELECT COUNT(*) FROM (
        (SELECT * FROM read_parquet('${target}') EXCEPT ALL ${expected})
        UNION ALL (${expected} EXCEPT ALL SELECT * FROM read_parquet('${target}')))`);
    expect(differences).toEqual([[0n]]);
    // Filters (statistics, dictionaries, bloom filters) still find the rows.
    expect(await sql(`SELECT COUNT(*) FROM read_parquet('${target}') WHERE City = 'y'`)).toEqual([[1700n]]);
    expect(await sql(`SELECT COUNT(*) FROM read_parquet('${target}') WHERE Id = 5050`)).toEqual([[1n]]);
    expect(await sql(`SELECT key::VARCHAR, value::VARCHAR FROM parquet_kv_metadata('${target}')`)).toEqual([
      ['sqlsync.run_id', 'r2'],
    ]);
    // A reader no one here wrote (hyparquet, plain JS, its own footer and page decoding) reads
    // the spliced file as DuckDB does: lake readers other than DuckDB must accept it too.
    const bytes = await readFile(target);
    const objects = await parquetReadObjects({
      file: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
    });
    expect(objects).toHaveLength(5100);
    expect(objects.filter((o) => o.Latest === false).map((o) => o.Id)).toEqual(
      Array.from({ length: 500 }, (_, i) => i * 10),
    );
    expect(objects.reduce((sum, o) => sum + (o.Id as number), 0)).toBe((5099 * 5100) / 2);
    expect(objects[4990]).toMatchObject({ Id: 4990, Name: 'name 4990', City: 'y' });
    expect(objects[4990]?.Until).toEqual(new Date('2025-01-01T00:00:00.000Z'));
    expect(objects[5050]?.Until).toEqual(new Date('9999-12-31T00:00:00.000Z'));
  });

  it('refuses an appended file of another schema and a replacement of another row count', async () => {
    const base = join(directory, 'base-2.parquet');
    await sql(`COPY (${rows(0, 100)}) TO '${base}' (FORMAT PARQUET)`);
    const other = join(directory, 'other.parquet');
    await sql(`COPY (SELECT Id, Name FROM (${rows(0, 10)})) TO '${other}' (FORMAT PARQUET)`);
    const replacement = join(directory, 'short.parquet');
    await sql(`COPY (SELECT Until, Latest FROM (${rows(0, 99)})) TO '${replacement}' (FORMAT PARQUET)`);
    const target = join(directory, 'refused.parquet');
    await expect(
      spliceParquet({ base, replacedColumns: [5, 6], replacements: [replacement], appended: other, target }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('another schema'),
    });
    await expect(
      spliceParquet({ base, replacedColumns: [5, 6], replacements: [replacement], appended: base, target }),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('not a replacement'),
    });
  });
});
