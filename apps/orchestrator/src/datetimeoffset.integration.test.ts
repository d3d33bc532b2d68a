import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliLake } from './test-support/cli-lake.js';
import type { CliRun } from './test-support/run-cli.js';

// Issue 16: a datetimeoffset keeps its offset in the lake. Through `sqlsync run`, a partition, a
// static (upsert) and an SCD2 table carry [At] datetimeoffset(7) as At (TIMESTAMPTZ, the UTC
// instant) and At_offset_minutes (SMALLINT) right after it; the local time and offset rebuilt
// from the lake equal the source's at −14:00, +05:45, +14:00 and 00:00 (to the µs: the 100 ns
// digit is dropped and counted), NULL stays NULL, and a change of the offset alone reaches the lake.

const PASSWORD = 'Offsets!Passw0rd';

/** Source rows: Id, the datetimeoffset literal (NULL unquoted), a date for the partition table. */
const ROWS: readonly (readonly [number, string, string])[] = [
  [1, "'2024-03-10 09:15:30.1234567 -14:00'", '2024-03-10'],
  [2, "'2024-03-10 09:15:30.123456 +05:45'", '2024-03-11'],
  [3, "'2024-07-01 23:59:59.999999 +14:00'", '2024-07-01'],
  [4, "'2024-12-31 20:00:00 -14:00'", '2024-12-31'],
  [5, "'2024-01-01 00:00:00 +00:00'", '2024-01-01'],
  [6, 'NULL', '2024-01-02'],
];

/** What the lake must give back per row: local time to the µs with its offset, and the UTC instant in µs. */
type LakeRow = [number, string | null, string | null, number | null];

const utc = (ms: number, micros: number): string => String(BigInt(ms) * 1000n + BigInt(micros));

const EXPECTED: readonly LakeRow[] = [
  [1, '2024-03-10 09:15:30.123456 -14:00', utc(Date.UTC(2024, 2, 10, 23, 15, 30), 123_456), -840],
  [2, '2024-03-10 09:15:30.123456 +05:45', utc(Date.UTC(2024, 2, 10, 3, 30, 30), 123_456), 345],
  [3, '2024-07-01 23:59:59.999999 +14:00', utc(Date.UTC(2024, 6, 1, 9, 59, 59), 999_999), 840],
  [4, '2024-12-31 20:00:00.000000 -14:00', utc(Date.UTC(2025, 0, 1, 10), 0), -840],
  [5, '2024-01-01 00:00:00.000000 +00:00', utc(Date.UTC(2024, 0, 1), 0), 0],
  [6, null, null, null],
];

interface TableSummaryJson {
  table: string;
  status: string;
  rows: number;
  units: { id: string; reason: string; rows: number }[];
  upsert?: { inserted: number; updated: number; deleted: number; unchanged: number };
  scd?: { versions_added: number; versions_replaced: number; versions_unchanged: number };
  dropped_sub_microsecond_values: number;
  error?: { message: string };
}

describe('datetimeoffset through sqlsync run keeps its offset', { timeout: 600_000 }, () => {
  let emulator: Emulator;
  let work: string;
  let lake: CliLake;
  let duckdb: DuckDBInstance;

  const tables = {
    static_tables: [{ schema_name: 'dto', table_name: 'Events', load_strategy: 'upsert' }],
    partition_tables: [
      {
        schema_name: 'dto',
        table_name: 'Readings',
        partition_column: 'ReadingDate',
        granularity: 'month',
      },
    ],
    scd_tables: [{ schema_name: 'dto', table_name: 'Contacts', last_modified_column: 'ModifiedAt' }],
  };

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-datetimeoffset-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    const values = (row: (typeof ROWS)[number], middle: string): string => `(${row[0]}, ${middle})`;
    await emulator.exec(`CREATE SCHEMA [dto];
GO
CREATE TABLE [dto].[Events] ([Id] int NOT NULL PRIMARY KEY, [At] datetimeoffset(7) NULL, [Note] nvarchar(20) NULL);
CREATE TABLE [dto].[Readings] ([Id] int NOT NULL PRIMARY KEY, [ReadingDate] date NOT NULL,
  [At] datetimeoffset(7) NULL, [Value] int NULL);
CREATE TABLE [dto].[Contacts] ([Id] int NOT NULL PRIMARY KEY, [At] datetimeoffset(7) NULL, [Note] nvarchar(20) NULL,
  [ModifiedAt] datetime2(7) NOT NULL);
GO
INSERT INTO [dto].[Events] VALUES ${ROWS.map((r) => values(r, `${r[1]}, N'e${r[0]}'`)).join(', ')};
INSERT INTO [dto].[Readings] VALUES ${ROWS.map((r) => values(r, `'${r[2]}', ${r[1]}, ${r[0] * 10}`)).join(', ')};
INSERT INTO [dto].[Contacts] VALUES ${ROWS.map((r) => values(r, `${r[1]}, N'c${r[0]}', '2025-01-01T00:00:00'`)).join(', ')};`);
    lake = new CliLake(emulator, work, PASSWORD);
    duckdb = await DuckDBInstance.create(':memory:');
  }, 120_000);

  afterAll(async () => {
    duckdb?.closeSync();
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  /** Runs the three tables, expects success, returns their summaries by table id. */
  async function runAll(): Promise<Record<string, TableSummaryJson>> {
    const run: CliRun = await lake.run(tables.static_tables, {
      partition_tables: tables.partition_tables,
      scd_tables: tables.scd_tables,
    });
    expect(run.code, `${run.stderr}\n${run.stdout.slice(-2000)}`).toBe(0);
    const summaries = (run.summary().tables ?? []) as unknown as TableSummaryJson[];
    for (const s of summaries) {
      expect(s.status, `${s.table}: ${JSON.stringify(s.error)}`).toBe('ok');
    }
    return Object.fromEntries(summaries.map((s) => [s.table, s]));
  }

  /**
   * A lake table's files as DuckDB reads them (through the table's symbolic link, partition and
   * bucket directories included), with the columns the files hold and no directory keys.
   */
  const scan = (table: string): string =>
    `read_parquet('${join(lake.lakeRoot, 'dto', table, '**', '*.parquet').replaceAll("'", "''")}', hive_partitioning = false)`;

  async function query(sql: string): Promise<unknown[][]> {
    const connection = await duckdb.connect();
    try {
      return (await connection.runAndReadAll(sql)).getRows();
    } finally {
      connection.closeSync();
    }
  }

  /**
   * The lake's rows as [Id, local time with offset, UTC µs, offset minutes]: the local time is
   * rebuilt from the instant plus the companion's minutes, as a TIMESTAMP (no session time zone).
   */
  async function lakeRows(table: string, where = 'true'): Promise<LakeRow[]> {
    // "At" is quoted: DuckDB reads a bare AT as the start of AT TIME ZONE.
    const rows = await query(`SELECT "Id",
        strftime(make_timestamp(epoch_us("At") + "At_offset_minutes" * 60000000::BIGINT), '%Y-%m-%d %H:%M:%S.%f')
          || ' ' || CASE WHEN "At_offset_minutes" < 0 THEN '-' ELSE '+' END
          || lpad(CAST(abs("At_offset_minutes") // 60 AS VARCHAR), 2, '0') || ':'
          || lpad(CAST(abs("At_offset_minutes") % 60 AS VARCHAR), 2, '0'),
        CAST(epoch_us("At") AS VARCHAR), "At_offset_minutes"
      FROM ${scan(table)} WHERE ${where} ORDER BY "Id"`);
    return rows.map((r) => [
      Number(r[0]),
      r[1] as string | null,
      r[2] as string | null,
      r[3] as number | null,
    ]);
  }

  /** The lake table's column names and DuckDB types, in file order. */
  async function lakeColumns(table: string): Promise<string[]> {
    const rows = await query(`DESCRIBE SELECT * FROM ${scan(table)}`);
    return rows.map((r) => `${String(r[0])} ${String(r[1])}`);
  }

  it('round-trips every offset and NULL in partition, static and SCD2 tables, and then a change of offset alone', async () => {
    const first = await runAll();
    expect(first['dto.Events']?.rows).toBe(6);
    expect(first['dto.Readings']?.rows).toBe(6);
    expect(first['dto.Readings']?.units).toHaveLength(4);
    expect(first['dto.Contacts']?.rows).toBe(6);
    // Row 1's 100 ns digit (…30.1234567) does not fit the µs TIMESTAMPTZ: dropped, and counted.
    expect(first['dto.Events']?.dropped_sub_microsecond_values).toBe(1);
    expect(first['dto.Readings']?.dropped_sub_microsecond_values).toBe(1);

    expect(await lakeColumns('Events')).toEqual([
      'Id INTEGER',
      'At TIMESTAMP WITH TIME ZONE',
      'At_offset_minutes SMALLINT',
      'Note VARCHAR',
    ]);
    expect(await lakeColumns('Readings')).toEqual([
      'Id INTEGER',
      'ReadingDate DATE',
      'At TIMESTAMP WITH TIME ZONE',
      'At_offset_minutes SMALLINT',
      'Value INTEGER',
    ]);
    // SCD2: the source's columns with the companion after its column, then the four SCD columns.
    expect(await lakeColumns('Contacts')).toEqual([
      'Id INTEGER',
      'At TIMESTAMP WITH TIME ZONE',
      'At_offset_minutes SMALLINT',
      'Note VARCHAR',
      'ModifiedAt TIMESTAMP',
      'effective_date TIMESTAMP',
      'end_date TIMESTAMP',
      'IsLatest BOOLEAN',
      'IsDeleted BOOLEAN',
    ]);
    for (const table of ['Events', 'Readings', 'Contacts']) {
      expect({ table, rows: await lakeRows(table) }).toEqual({ table, rows: EXPECTED });
    }

    // The same instants at other offsets: row 5 in the static and the partition table, row 2 in the
    // SCD2 table (a new version, its last-modified moved). No instant changes.
    await emulator.exec(`UPDATE [dto].[Events] SET [At] = SWITCHOFFSET([At], '-03:30') WHERE [Id] = 5;
UPDATE [dto].[Readings] SET [At] = SWITCHOFFSET([At], '+14:00') WHERE [Id] = 5;
UPDATE [dto].[Contacts] SET [At] = SWITCHOFFSET([At], '-14:00'), [ModifiedAt] = '2025-01-02T00:00:00' WHERE [Id] = 2;`);
    const second = await runAll();

    // Upsert: the row hash (computed by SQL Server, offset included) moved for row 5 only.
    expect(second['dto.Events']?.upsert).toMatchObject({ inserted: 0, updated: 1, deleted: 0, unchanged: 5 });
    const row5 = (local: string, minutes: number): LakeRow => [5, local, EXPECTED[4]?.[2] ?? '', minutes];
    expect(await lakeRows('Events')).toEqual([
      ...EXPECTED.slice(0, 4),
      row5('2023-12-31 20:30:00.000000 -03:30', -210),
      EXPECTED[5],
    ]);

    // Partition: only 2024-01 (row 5's) has another fingerprint, and is read again.
    expect(second['dto.Readings']?.units.map((u) => u.rows)).toEqual([2]);
    expect(await lakeRows('Readings')).toEqual([
      ...EXPECTED.slice(0, 4),
      row5('2024-01-01 14:00:00.000000 +14:00', 840),
      EXPECTED[5],
    ]);

    // SCD2: row 2's offset-only change is a new version; the old one keeps its offset, closed.
    expect(second['dto.Contacts']?.scd).toMatchObject({ versions_added: 1 });
    expect(await lakeRows('Contacts', 'IsLatest')).toEqual([
      EXPECTED[0],
      [2, '2024-03-09 13:30:30.123456 -14:00', EXPECTED[1]?.[2] ?? '', -840],
      ...EXPECTED.slice(2),
    ]);
    expect(await lakeRows('Contacts', 'NOT IsLatest')).toEqual([EXPECTED[1]]);
  });
});
