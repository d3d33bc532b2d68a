import { needsHiddenDigit } from '../catalog-table.js';
import { quoteString } from '../sql-quoting.js';
import type { SqlType } from '../types/sql-type.js';
import { offsetLiteral } from './datetimeoffset.js';
import { innerRange, isOp, isWord, itemRanges, lastTopLevelAs, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import { selectListBounds } from './select-list.js';
import type { SelectContext } from './select-rewrites.js';
import { variantDigitSql } from './sql-variant-conversion.js';

/**
 * The kind of value a 100 ns comparison is made in: datetime2 (DuckDB TIMESTAMP), time (TIME) or
 * datetimeoffset (TIMESTAMPTZ, compared by instant).
 */
export type TickDomain = 'datetime2' | 'time' | 'datetimeoffset';

/**
 * The domain a column type compares in, for the scale-7 types that keep a hidden digit.
 *
 * @example
 * tickDomain(sqlType('datetime2', 7)) // 'datetime2'
 */
export function tickDomain(type: SqlType | undefined): TickDomain | undefined {
  if (type === undefined || !needsHiddenDigit(type)) {
    return undefined;
  }
  return type.name as TickDomain;
}

/**
 * The seventh fractional digit written in a date/time text (`'0'` when it has fewer digits).
 *
 * @example
 * textDigit('2024-01-01 10:00:00.1234567') // '7'
 */
export function textDigit(text: string): string {
  const m = text.match(/\.\d{6}(\d)/);
  return m === null ? '0' : (m[1] as string);
}

const stringTypes = new Set(['char', 'varchar', 'nchar', 'nvarchar', 'text', 'ntext']);

/** Styles CONVERT reads a date/time string in the ISO-like order DuckDB's CAST reads. */
const isoStyles = new Set([0, 20, 21, 120, 121, 126, 127]);

/** The text of a string literal or a string / date-time variable at [from, to), if it is one. */
function operandText(ctx: SelectContext, from: number, to: number): string | undefined {
  [from, to] = innerRange(ctx.tokens, from, to);
  const tok = to - from === 1 ? ctx.tokens[from] : undefined;
  if (tok?.kind === 'string') {
    return tok.value;
  }
  if (tok?.kind === 'variable') {
    const js = ctx.env.variables.get(tok.value.toLowerCase())?.js;
    return typeof js === 'string' ? js : undefined;
  }
  return undefined;
}

/** The cast at [from, to): `CAST(x AS t)` / `CONVERT(t, x[, style])` (and TRY_ forms), if it is one. */
function castAt(
  ctx: SelectContext,
  from: number,
  to: number,
): { inner: [number, number]; target: SqlType; style: number | undefined } | undefined {
  const t = ctx.tokens;
  const fn = t[from];
  if (fn?.kind !== 'word' || !isOp(t[from + 1], '(') || matchParen(t, from + 1) !== to - 1) {
    return undefined;
  }
  if (fn.upper === 'CAST' || fn.upper === 'TRY_CAST') {
    const as = lastTopLevelAs(t, from + 2, to - 1);
    if (as < 0) {
      return undefined;
    }
    const parsed = parseSqlType(t, as + 1, true);
    return parsed.end === to - 1
      ? { inner: [from + 2, as], target: parsed.type, style: undefined }
      : undefined;
  }
  if (fn.upper === 'CONVERT' || fn.upper === 'TRY_CONVERT') {
    const [typeArg, valueArg, styleArg] = itemRanges(t, from + 2, to - 1);
    if (typeArg === undefined || valueArg === undefined) {
      return undefined;
    }
    const parsed = parseSqlType(t, typeArg[0], true);
    if (parsed.end !== typeArg[1]) {
      return undefined;
    }
    const s = styleArg === undefined ? undefined : t[styleArg[0]];
    const style =
      s?.kind === 'number' && styleArg !== undefined && styleArg[1] === styleArg[0] + 1
        ? Number(s.text)
        : undefined;
    if (styleArg !== undefined && style === undefined) {
      return undefined;
    }
    return { inner: valueArg, target: parsed.type, style };
  }
  return undefined;
}

/**
 * The hidden-digit column referenced at [from, to), with the SQL of its value and digit, if it is
 * a plain reference to a datetime2(7) / time(7) / datetimeoffset(7) column.
 *
 * @example
 * hiddenDigitColumn(ctx, 3, 4) // { value: '"LM"', digit: 'coalesce("LM__100ns", 0)', type }
 */
export function hiddenDigitColumn(
  ctx: SelectContext,
  from: number,
  to: number,
): { value: string; digit: string; type: SqlType } | undefined {
  [from, to] = innerRange(ctx.tokens, from, to);
  const side = ctx.scope.sideColumn(from, to, 'ns100');
  const chain = ctx.scope.nameChain(from);
  const column = chain === undefined ? undefined : ctx.scope.resolveColumn(chain.parts);
  if (side === undefined || column === undefined) {
    return undefined;
  }
  return { value: ctx.range(from, to), digit: `coalesce(${side}, 0)`, type: column.type };
}

/** The argument range of `MAX(x)` / `MIN(x)` at [from, to), with which it is, if it is one. */
function extremumAt(
  ctx: SelectContext,
  from: number,
  to: number,
): { fn: 'max' | 'min'; arg: [number, number] } | undefined {
  const t = ctx.tokens;
  const fn = t[from];
  if (
    fn?.kind !== 'word' ||
    (fn.upper !== 'MAX' && fn.upper !== 'MIN') ||
    !isOp(t[from + 1], '(') ||
    matchParen(t, from + 1) !== to - 1 ||
    isWord(t[from + 2], 'DISTINCT')
  ) {
    return undefined;
  }
  return { fn: fn.upper === 'MAX' ? 'max' : 'min', arg: [from + 2, to - 1] };
}

/**
 * SQL of the 100 ns digit of a scale-7 date/time expression at [from, to), where it is known
 * exactly: a hidden-digit column, `MAX`/`MIN` of one (the digit of the greatest / least value),
 * a variable of a scale-7 type, and a CAST/CONVERT to a scale-7 type of a string literal, a
 * variable or such a column. Undefined elsewhere (the value's digit is then 0).
 *
 * @example
 * exactDigit(ctx, …) // "7" for CAST('2024-01-01 10:00:00.1234567' AS datetime2(7))
 */
export function exactDigit(ctx: SelectContext, from: number, to: number): string | undefined {
  const t = ctx.tokens;
  [from, to] = innerRange(t, from, to);
  const column = hiddenDigitColumn(ctx, from, to);
  if (column !== undefined) {
    return column.digit;
  }
  const ext = extremumAt(ctx, from, to);
  if (ext !== undefined) {
    const col = hiddenDigitColumn(ctx, ext.arg[0], ext.arg[1]);
    if (col === undefined) {
      return undefined;
    }
    // The digit of the row holding the greatest (least) value at 100 ns.
    return `arg_${ext.fn}(${col.digit}, epoch_us(${col.value}) * 10 + ${col.digit})`;
  }
  const tok = to - from === 1 ? t[from] : undefined;
  if (tok?.kind === 'variable') {
    const bound = ctx.env.variables.get(tok.value.toLowerCase());
    if (bound === undefined || !needsHiddenDigit(bound.type)) {
      return undefined;
    }
    if (bound.digit !== undefined) {
      return String(bound.digit);
    }
    // A parameter's exact text; a variable whose digit was lost when it was assigned holds 0.
    return typeof bound.js === 'string' ? textDigit(bound.js) : '0';
  }
  const cast = castAt(ctx, from, to);
  if (cast === undefined || !needsHiddenDigit(cast.target) || !isoStyles.has(cast.style ?? 0)) {
    return undefined;
  }
  const text = operandText(ctx, cast.inner[0], cast.inner[1]);
  if (text !== undefined) {
    return textDigit(text);
  }
  if (ctx.typeOf(cast.inner[0], cast.inner[1])?.name === 'sql_variant') {
    return variantDigitSql(ctx.range(cast.inner[0], cast.inner[1]));
  }
  return exactDigit(ctx, cast.inner[0], cast.inner[1]);
}

/** The DuckDB storage type an operand of a domain is cast to before `epoch_us`. */
const duckTypeOf: Readonly<Record<TickDomain, string>> = {
  datetime2: 'TIMESTAMP',
  time: 'TIME',
  datetimeoffset: 'TIMESTAMPTZ',
};

/** `ticks` (100 ns units, any sign) rounded half up to `scale` fractional digits, as SQL Server rounds. */
function roundTicks(ticks: string, scale: number): string {
  if (scale >= 7) {
    return ticks;
  }
  const m = 10 ** (7 - scale);
  const rem = `((${ticks}) % ${m} + ${m}) % ${m}`;
  return `((${ticks}) - ${rem} + CASE WHEN ${rem} * 2 >= ${m} THEN ${m} ELSE 0 END)`;
}

/**
 * A datetime value (stored to the microsecond) in 100 ns ticks as SQL Server converts datetime to
 * datetime2(7): datetime counts 1/300 s, so `.003` is `.0033333` and `.007` is `.0066667`.
 */
function datetimeTicks(x: string): string {
  const second = `date_trunc('second', ${x})`;
  const frac = `(epoch_us(${x}) - epoch_us(${second}))`;
  return `(epoch_us(${second}) * 10 + ((${frac} * 3 + 5000) // 10000 * 100000 + 1) // 3)`;
}

/** Clock functions: their value is what it is (the emulator's clock has microseconds). */
const clockFunctions = new Set([
  'SYSDATETIME',
  'SYSUTCDATETIME',
  'GETDATE',
  'GETUTCDATE',
  'SYSDATETIMEOFFSET',
]);

/** Types whose values have no 100 ns digit and compare in the datetime2 domain as they are. */
function digitFree(type: SqlType, domain: TickDomain): boolean {
  if (domain === 'datetime2') {
    return (
      (type.name === 'datetime2' && type.scale < 7) || type.name === 'date' || type.name === 'smalldatetime'
    );
  }
  return type.name === domain && type.scale < 7;
}

/**
 * SQL of the value at [from, to) as a BIGINT count of 100 ns ticks (since 1970-01-01 for
 * datetime2 and the instant of a datetimeoffset, since midnight for time), exact to SQL Server's
 * 100 ns, or undefined where the emulator cannot know it that exactly. Exact: `NULL`; string
 * literals and string variables (read as the domain's type, digit from their text); variables
 * and columns of the domain's type (hidden digit included), date, smalldatetime, datetime
 * (converted from 1/300 s as SQL Server does); CAST/CONVERT of those to a date/time type
 * (rounded to its scale); `MAX`/`MIN` of a hidden-digit column; `DATEADD` by whole units of one;
 * ISNULL/COALESCE of exact values; the clock functions.
 *
 * @example
 * exactTicks(ctx, …, 'datetime2') // '(epoch_us("LM") * 10 + coalesce("LM__100ns", 0))'
 */
export function exactTicks(
  ctx: SelectContext,
  from: number,
  to: number,
  domain: TickDomain,
): string | undefined {
  const t = ctx.tokens;
  [from, to] = innerRange(t, from, to);
  const duck = duckTypeOf[domain];
  if (isWord(t[from], 'SELECT')) {
    return subqueryTicks(ctx, from, to, domain);
  }
  const tok = to - from === 1 ? t[from] : undefined;
  if (isWord(tok, 'NULL')) {
    return 'CAST(NULL AS BIGINT)';
  }
  if (tok?.kind === 'string') {
    const text = domain === 'datetimeoffset' ? offsetLiteral(tok.value) : tok.value;
    return `(epoch_us(CAST(${quoteString(text)} AS ${duck})) * 10 + ${textDigit(tok.value)})`;
  }
  const type = ctx.typeOf(from, to);
  if (tok?.kind === 'variable') {
    const bound = ctx.env.variables.get(tok.value.toLowerCase());
    if (bound === undefined) {
      return undefined;
    }
    const text = typeof bound.js === 'string' ? bound.js : undefined;
    if (stringTypes.has(bound.type.name) && domain !== 'datetimeoffset' && text !== undefined) {
      return `(epoch_us(CAST(${ctx.range(from, to)} AS ${duck})) * 10 + ${textDigit(text)})`;
    }
  }
  const column = hiddenDigitColumn(ctx, from, to);
  if (column !== undefined) {
    return tickDomain(column.type) === domain
      ? `(epoch_us(${column.value}) * 10 + ${column.digit})`
      : undefined;
  }
  const ext = extremumAt(ctx, from, to);
  if (ext !== undefined) {
    const inner = exactTicks(ctx, ext.arg[0], ext.arg[1], domain);
    return inner === undefined ? undefined : `${ext.fn}(${inner})`;
  }
  const cast = castAt(ctx, from, to);
  if (cast !== undefined) {
    return castTicks(ctx, cast, from, to, domain);
  }
  const fn = t[from];
  if (fn?.kind === 'word' && isOp(t[from + 1], '(') && matchParen(t, from + 1) === to - 1) {
    if (clockFunctions.has(fn.upper)) {
      return domain === 'time' ? undefined : `(epoch_us(CAST(${ctx.range(from, to)} AS ${duck})) * 10)`;
    }
    if (fn.upper === 'DATEADD') {
      return dateaddTicks(ctx, from, to, domain);
    }
    if (fn.upper === 'ISNULL' || fn.upper === 'COALESCE') {
      const args = ctx.args(from + 1, to - 1).map(([a, b]) => exactTicks(ctx, a, b, domain));
      return args.every((x) => x !== undefined) ? `coalesce(${args.join(', ')})` : undefined;
    }
  }
  if (type === undefined) {
    return undefined;
  }
  if (type.name === domain || digitFree(type, domain)) {
    const digit = needsHiddenDigit(type) ? exactDigit(ctx, from, to) : undefined;
    if (needsHiddenDigit(type) && digit === undefined) {
      return undefined;
    }
    const ticks = `(epoch_us(CAST(${ctx.range(from, to)} AS ${duck})) * 10 + ${digit ?? 0})`;
    return roundTicks(ticks, type.name === 'date' || type.name === 'smalldatetime' ? 7 : type.scale);
  }
  if (type.name === 'datetime' && domain === 'datetime2') {
    return datetimeTicks(ctx.range(from, to));
  }
  return undefined;
}

/** Ticks of `CAST(x AS t)`: x read as t's domain, rounded to t's scale. */
function castTicks(
  ctx: SelectContext,
  cast: { inner: [number, number]; target: SqlType; style: number | undefined },
  from: number,
  to: number,
  domain: TickDomain,
): string | undefined {
  const { target } = cast;
  const [a, b] = cast.inner;
  const targetDomain: TickDomain | undefined =
    target.name === 'datetime2' || target.name === 'time' || target.name === 'datetimeoffset'
      ? target.name
      : undefined;
  if (!isoStyles.has(cast.style ?? 0)) {
    return undefined;
  }
  if (targetDomain === domain) {
    const text = operandText(ctx, a, b);
    const innerType = ctx.typeOf(a, b);
    const inner =
      text !== undefined && (innerType === undefined || stringTypes.has(innerType.name))
        ? `(epoch_us(${ctx.range(from, to)}) * 10 + ${textDigit(text)})`
        : exactTicks(ctx, a, b, domain);
    return inner === undefined ? undefined : roundTicks(inner, target.scale);
  }
  if (domain === 'datetime2' && (target.name === 'date' || target.name === 'smalldatetime')) {
    return `(epoch_us(CAST(${ctx.range(from, to)} AS TIMESTAMP)) * 10)`;
  }
  if (domain === 'datetime2' && target.name === 'datetime') {
    return datetimeTicks(ctx.range(from, to));
  }
  return undefined;
}

/** Ticks of `DATEADD(part, n, x)`: adding whole units of a microsecond or more keeps x's digit. */
function dateaddTicks(ctx: SelectContext, from: number, to: number, domain: TickDomain): string | undefined {
  const t = ctx.tokens;
  const [partArg, , valueArg] = itemRanges(t, from + 2, to - 1);
  const part = partArg === undefined ? undefined : (t[partArg[0]] as Token).upper;
  if (valueArg === undefined || part === undefined || part === 'NANOSECOND' || part === 'NS') {
    return undefined;
  }
  const inner = exactTicks(ctx, valueArg[0], valueArg[1], domain);
  if (inner === undefined) {
    return undefined;
  }
  const duck = duckTypeOf[domain];
  // The sum's microseconds come from DuckDB's DATEADD; the digit is the operand's own.
  return `(epoch_us(CAST(${ctx.range(from, to)} AS ${duck})) * 10 + ((${inner}) % 10 + 10) % 10)`;
}

/**
 * Ticks of a scalar subquery `SELECT x FROM … [WHERE …]` (its parentheses stripped) whose one
 * select item is exact: the subquery selects the item's tick count instead (`max(ticks)` for
 * `MAX(col)`), so `LM > (SELECT MAX(LM) FROM …)` and `LM IN (SELECT LM FROM …)` compare at
 * 100 ns. Not for DISTINCT, TOP or set operations (undefined).
 *
 * @example
 * subqueryTicks(ctx, …) // (SELECT max((epoch_us("LM") * 10 + …)) FROM "dbo"."T")
 */
export function subqueryTicks(
  ctx: SelectContext,
  from: number,
  to: number,
  domain: TickDomain,
): string | undefined {
  const t = ctx.tokens;
  if (isWord(t[from + 1], 'DISTINCT') || isWord(t[from + 1], 'TOP')) {
    return undefined;
  }
  for (let i = from + 1; i < to; i++) {
    const w = t[i] as Token;
    if (isOp(w, '(')) {
      i = matchParen(t, i);
    } else if (w.kind === 'word' && ['UNION', 'EXCEPT', 'INTERSECT'].includes(w.upper)) {
      return undefined;
    }
  }
  const { start, end } = selectListBounds(t, from);
  const items = itemRanges(t, start, end);
  const item = items.length === 1 ? items[0] : undefined;
  const ticks = item === undefined ? undefined : exactTicks(ctx, item[0], item[1], domain);
  return ticks === undefined ? undefined : `(SELECT ${ticks} ${ctx.range(end, to)})`;
}
