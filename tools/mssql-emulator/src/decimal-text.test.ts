import fc from 'fast-check';
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { magnitudeDigits } from './tds/decimal-text.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `
      CREATE TABLE dbo.D (id int NOT NULL PRIMARY KEY, p2 decimal(4,2) NULL, p9 decimal(9,0) NULL,
        p18 decimal(18,6) NULL, p19 decimal(19,4) NULL, p38 decimal(38,10) NULL, p38s0 decimal(38,0) NULL)
      GO
      CREATE TABLE dbo.W (id int NOT NULL PRIMARY KEY, t datetime2(7) NULL, t3 datetime2(3) NULL, tm time(7) NULL)
      GO
      INSERT INTO dbo.W VALUES (1, '2024-03-05 13:14:15.1234567', '2024-03-05 13:14:15.123', '23:59:59.9999999'),
        (2, '0001-01-01 00:00:00', '9999-12-31 23:59:59.999', '00:00:00.0000001'), (3, NULL, NULL, NULL)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

/** SQL Server's CONVERT text of an unscaled value, computed with bigint arithmetic. */
function expectedText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

const columns = [
  { name: 'p2', precision: 4, scale: 2 },
  { name: 'p9', precision: 9, scale: 0 },
  { name: 'p18', precision: 18, scale: 6 },
  { name: 'p19', precision: 19, scale: 4 },
  { name: 'p38', precision: 38, scale: 10 },
  { name: 'p38s0', precision: 38, scale: 0 },
] as const;

const unscaledOf = (precision: number): fc.Arbitrary<bigint> => {
  const limit = 10n ** BigInt(precision) - 1n;
  return fc.oneof(
    fc.bigInt({ min: -limit, max: limit }),
    fc
      .constantFrom(0n, 1n, -1n, limit, -limit, 2n ** 53n, -(2n ** 53n), 2n ** 64n, 2n ** 96n - 1n)
      .filter((v) => v <= limit && v >= -limit),
  );
};

describe('CONVERT(nvarchar(n), decimal) as a top-level select item (written by the row encoder)', () => {
  it('equals the bigint-computed text and DuckDB’s own cast, for every storage width', async () => {
    const rows = fc.sample(fc.tuple(...columns.map((c) => unscaledOf(c.precision))), 150);
    const values = rows.map(
      (row, i) =>
        `(${i + 1}, ${row.map((v, k) => expectedText(v, (columns[k] as { scale: number }).scale)).join(', ')})`,
    );
    await pool
      .request()
      .batch(
        `DELETE FROM dbo.D; INSERT INTO dbo.D VALUES ${values.join(', ')}, (0, NULL, NULL, NULL, NULL, NULL, NULL)`,
      );
    const list = columns.map((c) => `CONVERT(nvarchar(41), ${c.name}) AS ${c.name}`).join(', ');
    // Inside CONCAT the conversion is DuckDB's cast: an independent path to compare with.
    const viaCast = columns
      .map((c) => `CONCAT(N'', CONVERT(nvarchar(41), ${c.name})) AS ${c.name}_cast`)
      .join(', ');
    const result = await pool.request().query(`SELECT id, ${list}, ${viaCast} FROM dbo.D ORDER BY id`);
    const recordset = result.recordset as Record<string, string | number | null>[];
    expect(recordset[0]).toMatchObject(Object.fromEntries(columns.map((c) => [c.name, null])));
    rows.forEach((row, i) => {
      const got = recordset[i + 1] as Record<string, string | null>;
      columns.forEach((c, k) => {
        const expected = expectedText(row[k] as bigint, c.scale);
        expect(got[c.name], `${c.name} row ${i + 1}`).toBe(expected);
        expect(got[`${c.name}_cast`], `${c.name}_cast row ${i + 1}`).toBe(expected);
      });
    });
  });

  it('fails with error 8115 when the text does not fit, as SQL Server does', async () => {
    await pool.request().batch('DELETE FROM dbo.D; INSERT INTO dbo.D (id, p19) VALUES (1, 123456.7891)');
    await expect(
      pool.request().query('SELECT CONVERT(varchar(6), p19) AS t FROM dbo.D'),
    ).rejects.toMatchObject({
      number: 8115,
    });
    const fits = await pool
      .request()
      .query('SELECT CONVERT(varchar(11), p19) AS t, CAST(p19 AS nchar(13)) AS c FROM dbo.D');
    expect(fits.recordset).toEqual([{ t: '123456.7891', c: '123456.7891  ' }]);
  });

  it('types SUM as SQL Server does: money stays money (two decimals as text), decimal(p,s) becomes decimal(38,s)', async () => {
    await pool
      .request()
      .batch(
        'CREATE TABLE dbo.Sums (m money, d decimal(9,3)); INSERT INTO dbo.Sums VALUES (1.0001, 1.125), (2.0002, 2.5)',
      );
    const result = await pool.request().query(`SELECT CONVERT(varchar(41), SUM(m)) AS m2,
      CONVERT(varchar(41), SUM(CAST(m AS decimal(19,4)))) AS m4, CONVERT(varchar(41), SUM(d)) AS d FROM dbo.Sums`);
    expect(result.recordset).toEqual([{ m2: '3.00', m4: '3.0003', d: '3.625' }]);
  });

  it('formats 128-bit magnitudes like bigint does', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), (v) => {
        const word = (k: bigint): number => Number((v >> (32n * k)) & 0xffffffffn);
        expect(magnitudeDigits(word(0n), word(1n), word(2n), word(3n))).toBe(v.toString());
      }),
    );
  });
});

describe('DATEPART of the fraction of a second', () => {
  it('counts nanoseconds, microseconds and milliseconds within the second, the 100 ns digit included', async () => {
    const result = await pool.request().query(`
      SELECT id, DATEPART(nanosecond, t) AS ns, DATEPART(microsecond, t) AS us, DATEPART(millisecond, t) AS ms,
        DATEPART(nanosecond, t3) AS ns3, DATEPART(nanosecond, tm) AS nst,
        DATEDIFF(day, CAST('0001-01-01' AS date), t) AS days, DATEDIFF(second, CAST(t AS date), t) AS secs
      FROM dbo.W ORDER BY id`);
    expect(result.recordset).toEqual([
      {
        id: 1,
        ns: 123456700,
        us: 123456,
        ms: 123,
        ns3: 123000000,
        nst: 999999900,
        days: 738949,
        secs: 47655,
      },
      { id: 2, ns: 0, us: 0, ms: 0, ns3: 999000000, nst: 100, days: 0, secs: 0 },
      { id: 3, ns: null, us: null, ms: null, ns3: null, nst: null, days: null, secs: null },
    ]);
  });
});
