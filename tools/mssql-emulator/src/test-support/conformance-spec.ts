/**
 * The conformance spec of the emulator's types: per SQL Server type, the values that must
 * round-trip through `mssql` (tedious) unchanged — min, max, NULL and the edges our extractor
 * depends on. `conformance.test.ts` writes each value twice (as a T-SQL literal in an INSERT,
 * and, where the client type can carry it, as a typed `sp_executesql` parameter) and reads both
 * back with a plain SELECT: they must equal `js`, the value tedious hands out for that type on
 * real SQL Server.
 */
import sql from 'mssql';

/** One value of the spec. */
export interface Value {
  /** The T-SQL literal inserted. */
  readonly sql: string;
  /** What tedious returns when the value is read back. */
  readonly js: unknown;
  /** The parameter value sent as a typed sp_executesql parameter. Defaults to `js`. */
  readonly param?: unknown;
  /** Why this value cannot be sent as a parameter (the client type cannot carry it). */
  readonly literalOnly?: string;
  /** What the type's `show` expression gives for the stored value (both for literal and parameter). */
  readonly shown?: string;
}

/** The spec of one declared type. */
export interface TypeSpec {
  /** The column type as declared in CREATE TABLE. */
  readonly type: string;
  /** The `mssql` parameter type. */
  readonly param: sql.ISqlType | (() => sql.ISqlType);
  /** The read expression over column `v` when tedious cannot hand the value out exactly. */
  readonly read?: string;
  /** A T-SQL text expression over `v` for what tedious does not hand out (a datetimeoffset's offset). */
  readonly show?: string;
  readonly values: readonly Value[];
}

/** A UTC instant as tedious returns it: a Date plus the sub-millisecond part in seconds. */
function instant(iso: string, ticksBelowMs = 0): Date {
  const d = new Date(iso);
  const delta = ticksBelowMs / 1e7;
  // tedious reads `nanosecondsDelta`; its parameter encoders read `nanosecondDelta`.
  Object.defineProperty(d, 'nanosecondsDelta', { value: delta, enumerable: false });
  Object.defineProperty(d, 'nanosecondDelta', { value: delta, enumerable: false });
  return d;
}

/**
 * A datetimeoffset parameter value: the UTC instant, sent with offset `minutes`. tedious writes
 * the offset as `-value.getTimezoneOffset()`, so the Date reports the zone the value was written in.
 */
function atOffset(iso: string, minutes: number, ticksBelowMs = 0): Date {
  const d = instant(iso, ticksBelowMs);
  Object.defineProperty(d, 'getTimezoneOffset', { value: () => -minutes, enumerable: false });
  return d;
}

const hex = (h: string): Buffer => Buffer.from(h, 'hex');
const NULL: Value = { sql: 'NULL', js: null };
const TEN_MB_NVARCHAR = 'aé😀€'.repeat((5 * 1024 * 1024) / 5); // 5 Mi UTF-16 units = 10 MiB
const ONE_MB_BINARY = Buffer.alloc(1024 * 1024, 0xa5);
const LONG_VARCHAR = 'café €'.repeat(20_000);
const DEC38 = '9'.repeat(38);

export const conformance: readonly TypeSpec[] = [
  {
    type: 'tinyint',
    param: sql.TinyInt,
    values: [{ sql: '0', js: 0 }, { sql: '255', js: 255 }, NULL],
  },
  {
    type: 'smallint',
    param: sql.SmallInt,
    values: [{ sql: '-32768', js: -32768 }, { sql: '32767', js: 32767 }, NULL],
  },
  {
    type: 'int',
    param: sql.Int,
    values: [
      { sql: '-2147483648', js: -2147483648 },
      { sql: '2147483647', js: 2147483647 },
      { sql: '0', js: 0 },
      NULL,
    ],
  },
  {
    type: 'bigint',
    param: sql.BigInt,
    // tedious returns bigint as a decimal string.
    values: [
      { sql: '-9223372036854775808', js: '-9223372036854775808' },
      { sql: '9223372036854775807', js: '9223372036854775807' },
      NULL,
    ],
  },
  {
    type: 'bit',
    param: sql.Bit,
    values: [{ sql: '0', js: false }, { sql: '1', js: true }, NULL],
  },
  {
    type: 'decimal(38,0)',
    param: () => sql.Decimal(38, 0),
    // tedious decodes decimals into doubles: read the exact text instead.
    read: 'CONVERT(varchar(41), v)',
    values: [
      { sql: DEC38, js: DEC38, literalOnly: 'tedious sends decimals from doubles' },
      { sql: `-${DEC38}`, js: `-${DEC38}`, literalOnly: 'tedious sends decimals from doubles' },
      { sql: '0', js: '0', param: 0 },
      { sql: '123456789012345', js: '123456789012345', param: 123456789012345 },
      NULL,
    ],
  },
  {
    type: 'decimal(38,38)',
    param: () => sql.Decimal(38, 38),
    // A decimal(p,s) converts to at most p + 2 characters (sign, point, p digits), so with
    // p = s SQL Server writes no leading zero.
    read: 'CONVERT(varchar(41), v)',
    values: [
      { sql: `0.${DEC38}`, js: `.${DEC38}`, literalOnly: 'tedious sends decimals from doubles' },
      { sql: `-0.${DEC38}`, js: `-.${DEC38}`, literalOnly: 'tedious sends decimals from doubles' },
      { sql: '0.5', js: `.5${'0'.repeat(37)}`, literalOnly: 'tedious cannot encode 5E37 units (> 2^64)' },
      NULL,
    ],
  },
  {
    type: 'numeric(5,2)',
    param: () => sql.Numeric(5, 2),
    values: [{ sql: '-999.99', js: -999.99 }, { sql: '999.99', js: 999.99 }, { sql: '0.01', js: 0.01 }, NULL],
  },
  {
    type: 'decimal(1,0)',
    param: () => sql.Decimal(1, 0),
    values: [{ sql: '-9', js: -9 }, { sql: '9', js: 9 }, NULL],
  },
  {
    type: 'decimal(19,4)',
    param: () => sql.Decimal(19, 4),
    read: 'CONVERT(varchar(41), v)',
    values: [
      { sql: '-999999999999999.9999', js: '-999999999999999.9999', literalOnly: 'beyond a double' },
      { sql: '12345.6789', js: '12345.6789', param: 12345.6789 },
      NULL,
    ],
  },
  {
    type: 'money',
    param: sql.Money,
    // tedious decodes money into a double; the exact text is checked through CONVERT below.
    values: [
      // The nearest doubles, as tedious decodes them.
      { sql: '-922337203685477.5808', js: Number('-922337203685477.5808') },
      {
        sql: '922337203685477.5807',
        js: Number('922337203685477.5807'),
        literalOnly: '2^63-1 ten-thousandths is not a double',
      },
      { sql: '0.0001', js: 0.0001 },
      NULL,
    ],
  },
  {
    type: 'money',
    param: sql.Money,
    read: 'CONVERT(varchar(30), v, 2)',
    values: [
      {
        sql: '-922337203685477.5808',
        js: '-922337203685477.5808',
        // -2^63 ten-thousandths: exact as a double.
        param: Number('-922337203685477.5808'),
      },
      { sql: '922337203685477.5807', js: '922337203685477.5807', literalOnly: 'not a double' },
      NULL,
    ],
  },
  {
    type: 'smallmoney',
    param: sql.SmallMoney,
    values: [{ sql: '-214748.3648', js: -214748.3648 }, { sql: '214748.3647', js: 214748.3647 }, NULL],
  },
  {
    type: 'float',
    param: sql.Float,
    values: [
      { sql: '-1.79E+308', js: -1.79e308 },
      { sql: '1.79E+308', js: 1.79e308 },
      // The smallest normal double, SQL Server's documented lower bound (2.23E-308).
      { sql: '2.2250738585072014E-308', js: 2.2250738585072014e-308 },
      { sql: '-2.23E-308', js: -2.23e-308 },
      { sql: '0', js: 0 },
      NULL,
    ],
  },
  {
    type: 'real',
    param: sql.Real,
    values: [
      { sql: '-3.40E+38', js: Math.fround(-3.4e38) },
      { sql: '3.40E+38', js: Math.fround(3.4e38) },
      { sql: '1.18E-38', js: Math.fround(1.18e-38) },
      NULL,
    ],
  },
  {
    type: 'date',
    param: sql.Date,
    values: [
      { sql: "'0001-01-01'", js: instant('0001-01-01T00:00:00Z') },
      { sql: "'9999-12-31'", js: instant('9999-12-31T00:00:00Z') },
      { sql: "'2024-02-29'", js: instant('2024-02-29T00:00:00Z') },
      NULL,
    ],
  },
  {
    type: 'time(0)',
    param: () => sql.Time(0),
    values: [
      { sql: "'00:00:00'", js: instant('1970-01-01T00:00:00Z') },
      { sql: "'23:59:59'", js: instant('1970-01-01T23:59:59Z') },
      NULL,
    ],
  },
  {
    type: 'time(3)',
    param: () => sql.Time(3),
    values: [{ sql: "'12:34:56.789'", js: instant('1970-01-01T12:34:56.789Z') }, NULL],
  },
  {
    type: 'time(7)',
    param: () => sql.Time(7),
    values: [
      { sql: "'23:59:59.9999999'", js: instant('1970-01-01T23:59:59.999Z', 9999) },
      { sql: "'00:00:00.0000001'", js: instant('1970-01-01T00:00:00.000Z', 1) },
      NULL,
    ],
  },
  {
    type: 'datetime',
    param: sql.DateTime,
    values: [
      { sql: "'1753-01-01T00:00:00'", js: instant('1753-01-01T00:00:00Z') },
      { sql: "'9999-12-31T23:59:59.997'", js: instant('9999-12-31T23:59:59.997Z') },
      NULL,
    ],
  },
  {
    type: 'smalldatetime',
    param: sql.SmallDateTime,
    values: [
      { sql: "'1900-01-01T00:00:00'", js: instant('1900-01-01T00:00:00Z') },
      { sql: "'2079-06-06T23:59:00'", js: instant('2079-06-06T23:59:00Z') },
      NULL,
    ],
  },
  {
    type: 'datetime2(7)',
    param: () => sql.DateTime2(7),
    values: [
      { sql: "'0001-01-01'", js: instant('0001-01-01T00:00:00Z') },
      { sql: "'9999-12-31 23:59:59.9999999'", js: instant('9999-12-31T23:59:59.999Z', 9999) },
      NULL,
    ],
  },
  {
    type: 'datetime2(0)',
    param: () => sql.DateTime2(0),
    values: [{ sql: "'9999-12-31 23:59:59'", js: instant('9999-12-31T23:59:59Z') }, NULL],
  },
  {
    type: 'datetimeoffset(7)',
    param: () => sql.DateTimeOffset(7),
    // tedious returns the UTC instant (it skips the offset on the wire); the offset the value was
    // written with is shown by CONVERT(…, 121): the local time and the offset.
    show: 'CONVERT(varchar(34), v, 121)',
    values: [
      {
        sql: "'2024-06-01 12:00:00.1234567 -14:00'",
        js: instant('2024-06-02T02:00:00.123Z', 4567),
        param: atOffset('2024-06-02T02:00:00.123Z', -840, 4567),
        shown: '2024-06-01 12:00:00.1234567 -14:00',
      },
      {
        sql: "'2024-06-01 12:00:00.1234567 +14:00'",
        js: instant('2024-05-31T22:00:00.123Z', 4567),
        param: atOffset('2024-05-31T22:00:00.123Z', 840, 4567),
        shown: '2024-06-01 12:00:00.1234567 +14:00',
      },
      {
        sql: "'2024-06-01 12:00:00.1234567 +05:45'",
        js: instant('2024-06-01T06:15:00.123Z', 4567),
        param: atOffset('2024-06-01T06:15:00.123Z', 345, 4567),
        shown: '2024-06-01 12:00:00.1234567 +05:45',
      },
      {
        sql: "'2024-06-01 12:00:00 +00:00'",
        js: instant('2024-06-01T12:00:00Z'),
        param: atOffset('2024-06-01T12:00:00Z', 0),
        shown: '2024-06-01 12:00:00.0000000 +00:00',
      },
      {
        sql: "'0001-01-01 00:00:00 -14:00'",
        js: instant('0001-01-01T14:00:00Z'),
        param: atOffset('0001-01-01T14:00:00Z', -840),
        shown: '0001-01-01 00:00:00.0000000 -14:00',
      },
      {
        sql: "'9999-12-31 23:59:59.9999999 +14:00'",
        js: instant('9999-12-31T09:59:59.999Z', 9999),
        param: atOffset('9999-12-31T09:59:59.999Z', 840, 9999),
        shown: '9999-12-31 23:59:59.9999999 +14:00',
      },
      NULL,
    ],
  },
  {
    type: 'datetimeoffset(0)',
    param: () => sql.DateTimeOffset(0),
    show: 'CONVERT(varchar(34), v, 126)',
    values: [
      {
        sql: "'2024-06-01T12:00:00-14:00'",
        js: instant('2024-06-02T02:00:00Z'),
        param: atOffset('2024-06-02T02:00:00Z', -840),
        shown: '2024-06-01T12:00:00-14:00',
      },
      {
        sql: "'2024-06-01 12:00:00 +05:45'",
        js: instant('2024-06-01T06:15:00Z'),
        param: atOffset('2024-06-01T06:15:00Z', 345),
        shown: '2024-06-01T12:00:00+05:45',
      },
      NULL,
    ],
  },
  {
    type: 'char(5)',
    param: () => sql.Char(5),
    values: [
      { sql: "'ab'", js: 'ab   ', param: 'ab' },
      { sql: "'café€'", js: 'café€' },
      { sql: "''", js: '     ', param: '' },
      NULL,
    ],
  },
  {
    type: 'varchar(10)',
    param: () => sql.VarChar(10),
    values: [
      { sql: "'café €'", js: 'café €' },
      { sql: "''", js: '' },
      { sql: "'0123456789'", js: '0123456789' },
      NULL,
    ],
  },
  {
    type: 'varchar(max)',
    param: () => sql.VarChar(sql.MAX),
    values: [{ sql: `'${LONG_VARCHAR}'`, js: LONG_VARCHAR }, NULL],
  },
  {
    type: 'nchar(3)',
    param: () => sql.NChar(3),
    // An emoji is two UTF-16 code units of the three.
    values: [{ sql: "N'😀'", js: '😀 ', param: '😀' }, { sql: "N'aé€'", js: 'aé€' }, NULL],
  },
  {
    type: 'nvarchar(10)',
    param: () => sql.NVarChar(10),
    values: [{ sql: "N'😀é€'", js: '😀é€' }, { sql: "N''", js: '' }, { sql: "N'it''s'", js: "it's" }, NULL],
  },
  {
    type: 'nvarchar(max)',
    param: () => sql.NVarChar(sql.MAX),
    values: [{ sql: `N'${TEN_MB_NVARCHAR}'`, js: TEN_MB_NVARCHAR }, { sql: "N'😀'", js: '😀' }, NULL],
  },
  {
    type: 'binary(4)',
    param: sql.Binary,
    values: [
      // tedious declares binary(4) but sends only the buffer's bytes for a shorter one, a stream
      // SQL Server rejects too: parameters must be full length.
      { sql: '0x01', js: hex('01000000') },
      { sql: '0xDEADBEEF', js: hex('deadbeef') },
      NULL,
    ],
  },
  {
    type: 'varbinary(8)',
    param: () => sql.VarBinary(8),
    values: [{ sql: '0x00FF', js: hex('00ff') }, { sql: '0x', js: Buffer.alloc(0) }, NULL],
  },
  {
    type: 'varbinary(max)',
    param: () => sql.VarBinary(sql.MAX),
    values: [{ sql: `0x${ONE_MB_BINARY.toString('hex')}`, js: ONE_MB_BINARY }, NULL],
  },
  {
    type: 'uniqueidentifier',
    param: sql.UniqueIdentifier,
    // tedious formats SQL Server's mixed-endian bytes back to the canonical upper-case text.
    values: [
      { sql: "'6F9619FF-8B86-D011-B42D-00C04FC964FF'", js: '6F9619FF-8B86-D011-B42D-00C04FC964FF' },
      { sql: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", js: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' },
      { sql: "'00000000-0000-0000-0000-000000000000'", js: '00000000-0000-0000-0000-000000000000' },
      { sql: "'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF'", js: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF' },
      NULL,
    ],
  },
  {
    type: 'uniqueidentifier',
    param: sql.UniqueIdentifier,
    // SQL Server stores the first three groups little-endian.
    read: 'CAST(v AS varbinary(16))',
    values: [
      {
        sql: "'6F9619FF-8B86-D011-B42D-00C04FC964FF'",
        js: hex('ff19966f868b11d0b42d00c04fc964ff'),
        param: '6F9619FF-8B86-D011-B42D-00C04FC964FF',
      },
    ],
  },
  {
    type: 'xml',
    param: sql.Xml,
    values: [{ sql: `N'<a b="1">x é 😀</a>'`, js: '<a b="1">x é 😀</a>' }, NULL],
  },
];
