import { SqlServerError } from '../../sql-server-error.js';
import { sqlType } from '../../types/sql-type.js';
import { instantSql, offsetTextSql } from '../datetimeoffset.js';
import type { FunctionContext } from '../function-context.js';
import { convertRange } from './conversion-functions.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

const dateParts: Record<string, string> = {
  YEAR: 'year',
  YY: 'year',
  YYYY: 'year',
  QUARTER: 'quarter',
  QQ: 'quarter',
  Q: 'quarter',
  MONTH: 'month',
  MM: 'month',
  M: 'month',
  DAYOFYEAR: 'dayofyear',
  DY: 'dayofyear',
  Y: 'dayofyear',
  DAY: 'day',
  DD: 'day',
  D: 'day',
  WEEK: 'week',
  WK: 'week',
  WW: 'week',
  WEEKDAY: 'dayofweek',
  DW: 'dayofweek',
  HOUR: 'hour',
  HH: 'hour',
  MINUTE: 'minute',
  MI: 'minute',
  N: 'minute',
  SECOND: 'second',
  SS: 'second',
  S: 'second',
  MILLISECOND: 'millisecond',
  MS: 'millisecond',
  MICROSECOND: 'microsecond',
  MCS: 'microsecond',
  NANOSECOND: 'nanosecond',
  NS: 'nanosecond',
  TZOFFSET: 'tzoffset',
  TZ: 'tzoffset',
};

function datePart(ctx: FunctionContext, r: [number, number] | undefined): string {
  const tok = r === undefined ? undefined : ctx.tokens[r[0]];
  const key = tok === undefined ? '' : tok.kind === 'word' ? tok.upper : tok.value.toUpperCase();
  const part = dateParts[key];
  if (part === undefined) {
    throw new SqlServerError(155, `'${tok?.text ?? ''}' is not a recognized datepart option.`, {
      severity: 15,
    });
  }
  return part;
}

/** The offset (minutes, as SQL) of a SWITCHOFFSET / TODATETIMEOFFSET call; it must be evident. */
function requireOffset(ctx: FunctionContext, open: number, close: number, fn: string): string {
  const offset = ctx.offsetOf(open - 1, close + 1);
  if (offset === undefined) {
    throw new SqlServerError(
      8116,
      `${fn} with a computed offset is not supported by the emulator: pass '{+|-}hh:mm', minutes or a parameter.`,
    );
  }
  return offset;
}

/** GETDATE, SYSDATETIME. */
function getdate(call: FunctionCall): TranslatedCall | undefined {
  return call.done('CAST(now() AS TIMESTAMP)');
}

/** GETUTCDATE, SYSUTCDATETIME. */
function getutcdate(call: FunctionCall): TranslatedCall | undefined {
  return call.done("CAST(timezone('UTC', now()) AS TIMESTAMP)");
}

/** SYSDATETIMEOFFSET. */
function sysdatetimeoffset(call: FunctionCall): TranslatedCall | undefined {
  return call.done('now()');
}

/** DATEADD. */
function dateadd(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const args = call.args;
  const part = datePart(ctx, args[0]);
  const n = `CAST(${call.arg(1)} AS BIGINT)`;
  const interval: Record<string, string> = {
    year: `to_years(${n})`,
    quarter: `to_months(3 * ${n})`,
    month: `to_months(${n})`,
    week: `to_weeks(${n})`,
    hour: `to_hours(${n})`,
    minute: `to_minutes(${n})`,
    second: `to_seconds(${n})`,
    millisecond: `to_milliseconds(${n})`,
    microsecond: `to_microseconds(${n})`,
    // DuckDB holds microseconds: a number of nanoseconds that is not whole microseconds is
    // refused rather than added as fewer.
    nanosecond: `to_microseconds(CASE WHEN (${n}) % 1000 <> 0 THEN error('DATEADD(nanosecond, n, …) with n not a multiple of 1000 is not supported by the emulator (it keeps microseconds).') ELSE (${n}) // 1000 END)`,
  };
  const sum = `(${call.dateArg(2)} + ${interval[part] ?? `to_days(${n})`})`;
  // DuckDB turns date + interval into a timestamp; SQL Server keeps the argument's type.
  const src = args[2] === undefined ? undefined : ctx.typeOf(args[2][0], args[2][1]);
  const checked = inTypeRange(sum, src?.name);
  return call.done(src?.name === 'date' ? `CAST(${checked} AS DATE)` : checked);
}

/** Microseconds since 1970 of each type's first and last value, for DATEADD's overflow check. */
const typeRanges: Readonly<Record<string, readonly [bigint, bigint]>> = {
  date: [-62135596800000000n, 253402300799999999n],
  datetime2: [-62135596800000000n, 253402300799999999n],
  datetime: [-6847804800000000n, 253402300799999999n],
  smalldatetime: [-2208988800000000n, 3453321540000000n],
};

/**
 * A DATEADD result checked against its type's range: SQL Server fails with error 517 ("Adding a
 * value to a 'datetime2' column caused an overflow.") where DuckDB's wider TIMESTAMP would go on.
 * time wraps around and datetimeoffset keeps its own range, so neither is checked.
 */
function inTypeRange(sum: string, typeName: string | undefined): string {
  const name = typeName ?? 'datetime2';
  const range = typeRanges[name];
  if (range === undefined) {
    return sum;
  }
  return `(CASE WHEN epoch_us(${sum}) NOT BETWEEN ${range[0]} AND ${range[1]} THEN error('Adding a value to a ''${name}'' column caused an overflow.') ELSE ${sum} END)`;
}

/** DATEDIFF, DATEDIFF_BIG. */
function datediff(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const u = call.name;
  const args = call.args;
  const part = datePart(ctx, args[0]);
  const sql = `date_diff('${part === 'dayofyear' || part === 'dayofweek' ? 'day' : part}', ${call.dateArg(1)}, ${call.dateArg(2)})`;
  return call.done(u === 'DATEDIFF' ? `CAST(${sql} AS INTEGER)` : sql);
}

/** DATEPART. */
function datepart(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const args = call.args;
  const part = datePart(ctx, args[0]);
  if (part === 'tzoffset') {
    return call.done(call.offsetArg(1));
  }
  if (part === 'dayofweek') {
    return call.done(`CAST(date_part('dayofweek', ${call.clockArg(1)}) + 1 AS INTEGER)`);
  }
  if (part === 'millisecond' || part === 'microsecond' || part === 'nanosecond') {
    // SQL Server: the fraction of the second in that unit. DuckDB's parts count sub-minute.
    const micros = `(date_part('microsecond', ${call.clockArg(1)}) % 1000000)`;
    if (part === 'millisecond') {
      return call.done(`CAST(${micros} // 1000 AS INTEGER)`);
    }
    if (part === 'microsecond') {
      return call.done(`CAST(${micros} AS INTEGER)`);
    }
    const a1 = args[1];
    const digit = a1 === undefined ? undefined : ctx.hiddenDigit(a1[0], a1[1]);
    return call.done(
      `CAST(${micros} * 1000${digit === undefined ? '' : ` + CAST(${digit} AS INTEGER) * 100`} AS INTEGER)`,
    );
  }
  return call.done(`CAST(date_part('${part}', ${call.clockArg(1)}) AS INTEGER)`);
}

/** DATENAME. */
function datename(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const args = call.args;
  const part = datePart(ctx, args[0]);
  if (part === 'tzoffset') {
    return call.done(offsetTextSql(call.offsetArg(1)));
  }
  if (part === 'month') {
    return call.done(`monthname(${call.clockArg(1)})`);
  }
  if (part === 'dayofweek') {
    return call.done(`dayname(${call.clockArg(1)})`);
  }
  return call.done(`CAST(date_part('${part}', ${call.clockArg(1)}) AS VARCHAR)`);
}

/** SWITCHOFFSET. */
function switchoffset(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const u = call.name;
  const args = call.args;
  const open = call.open;
  const close = call.close;
  // The same instant, shown at another offset (which the select list carries beside it).
  const r = args[0];
  const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
  requireOffset(ctx, open, close, u);
  return call.done(
    r === undefined || src?.name === 'datetimeoffset'
      ? call.arg(0)
      : convertRange(ctx, r[0], r[1], sqlType('datetimeoffset', 7), undefined, false),
  );
}

/** TODATETIMEOFFSET. */
function todatetimeoffset(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const u = call.name;
  const open = call.open;
  const close = call.close;
  // A local clock time at the given offset.
  return call.done(instantSql(call.dateArg(0), requireOffset(ctx, open, close, u)));
}

/** YEAR, MONTH, DAY. */
function year(call: FunctionCall): TranslatedCall | undefined {
  const u = call.name;
  return call.done(`CAST(${u.toLowerCase()}(${call.clockArg(0)}) AS INTEGER)`);
}

/** EOMONTH. */
function eomonth(call: FunctionCall): TranslatedCall | undefined {
  const args = call.args;
  return call.done(
    args.length >= 2
      ? `last_day(CAST(${call.arg(0)} AS DATE) + to_months(${call.arg(1)}))`
      : `last_day(CAST(${call.arg(0)} AS DATE))`,
  );
}

/** DATEFROMPARTS. */
function datefromparts(call: FunctionCall): TranslatedCall | undefined {
  return call.done(`make_date(${call.arg(0)}, ${call.arg(1)}, ${call.arg(2)})`);
}

/**
 * Date and time functions: SQL Server's date parts, DATEADD keeping the argument's type, datetimeoffsets read at their local clock time.
 *
 * @example
 * dateFunctions.GETDATE?.(call)
 */
export const dateFunctions: Readonly<Record<string, FunctionTranslator>> = {
  GETDATE: getdate,
  SYSDATETIME: getdate,
  GETUTCDATE: getutcdate,
  SYSUTCDATETIME: getutcdate,
  SYSDATETIMEOFFSET: sysdatetimeoffset,
  DATEADD: dateadd,
  DATEDIFF: datediff,
  DATEDIFF_BIG: datediff,
  DATEPART: datepart,
  DATENAME: datename,
  SWITCHOFFSET: switchoffset,
  TODATETIMEOFFSET: todatetimeoffset,
  YEAR: year,
  MONTH: year,
  DAY: year,
  EOMONTH: eomonth,
  DATEFROMPARTS: datefromparts,
};
