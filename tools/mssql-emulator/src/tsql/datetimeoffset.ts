import { SqlServerError } from '../sql-server-error.js';
import type { BoundValue } from '../types/bound-value.js';
import { offsetText } from '../types/offset-text.js';
import { innerRange, isOp, itemRanges, lastTopLevelAs, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';

// A datetimeoffset is stored as DuckDB TIMESTAMPTZ (the instant: comparisons, ordering and
// grouping are by instant, as in SQL Server) plus a hidden SMALLINT column `<col>__tz` with the
// offset in minutes. The local clock time SQL Server shows is the instant in UTC plus the offset.

/** Offsets SQL Server accepts, in minutes (−14:00 … +14:00). */
const maxOffset = 14 * 60;

/** `{+|-}hh:mm` (or `Z`) at the end of a date/time literal, after an optional space. */
const literalPattern =
  /^\s*(\d{4}-\d{2}-\d{2})(?:[ T](\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{1,2}:\d{2})?\s*$/i;

/**
 * Minutes of an offset written `{+|-}hh:mm` (or `Z`).
 *
 * @example
 * offsetMinutes('-14:00') // -840
 */
export function offsetMinutes(text: string): number {
  const m = text.trim().match(/^(?:(Z)|([+-])(\d{1,2}):(\d{2}))$/i);
  const minutes = m === null ? Number.NaN : m[1] !== undefined ? 0 : Number(m[3]) * 60 + Number(m[4]);
  if (!Number.isFinite(minutes) || minutes > maxOffset || Number(m?.[4] ?? 0) > 59) {
    throw new SqlServerError(9810, `The timezone provided to builtin function is invalid: '${text}'.`);
  }
  return m?.[2] === '-' ? -minutes : minutes;
}

/**
 * A datetimeoffset literal as DuckDB's TIMESTAMPTZ cast reads it: SQL Server writes a space before
 * the offset ('2024-06-01 12:00:00.1234567 -14:00'), which DuckDB would take for a time-zone name,
 * and a literal without an offset is +00:00 in SQL Server but DuckDB's session time zone would
 * apply. Text that is not a date/time literal is returned unchanged.
 *
 * @example
 * offsetLiteral('2024-06-01 12:00:00 -14:00') // '2024-06-01 12:00:00-14:00'
 * offsetLiteral('2024-06-01 9:30') // '2024-06-01 09:30:00+00:00'
 */
export function offsetLiteral(text: string): string {
  const m = text.match(literalPattern);
  if (m === null) {
    return text;
  }
  const minutes = m[3] === undefined ? 0 : offsetMinutes(m[3]);
  // DuckDB wants hh:mm:ss; SQL Server also takes h:mm and hh:mm.
  const [h, mi, sec] = (m[2] ?? '0:00').split(':');
  return `${m[1]} ${(h as string).padStart(2, '0')}:${mi}:${sec ?? '00'}${offsetText(minutes)}`;
}

/** The offset a date/time literal carries (0 when it has none), or undefined when it is no such literal. */
export function literalOffset(text: string): number | undefined {
  const m = text.match(literalPattern);
  if (m === null) {
    return undefined;
  }
  return m[3] === undefined ? 0 : offsetMinutes(m[3]);
}

/** DuckDB SQL of the `{+|-}hh:mm` text of an offset given as SQL (minutes; NULL gives NULL). */
export function offsetTextSql(minutes: string): string {
  const m = `CAST(${minutes} AS INTEGER)`;
  return `(CASE WHEN ${m} < 0 THEN '-' ELSE '+' END || lpad(CAST(abs(${m}) // 60 AS VARCHAR), 2, '0') || ':' || lpad(CAST(abs(${m}) % 60 AS VARCHAR), 2, '0'))`;
}

/**
 * DuckDB SQL of the local clock time (a TIMESTAMP) of TIMESTAMPTZ `x` at an offset given as SQL
 * (minutes; NULL or undefined is +00:00), independent of DuckDB's session time zone.
 */
export function localClockSql(x: string, minutes: string | undefined): string {
  const utc = `timezone('UTC', ${x})`;
  return minutes === undefined ? utc : `(${utc} + to_minutes(CAST(coalesce(${minutes}, 0) AS BIGINT)))`;
}

/** DuckDB SQL of the TIMESTAMPTZ whose local clock time at `minutes` (SQL) is TIMESTAMP `local`. */
export function instantSql(local: string, minutes: string): string {
  return `timezone('UTC', CAST(${local} AS TIMESTAMP) - to_minutes(CAST(coalesce(${minutes}, 0) AS BIGINT)))`;
}

/** What {@link offsetSql} needs to know beyond the tokens. */
export interface OffsetScope {
  /** A variable or parameter by lower-case name. */
  variable(name: string): BoundValue | undefined;
  /** SQL of the hidden offset column of a plain column reference in [from, to), if it is one. */
  column(from: number, to: number): string | undefined;
  /** DuckDB SQL of tokens [from, to), for the offset of MAX/MIN(column); without it those have none. */
  value?(from: number, to: number): string;
}

/** Minutes of a SWITCHOFFSET / TODATETIMEOFFSET offset argument ('+05:45', -120, @p), as SQL. */
function offsetArgumentSql(
  t: readonly Token[],
  from: number,
  to: number,
  scope: OffsetScope,
): string | undefined {
  const first = t[from];
  if (to - from === 1 && first?.kind === 'string') {
    return String(offsetMinutes(first.value));
  }
  if (to - from === 1 && first?.kind === 'number') {
    return first.text;
  }
  if (to - from === 2 && isOp(first, '-') && t[from + 1]?.kind === 'number') {
    return `-${(t[from + 1] as Token).text}`;
  }
  if (to - from === 1 && first?.kind === 'variable') {
    const v = scope.variable(first.value.toLowerCase())?.js;
    return typeof v === 'number' ? String(v) : typeof v === 'string' ? String(offsetMinutes(v)) : undefined;
  }
  return undefined;
}

/**
 * DuckDB SQL of the offset (minutes) of the datetimeoffset expression in tokens [from, to), where
 * it is evident: a column (its hidden `__tz` column), a literal, a parameter or variable,
 * CAST/CONVERT to datetimeoffset, SWITCHOFFSET and TODATETIMEOFFSET, MAX/MIN of a column (the
 * offset of the greatest / least instant). Undefined otherwise (the
 * value then reads as +00:00, its instant in UTC).
 *
 * @example
 * offsetSql(tokenize("SWITCHOFFSET(d, '-05:00')"), 0, 6, scope) // '-300'
 */
export function offsetSql(
  t: readonly Token[],
  from: number,
  to: number,
  scope: OffsetScope,
): string | undefined {
  [from, to] = innerRange(t, from, to);
  const first = t[from];
  if (first === undefined) {
    return undefined;
  }
  if (to - from === 1) {
    if (first.kind === 'string') {
      const m = literalOffset(first.value);
      return m === undefined ? undefined : String(m);
    }
    if (first.kind === 'variable') {
      const v = scope.variable(first.value.toLowerCase());
      return v?.type.name === 'datetimeoffset' && v.duck !== null ? String(v.offsetMinutes ?? 0) : undefined;
    }
  }
  const column = scope.column(from, to);
  if (column !== undefined) {
    return column;
  }
  if (first.kind !== 'word' || !isOp(t[from + 1], '(') || matchParen(t, from + 1) !== to - 1) {
    return undefined;
  }
  const args = itemRanges(t, from + 2, to - 1);
  switch (first.upper) {
    case 'CAST':
    case 'TRY_CAST': {
      const as = lastTopLevelAs(t, from + 2, to - 1);
      if (as < 0 || parseSqlType(t, as + 1, true).type.name !== 'datetimeoffset') {
        return undefined;
      }
      return offsetSql(t, from + 2, as, scope) ?? '0';
    }
    case 'CONVERT':
    case 'TRY_CONVERT': {
      const [target, value] = args;
      if (target === undefined || value === undefined) {
        return undefined;
      }
      if (parseSqlType(t, target[0], true).type.name !== 'datetimeoffset') {
        return undefined;
      }
      return offsetSql(t, value[0], value[1], scope) ?? '0';
    }
    case 'MAX':
    case 'MIN': {
      // The offset of the row holding the greatest (least) instant.
      const [arg] = args;
      const tz = arg === undefined ? undefined : scope.column(arg[0], arg[1]);
      if (arg === undefined || tz === undefined || scope.value === undefined || args.length !== 1) {
        return undefined;
      }
      return `arg_${first.upper.toLowerCase()}(${tz}, ${scope.value(arg[0], arg[1])})`;
    }
    case 'SWITCHOFFSET':
    case 'TODATETIMEOFFSET': {
      const tz = args[1];
      return tz === undefined ? undefined : offsetArgumentSql(t, tz[0], tz[1], scope);
    }
    default:
      return undefined;
  }
}
