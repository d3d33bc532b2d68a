import type sql from 'mssql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from './emulator.js';
import { connectPool } from './test-support/connect.js';

let emulator: Emulator;
let pool: sql.ConnectionPool;

const fact = (name: string, on = 'ON psMonth(D)') =>
  `CREATE TABLE dbo.${name} (Id int NOT NULL, D date NOT NULL, Amount decimal(19,4) NULL, CONSTRAINT PK_${name} PRIMARY KEY (Id, D)) ${on}`;

beforeAll(async () => {
  emulator = await startEmulator({
    port: 0,
    seedSql: [
      "CREATE PARTITION FUNCTION pfMonth (date) AS RANGE RIGHT FOR VALUES ('2024-01-01', '2024-02-01', '2024-03-01')",
      'CREATE PARTITION SCHEME psMonth AS PARTITION pfMonth ALL TO ([PRIMARY])',
      fact('F'),
      "INSERT INTO dbo.F VALUES (1, '2023-12-31', 1), (2, '2024-01-01', 2), (3, '2024-01-31', 3), (4, '2024-02-01', 4)",
    ].join(';\n'),
  });
  pool = await connectPool(emulator);
});

afterAll(async () => {
  await pool?.close();
  await emulator?.close();
});

const rows = async (q: string): Promise<unknown[]> => (await pool.request().query(q)).recordset;
const errorOf = async (q: string): Promise<{ number?: number; message: string }> => {
  try {
    await pool.request().batch(q);
  } catch (e) {
    return e as { number?: number; message: string };
  }
  throw new Error(`expected ${q} to fail`);
};

describe('ALTER TABLE … SWITCH', () => {
  it('switches a partition out to an empty table and a checked staging table in, in one transaction', async () => {
    await pool.request().batch(`${fact('F_trash', '')}; ${fact('F_stage', '')}`);
    await pool.request().batch("INSERT INTO dbo.F_stage VALUES (7, '2024-01-15', 70), (8, '2024-01-20', 80)");
    await pool
      .request()
      .batch(
        "ALTER TABLE dbo.F_stage WITH CHECK ADD CONSTRAINT CK_F_stage CHECK (D >= '2024-01-01' AND D < '2024-02-01' AND D IS NOT NULL)",
      );
    await pool
      .request()
      .batch(
        'BEGIN TRANSACTION; ALTER TABLE dbo.F SWITCH PARTITION 2 TO dbo.F_trash; ALTER TABLE dbo.F_stage SWITCH TO dbo.F PARTITION 2; DROP TABLE dbo.F_trash; COMMIT',
      );
    expect(await rows('SELECT Id FROM dbo.F ORDER BY Id')).toEqual([
      { Id: 1 },
      { Id: 4 },
      { Id: 7 },
      { Id: 8 },
    ]);
    expect(await rows('SELECT COUNT(*) AS n FROM dbo.F_stage')).toEqual([{ n: 0 }]);
    expect(
      await rows(
        "SELECT rows FROM sys.partitions WHERE object_id = OBJECT_ID('dbo.F') AND partition_number = 2",
      ),
    ).toEqual([{ rows: '2' }]);
  });

  it('refuses a staging table whose CHECK constraint does not cover the partition (4982) and one without a constraint', async () => {
    await pool.request().batch(`${fact('G_stage', '')}; ${fact('H_stage', '')}`);
    await pool
      .request()
      .batch("ALTER TABLE dbo.G_stage ADD CONSTRAINT CK_G CHECK (D >= '2024-02-28' AND D IS NOT NULL)");
    const wide = await errorOf('ALTER TABLE dbo.G_stage SWITCH TO dbo.F PARTITION 4');
    expect(wide).toMatchObject({ number: 4982 });
    expect(wide.message).toContain("partition 4 on target table 'dbo.F'");
    expect(await errorOf('ALTER TABLE dbo.H_stage SWITCH TO dbo.F PARTITION 4')).toMatchObject({
      number: 4982,
    });
    await pool
      .request()
      .batch("ALTER TABLE dbo.H_stage WITH NOCHECK ADD CONSTRAINT CK_H CHECK (D >= '2024-03-01')");
    // An untrusted (NOCHECK) constraint proves nothing, as in SQL Server.
    expect(await errorOf('ALTER TABLE dbo.H_stage SWITCH TO dbo.F PARTITION 4')).toMatchObject({
      number: 4982,
    });
    // A trusted one that excludes the values below the range (and NULL: the column is NOT NULL) does.
    await pool.request().batch("ALTER TABLE dbo.H_stage ADD CONSTRAINT CK_H2 CHECK (D >= '2024-03-01')");
    await pool.request().batch('ALTER TABLE dbo.H_stage SWITCH TO dbo.F PARTITION 4');
  });

  it('refuses a non-empty target partition (4904), another column type (4944), nullability (4945) and column count (4943)', async () => {
    await pool.request().batch(fact('K_stage', ''));
    await pool
      .request()
      .batch("ALTER TABLE dbo.K_stage ADD CONSTRAINT CK_K CHECK (D >= '2024-02-01' AND D < '2024-03-01')");
    expect(await errorOf('ALTER TABLE dbo.K_stage SWITCH TO dbo.F PARTITION 3')).toMatchObject({
      number: 4904,
    });
    await pool
      .request()
      .batch(
        'CREATE TABLE dbo.T1 (Id int NOT NULL, D date NOT NULL, Amount decimal(18,4) NULL, CONSTRAINT PK_T1 PRIMARY KEY (Id, D)); CREATE TABLE dbo.T2 (Id int NOT NULL, D date NOT NULL, Amount decimal(19,4) NOT NULL, CONSTRAINT PK_T2 PRIMARY KEY (Id, D)); CREATE TABLE dbo.T3 (Id int NOT NULL, D date NOT NULL)',
      );
    const type = await errorOf('ALTER TABLE dbo.T1 SWITCH TO dbo.F PARTITION 4');
    expect(type).toMatchObject({ number: 4944 });
    expect(type.message).toContain("column 'Amount' has data type decimal(18,4)");
    expect(await errorOf('ALTER TABLE dbo.T2 SWITCH TO dbo.F PARTITION 4')).toMatchObject({ number: 4945 });
    expect(await errorOf('ALTER TABLE dbo.T3 SWITCH TO dbo.F PARTITION 4')).toMatchObject({ number: 4943 });
  });

  it('rolls a switch back with its transaction', async () => {
    await pool.request().batch(fact('R_trash', ''));
    await pool
      .request()
      .batch('BEGIN TRANSACTION; ALTER TABLE dbo.F SWITCH PARTITION 3 TO dbo.R_trash; ROLLBACK');
    expect(await rows("SELECT Id FROM dbo.F WHERE D >= '2024-02-01'")).toEqual([{ Id: 4 }]);
    expect(await rows('SELECT COUNT(*) AS n FROM dbo.R_trash')).toEqual([{ n: 0 }]);
  });

  it('checks existing rows when a CHECK constraint is added (547)', async () => {
    await pool.request().batch(fact('C_stage', ''));
    await pool.request().batch("INSERT INTO dbo.C_stage VALUES (1, '2025-01-01', 1)");
    expect(
      await errorOf("ALTER TABLE dbo.C_stage ADD CONSTRAINT CK_C CHECK (D < '2024-01-01')"),
    ).toMatchObject({ number: 547 });
  });
});
