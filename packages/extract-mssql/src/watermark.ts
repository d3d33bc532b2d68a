import { type SourceColumn, SqlSyncError } from '@sync/core';
import type { TableReadPlan } from './catalog.js';
import type { ConnectionPool } from './connection-pool.js';
import { predicateParameters, type RowPredicate } from './predicate.js';
import { queryRows } from './query-rows.js';
import { qualifiedName, quoteIdentifier } from './tsql.js';

/**
 * The SQL Server type of a last-modified column, spelt as in T-SQL (`CAST(x AS <type>)`): the
 * types whose style 121 text orders like the values and whose arithmetic is exact on that text.
 * `datetimeoffset` (its text orders by local time, not by instant), `rowversion`, integers and
 * strings are not last-modified columns.
 *
 * @example
 * const type: LastModifiedType = lastModifiedType(plan, 'ModifiedAt'); // 'datetime2(7)'
 * `CAST(SYSDATETIME() AS ${type})`;
 */
export type LastModifiedType =
  | 'date'
  | 'smalldatetime'
  | 'datetime'
  | `datetime2(${0 | 1 | 2 | 3 | 4 | 5 | 6 | 7})`;

/**
 * A table's watermark as the source reports it: `value` is `MAX(<column>)` over the rows matching
 * the predicate (`null` when none), `sourceNow` the server's `SYSDATETIME()` cast to the column's
 * type, both as `CONVERT(varchar(40), …, 121)` writes them for that type. They never pass through
 * a JS `Date`, which would drop datetime2's 7th digit.
 *
 * @example
 * const { value, sourceNow } = await source.watermark(plan, 'ModifiedAt');
 * // value: '2024-03-01 09:15:00.1234567' (null for an empty table), sourceNow: '2024-03-02 06:00:00.0000000'
 */
export interface SourceWatermark {
  /** `2024-01-01 10:00:00.1234567` (datetime2(7)), `….003` (datetime), `….000` (smalldatetime), `2024-01-01` (date); `null` for no rows. */
  readonly value: string | null;
  /** The source's clock at the same statement, in the same type and format: the run's snapshot time. */
  readonly sourceNow: string;
  /** The column's type; `value` and `sourceNow` are its style 121 text. */
  readonly type: LastModifiedType;
}

const SUPPORTED = 'date, smalldatetime, datetime or datetime2';

/** The parameter {@link watermarkPredicate} binds; named so it cannot clash with a partition's or a key's. */
const WATERMARK_PARAMETER = 'sqlsync_watermark';

function tableIdOf(plan: TableReadPlan): string {
  return `${plan.schema.schemaName}.${plan.schema.tableName}`;
}

/** The planned column of that name: the exact name first, else the only one equal ignoring case (SQL Server's default collations). */
function findColumn(plan: TableReadPlan, name: string): SourceColumn | undefined {
  const exact = plan.schema.columns.find((c) => c.name === name);
  if (exact !== undefined) {
    return exact;
  }
  const folded = plan.schema.columns.filter((c) => c.name.toLowerCase() === name.toLowerCase());
  return folded.length === 1 ? folded[0] : undefined;
}

function typeOf(column: SourceColumn): LastModifiedType | undefined {
  switch (column.sqlType) {
    case 'date':
    case 'smalldatetime':
    case 'datetime':
      return column.sqlType;
    case 'datetime2':
      return `datetime2(${Math.min(Math.max(column.scale, 0), 7) as 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7})`;
    default:
      return undefined;
  }
}

/**
 * Why `column` cannot be the table's last-modified column — it is not a column the table is read
 * with, or its type is not date, smalldatetime, datetime or datetime2(n) — as the CONFIG_INVALID
 * message to show; `undefined` when it can.
 *
 * @example
 * lastModifiedProblem(plan, 'ModifiedAt') // undefined for a datetime2(7) column
 * lastModifiedProblem(plan, 'Version')
 * // 'dbo.Customers: last_modified_column Version is rowversion; it must be date, smalldatetime, datetime or datetime2 …'
 */
export function lastModifiedProblem(plan: TableReadPlan, column: string): string | undefined {
  const found = findColumn(plan, column);
  if (found === undefined) {
    return `${tableIdOf(plan)}: last_modified_column ${column} is not a column of the table (columns: ${plan.schema.columns.map((c) => c.name).join(', ')})`;
  }
  if (typeOf(found) !== undefined) {
    return undefined;
  }
  const type = found.sqlType === 'timestamp' ? 'rowversion' : found.sqlType;
  const why =
    type === 'datetimeoffset'
      ? ' (its values order by UTC instant, their text by local time)'
      : ' (the watermark is a point in time compared and moved back by lookback_minutes)';
  return `${tableIdOf(plan)}: last_modified_column ${found.name} is ${type}; it must be ${SUPPORTED}${why}`;
}

/**
 * The type of the table's last-modified column, or CONFIG_INVALID (naming the table, the column
 * and `last_modified_column`) with {@link lastModifiedProblem}'s message.
 *
 * @example
 * lastModifiedType(plan, 'ModifiedAt') // 'datetime2(7)'
 */
export function lastModifiedType(plan: TableReadPlan, column: string): LastModifiedType {
  const found = findColumn(plan, column);
  const type = found === undefined ? undefined : typeOf(found);
  if (type === undefined) {
    throw new SqlSyncError('CONFIG_INVALID', lastModifiedProblem(plan, column) ?? column, {
      context: { table: tableIdOf(plan), column, configPath: 'last_modified_column' },
    });
  }
  return type;
}

function lastModifiedColumn(plan: TableReadPlan, column: string): { quoted: string; type: LastModifiedType } {
  const type = lastModifiedType(plan, column);
  return { quoted: quoteIdentifier((findColumn(plan, column) as SourceColumn).name), type };
}

/**
 * The statement {@link sourceWatermark} sends: the column's MAX and the server's clock, both in
 * style 121 of the column's type, over the rows matching the predicate.
 *
 * @example
 * watermarkStatement(plan, 'ModifiedAt')
 * // 'SELECT CONVERT(varchar(40), MAX([ModifiedAt]), 121) AS [watermark],
 * //   CONVERT(varchar(40), CAST(SYSDATETIME() AS datetime2(7)), 121) AS [source_now] FROM [dbo].[Customers];'
 */
export function watermarkStatement(plan: TableReadPlan, column: string, predicate?: RowPredicate): string {
  const { quoted, type } = lastModifiedColumn(plan, column);
  const where = predicate === undefined ? '' : ` WHERE ${predicate.sql}`;
  return `SELECT CONVERT(varchar(40), MAX(${quoted}), 121) AS [watermark], CONVERT(varchar(40), CAST(SYSDATETIME() AS ${type}), 121) AS [source_now] FROM ${qualifiedName(plan.schema.schemaName, plan.schema.tableName)}${where};`;
}

/**
 * Reads the table's watermark and the source's clock in one statement (see {@link SourceWatermark}).
 * CONFIG_INVALID when the column cannot be a last-modified column.
 *
 * @example
 * await sourceWatermark(pool, plan, 'ModifiedAt')
 * // { value: '2024-03-01 09:15:00.1234567', sourceNow: '2024-03-02 06:00:00.0000000', type: 'datetime2(7)' }
 */
export async function sourceWatermark(
  pool: ConnectionPool,
  plan: TableReadPlan,
  column: string,
  predicate?: RowPredicate,
): Promise<SourceWatermark> {
  const type = lastModifiedType(plan, column);
  const rows = await queryRows(
    pool,
    watermarkStatement(plan, column, predicate),
    predicateParameters(predicate),
    tableIdOf(plan),
  );
  const row = rows[0] ?? {};
  const value = row.watermark === null || row.watermark === undefined ? null : String(row.watermark);
  return { value, sourceNow: String(row.source_now), type };
}

/**
 * The rows modified after `after` (a watermark text of the column's type, e.g. from
 * {@link watermarkLowerBound}): `[col] > CONVERT(<type>, @sqlsync_watermark, 121)`, the text bound
 * as nvarchar.
 *
 * The text is converted to the column's own type, never to datetime2: SQL Server 2016+ converts
 * datetime to datetime2 exactly (`.003` becomes `.0033333`), so a datetime column compared with a
 * datetime2 bound would re-read its last rows on every run. Style 121 reads `yyyy-mm-dd
 * hh:mi:ss.fffffff` whatever the login's language or `SET DATEFORMAT` (a plain CAST of that text
 * to datetime reads `yyyy-dd-mm` under `dmy`).
 *
 * @example
 * watermarkPredicate(plan, 'ModifiedAt', '2024-03-01 09:10:00.1234567')
 * // { sql: '[ModifiedAt] > CONVERT(datetime2(7), @sqlsync_watermark, 121)',
 * //   params: [{ name: 'sqlsync_watermark', type: 'nvarchar', value: '2024-03-01 09:10:00.1234567' }] }
 */
export function watermarkPredicate(plan: TableReadPlan, column: string, after: string): RowPredicate {
  const { quoted, type } = lastModifiedColumn(plan, column);
  parseWatermark(after, type, { table: tableIdOf(plan), column });
  return {
    sql: `${quoted} > CONVERT(${type}, @${WATERMARK_PARAMETER}, 121)`,
    params: [{ name: WATERMARK_PARAMETER, type: 'nvarchar', value: after }],
  };
}

/** A watermark text taken apart: the day (0 = 0001-01-01), minutes of the day, and the rest as written. */
interface ParsedWatermark {
  readonly day: number;
  readonly minuteOfDay: number;
  /** `:ss` plus the fraction as written (`:07.003`), empty for a date. */
  readonly secondsText: string;
}

const TIME_DIGITS: Readonly<Record<LastModifiedType, number | undefined>> = {
  date: undefined,
  smalldatetime: 3,
  datetime: 3,
  'datetime2(0)': 0,
  'datetime2(1)': 1,
  'datetime2(2)': 2,
  'datetime2(3)': 3,
  'datetime2(4)': 4,
  'datetime2(5)': 5,
  'datetime2(6)': 6,
  'datetime2(7)': 7,
};

/** The first day of each type, as a day number: below it, CONVERT fails (error 242). */
const FIRST_DAY: Readonly<Record<'date' | 'datetime2' | 'datetime' | 'smalldatetime', number>> = {
  date: 0,
  datetime2: 0,
  datetime: dayNumber(1753, 1, 1),
  smalldatetime: dayNumber(1900, 1, 1),
};

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Days from 0001-01-01 to the first day of `year` in the proleptic Gregorian calendar (SQL Server's). */
function daysBeforeYear(year: number): number {
  const y = year - 1;
  return 365 * y + Math.floor(y / 4) - Math.floor(y / 100) + Math.floor(y / 400);
}

function dayNumber(year: number, month: number, day: number): number {
  let days = daysBeforeYear(year) + day - 1;
  for (let m = 1; m < month; m++) {
    days += daysInMonth(year, m);
  }
  return days;
}

function civilDay(day: number): { year: number; month: number; day: number } {
  let year = Math.floor(day / 365.2425) + 1;
  while (daysBeforeYear(year) > day) {
    year--;
  }
  while (daysBeforeYear(year + 1) <= day) {
    year++;
  }
  let rest = day - daysBeforeYear(year);
  let month = 1;
  while (rest >= daysInMonth(year, month)) {
    rest -= daysInMonth(year, month);
    month++;
  }
  return { year, month, day: rest + 1 };
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

function formatDay(day: number): string {
  const c = civilDay(day);
  return `${pad(c.year, 4)}-${pad(c.month, 2)}-${pad(c.day, 2)}`;
}

function parseWatermark(
  text: string,
  type: LastModifiedType,
  context?: { table: string; column: string },
): ParsedWatermark {
  const digits = TIME_DIGITS[type];
  const time =
    digits === undefined ? '' : ` (\\d{2}):(\\d{2})(:\\d{2}${digits === 0 ? '' : `\\.\\d{${digits}}`})`;
  const match = new RegExp(`^(\\d{4})-(\\d{2})-(\\d{2})${time}$`).exec(text);
  const [year, month, day, hour, minute] = (match?.slice(1, 6) ?? []).map(Number);
  const secondsText = match?.[6] ?? '';
  const valid =
    match !== null &&
    year !== undefined &&
    year >= 1 &&
    month !== undefined &&
    month >= 1 &&
    month <= 12 &&
    day !== undefined &&
    day >= 1 &&
    day <= daysInMonth(year, month) &&
    (digits === undefined ||
      (hour !== undefined &&
        hour < 24 &&
        minute !== undefined &&
        minute < 60 &&
        Number(secondsText.slice(1, 3)) < 60));
  if (!valid || year === undefined || month === undefined || day === undefined) {
    const shape =
      digits === undefined
        ? 'yyyy-mm-dd'
        : `yyyy-mm-dd hh:mi:ss${digits === 0 ? '' : `.${'f'.repeat(digits)}`}`;
    throw new SqlSyncError(
      'VALUE_INVALID',
      `${context === undefined ? '' : `${context.table}.${context.column}: `}watermark ${JSON.stringify(text)} is not a ${type} value as CONVERT style 121 writes it (${shape})`,
      context === undefined ? {} : { context },
    );
  }
  return {
    day: dayNumber(year, month, day),
    minuteOfDay: digits === undefined ? 0 : (hour ?? 0) * 60 + (minute ?? 0),
    secondsText,
  };
}

function firstDay(type: LastModifiedType): number {
  return FIRST_DAY[
    type.startsWith('datetime2') ? 'datetime2' : (type as 'date' | 'datetime' | 'smalldatetime')
  ];
}

/**
 * The lower bound of an incremental read: `watermark` moved back `lookbackMinutes` minutes, as
 * text of the same type and format (style 121 of `type`), computed exactly on the text — day
 * numbers of the proleptic Gregorian calendar and whole minutes, so seconds and fractions (a
 * datetime's `.003`, datetime2's 7th digit) are kept as written, and no JS `Date` rounds them.
 * A `date` column moves back whole days: `ceil(lookbackMinutes / 1440)`. A bound before the
 * type's first day (0001-01-01; datetime 1753-01-01; smalldatetime 1900-01-01) is that day at
 * 00:00: rows at the very first instant are not re-read, but they are not after the watermark
 * either. VALUE_INVALID when `watermark` is not such a text; USAGE for a negative or fractional
 * `lookbackMinutes`.
 *
 * @example
 * watermarkLowerBound('2024-03-01 00:04:59.1234567', 10, 'datetime2(7)') // '2024-02-29 23:54:59.1234567'
 * watermarkLowerBound('2024-01-01 00:00:00.003', 0, 'datetime') // '2024-01-01 00:00:00.003'
 * watermarkLowerBound('2024-01-01', 1, 'date') // '2023-12-31'
 * watermarkLowerBound('0001-01-01 00:03:00.0000000', 5, 'datetime2(7)') // '0001-01-01 00:00:00.0000000'
 */
export function watermarkLowerBound(
  watermark: string,
  lookbackMinutes: number,
  type: LastModifiedType,
): string {
  if (!Number.isSafeInteger(lookbackMinutes) || lookbackMinutes < 0) {
    throw new SqlSyncError(
      'USAGE',
      `watermarkLowerBound: lookbackMinutes must be a whole number >= 0, got ${lookbackMinutes}`,
    );
  }
  const parsed = parseWatermark(watermark, type);
  const first = firstDay(type);
  if (type === 'date') {
    const day = parsed.day - Math.ceil(lookbackMinutes / 1440);
    return formatDay(Math.max(day, first));
  }
  // Minutes since 0001-01-01 stay below 2^53 (9999 years are about 5.3e9 minutes); lookbackMinutes
  // is a safe integer, so the difference is exact too.
  const minutes = parsed.day * 1440 + parsed.minuteOfDay - lookbackMinutes;
  const digits = TIME_DIGITS[type] ?? 0;
  if (minutes < first * 1440) {
    return `${formatDay(first)} 00:00:00${digits === 0 ? '' : `.${'0'.repeat(digits)}`}`;
  }
  const day = Math.floor(minutes / 1440);
  const minuteOfDay = minutes - day * 1440;
  return `${formatDay(day)} ${pad(Math.floor(minuteOfDay / 60), 2)}:${pad(minuteOfDay % 60, 2)}${parsed.secondsText}`;
}
