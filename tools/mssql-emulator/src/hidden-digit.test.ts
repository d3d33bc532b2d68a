/**
 * datetime2(7), time(7) and datetimeoffset(7) keep their seventh fractional digit (100 ns) in a
 * hidden column; comparisons, MAX/MIN and CONVERT must still answer as SQL Server does, to the
 * 100 ns. Each expectation is SQL Server's documented behaviour: datetime2(7) is exact to 100 ns
 * and comparisons, MAX and MIN are by value ("datetime2 (Transact-SQL)": accuracy 100 ns); a
 * string compared with a datetime2 column is converted to datetime2 (data type precedence); a
 * conversion to datetime2(n) rounds to n digits; datetime converts to datetime2 as its exact
 * 1/300 s value (.123 is .1233333, SQL Server 2016+ / compatibility level 130); CONVERT style 121
 * is `yyyy-mm-dd hh:mi:ss.fffffff` for datetime2(7) and `yyyy-mm-dd hh:mi:ss.mmm` for datetime and
 * smalldatetime ("CAST and CONVERT (Transact-SQL)", date and time styles). Read through tedious.
 */
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

const day = '2024-01-01 10:00:00';

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.Ns (id int NOT NULL PRIMARY KEY, LM datetime2(7) NULL, T7 time(7) NULL,
                O7 datetimeoffset(7) NULL, D datetime NULL, L3 datetime2(3) NULL)
              GO
              INSERT INTO dbo.Ns (id, LM, T7, O7, D, L3) VALUES
                (1, '${day}.1234567', '10:00:00.1234567', '${day}.1234567 +05:45', '${day}.123', '${day}.123'),
                (2, '${day}.1234560', '10:00:00.1234560', '${day}.1234560 +05:45', '${day}.127', '${day}.124'),
                (3, '${day}.1234569', '10:00:00.1234569', '${day}.1234569 +05:45', NULL, NULL),
                (4, NULL, NULL, NULL, NULL, NULL)
              GO
              CREATE TABLE dbo.Other (id int NOT NULL PRIMARY KEY, LM datetime2(7) NULL)
              GO
              INSERT INTO dbo.Other (id, LM) VALUES (11, '${day}.1234567'), (12, '${day}.1234568')`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

/** The ids of dbo.Ns rows matching `where`, in order. */
async function ids(where: string, request = pool.request()): Promise<number[]> {
  const r = await request.query(`SELECT id FROM dbo.Ns WHERE ${where} ORDER BY id`);
  return r.recordset.map((row: { id: number }) => row.id);
}

/** A Date tedious sends as datetime2(7) with 100 ns ticks below the millisecond. */
function withTicks(iso: string, ticksBelowMs: number): Date {
  const d = new Date(iso);
  Object.defineProperty(d, 'nanosecondDelta', { value: ticksBelowMs / 1e7, enumerable: false });
  return d;
}

describe('comparisons with a hidden-digit column are exact to 100 ns', () => {
  it.each([
    [`LM > CAST('${day}.1234566' AS datetime2(7))`, [1, 3]],
    [`LM > '${day}.1234567'`, [3]],
    [`LM >= '${day}.1234567'`, [1, 3]],
    [`LM < '${day}.1234567'`, [2]],
    [`LM <= '${day}.1234567'`, [1, 2]],
    [`LM = '${day}.1234567'`, [1]],
    [`LM <> '${day}.1234567'`, [2, 3]],
    [`LM != '${day}.1234567'`, [2, 3]],
    [`LM !< '${day}.1234567'`, [1, 3]],
    [`'${day}.1234567' < LM`, [3]],
    [`LM BETWEEN '${day}.1234561' AND '${day}.1234567'`, [1]],
    [`LM NOT BETWEEN '${day}.1234561' AND '${day}.1234567'`, [2, 3]],
    [`LM IN ('${day}.1234567', '${day}.1234569')`, [1, 3]],
    [`LM NOT IN ('${day}.1234567')`, [2, 3]],
    [`NOT LM > '${day}.1234567'`, [1, 2]],
    [`LM = CONVERT(datetime2(7), '${day}.1234567', 121)`, [1]],
    [`LM > CONVERT(datetime2, N'2024-01-01T10:00:00.1234566', 126)`, [1, 3]],
    // Rounded to 6 digits: .1234565 is .1234570 (truncated it would be .1234560).
    [`LM < CAST('${day}.1234565' AS datetime2(6))`, [1, 2, 3]],
    [`LM > DATEADD(day, -1, CAST('2024-01-02 10:00:00.1234566' AS datetime2(7)))`, [1, 3]],
    [`(LM > '${day}.1234567' OR LM < '${day}.1234561') AND id > 0`, [2, 3]],
    [`IIF(LM > '${day}.1234566', 1, 0) = 1`, [1, 3]],
    [`CASE WHEN LM > '${day}.1234566' THEN 1 ELSE 0 END = 1`, [1, 3]],
    [`LM = NULL`, []],
    [`ISNULL(LM, '${day}.1234568') > '${day}.1234567'`, [3, 4]],
    [`COALESCE(LM, CAST(NULL AS datetime2(7))) = '${day}.1234569'`, [3]],
    [`DATEADD(day, 1, LM) > '2024-01-02 10:00:00.1234567'`, [3]],
    [`CAST(LM AS datetime2(7)) < '${day}.1234567'`, [2]],
    // SQL Server compares the dates: the digit plays no part.
    [`CAST(LM AS date) = '2024-01-01'`, [1, 2, 3]],
    [`L3 < LM`, [1]],
    [`T7 > CAST('10:00:00.1234566' AS time(7))`, [1, 3]],
    [`T7 = '10:00:00.1234567'`, [1]],
    [`O7 = CAST('2024-01-01 04:15:00.1234567 +00:00' AS datetimeoffset(7))`, [1]],
    [`O7 > CAST('${day}.1234567 +05:45' AS datetimeoffset(7))`, [3]],
  ])('%s', async (where, expected) => {
    expect(await ids(where)).toEqual(expected);
  });

  it('compares with datetime as SQL Server converts it: 1/300 s, .123 is .1233333', async () => {
    await emulator.exec(
      `CREATE TABLE dbo.Dt (id int NOT NULL PRIMARY KEY, LM datetime2(7) NOT NULL, D datetime NOT NULL)`,
    );
    await emulator.exec(`INSERT INTO dbo.Dt VALUES (1, '${day}.1233330', '${day}.123'), (2, '${day}.1233333', '${day}.123'),
      (3, '${day}.1233334', '${day}.123'), (4, '${day}.0066667', '${day}.007')`);
    const dt = async (where: string): Promise<number[]> =>
      (await pool.request().query(`SELECT id FROM dbo.Dt WHERE ${where} ORDER BY id`)).recordset.map(
        (row: { id: number }) => row.id,
      );
    expect(await dt('LM > D')).toEqual([3]);
    expect(await dt('LM = D')).toEqual([2, 4]);
    expect(await dt('D > LM')).toEqual([1]);
    expect(await dt(`LM = CAST('${day}.007' AS datetime)`)).toEqual([4]);
  });

  it('compares with an nvarchar parameter, bare and through CAST(@p AS datetime2(7))', async () => {
    const p = `${day}.1234566`;
    expect(await ids('LM > @p', pool.request().input('p', sql.NVarChar(40), p))).toEqual([1, 3]);
    expect(
      await ids('LM > CAST(@p AS datetime2(7))', pool.request().input('p', sql.NVarChar(40), p)),
    ).toEqual([1, 3]);
    expect(
      await ids(
        'LM = CAST(@p AS datetime2(7))',
        pool.request().input('p', sql.NVarChar(40), `${day}.1234569`),
      ),
    ).toEqual([3]);
  });

  it('compares with a datetime2(7) parameter carrying 100 ns ticks', async () => {
    // 10:00:00.1234567 = .123 ms + 4567 ticks.
    const p = withTicks('2024-01-01T10:00:00.123Z', 4567);
    expect(await ids('LM = @p', pool.request().input('p', sql.DateTime2(7), p))).toEqual([1]);
    expect(await ids('LM > @p', pool.request().input('p', sql.DateTime2(7), p))).toEqual([3]);
  });

  it('joins two hidden-digit columns exactly', async () => {
    const r = await pool
      .request()
      .query('SELECT n.id, o.id AS other FROM dbo.Ns n JOIN dbo.Other o ON o.LM = n.LM ORDER BY n.id');
    expect(r.recordset).toEqual([{ id: 1, other: 11 }]);
  });

  it('compares with scalar and IN subqueries of such a column', async () => {
    expect(await ids('LM < (SELECT MIN(LM) FROM dbo.Other WHERE id > 0)')).toEqual([2]);
    expect(await ids('LM = (SELECT LM FROM dbo.Other WHERE id = 11)')).toEqual([1]);
    expect(await ids('(SELECT MAX(o.LM) FROM dbo.Other o) > LM')).toEqual([1, 2]);
    expect(await ids('LM IN (SELECT LM FROM dbo.Other)')).toEqual([1]);
    expect(await ids('LM NOT IN (SELECT o.LM FROM dbo.Other o WHERE o.id = 11)')).toEqual([2, 3]);
  });

  it('refuses what it cannot make exact instead of answering at microseconds', async () => {
    for (const where of [
      'LM > (SELECT TOP 1 LM FROM dbo.Other ORDER BY LM)',
      `CASE LM WHEN '${day}.1234567' THEN 1 END = 1`,
      `LM IN (SELECT LM FROM dbo.Other UNION SELECT LM FROM dbo.Other)`,
    ]) {
      await expect(ids(where), where).rejects.toThrow(/not supported by the emulator/);
    }
  });

  it('keeps UPDATE … SET and SELECT @v = assignments working', async () => {
    await pool.request().query(`UPDATE dbo.Other SET LM = '${day}.1234569' WHERE LM = '${day}.1234568'`);
    const r = await pool.request().query(`DECLARE @v datetime2(7)
      SELECT @v = LM FROM dbo.Other WHERE id = 12
      SELECT CONVERT(varchar(40), LM, 121) AS s FROM dbo.Other WHERE id = 12`);
    expect(r.recordset[0].s).toBe(`${day}.1234569`);
  });
});

describe('MAX and MIN of a hidden-digit column keep the digit', () => {
  it('CONVERT styles 121 and 126 show seven digits', async () => {
    const r = await pool
      .request()
      .query(`SELECT CONVERT(varchar(40), MAX(LM), 121) AS mx, CONVERT(varchar(40), MIN(LM), 121) AS mn,
      CONVERT(varchar(40), MAX(LM), 126) AS iso, CONVERT(varchar(40), MAX(T7), 121) AS t FROM dbo.Ns`);
    expect(r.recordset[0]).toEqual({
      mx: `${day}.1234569`,
      mn: `${day}.1234560`,
      iso: '2024-01-01T10:00:00.1234569',
      t: '10:00:00.1234569',
    });
  });

  it('goes out as 7-digit TDS ticks', async () => {
    const r = await pool.request().query('SELECT MAX(LM) AS mx, MIN(LM) FROM dbo.Ns WHERE id IN (1, 2)');
    const mx = r.recordset[0].mx as Date & { nanosecondsDelta: number };
    expect(mx.toISOString()).toBe('2024-01-01T10:00:00.123Z');
    expect(Math.round(mx.nanosecondsDelta * 1e7)).toBe(4567);
    expect(r.recordset.columns.mx?.type).toBe(sql.DateTime2);
  });

  it('works per group and in HAVING', async () => {
    const r = await pool
      .request()
      .query(`SELECT id % 2 AS g, CONVERT(varchar(40), MAX(LM), 121) AS mx FROM dbo.Ns
      WHERE LM IS NOT NULL GROUP BY id % 2 HAVING MAX(LM) > '${day}.1234560' ORDER BY g`);
    expect(r.recordset).toEqual([{ g: 1, mx: `${day}.1234569` }]);
  });

  it('answers the SCD2 watermark query', async () => {
    const r = await pool
      .request()
      .input('sqlsync_watermark', sql.NVarChar(40), `${day}.1234566`)
      .query(`SELECT CONVERT(varchar(40), MAX([LM]), 121) AS wm, COUNT_BIG(*) AS n FROM [dbo].[Ns]
        WHERE [LM] > CAST(@sqlsync_watermark AS datetime2(7))`);
    expect(r.recordset[0]).toEqual({ wm: `${day}.1234569`, n: '2' });
  });
});

describe('CAST/CONVERT of a string to datetime2(7) keeps the digit', () => {
  it('from a literal and from an nvarchar parameter', async () => {
    const r = await pool
      .request()
      .input('p', sql.NVarChar(40), `${day}.7654321`)
      .query(`SELECT CONVERT(varchar(40), CAST('${day}.1234567' AS datetime2(7)), 121) AS lit,
        CONVERT(varchar(40), CAST(@p AS datetime2(7)), 121) AS par,
        CAST(CAST(@p AS datetime2(7)) AS varchar(40)) AS plain,
        CAST(@p AS datetime2(7)) AS value`);
    const row = r.recordset[0];
    expect([row.lit, row.par, row.plain]).toEqual([`${day}.1234567`, `${day}.7654321`, `${day}.7654321`]);
    expect(Math.round((row.value as { nanosecondsDelta: number }).nanosecondsDelta * 1e7)).toBe(4321);
  });
});

describe('GROUP BY, ORDER BY, PARTITION BY and DISTINCT at 100 ns', () => {
  beforeAll(async () => {
    await emulator.exec(`CREATE TABLE dbo.G (id int NOT NULL PRIMARY KEY, LM datetime2(7) NOT NULL)
      GO
      INSERT INTO dbo.G VALUES (1, '${day}.1234567'), (2, '${day}.1234561'), (3, '${day}.1234567'), (4, '${day}.1234569')`);
  });

  it('groups values that differ only in the 7th digit apart, and shows each group with its digit', async () => {
    const r = await pool
      .request()
      .query(`SELECT LM, COUNT(*) AS n, CONVERT(varchar(40), LM, 121) AS s FROM dbo.G
      GROUP BY LM ORDER BY LM`);
    expect(r.recordset.map((x: { n: number; s: string }) => [x.s, x.n])).toEqual([
      [`${day}.1234561`, 1],
      [`${day}.1234567`, 2],
      [`${day}.1234569`, 1],
    ]);
    const lm = r.recordset[1].LM as { nanosecondsDelta: number };
    expect(Math.round(lm.nanosecondsDelta * 1e7)).toBe(4567);
  });

  it('orders by the 7th digit, ascending and descending, and in OVER (PARTITION BY … ORDER BY …)', async () => {
    const asc = await pool.request().query('SELECT id FROM dbo.G ORDER BY LM, id');
    expect(asc.recordset.map((x: { id: number }) => x.id)).toEqual([2, 1, 3, 4]);
    const desc = await pool.request().query('SELECT id FROM dbo.G ORDER BY LM DESC, id');
    expect(desc.recordset.map((x: { id: number }) => x.id)).toEqual([4, 1, 3, 2]);
    const win = await pool.request().query(`SELECT id, ROW_NUMBER() OVER (ORDER BY LM DESC, id) AS rn,
      COUNT(*) OVER (PARTITION BY LM) AS same FROM dbo.G ORDER BY id`);
    expect(win.recordset).toEqual([
      { id: 1, rn: '2', same: 2 },
      { id: 2, rn: '4', same: 1 },
      { id: 3, rn: '3', same: 2 },
      { id: 4, rn: '1', same: 1 },
    ]);
  });

  it('DISTINCT keeps values that differ only in the 7th digit, each with its digit', async () => {
    const r = await pool
      .request()
      .query('SELECT DISTINCT CONVERT(varchar(40), LM, 121) AS s FROM dbo.G ORDER BY s');
    expect(r.recordset.map((x: { s: string }) => x.s)).toEqual([
      `${day}.1234561`,
      `${day}.1234567`,
      `${day}.1234569`,
    ]);
    const d = await pool.request().query('SELECT DISTINCT LM FROM dbo.G');
    expect(d.recordset).toHaveLength(3);
    expect(
      d.recordset
        .map((x: { LM: { nanosecondsDelta: number } }) => Math.round(x.LM.nanosecondsDelta * 1e7))
        .sort(),
    ).toEqual([4561, 4567, 4569]);
  });
});

describe('T-SQL variables keep the digit', () => {
  it('through DECLARE … = literal, DECLARE … = @v and SELECT @v = MAX(col), and compare with it', async () => {
    const r = await pool.request().query(`DECLARE @l datetime2(7) = '${day}.1234567', @m datetime2(7), @i int
      DECLARE @n datetime2(7) = @l
      SELECT @i = COUNT(*), @m = MAX(LM) FROM dbo.Ns
      SELECT CONVERT(varchar(40), @l, 121) AS l, CONVERT(varchar(40), @n, 121) AS n, CONVERT(varchar(40), @m, 121) AS m,
        @i AS i, (SELECT COUNT(*) FROM dbo.Ns WHERE LM = @m) AS atMax, (SELECT COUNT(*) FROM dbo.Ns WHERE LM < @l) AS belowL`);
    expect(r.recordset[0]).toEqual({
      l: `${day}.1234567`,
      n: `${day}.1234567`,
      m: `${day}.1234569`,
      i: 4,
      atMax: 1,
      belowL: 1,
    });
  });
});

describe('CONVERT styles of smalldatetime and datetimeoffset', () => {
  it('smalldatetime style 121 has .000 (120 and 126 have no fraction)', async () => {
    const r = await pool.request().query(`DECLARE @s smalldatetime = '2024-01-01 10:00:00'
      SELECT CONVERT(varchar(40), @s, 121) AS s121, CONVERT(varchar(40), @s, 120) AS s120`);
    expect(r.recordset[0]).toEqual({ s121: '2024-01-01 10:00:00.000', s120: '2024-01-01 10:00:00' });
  });

  it('datetimeoffset style 121 of a column is its local time and offset', async () => {
    const r = await pool
      .request()
      .query('SELECT CONVERT(varchar(40), O7, 121) AS s FROM dbo.Ns WHERE id = 1');
    expect(r.recordset[0].s).toBe(`${day}.1234567 +05:45`);
  });
});
