/**
 * datetimeoffset keeps the offset it was written with: from T-SQL literals, from sp_executesql
 * parameters (DATETIMEOFFSETN carries it in minutes) and bulk load, through INSERT, UPDATE and
 * SELECT … INTO, and back on the wire (UTC time and date, then the offset). tedious hands out
 * only the UTC instant, so the offset is read through T-SQL (DATEPART(tz), CONVERT styles) and,
 * for the wire format, from the bytes the row encoder writes.
 */
import type { Socket } from 'node:net';
import { DuckDBInstance } from '@duckdb/node-api';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { TokenType } from './tds/protocol.js';
import { RowEncoder } from './tds/row-encoder.js';
import { TdsWriter } from './tds/tds-writer.js';
import { connectPool } from './test-support/connect.js';
import { sqlType } from './types/sql-type.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Dto (id int NOT NULL PRIMARY KEY, d datetimeoffset(7) NULL, d3 datetimeoffset(3) NULL)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

/** The same local time, 2024-06-01 12:00:00.1234567, at the offsets the acceptance names. */
const cases = [
  { offset: '-14:00', minutes: -840, utc: '2024-06-02T02:00:00.123Z' },
  { offset: '+14:00', minutes: 840, utc: '2024-05-31T22:00:00.123Z' },
  { offset: '+05:45', minutes: 345, utc: '2024-06-01T06:15:00.123Z' },
  { offset: '+00:00', minutes: 0, utc: '2024-06-01T12:00:00.123Z' },
] as const;

/** A Date tedious sends as a DATETIMEOFFSETN parameter with offset `minutes` (it writes `-getTimezoneOffset()`). */
function atOffset(iso: string, minutes: number, ticksBelowMs: number): Date {
  const d = new Date(iso);
  Object.defineProperty(d, 'nanosecondDelta', { value: ticksBelowMs / 1e7, enumerable: false });
  Object.defineProperty(d, 'getTimezoneOffset', { value: () => -minutes, enumerable: false });
  return d;
}

interface Shown {
  readonly tz: number;
  readonly name: string;
  readonly s121: string;
  readonly s126: string;
  readonly s127: string;
  readonly local: string;
  readonly hour: number;
  readonly d: Date;
}

async function shown(id: number): Promise<Shown> {
  const r = await pool.request().query(`
    SELECT DATEPART(tz, d) AS tz, DATENAME(tzoffset, d) AS name, CONVERT(varchar(34), d, 121) AS s121,
           CONVERT(varchar(34), d, 126) AS s126, CONVERT(varchar(34), d, 127) AS s127,
           CONVERT(varchar(23), CAST(d AS datetime2(3)), 121) AS local, DATEPART(hour, d) AS hour, d
    FROM dbo.Dto WHERE id = ${id}`);
  return r.recordset[0];
}

describe('datetimeoffset keeps its offset', () => {
  it.each(cases)('$offset from a literal and from a parameter', async ({ offset, minutes, utc }) => {
    const id = 10 + cases.findIndex((c) => c.offset === offset);
    await pool
      .request()
      .query(`INSERT INTO dbo.Dto (id, d) VALUES (${id}, '2024-06-01 12:00:00.1234567 ${offset}')`);
    await pool
      .request()
      .input('id', sql.Int, id + 100)
      .input('d', sql.DateTimeOffset(7), atOffset(utc, minutes, 4567))
      .query('INSERT INTO dbo.Dto (id, d) VALUES (@id, @d)');
    for (const row of [await shown(id), await shown(id + 100)]) {
      expect(row).toMatchObject({
        tz: minutes,
        name: offset,
        s121: `2024-06-01 12:00:00.1234567 ${offset}`,
        s126: `2024-06-01T12:00:00.1234567${offset}`,
        // Style 127 is the UTC time with Z.
        s127: `${utc.slice(0, 19)}.1234567Z`,
        // CAST to datetime2 keeps the local clock time and drops the offset.
        local: '2024-06-01 12:00:00.123',
        hour: 12,
      });
      expect(row.d.toISOString()).toBe(utc);
    }
  });

  it('compares and orders by instant, and hides the offset column from SELECT * and the catalog', async () => {
    await pool.request().query(`INSERT INTO dbo.Dto (id, d) VALUES
      (1, '2024-01-01 10:00:00 +05:00'), (2, '2024-01-01 05:00:00 +00:00'), (3, '2024-01-01 04:00:00 -02:00')`);
    const eq = await pool
      .request()
      .query(
        `SELECT id FROM dbo.Dto WHERE d = CAST('2024-01-01 05:00:00 +00:00' AS datetimeoffset) ORDER BY id`,
      );
    expect(eq.recordset.map((r: { id: number }) => r.id)).toEqual([1, 2]);
    const ordered = await pool.request().query('SELECT id FROM dbo.Dto WHERE id <= 3 ORDER BY d, id');
    expect(ordered.recordset.map((r: { id: number }) => r.id)).toEqual([1, 2, 3]);
    const star = await pool.request().query('SELECT * FROM dbo.Dto WHERE id = 1');
    expect(Object.keys(star.recordset.columns)).toEqual(['id', 'd', 'd3']);
    const columns = await pool
      .request()
      .query("SELECT name FROM sys.columns WHERE object_id = OBJECT_ID('dbo.Dto') ORDER BY column_id");
    expect(columns.recordset.map((r: { name: string }) => r.name)).toEqual(['id', 'd', 'd3']);
  });

  it('travels through UPDATE, SELECT … INTO, variables, SWITCHOFFSET and TODATETIMEOFFSET', async () => {
    await pool.request().query(`INSERT INTO dbo.Dto (id, d) VALUES (20, '2024-03-01 08:30:00 -03:30')`);
    await pool.request().query('UPDATE dbo.Dto SET d3 = d WHERE id = 20');
    await pool.request().query('SELECT id, d3 INTO dbo.DtoCopy FROM dbo.Dto WHERE id = 20');
    const r = await pool.request().query(`
      DECLARE @v datetimeoffset(0) = '1999-12-31 23:59:59 +09:30';
      SELECT (SELECT CONVERT(varchar(34), d3, 126) FROM dbo.Dto WHERE id = 20) AS updated,
             (SELECT CONVERT(varchar(34), d3, 126) FROM dbo.DtoCopy) AS copied,
             CONVERT(varchar(34), @v, 126) AS variable,
             (SELECT CONVERT(varchar(34), SWITCHOFFSET(d, '+05:45'), 121) FROM dbo.Dto WHERE id = 20) AS switched,
             DATEPART(tz, TODATETIMEOFFSET(CAST('2024-03-01 08:30:00' AS datetime2(0)), -210)) AS tz,
             CONVERT(varchar(34), TODATETIMEOFFSET(CAST('2024-03-01 08:30:00' AS datetime2(0)), '-03:30'), 127) AS utc`);
    expect(r.recordset[0]).toEqual({
      updated: '2024-03-01T08:30:00.000-03:30',
      copied: '2024-03-01T08:30:00.000-03:30',
      variable: '1999-12-31T23:59:59+09:30',
      switched: '2024-03-01 17:45:00.0000000 +05:45',
      tz: -210,
      utc: '2024-03-01T12:00:00Z',
    });
  });

  it('is kept by bulk load, and NULL has no offset', async () => {
    const table = new sql.Table('dbo.Dto');
    table.columns.add('id', sql.Int, { nullable: false });
    table.columns.add('d', sql.DateTimeOffset(7), { nullable: true });
    table.rows.add(30, atOffset('2024-06-01T06:15:00.123Z', 345, 0));
    table.rows.add(31, null);
    await pool.request().bulk(table);
    const r = await pool
      .request()
      .query(`SELECT id, CONVERT(varchar(34), d, 121) AS s, DATEPART(tz, d) AS tz, DATENAME(tzoffset, d) AS n
              FROM dbo.Dto WHERE id IN (30, 31) ORDER BY id`);
    expect(r.recordset).toEqual([
      { id: 30, s: '2024-06-01 12:00:00.1230000 +05:45', tz: 345, n: '+05:45' },
      { id: 31, s: null, tz: null, n: null },
    ]);
  });
});

describe('datetimeoffset through MAX/MIN and expressions', () => {
  it('MAX and MIN keep the offset (and 7th digit) of the greatest / least instant', async () => {
    // SQL Server compares datetimeoffset by instant and returns the value as stored.
    await emulator.exec(
      `CREATE TABLE dbo.DtoMax (id int NOT NULL PRIMARY KEY, g int NOT NULL, d datetimeoffset(7) NULL)`,
    );
    await pool.request().query(`INSERT INTO dbo.DtoMax VALUES (1, 1, '2024-01-01 10:00:00.1234567 +05:45'),
      (2, 1, '2024-01-01 01:00:00.1234568 -05:00'), (3, 2, '2024-01-01 00:00:00.0000001 +00:00')`);
    const r = await pool
      .request()
      .query(`SELECT CONVERT(varchar(40), MAX(d), 121) AS mx, CONVERT(varchar(40), MIN(d), 121) AS mn,
      DATEPART(tz, MAX(d)) AS tz FROM dbo.DtoMax WHERE g = 1`);
    expect(r.recordset[0]).toEqual({
      mx: '2024-01-01 01:00:00.1234568 -05:00',
      mn: '2024-01-01 10:00:00.1234567 +05:45',
      tz: -300,
    });
    const grouped = await pool
      .request()
      .query('SELECT g, CONVERT(varchar(40), MAX(d), 127) AS utc FROM dbo.DtoMax GROUP BY g ORDER BY g');
    expect(grouped.recordset).toEqual([
      { g: 1, utc: '2024-01-01T06:00:00.1234568Z' },
      { g: 2, utc: '2024-01-01T00:00:00.0000001Z' },
    ]);
  });

  it('SELECT @v = MAX(d) assigns the offset with the value', async () => {
    const r = await pool.request().query(`DECLARE @v datetimeoffset(7), @n int
      SELECT @n = COUNT(*), @v = MAX(d) FROM dbo.DtoMax WHERE g = 1
      SELECT CONVERT(varchar(40), @v, 121) AS s, @n AS n`);
    expect(r.recordset[0]).toEqual({ s: '2024-01-01 01:00:00.1234568 -05:00', n: 2 });
  });

  it('refuses CONVERT to text where the offset is not evident, instead of showing UTC as +00:00', async () => {
    await expect(
      pool.request().query('SELECT CONVERT(varchar(40), x.d, 121) AS s FROM (SELECT d FROM dbo.DtoMax) x'),
    ).rejects.toThrow(
      /datetimeoffset to text is not supported by the emulator where its offset is not evident/,
    );
  });
});

describe('DATETIMEOFFSETN on the wire', () => {
  it('is the UTC time and date followed by the offset in minutes', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const conn = await instance.connect();
    try {
      const values = cases.map(
        (c) =>
          `(TIMESTAMPTZ '2024-06-01 12:00:00.123456${c.offset}', CAST(7 AS UTINYINT), CAST(${c.minutes} AS SMALLINT))`,
      );
      const result = await conn.run(`SELECT * FROM (VALUES ${values.join(', ')}) AS v(d, digit, tz)`);
      const chunk = await result.fetchChunk();
      if (chunk === null) {
        throw new Error('no rows');
      }
      const writer = new TdsWriter(undefined as unknown as Socket, 4096);
      new RowEncoder([sqlType('datetimeoffset', 7)], [0], [1], [2]).encodeChunk(
        chunk,
        writer,
        0,
        chunk.rowCount,
      );
      const bytes = writer.buf.subarray(0, writer.pos);
      // Decoded independently of the encoder: ROW token, length 10, 5-byte 100 ns ticks of the
      // UTC day, 3-byte days since 0001-01-01, int16 offset (MS-TDS 2.2.5.5.1.9).
      const rows = cases.map((_, k) => bytes.subarray(k * 12, k * 12 + 12));
      rows.forEach((row, k) => {
        const c = cases[k] as (typeof cases)[number];
        const utc = new Date(c.utc);
        const midnight = Date.UTC(utc.getUTCFullYear(), utc.getUTCMonth(), utc.getUTCDate());
        expect(row[0]).toBe(TokenType.Row);
        expect(row[1]).toBe(10);
        expect(row.readUIntLE(2, 5)).toBe((utc.getTime() - midnight) * 10_000 + 4567);
        expect(row.readUIntLE(7, 3)).toBe(midnight / 86_400_000 + 719_162);
        expect(row.readInt16LE(10)).toBe(c.minutes);
      });
    } finally {
      conn.closeSync();
      instance.closeSync();
    }
  });
});
