import { createHash } from 'node:crypto';
import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../emulator.js';
import { connectPool } from '../../test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

beforeAll(async () => {
  emulator = await startEmulator({
    seedSql: `CREATE TABLE dbo.B (id int NOT NULL PRIMARY KEY, b varbinary(40) NULL)
      GO
      INSERT INTO dbo.B VALUES (1, 0x0102030405), (2, 0xFFFFFFFFFFFFFFFFFF), (3, 0x), (4, NULL), (5, 0x80)`,
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

/**
 * SQL Server converts binary to an integer type as big-endian two's complement over the
 * rightmost bytes (a longer value loses the bytes on its left, a shorter one is padded with
 * zeros on the left): "When converting binary strings that have more bytes than the target data
 * type size, bytes on the left hand side will be truncated" — CAST(0x0102030405 AS int) is
 * 0x02030405.
 */
describe('CAST/CONVERT of binary to integer types', () => {
  it('keeps the rightmost bytes, big-endian, signed except tinyint', async () => {
    const r = await pool.request().query(
      `SELECT CAST(0x0102030405 AS int) AS a, CAST(0xFF AS smallint) AS b, CAST(0xFFFF AS smallint) AS c,
              CAST(0xFFFFFFFFFFFFFFFF AS bigint) AS d, CAST(0x AS int) AS e, CAST(0x01FF AS tinyint) AS f,
              CONVERT(bigint, 0x8000000000000000) AS g, CONVERT(bigint, 0x7FFFFFFFFFFFFFFF) AS h`,
    );
    expect(r.recordset[0]).toEqual({
      a: 0x02030405,
      b: 255,
      c: -1,
      d: '-1',
      e: 0,
      f: 255,
      g: '-9223372036854775808',
      h: '9223372036854775807',
    });
  });

  it('converts columns row by row, NULL to NULL', async () => {
    const r = await pool
      .request()
      .query('SELECT id, CAST(b AS bigint) AS i, CAST(b AS int) AS j FROM dbo.B ORDER BY id');
    expect(r.recordset).toEqual([
      { id: 1, i: '4328719365', j: 0x02030405 },
      { id: 2, i: '-1', j: -1 },
      { id: 3, i: '0', j: 0 },
      { id: 4, i: null, j: null },
      { id: 5, i: '128', j: 128 },
    ]);
  });

  it('reads the last 8 bytes of a HASHBYTES digest as SQL Server does', async () => {
    const digest = createHash('sha256').update(Buffer.from('abc', 'utf16le')).digest();
    const r = await pool
      .request()
      .query("SELECT CAST(CAST(HASHBYTES('SHA2_256', N'abc') AS binary(32)) AS bigint) AS i");
    expect(BigInt(r.recordset[0].i)).toBe(digest.readBigInt64BE(24));
  });
});
