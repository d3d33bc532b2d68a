import { createHash } from 'node:crypto';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeTable, type TableReadPlan } from './catalog.js';
import { tediousConfig } from './connection-options.js';
import { ConnectionPool } from './connection-pool.js';
import { queryRows } from './query-rows.js';
import { rowHashExpression, rowSerialisationExpression } from './row-hash.js';
import { sourceTableHash } from './table-hash.js';
import { emulatorLogin } from './test-support/sql-server-targets.js';

const PASSWORD = 'RowHash!Passw0rd';

/**
 * Tricky values per column: [SQL literal, identity]. Two literals with one identity are the same
 * value to SQL Server (1.5 and 1.50 in a decimal(10,2)); every other pair differs.
 */
const VALUES: Readonly<Record<string, readonly (readonly [string, string])[]>> = {
  a: [
    ['NULL', 'null'],
    ["N''", "''"],
    ["N'ab'", 'ab'],
    ["N'a'", 'a'],
    ["N'ab '", 'ab+space'],
    ["N'AB'", 'AB'],
    ["N'é'", 'e-acute'],
    ["N'😀'", 'emoji'],
    ["N'~'", 'tilde'],
    ["N'#2:'", 'hash-2-colon'],
    ["N';'", 'semicolon'],
  ],
  b: [
    ['NULL', 'null'],
    ["N''", "''"],
    ["N'c'", 'c'],
    ["N'bc'", 'bc'],
  ],
  v: [
    ['NULL', 'null'],
    ["''", "''"],
    ["'x'", 'x'],
    ["'x '", 'x+space'],
  ],
  d: [
    ['NULL', 'null'],
    ['1.5', '1.50'],
    ['1.50', '1.50'],
    ['0', '0'],
    ['-0.01', '-0.01'],
  ],
  t: [
    ['NULL', 'null'],
    ["'2025-01-01T00:00:00.1234567'", '.1234567'],
    ["'2025-01-01T00:00:00.1234568'", '.1234568'],
    ["'2025-01-01T00:00:00'", '.0'],
  ],
  bin: [
    ['NULL', 'null'],
    ['0x', '0x'],
    ['0x00', '0x00'],
    ['0x0000', '0x0000'],
  ],
  f: [
    ['NULL', 'null'],
    ['0.3', '0.3'],
    ['0.30000000000000004', '0.30000000000000004'],
    ['1e300', '1e300'],
  ],
  dto: [
    ['NULL', 'null'],
    ["'2025-01-01T10:00:00+01:00'", '10:00+01'],
    ["'2025-01-01T09:00:00+00:00'", '09:00+00'],
  ],
  tm: [
    ['NULL', 'null'],
    ["'00:00:00.0000001'", '100ns'],
    ["'00:00:00'", '0'],
  ],
};
const COLUMNS = Object.keys(VALUES);

/** A small deterministic generator (mulberry32), so a failure reproduces. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rows as value indexes per column: random ones plus the pairs the issue names. */
function generatedRows(): number[][] {
  const next = random(12);
  const rows: number[][] = [];
  for (let i = 0; i < 400; i++) {
    rows.push(COLUMNS.map((c) => Math.floor(next() * (VALUES[c]?.length ?? 1))));
  }
  const base = COLUMNS.map(() => 0);
  const withValues = (changes: Record<string, number>) => COLUMNS.map((c, i) => changes[c] ?? base[i] ?? 0);
  rows.push(
    withValues({ a: 2, b: 2 }), // ('ab', 'c')
    withValues({ a: 3, b: 3 }), // ('a', 'bc')
    withValues({ a: 1 }), // ''
    withValues({}), // NULL
    withValues({ d: 1 }), // 1.5
    withValues({ d: 2 }), // 1.50: the same value
    withValues({ t: 1 }), // datetime2(7) 7th digit
    withValues({ t: 2 }),
    withValues({ bin: 1 }), // 0x vs NULL vs ''
  );
  return rows;
}

describe('row serialisation and hash on the emulator', () => {
  let emulator: Emulator;
  let pool: ConnectionPool;
  let plan: TableReadPlan;
  const rows = generatedRows();

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    await emulator.exec(`CREATE TABLE [dbo].[Tricky] ([id] int NOT NULL PRIMARY KEY, [a] nvarchar(10) NULL,
      [b] nvarchar(10) NULL, [v] varchar(10) NULL, [d] decimal(10,2) NULL, [t] datetime2(7) NULL,
      [bin] varbinary(8) NULL, [f] float NULL, [dto] datetimeoffset(7) NULL, [tm] time(7) NULL);`);
    const values = rows.map(
      (row, id) => `(${id}, ${row.map((k, i) => VALUES[COLUMNS[i] ?? '']?.[k]?.[0]).join(', ')})`,
    );
    await emulator.exec(`INSERT INTO [dbo].[Tricky] VALUES ${values.join(',\n')};`);
    pool = await ConnectionPool.open(tediousConfig(emulatorLogin(emulator, PASSWORD)), 1);
    plan = await describeTable(pool, 'dbo', 'Tricky');
  }, 60_000);

  afterAll(async () => {
    await pool?.close();
    await emulator?.close();
  });

  it('is injective: distinct rows give distinct serialisations and hashes, equal values equal ones', async () => {
    const columns = plan.schema.columns.filter((c) => c.name !== 'id');
    const result = await queryRows(
      pool,
      `SELECT [id], ${rowSerialisationExpression(columns)} AS [s], ${rowHashExpression(columns, 'hashbytes_sha256')} AS [sha], ${rowHashExpression(columns, 'hashbytes_md5')} AS [md5] FROM [dbo].[Tricky] ORDER BY [id];`,
      [],
      'dbo.Tricky',
    );
    expect(result).toHaveLength(rows.length);
    const byIdentity = new Map<string, { s: string; sha: string; md5: string }>();
    const identities = new Map<string, string>();
    const hashes = new Map<string, string>();
    for (const r of result) {
      const row = rows[Number(r.id)] ?? [];
      const identity = JSON.stringify(row.map((k, i) => VALUES[COLUMNS[i] ?? '']?.[k]?.[1]));
      const s = String(r.s);
      const sha = (r.sha as Buffer).toString('hex');
      const md5 = (r.md5 as Buffer).toString('hex');
      // HASHBYTES over an nvarchar hashes its UTF-16LE bytes.
      expect(sha).toBe(createHash('sha256').update(Buffer.from(s, 'utf16le')).digest('hex'));
      expect(md5).toBe(createHash('md5').update(Buffer.from(s, 'utf16le')).digest('hex'));
      const seen = byIdentity.get(identity);
      if (seen === undefined) {
        byIdentity.set(identity, { s, sha, md5 });
        expect(identities.get(s), `${identity} serialises like another row: ${s}`).toBeUndefined();
        identities.set(s, identity);
        expect(hashes.get(sha)).toBeUndefined();
        hashes.set(sha, identity);
      } else {
        expect({ s, sha, md5 }).toEqual(seen);
      }
    }
    // The generated set holds repeats (same identity) and many distinct rows.
    expect(byIdentity.size).toBeGreaterThan(300);
    expect(byIdentity.size).toBeLessThan(rows.length);
  });

  it("separates ('ab','c') from ('a','bc'), NULL from '' and 0x, and keeps 1.5 = 1.50", async () => {
    const columns = plan.schema.columns.filter((c) => c.name !== 'id');
    const base = rows.length - 9;
    const result = await queryRows(
      pool,
      `SELECT [id], ${rowSerialisationExpression(columns)} AS [s] FROM [dbo].[Tricky] WHERE [id] >= ${base} ORDER BY [id];`,
      [],
      'dbo.Tricky',
    );
    const s = result.map((r) => String(r.s));
    expect(s[0]).not.toBe(s[1]);
    expect(new Set([s[2], s[3], s[8]]).size).toBe(3);
    expect(s[4]).toBe(s[5]);
    expect(s[6]).not.toBe(s[7]);
  });

  it('folds a table into one value that moves when one cell changes and not when the order does', async () => {
    const before = await sourceTableHash(pool, plan, 'hashbytes_sha256');
    expect(before).toMatch(/^hashbytes_sha256:409:-?\d+$/);
    expect(await sourceTableHash(pool, plan, 'hashbytes_sha256')).toBe(before);
    await emulator.exec("UPDATE [dbo].[Tricky] SET [a] = N'zz' WHERE [id] = 0;");
    const after = await sourceTableHash(pool, plan, 'hashbytes_sha256');
    expect(after).not.toBe(before);
    expect(await sourceTableHash(pool, plan, 'hashbytes_md5')).toMatch(/^hashbytes_md5:409:-?\d+$/);
    expect(await sourceTableHash(pool, plan, 'checksum')).toMatch(/^checksum:409:-?\d+$/);
  });
});
