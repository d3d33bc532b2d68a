import { decimalVectorToStrings } from '@sync/arrow-decimal';
import { type Data, type Decimal, makeVector, type RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SourceConnection } from './source-connection.js';
import {
  emulatorTarget,
  parseConnectionString,
  REAL_SQL_SERVER,
  realSqlServerTarget,
  type SqlServerTarget,
  uniqueTableName,
} from './test-support/sql-server-targets.js';

/**
 * The wire forms sqlsync chooses (dates and times as DATEDIFF/DATEPART integers, wide decimals and
 * money as nvarchar text, validation sums with an overflow fallback) against the values they must
 * reproduce. Runs against the emulator always, and against a real SQL Server as well when
 * SQLSYNC_TEST_MSSQL holds a connection string (reported as skipped otherwise).
 */
const realServer = REAL_SQL_SERVER;
const targets: { name: string; connect: (() => Promise<SqlServerTarget>) | undefined }[] = [
  { name: 'the emulator', connect: emulatorTarget },
  {
    name: 'SQL Server (SQLSYNC_TEST_MSSQL)',
    connect: realServer === undefined ? undefined : () => realSqlServerTarget(realServer),
  },
];

const COLUMNS = `[Id] int NOT NULL PRIMARY KEY, [D] date NULL, [T] time(7) NULL, [T3] time(3) NULL,
  [Dt] datetime2(7) NULL, [Dt0] datetime2(0) NULL, [Dec38] decimal(38,10) NULL, [Dec19] decimal(19,4) NULL,
  [M] money NULL, [Big] bigint NULL, [S] nvarchar(50) NULL`;

const ROWS = `
  (1, '0001-01-01', '00:00:00', '00:00:00.000', '0001-01-01 00:00:00', '0001-01-01 00:00:00',
   -9999999999999999999999999999.9999999999, -999999999999999.9999, -922337203685477.5808,
   -9223372036854775808, N''),
  (2, '9999-12-31', '23:59:59.9999999', '23:59:59.999', '9999-12-31 23:59:59.9999999', '9999-12-31 23:59:59',
   9999999999999999999999999999.9999999999, 999999999999999.9999, 922337203685477.5807,
   9223372036854775807, N'😀 Überweisung'),
  (3, '1969-12-31', '12:34:56.1234567', '12:34:56.789', '1969-12-31 23:59:59.9999999', '2024-02-29 12:00:00',
   0.0000000001, 0.0001, 0.0003, 0, N'x'),
  (4, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`;

function columnOf(batches: RecordBatch[], name: string): Data[] {
  return batches.map((b) => {
    const child = b.getChild(name);
    if (child === null) {
      throw new Error(`no column ${name}`);
    }
    return child.data[0] as Data;
  });
}

/** A fixed-width column's raw values (NULL slots as null), over all batches. */
function rawValues(batches: RecordBatch[], name: string): (number | bigint | null)[] {
  return columnOf(batches, name).flatMap((data) => {
    const values = data.values as Int32Array | BigInt64Array;
    return Array.from({ length: data.length }, (_, i) =>
      data.getValid(i) ? (values[i] as number | bigint) : null,
    );
  });
}

for (const target of targets) {
  describe.skipIf(target.connect === undefined)(
    `exact values through sqlsync's wire forms, on ${target.name}`,
    () => {
      let server: SqlServerTarget;
      let source: SourceConnection;
      const table = uniqueTableName('sqlsync_exact');

      beforeAll(async () => {
        server = await (target.connect as () => Promise<SqlServerTarget>)();
        await server.exec(`CREATE TABLE [dbo].[${table}] (${COLUMNS});`);
        await server.exec(`INSERT INTO [dbo].[${table}] VALUES ${ROWS};`);
        source = await SourceConnection.open(server.options);
      }, 60_000);

      afterAll(async () => {
        await source?.close();
        await server?.exec(`DROP TABLE IF EXISTS [dbo].[${table}];`).catch(() => undefined);
        await server?.close();
      });

      it('reads dates, times and datetime2 to the microsecond and counts the dropped 100 ns digits', async () => {
        const plan = await source.describe('dbo', table);
        const stream = source.read(plan);
        const batches: RecordBatch[] = [];
        for await (const batch of stream) {
          batches.push(batch);
        }
        expect(rawValues(batches, 'Id')).toEqual([1, 2, 3, 4]);
        // date32: days since 1970-01-01.
        expect(rawValues(batches, 'D')).toEqual([-719162, 2932896, -1, null]);
        // time64(µs) since midnight; 23:59:59.9999999 and 12:34:56.1234567 lose their 100 ns digit.
        expect(rawValues(batches, 'T')).toEqual([0n, 86_399_999_999n, 45_296_123_456n, null]);
        expect(rawValues(batches, 'T3')).toEqual([0n, 86_399_999_000n, 45_296_789_000n, null]);
        // timestamp(µs) since 1970; 1969-12-31 23:59:59.9999999 is 100 ns before the epoch: -1 µs.
        expect(rawValues(batches, 'Dt')).toEqual([
          -62_135_596_800_000_000n,
          253_402_300_799_999_999n,
          -1n,
          null,
        ]);
        expect(rawValues(batches, 'Dt0')).toEqual([
          -62_135_596_800_000_000n,
          253_402_300_799_000_000n,
          1_709_208_000_000_000n,
          null,
        ]);
        expect(stream.stats.droppedSubMicrosecondValues).toBe(4);
        expect(rawValues(batches, 'Big')).toEqual([-9223372036854775808n, 9223372036854775807n, 0n, null]);
        expect(columnOf(batches, 'S').flatMap((d) => makeVector(d).toArray())).toEqual([
          '',
          '😀 Überweisung',
          'x',
          null,
        ]);
        const decimals = (name: string): (string | null)[] =>
          columnOf(batches, name).flatMap((d) => decimalVectorToStrings(d as Data<Decimal>));
        expect(decimals('Dec38')).toEqual([
          '-9999999999999999999999999999.9999999999',
          '9999999999999999999999999999.9999999999',
          '0.0000000001',
          null,
        ]);
        expect(decimals('Dec19')).toEqual(['-999999999999999.9999', '999999999999999.9999', '0.0001', null]);
        expect(decimals('M')).toEqual(['-922337203685477.5808', '922337203685477.5807', '0.0003', null]);
      });

      it('sums decimals exactly, past 38 digits only through the split sums', async () => {
        const plan = await source.describe('dbo', table);
        const aggregates = await source.aggregates(plan);
        expect(aggregates.rowCount).toBe(4n);
        // money's own text has two decimals: its sum must not (-.5808 + .5807 + .0003).
        expect(aggregates.sums).toEqual({ Dec38: '0.0000000001', Dec19: '0.0001', M: '0.0002' });
        await server.exec(
          `UPDATE [dbo].[${table}] SET [Dec38] = 9999999999999999999999999999.9999999999 WHERE [Id] IN (1, 3);`,
        );
        expect((await source.aggregates(plan)).sums.Dec38).toBe('29999999999999999999999999999.9999999997');
      });
    },
  );
}

describe('parseConnectionString', () => {
  it('reads the ADO.NET keys sqlsync needs', () => {
    expect(
      parseConnectionString(
        'Server=tcp:db.example,14330;Initial Catalog=scratch;User ID=etl;Password=p=w;Encrypt=True;TrustServerCertificate=false',
      ),
    ).toEqual({
      server: 'db.example',
      port: 14330,
      database: 'scratch',
      username: 'etl',
      password: 'p=w',
      encrypt: true,
      trustServerCertificate: false,
    });
    expect(() => parseConnectionString('Database=x')).toThrow(/Server=/);
  });
});
