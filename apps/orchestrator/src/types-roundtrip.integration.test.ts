import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Emulator, startEmulator } from '@sync/mssql-emulator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './test-support/run-cli.js';

// Every SQL Server type × {min, max, NULL, edge} from the emulator through `sqlsync run` to
// Parquet, read back with DuckDB and compared as exact text.

const PASSWORD = 'Types!Passw0rd';
const MEGA = 'ü€😀x'.repeat(200_000); // 1 M UTF-16 code units, multi-byte in UTF-8

interface TypeCase {
  /** Column definition in T-SQL. */
  readonly ddl: string;
  /** T-SQL literals for rows 1 (min), 2 (max), 3 (NULL), 4 (edge). */
  readonly values: readonly [string, string, string, string];
  /** DuckDB expression over the lake column `{c}` giving comparable text. Defaults to `{c}::VARCHAR`. */
  readonly lake?: string;
  /** Expected lake text for the four rows. */
  readonly expected: readonly [string | null, string | null, string | null, string | null];
}

const nines = (n: number): string => '9'.repeat(n);

const CASES: Record<string, TypeCase> = {
  c_tinyint: { ddl: 'tinyint', values: ['0', '255', 'NULL', '1'], expected: ['0', '255', null, '1'] },
  c_smallint: {
    ddl: 'smallint',
    values: ['-32768', '32767', 'NULL', '0'],
    expected: ['-32768', '32767', null, '0'],
  },
  c_int: {
    ddl: 'int',
    values: ['-2147483648', '2147483647', 'NULL', '0'],
    expected: ['-2147483648', '2147483647', null, '0'],
  },
  c_bigint: {
    ddl: 'bigint',
    values: ['-9223372036854775808', '9223372036854775807', 'NULL', '-1'],
    expected: ['-9223372036854775808', '9223372036854775807', null, '-1'],
  },
  c_bit: { ddl: 'bit', values: ['0', '1', 'NULL', '1'], expected: ['false', 'true', null, 'true'] },
  c_dec38_0: {
    ddl: 'decimal(38,0)',
    values: [`-${nines(38)}`, nines(38), 'NULL', '0'],
    expected: [`-${nines(38)}`, nines(38), null, '0'],
  },
  c_dec38_10: {
    ddl: 'decimal(38,10)',
    values: [`-${nines(28)}.${nines(10)}`, `${nines(28)}.${nines(10)}`, 'NULL', '0.0000000001'],
    expected: [`-${nines(28)}.${nines(10)}`, `${nines(28)}.${nines(10)}`, null, '0.0000000001'],
  },
  c_dec38_38: {
    ddl: 'decimal(38,38)',
    values: [`-0.${nines(38)}`, `0.${nines(38)}`, 'NULL', `0.${'0'.repeat(37)}1`],
    // DuckDB prints DECIMAL(38,38) without the leading zero; the digits are what matter.
    expected: [`-.${nines(38)}`, `.${nines(38)}`, null, `.${'0'.repeat(37)}1`],
  },
  c_dec15_2: {
    ddl: 'decimal(15,2)',
    values: [`-${nines(13)}.99`, `${nines(13)}.99`, 'NULL', '-0.01'],
    expected: [`-${nines(13)}.99`, `${nines(13)}.99`, null, '-0.01'],
  },
  c_num9_4: {
    ddl: 'numeric(9,4)',
    values: ['-99999.9999', '99999.9999', 'NULL', '0.0001'],
    expected: ['-99999.9999', '99999.9999', null, '0.0001'],
  },
  c_money: {
    ddl: 'money',
    values: ['-922337203685477.5808', '922337203685477.5807', 'NULL', '0.0001'],
    expected: ['-922337203685477.5808', '922337203685477.5807', null, '0.0001'],
  },
  c_smallmoney: {
    ddl: 'smallmoney',
    values: ['-214748.3648', '214748.3647', 'NULL', '-0.0001'],
    expected: ['-214748.3648', '214748.3647', null, '-0.0001'],
  },
  c_float: {
    ddl: 'float',
    values: ['-1.7976931348623157E+308', '1.7976931348623157E+308', 'NULL', '4.9E-324'],
    expected: ['-1.7976931348623157e+308', '1.7976931348623157e+308', null, '5e-324'],
  },
  c_real: {
    ddl: 'real',
    values: ['-3.4028235E+38', '3.4028235E+38', 'NULL', '1.5'],
    lake: 'CAST({c} AS DOUBLE)::VARCHAR',
    expected: [String(Math.fround(-3.4028235e38)), String(Math.fround(3.4028235e38)), null, '1.5'],
  },
  c_date: {
    ddl: 'date',
    values: ["'0001-01-01'", "'9999-12-31'", 'NULL', "'1970-01-01'"],
    expected: ['0001-01-01', '9999-12-31', null, '1970-01-01'],
  },
  c_time: {
    ddl: 'time(7)',
    values: ["'00:00:00'", "'23:59:59.9999999'", 'NULL', "'12:34:56.1234560'"],
    expected: ['00:00:00', '23:59:59.999999', null, '12:34:56.123456'],
  },
  c_datetime2: {
    ddl: 'datetime2(7)',
    values: [
      "'0001-01-01T00:00:00'",
      "'9999-12-31T23:59:59.9999999'",
      'NULL',
      "'2024-02-29T12:00:00.1234567'",
    ],
    lake: 'epoch_us({c})::VARCHAR',
    expected: ['-62135596800000000', '253402300799999999', null, '1709208000123456'],
  },
  c_datetime2_ns: {
    ddl: 'datetime2(7)',
    values: [
      "'1677-09-22T00:00:00'",
      "'2262-04-11T23:47:16.8547758'",
      'NULL',
      "'2024-02-29T12:00:00.1234567'",
    ],
    lake: 'epoch_ns({c})::VARCHAR',
    expected: ['-9223286400000000000', '9223372036854775800', null, '1709208000123456700'],
  },
  c_datetime: {
    ddl: 'datetime',
    values: ["'1753-01-01T00:00:00'", "'9999-12-31T23:59:59.997'", 'NULL', "'2000-01-01T00:00:00.003'"],
    expected: ['1753-01-01 00:00:00', '9999-12-31 23:59:59.997', null, '2000-01-01 00:00:00.003'],
  },
  c_smalldatetime: {
    ddl: 'smalldatetime',
    values: ["'1900-01-01T00:00:00'", "'2079-06-06T23:59:00'", 'NULL', "'2000-01-01T12:30:00'"],
    expected: ['1900-01-01 00:00:00', '2079-06-06 23:59:00', null, '2000-01-01 12:30:00'],
  },
  c_datetimeoffset: {
    ddl: 'datetimeoffset(7)',
    values: [
      "'2024-01-01T00:00:00+14:00'",
      "'2024-06-30T23:59:59.1234560-14:00'",
      'NULL',
      "'9999-12-31T23:59:59.9999990+00:00'",
    ],
    lake: 'epoch_us({c})::VARCHAR',
    expected: ['1704016800000000', '1719842399123456', null, '253402300799999999'],
  },
  c_char: {
    ddl: 'char(10)',
    values: ["''", "'abcdefghij'", 'NULL', "'ab'"],
    expected: [' '.repeat(10), 'abcdefghij', null, `ab${' '.repeat(8)}`],
  },
  c_varchar: {
    ddl: 'varchar(50)',
    values: ["''", "'Latin1 éàü'", 'NULL', "'O''Brien'"],
    expected: ['', 'Latin1 éàü', null, "O'Brien"],
  },
  c_varchar_max: {
    ddl: 'varchar(max)',
    values: ["''", `'${'x'.repeat(20_000)}'`, 'NULL', "'y'"],
    expected: ['', 'x'.repeat(20_000), null, 'y'],
  },
  c_nchar: {
    ddl: 'nchar(5)',
    values: ["N''", "N'ü€😀'", 'NULL', "N'a'"],
    expected: ['     ', 'ü€😀 ', null, 'a    '],
  },
  c_nvarchar: {
    ddl: 'nvarchar(50)',
    values: ["N''", "N'emoji 😀 ü 日本語'", 'NULL', "N'O''Brien'"],
    expected: ['', 'emoji 😀 ü 日本語', null, "O'Brien"],
  },
  c_nvarchar_max: {
    ddl: 'nvarchar(max)',
    values: ["N''", `N'${MEGA}'`, 'NULL', "N'😀'"],
    expected: ['', MEGA, null, '😀'],
  },
  c_binary: {
    ddl: 'binary(4)',
    values: ['0x00000000', '0xFFFFFFFF', 'NULL', '0x0102'],
    lake: 'hex({c})',
    expected: ['00000000', 'FFFFFFFF', null, '01020000'],
  },
  c_varbinary_max: {
    ddl: 'varbinary(max)',
    values: ['0x', `0x${'DEADBEEF'.repeat(5000)}`, 'NULL', '0x00'],
    lake: 'hex({c})',
    expected: ['', 'DEADBEEF'.repeat(5000), null, '00'],
  },
  c_uniqueidentifier: {
    ddl: 'uniqueidentifier',
    values: [
      "'00000000-0000-0000-0000-000000000000'",
      "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'",
      'NULL',
      "'6F9619FF-8B86-D011-B42D-00C04FC964FF'",
    ],
    expected: [
      '00000000-0000-0000-0000-000000000000',
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      null,
      '6f9619ff-8b86-d011-b42d-00c04fc964ff',
    ],
  },
  c_xml: {
    ddl: 'xml',
    values: ["N'<a/>'", 'N\'<r><v k="1">ü</v></r>\'', 'NULL', "N'<x>1</x>'"],
    expected: ['<a/>', '<r><v k="1">ü</v></r>', null, '<x>1</x>'],
  },
};

describe('every SQL Server type round-trips through sqlsync run', () => {
  let emulator: Emulator;
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'sqlsync-types-'));
    emulator = await startEmulator({ port: 0, password: PASSWORD });
    const columns = Object.entries(CASES).map(([name, c]) => `[${name}] ${c.ddl} NULL`);
    await emulator.exec(
      `CREATE TABLE [dbo].[AllTypes] ([Id] int NOT NULL PRIMARY KEY, ${columns.join(', ')}, [c_rowversion] rowversion);`,
    );
    const names = Object.keys(CASES);
    for (let row = 0; row < 4; row++) {
      const values = Object.values(CASES).map((c) => c.values[row]);
      await emulator.exec(
        `INSERT INTO [dbo].[AllTypes] ([Id], ${names.map((n) => `[${n}]`).join(', ')}) VALUES (${row + 1}, ${values.join(', ')});`,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await emulator?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('keeps every value exactly and counts the dropped 100 ns digits', async () => {
    const lake = join(work, 'lake');
    const config = join(work, 'types.yaml');
    await writeFile(
      config,
      `database: {server: 127.0.0.1, port: ${emulator.port}, database: master, username: sa, encrypt: false}
state: {parquet_directory: ${lake}, state_directory: ${join(work, 'state')}}
static_tables:
  - table_name: AllTypes
    columns:
      c_datetime2_ns: {timestamp_precision: ns}
`,
    );
    const result = await runCli(['run', '--config', config], { ...process.env, SQLSYNC_PASSWORD: PASSWORD });
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout.trim().split('\n').pop() ?? '');

    const duckdb = await DuckDBInstance.create(':memory:');
    const connection = await duckdb.connect();
    try {
      const glob = join(lake, 'dbo', 'AllTypes', '*.parquet').replaceAll("'", "''");
      const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${glob}')`);
      const types = Object.fromEntries(described.getRows().map((r) => [String(r[0]), String(r[1])]));
      expect(types).toMatchObject({
        c_tinyint: 'UTINYINT',
        c_dec38_0: 'DECIMAL(38,0)',
        c_dec38_10: 'DECIMAL(38,10)',
        c_dec38_38: 'DECIMAL(38,38)',
        c_dec15_2: 'DECIMAL(15,2)',
        c_money: 'DECIMAL(19,4)',
        c_smallmoney: 'DECIMAL(10,4)',
        c_date: 'DATE',
        c_time: 'TIME',
        c_datetime2: 'TIMESTAMP',
        c_datetime2_ns: 'TIMESTAMP_NS',
        c_datetimeoffset: 'TIMESTAMP WITH TIME ZONE',
        c_uniqueidentifier: 'UUID',
        c_varbinary_max: 'BLOB',
        c_rowversion: 'BIGINT',
      });
      for (const [name, c] of Object.entries(CASES)) {
        const expression = (c.lake ?? '{c}::VARCHAR').replaceAll('{c}', `"${name}"`);
        const reader = await connection.runAndReadAll(
          `SELECT ${expression} FROM read_parquet('${glob}') ORDER BY "Id"`,
        );
        const got = reader.getRows().map((r) => (r[0] === null ? null : String(r[0])));
        expect({ column: name, values: got }).toEqual({ column: name, values: [...c.expected] });
      }
      const versions = await connection.runAndReadAll(
        `SELECT count(DISTINCT c_rowversion) FROM read_parquet('${glob}')`,
      );
      expect(Number(versions.getRows()[0]?.[0])).toBe(4);
      // time(7) max and datetime2(7) max and edge carry a non-zero 100 ns digit that the µs lake
      // type drops; the run says so instead of dropping them silently.
      expect(summary.tables[0].dropped_sub_microsecond_values).toBe(3);
    } finally {
      connection.closeSync();
      duckdb.closeSync();
    }
  }, 300_000);
});
