import { createHash } from 'node:crypto';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `
      CREATE TABLE dbo.H (id int NOT NULL PRIMARY KEY, n nvarchar(20) NULL, v varchar(20) NULL, b varbinary(20) NULL)
      GO
      CREATE TABLE dbo.Rows (id int NOT NULL PRIMARY KEY, name nvarchar(20) NULL, amount decimal(9,2) NULL)
      GO
      INSERT INTO dbo.Rows VALUES (1, N'a', 1.50), (2, N'b', NULL), (3, NULL, 3.00), (4, N'é😀', -4.25)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

/**
 * HASHBYTES digests computed independently, from the documented input bytes: SQL Server hashes
 * an nvarchar's UTF-16LE bytes, a varchar's code page 1252 bytes (SQL_Latin1_General_CP1_CI_AS)
 * and a varbinary's bytes as they are.
 */
const expectedDigest = (algorithm: string, bytes: Buffer): Buffer =>
  createHash({ MD5: 'md5', SHA1: 'sha1', SHA2_256: 'sha256', SHA2_512: 'sha512' }[algorithm] ?? '')
    .update(bytes)
    .digest();

/** Code page 1252 bytes of the characters used below (é is 0xE9, € is 0x80 — not Latin-1). */
const cp1252 = (s: string): Buffer =>
  Buffer.from([...s].map((c) => (c === '€' ? 0x80 : (c.codePointAt(0) as number))));

const algorithms = ['MD5', 'SHA1', 'SHA2_256', 'SHA2_512'] as const;
const texts = ['abc', 'é', '€uro', ''] as const;
const unicodeOnly = ['😀', 'aé😀'] as const;

describe('HASHBYTES equals SQL Server for the same bytes', () => {
  let id = 0;
  it.each(algorithms)(
    '%s of nvarchar, varchar and varbinary literals, columns and parameters',
    async (algo) => {
      for (const text of [...texts, ...unicodeOnly]) {
        const utf16 = Buffer.from(text, 'utf16le');
        const n = expectedDigest(algo, utf16);
        const q = (s: string): string => s.replaceAll("'", "''");
        const r = await pool
          .request()
          .input('n', sql.NVarChar(20), text)
          .input('b', sql.VarBinary(40), utf16)
          .query(
            `SELECT HASHBYTES('${algo}', N'${q(text)}') AS lit, HASHBYTES('${algo}', @n) AS par,
                  HASHBYTES('${algo}', @b) AS bin, HASHBYTES('${algo}', 0x${utf16.toString('hex')}) AS binlit`,
          );
        expect(r.recordset[0], `${algo} nvarchar '${text}'`).toEqual({ lit: n, par: n, bin: n, binlit: n });
        id++;
        await pool
          .request()
          .input('id', sql.Int, id)
          .input('n', sql.NVarChar(20), text)
          .input('b', sql.VarBinary(40), utf16)
          .query('INSERT INTO dbo.H (id, n, b) VALUES (@id, @n, @b)');
        const c = await pool
          .request()
          .query(
            `SELECT HASHBYTES('${algo}', n) AS n, HASHBYTES('${algo}', b) AS b FROM dbo.H WHERE id = ${id}`,
          );
        expect(c.recordset[0]).toEqual({ n, b: n });
      }
      for (const text of texts) {
        const v = expectedDigest(algo, cp1252(text));
        id++;
        await pool
          .request()
          .input('id', sql.Int, id)
          .input('v', sql.VarChar(20), text)
          .query('INSERT INTO dbo.H (id, v) VALUES (@id, @v)');
        const r = await pool
          .request()
          .input('v', sql.VarChar(20), text)
          .query(
            `SELECT HASHBYTES('${algo}', '${text}') AS lit, HASHBYTES('${algo}', @v) AS par,
                  HASHBYTES('${algo}', v) AS col FROM dbo.H WHERE id = ${id}`,
          );
        expect(r.recordset[0], `${algo} varchar '${text}'`).toEqual({ lit: v, par: v, col: v });
      }
    },
  );

  it('returns NULL for NULL input', async () => {
    const r = await pool
      .request()
      .input('n', sql.NVarChar(20), null)
      .query(
        "SELECT HASHBYTES('SHA2_256', @n) AS a, HASHBYTES('MD5', CAST(NULL AS varbinary(10))) AS b, HASHBYTES('SHA1', CAST(NULL AS varchar(5))) AS c",
      );
    expect(r.recordset[0]).toEqual({ a: null, b: null, c: null });
  });

  it('hashes a CAST expression by its target type and refuses inputs whose bytes it cannot tell', async () => {
    const r = await pool
      .request()
      .query("SELECT HASHBYTES('MD5', CAST(CONCAT(N'a', N'é') AS nvarchar(10))) AS h");
    expect(r.recordset[0].h).toEqual(expectedDigest('MD5', Buffer.from('aé', 'utf16le')));
    await expect(pool.request().query("SELECT HASHBYTES('MD5', CONCAT(N'a', N'é')) AS h")).rejects.toThrow(
      /CAST it/,
    );
    await expect(pool.request().query("SELECT HASHBYTES('MD4', N'a') AS h")).rejects.toThrow(/MD4/);
  });
});

describe('scalar functions and paging', () => {
  it('CONCAT, CONCAT_WS, ISNULL, COALESCE and QUOTENAME', async () => {
    const r = await pool.request().query(`
      SELECT CONCAT(N'a', NULL, 1, N'é') AS c, CONCAT_WS(N',', N'a', NULL, N'b') AS ws,
             ISNULL(CAST(NULL AS int), 5) AS i, COALESCE(NULL, NULL, N'x') AS co,
             QUOTENAME(N'a]b') AS q1, QUOTENAME(N'x', '''') AS q2, QUOTENAME(CAST(NULL AS nvarchar(5))) AS q3`);
    expect(r.recordset[0]).toEqual({ c: 'a1é', ws: 'a,b', i: 5, co: 'x', q1: '[a]]b]', q2: "'x'", q3: null });
  });

  it('DATEADD, DATEDIFF_BIG and SYSUTCDATETIME', async () => {
    const before = Date.now();
    const r = await pool.request().query(`
      SELECT DATEADD(day, 1, CAST('2024-02-28' AS date)) AS d1,
             DATEADD(month, 1, CAST('2024-01-31' AS datetime2(0))) AS d2,
             DATEADD(minute, -90, CAST('2024-01-01T00:00:00' AS datetime2(0))) AS d3,
             DATEDIFF_BIG(second, CAST('0001-01-01' AS datetime2), CAST('9999-12-31' AS datetime2)) AS secs,
             DATEDIFF_BIG(millisecond, '2024-01-01', '2024-01-02') AS ms,
             DATEDIFF(year, '2023-12-31', '2024-01-01') AS years,
             SYSUTCDATETIME() AS now`);
    const row = r.recordset[0];
    expect((row.d1 as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((row.d2 as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((row.d3 as Date).toISOString()).toBe('2023-12-31T22:30:00.000Z');
    expect(row.secs).toBe('315537811200');
    expect(row.ms).toBe('86400000');
    expect(row.years).toBe(1);
    expect((row.now as Date).getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect((row.now as Date).getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(r.recordset.columns.now?.type).toBe(sql.DateTime2);
  });

  it('TOP and OFFSET … FETCH', async () => {
    const page = await pool.request().query(`
      SELECT value FROM GENERATE_SERIES(1, 10) ORDER BY value OFFSET 3 ROWS FETCH NEXT 2 ROWS ONLY`);
    expect(page.recordset.map((x: { value: number }) => x.value)).toEqual([4, 5]);
    const top = await pool
      .request()
      .query('SELECT TOP (3) value FROM GENERATE_SERIES(1, 10) ORDER BY value DESC');
    expect(top.recordset.map((x: { value: number }) => x.value)).toEqual([10, 9, 8]);
  });
});

describe('ORDER BY sorts NULL as SQL Server does', () => {
  it('puts NULL first in ascending order and last in descending order, for keys and expressions', async () => {
    const ids = async (order: string) =>
      (await pool.request().query(`SELECT id FROM dbo.Rows ORDER BY ${order}`)).recordset.map(
        (r: { id: number }) => r.id,
      );
    expect(await ids('amount')).toEqual([2, 4, 1, 3]);
    expect(await ids('amount DESC')).toEqual([3, 1, 4, 2]);
    expect(await ids('name ASC, id')).toEqual([3, 1, 2, 4]);
    expect(await ids('YEAR(CASE WHEN amount > 0 THEN GETDATE() END), id')).toEqual([2, 4, 1, 3]);
  });
});
