import { SqlServerError } from '../sql-server-error.js';
import { innerRange, isName, isOp, isWord, matchParen, type Token, topLevelIndices } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import type { SelectContext } from './select-rewrites.js';
import {
  exactTicks,
  hiddenDigitColumn,
  subqueryTicks,
  type TickDomain,
  tickDomain,
} from './temporal-ticks.js';

/**
 * T-SQL's comparison operators.
 *
 * @example
 * comparisonOps.has('!<') // true
 */
export const comparisonOps = new Set(['=', '<>', '!=', '<', '<=', '>', '>=', '!<', '!>']);

/** Words after which a comparison's left operand may start. */
const leftBoundaryWords = new Set([
  'WHERE',
  'ON',
  'AND',
  'OR',
  'NOT',
  'WHEN',
  'HAVING',
  'IF',
  'WHILE',
  'SET',
]);

/** Words that start no operand even when a parenthesis follows. */
const notFunctions = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'EXISTS',
  'ON',
  'WHEN',
  'THEN',
  'ELSE',
  'WHERE',
  'HAVING',
  'SELECT',
  'AS',
  'VALUES',
  'BETWEEN',
  'IF',
  'WHILE',
  'CASE',
  'END',
  'FROM',
  'JOIN',
  'SET',
]);

/** A rewritten comparison: its DuckDB SQL and the token where translation goes on. */
export interface ExactComparison {
  readonly sql: string;
  readonly next: number;
}

/**
 * Where the operand starting at `i` ends (a literal, variable, name, call or parenthesis), or -1.
 *
 * @example
 * operandEnd(tokenize('[t].[a] = 1'), 0, 5) // 3
 */
export function operandEnd(t: readonly Token[], i: number, to: number): number {
  const tok = t[i];
  if (tok === undefined || i >= to) {
    return -1;
  }
  if (tok.kind === 'variable' || tok.kind === 'string' || tok.kind === 'number') {
    return i + 1;
  }
  if (isOp(tok, '(')) {
    const close = matchParen(t, i);
    return close < to ? close + 1 : -1;
  }
  if (tok.kind === 'word' && notFunctions.has(tok.upper)) {
    return -1;
  }
  if (!isName(tok)) {
    return -1;
  }
  let j = i + 1;
  while (isOp(t[j], '.') && isName(t[j + 1])) {
    j += 2;
  }
  if (isOp(t[j], '(')) {
    const close = matchParen(t, j);
    return close < to ? close + 1 : -1;
  }
  return j;
}

/**
 * True when the operand ending at `end` is not continued by an operator binding tighter than a comparison.
 *
 * @example
 * rightBoundary(tokenize('a = b + 1'), 3, 5) // false
 */
export function rightBoundary(t: readonly Token[], end: number, to: number): boolean {
  const next = t[end];
  if (next === undefined || end >= to) {
    return true;
  }
  if (next.kind === 'op') {
    return next.text === ')' || next.text === ',' || next.text === ';';
  }
  return !(next.kind === 'word' && (next.upper === 'COLLATE' || next.upper === 'AT'));
}

/**
 * True when a comparison's left operand may start at `i` (nothing binding tighter comes before it).
 *
 * @example
 * leftBoundary(tokenize('WHERE a = 1'), 1, 0) // true
 */
export function leftBoundary(t: readonly Token[], i: number, from: number): boolean {
  const prev = i > from ? t[i - 1] : undefined;
  if (prev === undefined) {
    return true;
  }
  if (prev.kind === 'op') {
    return prev.text === '(' || prev.text === ',';
  }
  return prev.kind === 'word' && leftBoundaryWords.has(prev.upper);
}

/**
 * The domain of a 100 ns comparison anchored at [a, b): a hidden-digit column, or MAX/MIN,
 * ISNULL/COALESCE, DATEADD or CAST/CONVERT to a date/time type with scale of one (values that carry
 * such a column's digit). Undefined for anything else.
 */
function anchorDomain(ctx: SelectContext, a: number, b: number): TickDomain | undefined {
  const t = ctx.tokens;
  [a, b] = innerRange(t, a, b);
  const column = hiddenDigitColumn(ctx, a, b);
  if (column !== undefined) {
    return tickDomain(column.type);
  }
  const fn = t[a];
  if (fn?.kind !== 'word' || !isOp(t[a + 1], '(') || matchParen(t, a + 1) !== b - 1) {
    return undefined;
  }
  const args = ctx.args(a + 1, b - 1);
  const argDomain = (arg: [number, number] | undefined): TickDomain | undefined =>
    arg === undefined ? undefined : anchorDomain(ctx, arg[0], arg[1]);
  switch (fn.upper) {
    case 'MAX':
    case 'MIN':
      return args.length === 1 ? argDomain(args[0]) : undefined;
    case 'ISNULL':
    case 'COALESCE':
      return args.map(argDomain).find((d) => d !== undefined);
    case 'DATEADD':
      return argDomain(args[2]);
    case 'CAST':
    case 'TRY_CAST': {
      const as = ctx.lastTopLevelAs(a + 2, b - 1);
      const target = as < 0 ? undefined : parseSqlType(t, as + 1, true).type.name;
      return target === 'datetime2' || target === 'time' || target === 'datetimeoffset'
        ? argDomain([a + 2, as])
        : undefined;
    }
    case 'CONVERT':
    case 'TRY_CONVERT': {
      const target = args[0] === undefined ? undefined : parseSqlType(t, args[0][0], true).type.name;
      return target === 'datetime2' || target === 'time' || target === 'datetimeoffset'
        ? argDomain(args[1])
        : undefined;
    }
    default:
      return undefined;
  }
}

/** The operator with its operands swapped (`a < b` is `b > a`). */
const mirrored: Readonly<Record<string, string>> = { '<': '>', '>': '<', '<=': '>=', '>=': '<=' };

/**
 * The SQL of the datetime2(7) column at [a, b) when a microsecond prefilter may go before the
 * exact comparison with the operand at [c, d): the column is plain, the other side is no
 * hidden-digit column (a join compares tick counts only) and no subquery.
 */
function prefilterColumn(ctx: SelectContext, a: number, b: number, c: number, d: number): string | undefined {
  const column = hiddenDigitColumn(ctx, a, b);
  // A subquery would be planned once more for each copy of its tick count.
  const subquery = isWord(ctx.tokens[innerRange(ctx.tokens, c, d)[0]], 'SELECT');
  if (
    column === undefined ||
    tickDomain(column.type) !== 'datetime2' ||
    subquery ||
    anchorDomain(ctx, c, d) !== undefined
  ) {
    return undefined;
  }
  return column.value;
}

/**
 * `column <op'> <microseconds of ticks> AND `, a condition the exact comparison `column op ticks`
 * implies (its microseconds are at least, at most or equal to the floor of the other side's),
 * that DuckDB can check on the column itself: with it, row groups are skipped by their min/max
 * and only the rows that pass compute tick counts (70 ms for 2 M rows without, 3 ms with, for a
 * predicate a few rows pass). Empty for `<>`.
 */
function microsecondPrefilter(column: string, op: string, ticks: string): string {
  const bound: Readonly<Record<string, string>> = { '>': '>=', '>=': '>=', '<': '<=', '<=': '<=', '=': '=' };
  const cmp = bound[op];
  if (cmp === undefined) {
    return '';
  }
  const floor = `make_timestamp(((${ticks}) - ((${ticks}) % 10 + 10) % 10) // 10)`;
  return `${column} ${cmp} ${floor} AND `;
}

/** The SQL Server error for a comparison the emulator cannot make exact to 100 ns. */
function inexact(ctx: SelectContext, a: number, b: number): SqlServerError {
  const text = ctx.tokens
    .slice(a, b)
    .map((x) => x.text)
    .join(' ');
  return new SqlServerError(
    102,
    `Comparing a datetime2(7)/time(7)/datetimeoffset(7) column with '${text}' is not supported by the emulator: ` +
      'it keeps the 7th fractional digit in a hidden column and can compare it exactly only with a column of that kind, ' +
      'a literal, a parameter or variable, or CAST/CONVERT of one (to compare at 100 ns as SQL Server does).',
    { severity: 16 },
  );
}

/**
 * The UPDATE … SET list of the statement as a token range (its `=` are assignments), or undefined.
 */
export function updateSetRange(t: readonly Token[]): [number, number] | undefined {
  if (!isWord(t[0], 'UPDATE')) {
    return undefined;
  }
  let setAt = -1;
  for (const i of topLevelIndices(t, 0, t.length)) {
    const w = t[i] as Token;
    if (setAt < 0 && isWord(w, 'SET')) {
      setAt = i;
    } else if (setAt >= 0 && w.kind === 'word' && ['FROM', 'WHERE', 'OUTPUT', 'OPTION'].includes(w.upper)) {
      return [setAt, i];
    }
  }
  return setAt < 0 ? undefined : [setAt, t.length];
}

/**
 * True when the operand at `i` (one name or variable) is the target of an assignment `=`: a
 * variable at the start of a select item (`SELECT @v = …`), a name at the start of an item of
 * the UPDATE's SET list.
 *
 * @example
 * isAssignment(tokenize('SELECT @v = a FROM t'), 1, undefined) // true
 */
export function isAssignment(
  t: readonly Token[],
  i: number,
  assignments: [number, number] | undefined,
): boolean {
  const prev = t[i - 1];
  const itemStart = isWord(prev, 'SELECT') || isWord(prev, 'SET') || isOp(prev, ',');
  if (!itemStart) {
    return false;
  }
  if (t[i]?.kind === 'variable') {
    return true;
  }
  return assignments !== undefined && i > assignments[0] && i < assignments[1];
}

/**
 * Where the comparison whose left operand starts at token `i` puts its parts: the left operand's
 * end, whether a NOT follows it, and the operator token `k` after that (`=`, `BETWEEN`, `IN`,
 * `LIKE`, …). Undefined when `i` cannot start an operand there or nothing follows it before `to`.
 *
 * @example
 * comparisonAt(tokens, 4, 3, n) // WHERE a NOT IN (1, 2) → { leftEnd: 5, negated: true, k: 6, op: IN }
 */
export function comparisonAt(
  t: readonly Token[],
  i: number,
  from: number,
  to: number,
): { leftEnd: number; negated: boolean; k: number; op: Token } | undefined {
  if (!leftBoundary(t, i, from)) {
    return undefined;
  }
  const leftEnd = operandEnd(t, i, to);
  if (leftEnd < 0) {
    return undefined;
  }
  let k = leftEnd;
  const negated = isWord(t[k], 'NOT');
  if (negated) {
    k++;
  }
  const op = t[k];
  if (op === undefined || k >= to) {
    return undefined;
  }
  return { leftEnd, negated, k, op };
}

/**
 * Rewrites the comparison whose left operand starts at token `i` (`=`, `<>`, `<`, `<=`, `>`,
 * `>=`, `[NOT] BETWEEN … AND …`, `[NOT] IN (…)`) when one side is a datetime2(7) / time(7) /
 * datetimeoffset(7) column (or MAX/MIN of one): both sides become 100 ns tick counts (the column's
 * microseconds and its hidden digit), so the answer is SQL Server's. A side the emulator cannot
 * make exact is an error, never a microsecond answer. Undefined when `i` starts no such comparison.
 *
 * @example
 * exactComparison(ctx, 4, n) // WHERE LM > CAST(@p AS datetime2(7)) →
 * // (epoch_us("LM") * 10 + coalesce("LM__100ns", 0)) > (epoch_us(CAST($p_p AS TIMESTAMP)) * 10 + 7)
 */
export function exactComparison(
  ctx: SelectContext,
  i: number,
  from: number,
  to: number,
  assignments: [number, number] | undefined,
): ExactComparison | undefined {
  const t = ctx.tokens;
  const at = comparisonAt(t, i, from, to);
  if (at === undefined) {
    return undefined;
  }
  const { leftEnd, k, negated, op } = at;
  if (!negated && op.kind === 'op' && comparisonOps.has(op.text)) {
    if (isAssignment(t, i, assignments)) {
      return undefined;
    }
    const rightEnd = operandEnd(t, k + 1, to);
    if (rightEnd < 0 || !rightBoundary(t, rightEnd, to)) {
      return undefined;
    }
    const domain = anchorDomain(ctx, i, leftEnd) ?? anchorDomain(ctx, k + 1, rightEnd);
    if (domain === undefined) {
      return undefined;
    }
    const left = exactTicks(ctx, i, leftEnd, domain);
    const right = exactTicks(ctx, k + 1, rightEnd, domain);
    if (left === undefined) {
      throw inexact(ctx, i, leftEnd);
    }
    if (right === undefined) {
      throw inexact(ctx, k + 1, rightEnd);
    }
    const sqlOp = op.text === '!=' ? '<>' : op.text === '!<' ? '>=' : op.text === '!>' ? '<=' : op.text;
    const leftColumn = prefilterColumn(ctx, i, leftEnd, k + 1, rightEnd);
    const rightColumn = prefilterColumn(ctx, k + 1, rightEnd, i, leftEnd);
    const prefilter =
      leftColumn !== undefined
        ? microsecondPrefilter(leftColumn, sqlOp, right)
        : rightColumn !== undefined
          ? microsecondPrefilter(rightColumn, mirrored[sqlOp] ?? sqlOp, left)
          : '';
    return { sql: `(${prefilter}${left} ${sqlOp} ${right})`, next: rightEnd };
  }
  if (isWord(op, 'BETWEEN')) {
    const domain = anchorDomain(ctx, i, leftEnd);
    if (domain === undefined) {
      return undefined;
    }
    const lowEnd = operandEnd(t, k + 1, to);
    const highEnd = lowEnd < 0 || !isWord(t[lowEnd], 'AND') ? -1 : operandEnd(t, lowEnd + 1, to);
    if (highEnd < 0 || !rightBoundary(t, highEnd, to)) {
      throw inexact(ctx, k + 1, Math.max(k + 2, Math.min(to, lowEnd < 0 ? to : lowEnd)));
    }
    const parts = [
      [i, leftEnd],
      [k + 1, lowEnd],
      [lowEnd + 1, highEnd],
    ].map(([a, b]) => {
      const ticks = exactTicks(ctx, a as number, b as number, domain);
      if (ticks === undefined) {
        throw inexact(ctx, a as number, b as number);
      }
      return ticks;
    });
    const column = negated ? undefined : prefilterColumn(ctx, i, leftEnd, k + 1, highEnd);
    const prefilter =
      column === undefined
        ? ''
        : `${microsecondPrefilter(column, '>=', parts[1] as string)}${microsecondPrefilter(column, '<=', parts[2] as string)}`;
    return {
      sql: `(${prefilter}${parts[0]} ${negated ? 'NOT ' : ''}BETWEEN ${parts[1]} AND ${parts[2]})`,
      next: highEnd,
    };
  }
  if (isWord(op, 'IN') && isOp(t[k + 1], '(')) {
    const domain = anchorDomain(ctx, i, leftEnd);
    if (domain === undefined) {
      return undefined;
    }
    const close = matchParen(t, k + 1);
    const left = exactTicks(ctx, i, leftEnd, domain) as string;
    if (isWord(t[k + 2], 'SELECT') || isWord(t[k + 2], 'WITH')) {
      const sub = isWord(t[k + 2], 'SELECT') ? subqueryTicks(ctx, k + 2, close, domain) : undefined;
      if (sub === undefined) {
        throw inexact(ctx, k + 1, close + 1);
      }
      return { sql: `(${left} ${negated ? 'NOT ' : ''}IN ${sub})`, next: close + 1 };
    }
    const items = ctx.args(k + 1, close).map(([a, b]) => {
      const ticks = exactTicks(ctx, a, b, domain);
      if (ticks === undefined) {
        throw inexact(ctx, a, b);
      }
      return ticks;
    });
    return { sql: `(${left} ${negated ? 'NOT ' : ''}IN (${items.join(', ')}))`, next: close + 1 };
  }
  return undefined;
}

/**
 * Refuses a hidden-digit column standing next to a comparison that {@link exactComparison} did
 * not rewrite (an operand it cannot delimit, such as `CASE … END = col` or `CASE col WHEN …`),
 * which DuckDB would answer at microseconds.
 *
 * @example
 * refuseInexactNeighbour(ctx, 7, 8, undefined) // throws for `… END = [LM]`
 */
export function refuseInexactNeighbour(
  ctx: SelectContext,
  a: number,
  b: number,
  assignments: [number, number] | undefined,
): void {
  const t = ctx.tokens;
  const prev = t[a - 1];
  const next = t[b];
  const isCmp = (x: Token | undefined): boolean =>
    (x?.kind === 'op' && comparisonOps.has(x.text)) || isWord(x, 'BETWEEN') || isWord(x, 'IN');
  // The `=` of an assignment (UPDATE … SET col = …, SELECT @v = col) compares nothing.
  const assignedTo = isOp(next, '=') && isAssignment(t, a, assignments);
  const assignedFrom = isOp(prev, '=') && a >= 2 && isAssignment(t, a - 2, assignments);
  const suspicious =
    (isCmp(prev) && !assignedFrom) ||
    (isCmp(next) && !assignedTo) ||
    isWord(prev, 'CASE') ||
    (isWord(next, 'NOT') && isCmp(t[b + 1]));
  if (suspicious && ctx.scope.sideColumn(a, b, 'ns100') !== undefined) {
    throw inexact(ctx, a, b);
  }
}
