import fc from 'fast-check';
import sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { readCp1252 } from './tds/cp1252.js';
import { connectPool } from './test-support/connect.js';
import { checksumAfterCharOne, checksumPairs, zeroAggregates } from './test-support/published-checksums.js';

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
 * BINARY_CHECKSUM as Peter Larsson published it (https://www.sqlteam.com/forums/topic.asp?TOPIC_ID=70832,
 * "100% compatible with MS original"): sum = 16 * sum XOR step; the bits that overflow 32 are
 * XORed back into the low bits; the result is a signed int. Written in bigint arithmetic, not as
 * the emulator's rotate. (His function also turns results of 128…255 and 32768…65535 negative,
 * which no other published value needs; the emulator does not, see the README.)
 */
function publishedFold(steps: readonly number[]): number {
  let sum = 0n;
  for (const step of steps) {
    sum = (16n * sum) ^ BigInt(step);
    const overflow = sum / 4294967296n;
    sum = (sum - overflow * 4294967296n) ^ overflow;
  }
  return Number(BigInt.asIntN(32, sum));
}

/**
 * CHECKSUM of a varchar under SQL_Latin1_General_CP1_CI_AS from the published data alone: the
 * code of byte c is CHECKSUM(CHAR(1) + CHAR(c)) XOR 16 (CHAR(1), code 1, shifted once), except
 * that Æ, æ and ß take two steps (their value XOR 0x100; the same file's rows (26, 'Æ') = 882 and
 * (26, 'ß') = 416 show it), a space inside a string is code 32 ((32, 'À') = 142 = 32 * 16 XOR
 * code('À')), and trailing spaces count for nothing ((c, ' ') = c).
 */
function publishedVarcharChecksum(bytes: readonly number[]): number {
  let n = bytes.length;
  while (n > 0 && bytes[n - 1] === 0x20) {
    n--;
  }
  const steps = bytes.slice(0, n).flatMap((c) => {
    if (c === 0x20) {
      return [32];
    }
    const value = checksumAfterCharOne[c - 1] as number;
    if (c === 0xc6 || c === 0xe6 || c === 0xdf) {
      const x = value ^ 0x100;
      return [x >> 4, x & 15];
    }
    return [value ^ 16];
  });
  return publishedFold(steps);
}

/** Code page 1252 bytes that are characters (0x81, 0x8D, 0x8F, 0x90, 0x9D are undefined; 0 is NUL). */
const cp1252Bytes = Array.from({ length: 255 }, (_, i) => i + 1).filter(
  (b) => ![0x81, 0x8d, 0x8f, 0x90, 0x9d].includes(b),
);

/**
 * Property samples checked per query. Each sample is its own select items with its own
 * parameters, so a batch asserts exactly what one query per sample would, in a tenth of the
 * round trips (150 round trips took ~1 s idle, several seconds on a loaded CI machine).
 */
const batchSize = 10;

/** `batchSize` samples of `arbitrary`, checked in one query. */
const batchOf = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T[]> =>
  fc.array(arbitrary, { minLength: batchSize, maxLength: batchSize });

describe('CHECKSUM and BINARY_CHECKSUM of strings and binary equal SQL Server where the algorithm is public', () => {
  it('BINARY_CHECKSUM of varbinary is the published nibble fold of its bytes', async () => {
    const check = async (samples: readonly Uint8Array[]): Promise<void> => {
      const request = pool.request();
      const items: string[] = [];
      const expected: Record<string, number> = {};
      for (const [k, bytes] of samples.entries()) {
        const hexText = Buffer.from(bytes).toString('hex');
        request.input(`b${k}`, sql.VarBinary(64), Buffer.from(bytes));
        items.push(`BINARY_CHECKSUM(@b${k}) AS p${k}, CHECKSUM(@b${k}) AS c${k}`);
        const fold = publishedFold([...bytes]);
        Object.assign(expected, { [`p${k}`]: fold, [`c${k}`]: fold });
        if (hexText !== '') {
          items.push(`BINARY_CHECKSUM(0x${hexText}) AS l${k}`);
          expected[`l${k}`] = fold;
        }
      }
      const r = await request.query(`SELECT ${items.join(', ')}`);
      expect(r.recordset[0]).toEqual(expected);
    };
    await check([
      ...['', 'a', 'abcdefghijklmnop', 'The quick brown fox jumps over the lazy dog'].map((text) =>
        Buffer.from(text, 'latin1'),
      ),
      Buffer.from('00ff7f80fffefd', 'hex'),
    ]);
    await fc.assert(fc.asyncProperty(batchOf(fc.uint8Array({ maxLength: 40 })), check), {
      numRuns: 150 / batchSize,
    });
  });

  it('BINARY_CHECKSUM of varchar folds its code page 1252 bytes; CHECKSUM its collation codes', async () => {
    const check = async (samples: readonly (readonly number[])[]): Promise<void> => {
      const request = pool.request();
      const items: string[] = [];
      const expected: Record<string, number> = {};
      for (const [k, bytes] of samples.entries()) {
        request.input(`v${k}`, sql.VarChar(64), readCp1252(Uint8Array.from(bytes)));
        items.push(`BINARY_CHECKSUM(@v${k}) AS b${k}, CHECKSUM(@v${k}) AS c${k}`);
        let n = bytes.length;
        while (n > 0 && bytes[n - 1] === 0x20) {
          n--;
        }
        expected[`b${k}`] = publishedFold(bytes.slice(0, n));
        expected[`c${k}`] = publishedVarcharChecksum(bytes);
      }
      const r = await request.query(`SELECT ${items.join(', ')}`);
      expect(r.recordset[0]).toEqual(expected);
    };
    await check([
      [...Buffer.from('abcdefghijklmnop')],
      [...Buffer.from('Straße Ærø ÿ ', 'latin1'), 0x80, ...Buffer.from('uro  ')], // € is 0x80
    ]);
    await fc.assert(
      fc.asyncProperty(batchOf(fc.array(fc.constantFrom(...cp1252Bytes), { maxLength: 24 })), check),
      { numRuns: 150 / batchSize },
    );
  });

  it('CHECKSUM of varchar gives the published values of data/pairs.csv', async () => {
    const quoted = (c: string): string => `'${c.replaceAll("'", "''")}'`;
    const items = checksumPairs.map(
      ([a, b], k) => `CHECKSUM(CAST(CHAR(${a}) + ${quoted(b)} AS varchar(2))) AS c${k}`,
    );
    const r = await pool.request().query(`SELECT ${items.join(', ')}`);
    expect(Object.values(r.recordset[0])).toEqual(checksumPairs.map(([, , value]) => value));
    const row = await pool
      .request()
      .query("SELECT CHECKSUM(CAST(CHAR(1) + CHAR(0) AS varchar(2))) AS nul, CHECKSUM('A') AS a");
    expect(row.recordset[0]).toEqual({ nul: 1, a: 142 });
  });

  it('has the published collisions', async () => {
    // https://www.sqltopia.com/internal-structures/checksum/: 'bQ' and 'aa', 'ABA' and 'ACQ' collide.
    // Both pairs collide byte-wise (BINARY_CHECKSUM); under the default collation's codes
    // CHECKSUM keeps the first collision but not the second ('B' and 'C' are 143 and 144 there,
    // not 0x42 and 0x43).
    const r = await pool.request().query(`
      SELECT BINARY_CHECKSUM('bQ') AS b1, BINARY_CHECKSUM('aa') AS b2, BINARY_CHECKSUM('ABA') AS b3,
             BINARY_CHECKSUM('ACQ') AS b4, CHECKSUM('bQ') AS c1, CHECKSUM('aa') AS c2,
             CHECKSUM('ABA') AS c3, CHECKSUM('ACQ') AS c4`);
    const row = r.recordset[0];
    expect(row.b1).toBe(row.b2);
    expect(row.b3).toBe(row.b4);
    expect(row.c1).toBe(row.c2);
    expect(row.c3).toBe(publishedVarcharChecksum([...Buffer.from('ABA')]));
    expect(row.c4).toBe(publishedVarcharChecksum([...Buffer.from('ACQ')]));
  });
});

describe('CHECKSUM and BINARY_CHECKSUM of ints, and CHECKSUM_AGG, equal SQL Server as published', () => {
  it('combines int arguments and NULLs as published', async () => {
    // A Stack Overflow question mirrored at
    // https://www.developerfaqs.com/5482/binary_checksum-different-result-depending-on-number-of-rows
    // and http://piers7.blogspot.com/2013/05: an int is its own checksum, an int NULL 2147483647.
    const r = await pool.request().query(`
      SELECT BINARY_CHECKSUM(1, 100) AS a, BINARY_CHECKSUM(3, 4) AS b, BINARY_CHECKSUM(1, 2) AS c,
             BINARY_CHECKSUM(CAST(NULL AS int), 100) AS d,
             BINARY_CHECKSUM(CAST(NULL AS int), CAST(NULL AS int)) AS e,
             BINARY_CHECKSUM(NULL, 100) AS f, BINARY_CHECKSUM(NULL, CAST(NULL AS int)) AS g,
             BINARY_CHECKSUM(CAST(NULL AS int)) AS h, BINARY_CHECKSUM(2147483647) AS i, CHECKSUM(100) AS j`);
    expect(r.recordset[0]).toEqual({
      a: 116,
      b: 52,
      c: 18,
      d: -109,
      e: -2147483640,
      f: 100,
      g: 2147483647,
      h: 2147483647,
      i: 2147483647,
      j: 100,
    });
    const ints = fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { minLength: 1, maxLength: 6 });
    await fc.assert(
      fc.asyncProperty(batchOf(ints), async (samples) => {
        const request = pool.request();
        const items: string[] = [];
        const expected: Record<string, number> = {};
        for (const [k, values] of samples.entries()) {
          for (const [j, v] of values.entries()) {
            request.input(`p${k}_${j}`, sql.Int, v);
          }
          const params = values.map((_, j) => `@p${k}_${j}`).join(', ');
          items.push(`BINARY_CHECKSUM(${params}) AS b${k}, CHECKSUM(${params}) AS c${k}`);
          const fold = publishedFold(values.map((v) => v >>> 0));
          Object.assign(expected, { [`b${k}`]: fold, [`c${k}`]: fold });
        }
        const row = await request.query(`SELECT ${items.join(', ')}`);
        expect(row.recordset[0]).toEqual(expected);
      }),
      { numRuns: 100 / batchSize },
    );
  });

  it('CHECKSUM_AGG is the XOR of its inputs, as published', async () => {
    // http://www.networksteve.com/forum/topic.php/Checksum_Agg_-_how_does_it_work/?TopicId=89670
    const grades = await pool.request().query(`
      SELECT CHECKSUM_AGG(Grade) AS c FROM (VALUES (100), (100), (100), (99), (99), (98), (98), (95), (95), (95)) AS g(Grade)`);
    expect(grades.recordset[0].c).toBe(59);
    const numbers = await pool
      .request()
      .query('SELECT CHECKSUM_AGG(n) AS c FROM (VALUES (2), (3), (4), (5)) AS t(n)');
    expect(numbers.recordset[0].c).toBe(0);
    // The question's table: Category varchar(15), Value varchar(10).
    await emulator.exec('CREATE TABLE dbo.Agg (Category varchar(15) NOT NULL, Value varchar(10) NOT NULL)');
    const rows = zeroAggregates.flatMap((values, k) => values.map((v) => `('c${k}', '${v}')`));
    await pool.request().query(`INSERT INTO dbo.Agg VALUES ${rows.join(', ')}`);
    const r = await pool
      .request()
      .query(
        'SELECT Category, CHECKSUM_AGG(CHECKSUM(Value)) AS c FROM dbo.Agg GROUP BY Category ORDER BY Category',
      );
    expect(r.recordset).toEqual(zeroAggregates.map((_, k) => ({ Category: `c${k}`, c: 0 })));
  });

  it('BINARY_CHECKSUM(*) folds the columns in table order', async () => {
    await emulator.exec(`CREATE TABLE dbo.Ints (id int NOT NULL PRIMARY KEY, a int NULL, b varchar(10) NULL)
      INSERT INTO dbo.Ints VALUES (1, 1, 'abc'), (2, NULL, NULL)`);
    const r = await pool.request().query(`
      SELECT BINARY_CHECKSUM(*) AS star, BINARY_CHECKSUM(id, a, b) AS list, CHECKSUM(*) AS cstar,
             CHECKSUM(id, a, b) AS clist FROM dbo.Ints ORDER BY id`);
    const abc = publishedFold([...Buffer.from('abc')]) >>> 0;
    const abcCodes = publishedVarcharChecksum([...Buffer.from('abc')]) >>> 0;
    expect(r.recordset).toEqual([
      {
        star: publishedFold([1, 1, abc]),
        list: publishedFold([1, 1, abc]),
        cstar: publishedFold([1, 1, abcCodes]),
        clist: publishedFold([1, 1, abcCodes]),
      },
      {
        star: publishedFold([2, 2147483647, 2147483647]),
        list: publishedFold([2, 2147483647, 2147483647]),
        cstar: publishedFold([2, 2147483647, 2147483647]),
        clist: publishedFold([2, 2147483647, 2147483647]),
      },
    ]);
  });
});

describe('CHECKSUM over types whose encoding is not public (emulator values)', () => {
  it('keeps CHECKSUM case-insensitive and both checksums blind to trailing spaces', async () => {
    const r = await pool.request().query(`
      SELECT CHECKSUM(N'Abc') AS c1, CHECKSUM(N'aBC  ') AS c2, BINARY_CHECKSUM(N'Abc') AS b1,
             BINARY_CHECKSUM(N'aBC') AS b2, BINARY_CHECKSUM(N'Abc  ') AS b3, CHECKSUM('Abc') AS v1,
             CHECKSUM('aBC  ') AS v2, BINARY_CHECKSUM('abc') AS v3, BINARY_CHECKSUM('abc ') AS v4`);
    const row = r.recordset[0];
    expect(row.c1).toBe(row.c2);
    expect(row.b1).not.toBe(row.b2);
    expect(row.b1).toBe(row.b3);
    expect(row.v1).toBe(row.v2);
    expect(row.v3).toBe(row.v4);
  });

  const agg = async (where = ''): Promise<number> =>
    (await pool.request().query(`SELECT CHECKSUM_AGG(BINARY_CHECKSUM(*)) AS c FROM dbo.Rows ${where}`))
      .recordset[0].c;

  it('is deterministic, typed int and the same for equal values', async () => {
    const r = await pool.request().query(`
      SELECT BINARY_CHECKSUM(*) AS b, CHECKSUM(name, amount) AS c, BINARY_CHECKSUM(name, amount) AS bc
      FROM dbo.Rows ORDER BY id`);
    const again = await pool.request().query(`
      SELECT BINARY_CHECKSUM(*) AS b, CHECKSUM(name, amount) AS c, BINARY_CHECKSUM(name, amount) AS bc
      FROM dbo.Rows ORDER BY id`);
    expect(again.recordset).toEqual(r.recordset);
    expect(r.recordset.columns.b?.type).toBe(sql.Int);
    expect(new Set(r.recordset.map((x: { b: number }) => x.b)).size).toBe(4);
    const same = await pool.request().query("SELECT CHECKSUM(N'a', CAST(1.50 AS decimal(9,2))) AS c");
    expect(same.recordset[0].c).toBe(r.recordset[0].c);
  });

  it('aggregates independently of row order', async () => {
    const byOrder = async (dir: string): Promise<number> =>
      (
        await pool
          .request()
          .query(
            `SELECT CHECKSUM_AGG(c) AS c FROM (SELECT TOP (100) BINARY_CHECKSUM(*) AS c FROM dbo.Rows ORDER BY id ${dir}) AS x`,
          )
      ).recordset[0].c;
    expect(await byOrder('ASC')).toBe(await byOrder('DESC'));
    await emulator.exec(`
      CREATE TABLE dbo.Rows2 (id int NOT NULL PRIMARY KEY, name nvarchar(20) NULL, amount decimal(9,2) NULL)
      INSERT INTO dbo.Rows2 VALUES (4, N'é😀', -4.25), (3, NULL, 3.00), (2, N'b', NULL), (1, N'a', 1.50)`);
    const other = await pool.request().query('SELECT CHECKSUM_AGG(BINARY_CHECKSUM(*)) AS c FROM dbo.Rows2');
    expect(other.recordset[0].c).toBe(await agg());
  });

  it('changes when a row changes, is inserted or deleted', async () => {
    const before = await agg();
    await pool.request().query('UPDATE dbo.Rows SET amount = 1.51 WHERE id = 1');
    const updated = await agg();
    expect(updated).not.toBe(before);
    await pool.request().query("UPDATE dbo.Rows SET name = N'A' WHERE id = 1");
    expect(await agg()).not.toBe(updated);
    await pool.request().query("UPDATE dbo.Rows SET name = N'a', amount = 1.50 WHERE id = 1");
    expect(await agg()).toBe(before);
    await pool.request().query('INSERT INTO dbo.Rows VALUES (5, NULL, NULL)');
    const inserted = await agg();
    expect(inserted).not.toBe(before);
    await pool.request().query('DELETE FROM dbo.Rows WHERE id = 5');
    expect(await agg()).toBe(before);
  });
});
