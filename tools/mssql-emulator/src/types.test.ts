import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `
      CREATE TABLE dbo.AllTypes (
        id int IDENTITY(1,1) PRIMARY KEY, ti tinyint, si smallint, r real, m money, sm smallmoney, d date,
        t time(3), dt datetime, sdt smalldatetime, dto datetimeoffset(7), c char(5), nc nchar(3), vc varchar(max),
        vb varbinary(max), b binary(4), g uniqueidentifier, x xml, rv rowversion, n numeric(10,2), f float)
      GO
      INSERT INTO dbo.AllTypes (ti, si, r, m, sm, d, t, dt, sdt, dto, c, nc, vc, vb, b, g, x, n, f) VALUES
        (255, -32768, 1.5, 922337203685477.5807, -214748.3648, '2024-02-29', '13:14:15.123',
         '2024-01-01T10:00:00.997', '2024-01-01 10:00:29', '2024-01-01T10:00:00.1234567+02:00', 'ab', N'x',
         'café €', 0x0102FF, 0x01, '6F9619FF-8B86-D011-B42D-00C04FC964FF', N'<a>1</a>', 12345678.91, 1e308)
      INSERT INTO dbo.AllTypes (ti) VALUES (NULL)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

describe('second-tier types', () => {
  it('round-trips every supported column type with its declared metadata', async () => {
    const r = await pool.request().query('SELECT * FROM dbo.AllTypes ORDER BY id');
    const [row, empty] = r.recordset;
    expect(row.ti).toBe(255);
    expect(row.si).toBe(-32768);
    expect(row.r).toBe(1.5);
    expect(row.m).toBe(922337203685477.6);
    expect(row.sm).toBe(-214748.3648);
    expect((row.d as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z');
    expect((row.t as Date).toISOString()).toBe('1970-01-01T13:14:15.123Z');
    expect((row.dt as Date).toISOString()).toBe('2024-01-01T10:00:00.997Z');
    expect((row.sdt as Date).toISOString()).toBe('2024-01-01T10:00:00.000Z');
    expect((row.dto as Date).toISOString()).toBe('2024-01-01T08:00:00.123Z');
    expect(row.c).toBe('ab   ');
    expect(row.nc).toBe('x  ');
    expect(row.vc).toBe('café €');
    expect(row.vb).toEqual(Buffer.from([1, 2, 255]));
    expect(row.b).toEqual(Buffer.from([1, 0, 0, 0]));
    expect(row.g).toBe('6F9619FF-8B86-D011-B42D-00C04FC964FF');
    expect(row.x).toBe('<a>1</a>');
    expect((row.rv as Buffer).length).toBe(8);
    expect(row.n).toBe(12345678.91);
    expect(row.f).toBe(1e308);
    for (const [k, v] of Object.entries(empty)) {
      if (k !== 'id' && k !== 'rv') {
        expect(v, k).toBeNull();
      }
    }
    const cols = r.recordset.columns;
    expect(cols.ti?.type).toBe(sql.TinyInt);
    expect(cols.m?.type).toBe(sql.Money);
    expect(cols.sm?.type).toBe(sql.SmallMoney);
    expect(cols.t?.type).toBe(sql.Time);
    expect(cols.t?.scale).toBe(3);
    expect(cols.dt?.type).toBe(sql.DateTime);
    expect(cols.sdt?.type).toBe(sql.SmallDateTime);
    expect(cols.dto?.type).toBe(sql.DateTimeOffset);
    expect(cols.c?.type).toBe(sql.Char);
    expect(cols.nc?.type).toBe(sql.NChar);
    expect(cols.vc?.type).toBe(sql.VarChar);
    expect(cols.vb?.type).toBe(sql.VarBinary);
    expect(cols.b?.type).toBe(sql.Binary);
    expect(cols.g?.type).toBe(sql.UniqueIdentifier);
    expect(cols.x?.type).toBe(sql.Xml);
    expect(cols.n?.type).toBe(sql.Numeric);
    expect(cols.n?.precision).toBe(10);
  });

  it('bumps rowversion on update and reports identities', async () => {
    const before = await pool.request().query('SELECT rv FROM dbo.AllTypes WHERE id = 1');
    await pool.request().query('UPDATE dbo.AllTypes SET ti = 1 WHERE id = 1');
    const after = await pool.request().query('SELECT rv FROM dbo.AllTypes WHERE id = 1');
    expect(Buffer.compare(after.recordset[0].rv, before.recordset[0].rv)).toBe(1);
    const ins = await pool
      .request()
      .query('INSERT INTO dbo.AllTypes (ti) VALUES (7); SELECT SCOPE_IDENTITY() AS id');
    expect(ins.recordset[0].id).toBe(3);
  });

  it('converts like SQL Server', async () => {
    const r = await pool.request().query(`
      SELECT CONVERT(varchar(40), m) AS m, CONVERT(nvarchar(36), g) AS g, CONVERT(varchar(10), d, 112) AS d112,
             CONVERT(varchar(30), dt, 121) AS dt121, CAST(n AS int) AS ni, CONVERT(varchar(1), CAST(1 AS bit)) AS b,
             LEN('ab  ') AS len, DATEDIFF(day, '2024-01-01', '2024-03-01') AS dd, 7 / 2 AS q, 'a' + 'b' AS s
      FROM dbo.AllTypes WHERE id = 1`);
    expect(r.recordset[0]).toEqual({
      m: '922337203685477.58',
      g: '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      d112: '20240229',
      dt121: '2024-01-01 10:00:00.997',
      ni: 12345678,
      b: '1',
      len: 2,
      dd: 60,
      q: 3,
      s: 'ab',
    });
  });

  it('runs control flow, variables and dynamic SQL', async () => {
    const r = await pool.request().batch(`
      DECLARE @i int = 0, @total bigint = 0;
      WHILE @i < 10
      BEGIN
        SET @i += 1;
        SET @total = @total + @i;
      END
      IF OBJECT_ID(N'dbo.AllTypes') IS NOT NULL
        SELECT @total AS total
      ELSE
        SELECT -1 AS total`);
    expect(r.recordset[0].total).toBe('55');
    await pool.request().batch("EXEC (N'CREATE TABLE dbo.Dyn (a int)')");
    const dyn = await pool.request().query("SELECT COUNT(*) AS n FROM sys.tables WHERE name = 'Dyn'");
    expect(dyn.recordset[0].n).toBe(1);
  });

  it('enforces declared lengths and NOT NULL with SQL Server errors', async () => {
    await emulator.exec('CREATE TABLE dbo.Len (a nvarchar(3) NOT NULL)');
    await expect(pool.request().query("INSERT INTO dbo.Len VALUES (N'abcd')")).rejects.toMatchObject({
      number: 2628,
    });
    await expect(pool.request().query('INSERT INTO dbo.Len VALUES (NULL)')).rejects.toMatchObject({
      number: 515,
    });
  });

  it('keeps SQL Server result types for integer aggregates', async () => {
    await emulator.exec(
      'CREATE TABLE dbo.Agg (a int, b bigint); INSERT INTO dbo.Agg VALUES (1, 10), (2, 20)',
    );
    const r = await pool.request().query('SELECT SUM(a) AS sa, AVG(a) AS aa, SUM(b) AS sb FROM dbo.Agg');
    expect(r.recordset[0]).toEqual({ sa: 3, aa: 1, sb: '30' });
    expect(r.recordset.columns.sa?.type).toBe(sql.Int);
  });

  it('runs mssql prepared statements (sp_prepare / sp_execute / sp_unprepare)', async () => {
    const ps = new sql.PreparedStatement(pool);
    ps.input('id', sql.Int);
    await ps.prepare('SELECT id, ti FROM dbo.AllTypes WHERE id = @id');
    const one = await ps.execute({ id: 1 });
    const two = await ps.execute({ id: 2 });
    await ps.unprepare();
    expect(one.recordset).toEqual([{ id: 1, ti: 1 }]);
    expect(two.recordset).toEqual([{ id: 2, ti: null }]);
  });

  it('reports row counts in sys.partitions and sys.dm_db_partition_stats', async () => {
    const r = await pool.request().query(`
      SELECT SUM(p.rows) AS n FROM sys.partitions AS p
      WHERE p.object_id = OBJECT_ID(N'dbo.AllTypes') AND p.index_id IN (0, 1)`);
    const c = await pool.request().query('SELECT COUNT_BIG(*) AS n FROM dbo.AllTypes');
    expect(String(r.recordset[0].n)).toBe(c.recordset[0].n);
    const s = await pool
      .request()
      .query("SELECT row_count FROM sys.dm_db_partition_stats WHERE object_id = OBJECT_ID('dbo.AllTypes')");
    expect(s.recordset[0].row_count).toBe(c.recordset[0].n);
  });
});

describe('long literals', () => {
  it('treats literals over 4000 characters (bound as parameters) like any other literal', async () => {
    const long = 'é'.repeat(4001);
    const r = await pool.request().query(`
      SELECT LEN(N'${long}') AS len, N'${long}' + N'!' AS plus, CASE WHEN N'${long}' = N'${long}' THEN 1 ELSE 0 END AS same,
             CASE WHEN vc = '${long}' THEN 1 ELSE 0 END AS differs, '${long}' AS text
      FROM dbo.AllTypes WHERE id = 1`);
    expect(r.recordset[0]).toEqual({ len: 4001, plus: `${long}!`, same: 1, differs: 0, text: long });
    await pool.request().query(`UPDATE dbo.AllTypes SET vc = '${long}' WHERE id = 2`);
    const back = await pool.request().query(`SELECT vc FROM dbo.AllTypes WHERE vc = '${long}'`);
    expect(back.recordset).toEqual([{ vc: long }]);
    await pool.request().query('UPDATE dbo.AllTypes SET vc = NULL WHERE id = 2');
  });
});
