import { quoteIdent } from '../sql-quoting.js';
import type { DecimalTextType } from '../types/decimal-text-type.js';
import type { SqlType } from '../types/sql-type.js';
import type { FunctionContext } from './function-context.js';
import {
  firstTopLevelWord,
  isName,
  isOp,
  isWord,
  itemRanges,
  matchParen,
  type Token,
  tokenize,
  topLevelWordIndex,
} from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import { selectListBounds } from './select-list.js';
import type { StatementScope } from './statement-scope.js';

/** What the select-list rewrites read: the statement being translated and its tables. */
export interface SelectContext extends FunctionContext {
  readonly scope: StatementScope;
}

/** The top-level SELECT of a plain query (not INSERT … SELECT), or -1. */
function topSelect(t: readonly Token[]): number {
  const head = t[0]?.upper;
  if (head !== 'SELECT' && head !== 'WITH') {
    return -1;
  }
  return topLevelWordIndex(t, ['SELECT']);
}

/**
 * Appends, for each top-level select item that is a plain datetime2(7) column, its hidden
 * 100 ns digit column (named `<output name>__100ns`), and for each datetimeoffset item whose
 * offset is evident, that offset (`<output name>__tz`); the result writer folds them back in.
 * With DISTINCT the digit makes values that differ in it distinct, as in SQL Server. In a
 * grouped select a plain column's digit is added only when the column is itself a GROUP BY item
 * (which the translation then groups with its digit), offsets not at all; set operations are
 * left alone (every branch would need the column).
 *
 * @example
 * withHiddenDigits(translator) // SELECT [Ts] … → SELECT [Ts], "Ts__100ns" AS "Ts__100ns" …
 */
export function withHiddenDigits(ctx: SelectContext): readonly Token[] {
  const t = ctx.tokens;
  const selectAt = topSelect(t);
  if (selectAt < 0 || firstTopLevelWord(t, ['UNION', 'EXCEPT', 'INTERSECT']) !== undefined) {
    return t;
  }
  const distinct = isWord(t[selectAt + 1], 'DISTINCT');
  const grouped = groupByDigits(ctx);
  if ((distinct || grouped !== undefined) && firstTopLevelWord(t, ['INTO']) !== undefined) {
    return t;
  }
  const { start, end } = selectListBounds(t, selectAt);
  const extra: string[] = [];
  for (const [a, b] of itemRanges(t, start, end)) {
    let exprEnd = b;
    let name: string | undefined;
    const last = t[b - 1] as Token;
    if (b - a >= 3 && isWord(t[b - 2], 'AS')) {
      exprEnd = b - 2;
      name = last.kind === 'word' ? last.text : last.value;
    } else if (b - a === 2 && isName(last) && isName(t[a])) {
      exprEnd = b - 1;
      name = last.kind === 'word' ? last.text : last.value;
    }
    const chain = ctx.scope.nameChain(a);
    const column =
      chain !== undefined && chain.end === exprEnd ? ctx.scope.resolveColumn(chain.parts) : undefined;
    const plainDigit = ctx.scope.sideColumn(a, exprEnd, 'ns100');
    const digit =
      grouped !== undefined && plainDigit !== undefined && !grouped.has(plainDigit)
        ? undefined
        : ctx.hiddenDigit(a, exprEnd);
    if (digit !== undefined) {
      extra.push(`, CAST(${digit} AS tinyint) AS ${quoteIdent(`${name ?? column?.name ?? ''}__100ns`)}`);
    }
    // A datetimeoffset item also carries its offset, where it is evident (not grouped: the
    // offset column is not a GROUP BY item; not DISTINCT: SQL Server compares the instants).
    const offset =
      !distinct && grouped === undefined && ctx.typeOf(a, exprEnd)?.name === 'datetimeoffset'
        ? ctx.offsetOf(a, exprEnd)
        : undefined;
    if (offset !== undefined) {
      extra.push(`, CAST(${offset} AS SMALLINT) AS ${quoteIdent(`${name ?? column?.name ?? ''}__tz`)}`);
    }
  }
  if (extra.length === 0) {
    return t;
  }
  return [...t.slice(0, end), ...tokenize(extra.join(' ')), ...t.slice(end)];
}

/**
 * For a select with a top-level GROUP BY: the hidden digit columns (as SQL) of the plain
 * hidden-digit columns among its GROUP BY items, which the translation groups by with their
 * digit; undefined without GROUP BY.
 */
function groupByDigits(ctx: SelectContext): Set<string> | undefined {
  const t = ctx.tokens;
  const groupAt = topLevelWordIndex(t, ['GROUP']);
  if (groupAt < 0 || !isWord(t[groupAt + 1], 'BY')) {
    return undefined;
  }
  let end = topLevelWordIndex(t, ['HAVING', 'ORDER', 'OPTION', 'UNION', 'EXCEPT', 'INTERSECT'], groupAt);
  end = end < 0 ? t.length : end;
  const digits = new Set<string>();
  for (const [a, b] of itemRanges(t, groupAt + 2, end)) {
    const digit = ctx.scope.sideColumn(a, b, 'ns100');
    if (digit !== undefined) {
      digits.add(digit);
    }
  }
  return digits;
}

/**
 * Leaves each top-level select item `CONVERT(varchar|nvarchar(n), <decimal>) AS name` (or the
 * CAST spelling) as the bare decimal, and returns the text type the row encoder writes it as
 * (see {@link DecimalTextType}): DuckDB's DECIMAL → VARCHAR cast is far slower than formatting
 * the vector's integers. Only plain queries without DISTINCT, grouping, set operations, ORDER BY
 * or INTO qualify, where the column's own values are all that is affected.
 *
 * @example
 * withDecimalText(translator).textTypes // Map { 0 => nvarchar(41) written from the decimal }
 */
export function withDecimalText(ctx: SelectContext): {
  tokens: readonly Token[];
  textTypes: Map<number, DecimalTextType>;
} {
  const t = ctx.tokens;
  const textTypes = new Map<number, DecimalTextType>();
  const selectAt = topSelect(t);
  if (selectAt < 0 || isWord(t[selectAt + 1], 'DISTINCT') || !isWord(t[0], 'SELECT')) {
    return { tokens: t, textTypes };
  }
  if (firstTopLevelWord(t, ['GROUP', 'UNION', 'EXCEPT', 'INTERSECT', 'ORDER', 'INTO']) !== undefined) {
    return { tokens: t, textTypes };
  }
  const { start, end } = selectListBounds(t, selectAt);
  const out: Token[] = [...t.slice(0, start)];
  let at = start;
  itemRanges(t, start, end).forEach(([a, b], index) => {
    // Only aliased items: the bare decimal would otherwise take the column's name.
    if (!(b - a >= 5 && isWord(t[b - 2], 'AS'))) {
      return;
    }
    const exprEnd = b - 2;
    const fn = t[a];
    if (
      fn?.kind !== 'word' ||
      !(fn.upper === 'CONVERT' || fn.upper === 'CAST') ||
      !isOp(t[a + 1], '(') ||
      matchParen(t, a + 1) !== exprEnd - 1
    ) {
      return;
    }
    let target: SqlType;
    let inner: [number, number];
    if (fn.upper === 'CONVERT') {
      const args = ctx.args(a + 1, exprEnd - 1);
      const [typeArg, valueArg] = args;
      if (args.length !== 2 || typeArg === undefined || valueArg === undefined) {
        return;
      }
      const parsed = parseSqlType(t, typeArg[0], true);
      if (parsed.end !== typeArg[1]) {
        return;
      }
      target = parsed.type;
      inner = valueArg;
    } else {
      const as = ctx.lastTopLevelAs(a + 2, exprEnd - 1);
      if (as < 0) {
        return;
      }
      const parsed = parseSqlType(t, as + 1, true);
      if (parsed.end !== exprEnd - 1) {
        return;
      }
      target = parsed.type;
      inner = [a + 2, as];
    }
    const source = ctx.typeOf(inner[0], inner[1]);
    if (
      !['varchar', 'nvarchar', 'char', 'nchar'].includes(target.name) ||
      target.maxLength < 0 ||
      (source?.name !== 'decimal' && source?.name !== 'numeric')
    ) {
      return;
    }
    out.push(...t.slice(at, a), ...tokenize('('), ...t.slice(inner[0], inner[1]), ...tokenize(')'));
    at = exprEnd;
    textTypes.set(index, { ...target, decimalText: true });
  });
  if (textTypes.size === 0) {
    return { tokens: t, textTypes };
  }
  out.push(...t.slice(at));
  return { tokens: out, textTypes };
}
