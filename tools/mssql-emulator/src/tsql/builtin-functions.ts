import { metaSchema, quoteString } from '../catalog.js';
import { isHashAlgorithm } from '../host-functions.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { type SqlType, sqlType } from '../types/sql-type.js';
import { translateChecksum } from './checksum-sql.js';
import { castTo } from './convert.js';
import { instantSql, localClockSql, offsetLiteral, offsetTextSql } from './datetimeoffset.js';
import type { FunctionContext } from './function-context.js';
import { innerRange, isOp, isWord, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';

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

/**
 * Translates a call of built-in function `u` whose `(` is at `open`: the SQL and where the call
 * ends, or undefined when DuckDB has the same function and the call passes through as written.
 *
 * @example
 * translateFunction(ctx, 'ISNULL', 1) // { sql: 'coalesce("a", 0)', next: 6 } for ISNULL([a], 0)
 */
export function translateFunction(
  ctx: FunctionContext,
  u: string,
  open: number,
): { sql: string; next: number } | undefined {
  const t = ctx.tokens;
  const close = matchParen(t, open);
  if (close >= t.length) {
    throw syntaxError('(');
  }
  const args = ctx.args(open, close);
  const arg = (k: number): string => {
    const r = args[k];
    if (r === undefined) {
      throw new SqlServerError(174, `The ${u.toLowerCase()} function requires ${k + 1} argument(s).`, {
        severity: 15,
      });
    }
    return ctx.range(r[0], r[1]);
  };
  const done = (sql: string): { sql: string; next: number } => ({ sql, next: close + 1 });
  // A string literal where a date is expected is read as a datetime, as SQL Server converts it.
  const dateArg = (k: number): string => {
    const r = args[k];
    if (r !== undefined && r[1] - r[0] === 1 && t[r[0]]?.kind === 'string') {
      return `CAST(${arg(k)} AS TIMESTAMP)`;
    }
    return arg(k);
  };
  // A datetimeoffset's date parts are those of its local clock time at its offset.
  const clockArg = (k: number): string => {
    const r = args[k];
    if (r !== undefined && ctx.typeOf(r[0], r[1])?.name === 'datetimeoffset') {
      return localClockSql(arg(k), ctx.offsetOf(r[0], r[1]));
    }
    return dateArg(k);
  };
  // A datetimeoffset's offset in minutes (NULL for NULL; +00:00 where it is not evident).
  const offsetArg = (k: number): string => {
    const r = args[k];
    const offset = (r === undefined ? undefined : ctx.offsetOf(r[0], r[1])) ?? '0';
    return `(CASE WHEN (${arg(k)}) IS NULL THEN NULL ELSE CAST(coalesce(${offset}, 0) AS INTEGER) END)`;
  };
  switch (u) {
    case 'CAST':
    case 'TRY_CAST': {
      const as = ctx.lastTopLevelAs(open + 1, close);
      if (as < 0) {
        throw syntaxError(')');
      }
      const target = parseSqlType(t, as + 1, true);
      if (target.end !== close) {
        throw syntaxError((t[target.end] as Token).text);
      }
      return done(convertRange(ctx, open + 1, as, target.type, undefined, u === 'TRY_CAST'));
    }
    case 'CONVERT':
    case 'TRY_CONVERT': {
      const a0 = args[0];
      const a1 = args[1];
      if (a0 === undefined || a1 === undefined) {
        throw new SqlServerError(174, `The ${u.toLowerCase()} function requires 2 to 3 arguments.`, {
          severity: 15,
        });
      }
      const target = parseSqlType(t, a0[0], true);
      if (target.end !== a0[1]) {
        throw syntaxError((t[target.end] as Token).text);
      }
      let style: number | undefined;
      const a2 = args[2];
      if (a2 !== undefined) {
        const s = t[a2[0]];
        if (a2[1] - a2[0] !== 1 || s?.kind !== 'number') {
          throw new SqlServerError(8116, 'Argument data type is invalid for argument 3 of convert function.');
        }
        style = Number(s.text);
      }
      return done(convertRange(ctx, a1[0], a1[1], target.type, style, u === 'TRY_CONVERT'));
    }
    case 'COUNT':
    case 'COUNT_BIG': {
      let next = close + 1;
      let over = '';
      if (isWord(t[next], 'OVER') && isOp(t[next + 1], '(')) {
        const oc = matchParen(t, next + 1);
        over = ` OVER (${ctx.range(next + 2, oc)})`;
        next = oc + 1;
      }
      const inner = `count(${ctx.range(open + 1, close)})${over}`;
      // COUNT returns int in SQL Server; COUNT_BIG returns bigint like DuckDB's count.
      return { sql: u === 'COUNT' ? `CAST(${inner} AS INTEGER)` : inner, next };
    }
    case 'SUM':
    case 'AVG': {
      // SQL Server keeps integer types (sum of int is int, average of int truncates);
      // DuckDB widens to HUGEINT / DOUBLE. Decimal sums are decimal(38, s) in both.
      const r = args.length === 1 ? args[0] : undefined;
      const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
      const intType =
        src?.name === 'bigint'
          ? 'BIGINT'
          : src !== undefined && ['int', 'smallint', 'tinyint'].includes(src.name)
            ? 'INTEGER'
            : undefined;
      if (intType === undefined || isWord(t[close + 1], 'OVER')) {
        return undefined;
      }
      const inner = ctx.range(open + 1, close);
      return done(
        u === 'SUM' ? `CAST(sum(${inner}) AS ${intType})` : `CAST(trunc(avg(${inner})) AS ${intType})`,
      );
    }
    case 'GENERATE_SERIES': {
      // SQL Server 2022's table function: one column named value, of the arguments' type.
      const r = args[0];
      const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
      const type =
        src?.name === 'bigint' ? 'BIGINT' : src?.name === 'int' || src === undefined ? 'INTEGER' : undefined;
      const step = args.length >= 3 ? `, ${arg(2)}` : '';
      const value = type === undefined ? 'generate_series' : `CAST(generate_series AS ${type})`;
      return done(`(SELECT ${value} AS value FROM generate_series(${arg(0)}, ${arg(1)}${step}))`);
    }
    case 'BINARY_CHECKSUM':
    case 'CHECKSUM':
      return done(translateChecksum(ctx, u, open, close));
    case 'CHECKSUM_AGG':
      // The XOR of the values, NULLs ignored: what SQL Server computes (CHECKSUM_AGG over 100, 100,
      // 100, 99, 99, 98, 98, 95, 95, 95 is 59, over 2, 3, 4, 5 is 0:
      // http://www.networksteve.com/forum/topic.php/Checksum_Agg_-_how_does_it_work/?TopicId=89670,
      // https://stackoverflow.com/questions/11994430). Duplicate values cancel, as they do there.
      return done(`CAST(bit_xor(${arg(0)}) AS INTEGER)`);
    case 'ISNULL':
      return done(`coalesce(${arg(0)}, ${arg(1)})`);
    case 'IIF':
      return done(`(CASE WHEN ${arg(0)} THEN ${arg(1)} ELSE ${arg(2)} END)`);
    case 'LEN':
      return done(`CAST(length(rtrim(CAST(${arg(0)} AS VARCHAR))) AS INTEGER)`);
    case 'DATALENGTH': {
      const r = args[0];
      const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
      const x = arg(0);
      if (src !== undefined && ['nvarchar', 'nchar', 'ntext', 'xml'].includes(src.name)) {
        return done(`CAST(length(${x}) * 2 AS INTEGER)`);
      }
      if (src !== undefined && ['varchar', 'char', 'text'].includes(src.name)) {
        return done(`CAST(length(${x}) AS INTEGER)`);
      }
      return done(`CAST(octet_length(CAST(${x} AS BLOB)) AS INTEGER)`);
    }
    case 'GETDATE':
    case 'SYSDATETIME':
      return done('CAST(now() AS TIMESTAMP)');
    case 'GETUTCDATE':
    case 'SYSUTCDATETIME':
      return done("CAST(timezone('UTC', now()) AS TIMESTAMP)");
    case 'SYSDATETIMEOFFSET':
      return done('now()');
    case 'NEWID':
    case 'NEWSEQUENTIALID':
      return done('uuid()');
    case 'CHARINDEX': {
      if (args.length >= 3) {
        return done(
          `(CASE WHEN instr(substring(${arg(1)}, ${arg(2)}), ${arg(0)}) = 0 THEN 0 ELSE instr(substring(${arg(1)}, ${arg(2)}), ${arg(0)}) + (${arg(2)}) - 1 END)`,
        );
      }
      return done(`CAST(instr(${arg(1)}, ${arg(0)}) AS INTEGER)`);
    }
    case 'REPLICATE':
      return done(`repeat(${arg(0)}, ${arg(1)})`);
    case 'SPACE':
      return done(`repeat(' ', ${arg(0)})`);
    case 'STUFF':
      return done(
        `(left(${arg(0)}, (${arg(1)}) - 1) || ${arg(3)} || substring(${arg(0)}, (${arg(1)}) + (${arg(2)})))`,
      );
    case 'QUOTENAME': {
      // The closing character is doubled; inputs over 128 characters and unknown quote
      // characters give NULL, as in SQL Server.
      const qr = args[1];
      const qt = qr === undefined ? undefined : t[qr[0]];
      const quote =
        qr === undefined ? '[' : qt?.kind === 'string' && qr[1] === qr[0] + 1 ? qt.value : undefined;
      if (quote === undefined) {
        throw new SqlServerError(
          8116,
          'QUOTENAME with a computed quote character is not supported by the emulator.',
        );
      }
      const pairs: Record<string, [string, string]> = {
        '[': ['[', ']'],
        ']': ['[', ']'],
        '"': ['"', '"'],
        "'": ["'", "'"],
        '(': ['(', ')'],
        ')': ['(', ')'],
        '<': ['<', '>'],
        '>': ['<', '>'],
        '{': ['{', '}'],
        '}': ['{', '}'],
        '`': ['`', '`'],
      };
      const pair = pairs[quote];
      if (pair === undefined) {
        return done('CAST(NULL AS VARCHAR)');
      }
      const [o, c] = pair.map(quoteString) as [string, string];
      const x = arg(0);
      return done(
        `(CASE WHEN length(${x}) > 128 THEN NULL ELSE ${o} || replace(${x}, ${c}, ${c} || ${c}) || ${c} END)`,
      );
    }
    case 'ISNUMERIC':
      return done(`(CASE WHEN TRY_CAST(${arg(0)} AS DOUBLE) IS NULL THEN 0 ELSE 1 END)`);
    case 'SQUARE':
      return done(`power(${arg(0)}, 2)`);
    case 'ATN2':
      return done(`atan2(${arg(0)}, ${arg(1)})`);
    case 'RAND':
      return done('random()');
    case 'CHAR':
    case 'NCHAR':
      return done(`chr(${arg(0)})`);
    case 'ROUND': {
      if (args.length >= 3) {
        return done(
          `(CASE WHEN (${arg(2)}) = 0 THEN round(${arg(0)}, ${arg(1)}) ELSE trunc(${arg(0)}, ${arg(1)}) END)`,
        );
      }
      return undefined;
    }
    case 'DATEADD': {
      const part = datePart(ctx, args[0]);
      const n = `CAST(${arg(1)} AS BIGINT)`;
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
        nanosecond: `to_microseconds(${n} // 1000)`,
      };
      const sum = `(${dateArg(2)} + ${interval[part] ?? `to_days(${n})`})`;
      // DuckDB turns date + interval into a timestamp; SQL Server keeps the argument's type.
      const src = args[2] === undefined ? undefined : ctx.typeOf(args[2][0], args[2][1]);
      return done(src?.name === 'date' ? `CAST(${sum} AS DATE)` : sum);
    }
    case 'DATEDIFF':
    case 'DATEDIFF_BIG': {
      const part = datePart(ctx, args[0]);
      const sql = `date_diff('${part === 'dayofyear' || part === 'dayofweek' ? 'day' : part}', ${dateArg(1)}, ${dateArg(2)})`;
      return done(u === 'DATEDIFF' ? `CAST(${sql} AS INTEGER)` : sql);
    }
    case 'DATEPART': {
      const part = datePart(ctx, args[0]);
      if (part === 'tzoffset') {
        return done(offsetArg(1));
      }
      if (part === 'dayofweek') {
        return done(`CAST(date_part('dayofweek', ${clockArg(1)}) + 1 AS INTEGER)`);
      }
      if (part === 'millisecond' || part === 'microsecond' || part === 'nanosecond') {
        // SQL Server: the fraction of the second in that unit. DuckDB's parts count sub-minute.
        const micros = `(date_part('microsecond', ${clockArg(1)}) % 1000000)`;
        if (part === 'millisecond') {
          return done(`CAST(${micros} // 1000 AS INTEGER)`);
        }
        if (part === 'microsecond') {
          return done(`CAST(${micros} AS INTEGER)`);
        }
        const a1 = args[1];
        const digit = a1 === undefined ? undefined : ctx.hiddenDigit(a1[0], a1[1]);
        return done(
          `CAST(${micros} * 1000${digit === undefined ? '' : ` + CAST(${digit} AS INTEGER) * 100`} AS INTEGER)`,
        );
      }
      return done(`CAST(date_part('${part}', ${clockArg(1)}) AS INTEGER)`);
    }
    case 'DATENAME': {
      const part = datePart(ctx, args[0]);
      if (part === 'tzoffset') {
        return done(offsetTextSql(offsetArg(1)));
      }
      if (part === 'month') {
        return done(`monthname(${clockArg(1)})`);
      }
      if (part === 'dayofweek') {
        return done(`dayname(${clockArg(1)})`);
      }
      return done(`CAST(date_part('${part}', ${clockArg(1)}) AS VARCHAR)`);
    }
    case 'SWITCHOFFSET': {
      // The same instant, shown at another offset (which the select list carries beside it).
      const r = args[0];
      const src = r === undefined ? undefined : ctx.typeOf(r[0], r[1]);
      requireOffset(ctx, open, close, u);
      return done(
        r === undefined || src?.name === 'datetimeoffset'
          ? arg(0)
          : convertRange(ctx, r[0], r[1], sqlType('datetimeoffset', 7), undefined, false),
      );
    }
    case 'TODATETIMEOFFSET':
      // A local clock time at the given offset.
      return done(instantSql(dateArg(0), requireOffset(ctx, open, close, u)));
    case 'YEAR':
    case 'MONTH':
    case 'DAY':
      return done(`CAST(${u.toLowerCase()}(${clockArg(0)}) AS INTEGER)`);
    case 'EOMONTH':
      return done(
        args.length >= 2
          ? `last_day(CAST(${arg(0)} AS DATE) + to_months(${arg(1)}))`
          : `last_day(CAST(${arg(0)} AS DATE))`,
      );
    case 'DATEFROMPARTS':
      return done(`make_date(${arg(0)}, ${arg(1)}, ${arg(2)})`);
    case 'OBJECT_ID':
      return done(
        args.length >= 2
          ? `${metaSchema}.object_id(${arg(0)}, t := ${arg(1)})`
          : `${metaSchema}.object_id(${arg(0)})`,
      );
    case 'OBJECT_NAME':
      return done(`(SELECT name FROM sys.objects WHERE object_id = (${arg(0)}))`);
    case 'SCHEMA_NAME':
      return done(
        args.length === 0 ? "'dbo'" : `(SELECT name FROM sys.schemas WHERE schema_id = (${arg(0)}))`,
      );
    case 'SCHEMA_ID':
      return done(args.length === 0 ? '1' : `(SELECT schema_id FROM sys.schemas WHERE name = (${arg(0)}))`);
    case 'TYPE_NAME':
      return done(`(SELECT name FROM sys.types WHERE user_type_id = (${arg(0)}))`);
    case 'TYPE_ID':
      return done(`(SELECT user_type_id FROM sys.types WHERE name = (${arg(0)}))`);
    case 'DB_NAME':
      return done(quoteString(ctx.env.database));
    case 'DB_ID':
      return done('5');
    case 'USER_NAME':
      return done("'dbo'");
    case 'SUSER_NAME':
    case 'SUSER_SNAME':
      return done(quoteString(ctx.env.user));
    case 'MIN_ACTIVE_ROWVERSION':
      return done(ctx.env.minActiveRowversion());
    case 'SCOPE_IDENTITY':
      return done(ctx.env.scopeIdentity());
    case 'SERVERPROPERTY': {
      const r = args[0];
      const name = r === undefined ? '' : ((t[r[0]] as Token).value ?? '').toLowerCase();
      const props: Record<string, string> = {
        productversion: "'16.0.4003.1'",
        productmajorversion: "'16'",
        productlevel: "'RTM'",
        edition: "'Developer Edition (64-bit)'",
        engineedition: '3',
        machinename: "'mssql-emulator'",
        servername: "'mssql-emulator'",
        collation: "'SQL_Latin1_General_CP1_CI_AS'",
        isclustered: '0',
        ishadrenabled: '0',
      };
      return done(props[name] ?? 'NULL');
    }
    case 'HASHBYTES': {
      const r = args[0];
      const algo = r === undefined ? '' : ((t[r[0]] as Token).value ?? '').toUpperCase();
      if (!isHashAlgorithm(algo)) {
        throw new SqlServerError(8116, `HASHBYTES algorithm '${algo}' is not supported by the emulator.`);
      }
      const d = args[1];
      const src = d === undefined ? undefined : ctx.typeOf(d[0], d[1]);
      return done(`__emulator_hashbytes('${algo}', ${hashInput(arg(1), src)})`);
    }
    default:
      return undefined;
  }
}

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

/**
 * The bytes SQL Server hashes for a HASHBYTES input: nvarchar as UTF-16LE, varchar in code page
 * 1252, binary as is. DuckDB keeps every string as UTF-8, so the input's SQL Server type decides;
 * where the emulator cannot tell it, the statement fails rather than hash the wrong bytes.
 */
function hashInput(x: string, src: SqlType | undefined): string {
  switch (src?.name) {
    case 'nvarchar':
    case 'nchar':
    case 'ntext':
    case 'xml':
      return `__emulator_utf16le(${x})`;
    case 'varchar':
    case 'char':
    case 'text':
      return `__emulator_cp1252(${x})`;
    case 'binary':
    case 'varbinary':
    case 'image':
      return `CAST(${x} AS BLOB)`;
    default:
      throw new SqlServerError(
        8116,
        `HASHBYTES input of type ${src?.name ?? 'unknown'} is not supported by the emulator: CAST it to nvarchar, varchar or varbinary.`,
      );
  }
}

/**
 * CAST/CONVERT of the expression in tokens [from, to) to `target`, with what SQL Server's
 * conversion depends on: the source type, a datetime2(7)'s hidden digit, a datetimeoffset's offset.
 */
function convertRange(
  ctx: FunctionContext,
  from: number,
  to: number,
  target: SqlType,
  style: number | undefined,
  tryCast: boolean,
): string {
  const [a, b] = innerRange(ctx.tokens, from, to);
  const lit = ctx.tokens[a];
  // A datetimeoffset literal is rewritten as DuckDB reads it (no space before the offset, +00:00
  // spelled out).
  const x =
    target.name === 'datetimeoffset' && b - a === 1 && lit?.kind === 'string'
      ? quoteString(offsetLiteral(lit.value))
      : ctx.range(from, to);
  return castTo(
    x,
    ctx.typeOf(from, to),
    target,
    style,
    tryCast,
    ctx.hiddenDigit(from, to),
    ctx.offsetOf(from, to),
  );
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
