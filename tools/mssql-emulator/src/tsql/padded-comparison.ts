import type { SqlType } from '../types/sql-type.js';
import { comparisonAt, comparisonOps, isAssignment, operandEnd, rightBoundary } from './exact-comparisons.js';
import { isOp, isWord, matchParen } from './lexer.js';
import { caseInsensitiveLike } from './like-pattern.js';
import type { SelectContext } from './select-rewrites.js';

// SQL_Latin1_General_CP1_CI_AS compares strings case-insensitively (DuckDB's `nocase` default
// collation does that) and pads the shorter one with spaces first, so 'a' = 'A ' is true (ANSI
// SQL-92 padding; https://learn.microsoft.com/en-us/sql/t-sql/language-elements/equals-transact-sql
// and KB 316626 "How SQL Server compares strings with trailing spaces"). DuckDB's strings compare
// with their trailing spaces, so both operands of a string comparison lose them first: DuckDB then
// compares `rtrim(a) = rtrim(b)` under `nocase`, which is SQL Server's answer (for `<`/`>` too,
// except for characters that sort below a space, i.e. control characters).

/** The character types whose comparisons ignore trailing spaces. */
const paddedTypes = new Set(['char', 'varchar', 'nchar', 'nvarchar']);

/**
 * True for a char/varchar/nchar/nvarchar type (text/ntext cannot be compared in SQL Server).
 *
 * @example
 * isPaddedText(sqlType('nvarchar', 20)) // true
 */
export function isPaddedText(type: SqlType | undefined): boolean {
  return type !== undefined && paddedTypes.has(type.name);
}

/** True for the non-Unicode character types (char, varchar). */
function isAnsiText(type: SqlType | undefined): boolean {
  return type?.name === 'char' || type?.name === 'varchar';
}

/**
 * `x [NOT] LIKE p [ESCAPE e]` where x and p are char/varchar: SQL Server ignores trailing blanks
 * of the matched expression there (not for nchar/nvarchar; https://learn.microsoft.com/en-us/sql/t-sql/language-elements/like-transact-sql,
 * "Pattern matching by using LIKE"), so x matches as it is or without them. Undefined otherwise
 * (the translator writes LIKE as ILIKE, see like-pattern.ts).
 */
function varcharLike(
  ctx: SelectContext,
  i: number,
  leftEnd: number,
  k: number,
  to: number,
  negated: boolean,
): { sql: string; next: number } | undefined {
  const t = ctx.tokens;
  const patternEnd = operandEnd(t, k + 1, to);
  if (patternEnd < 0 || !isAnsiText(ctx.typeOf(i, leftEnd)) || !isAnsiText(ctx.typeOf(k + 1, patternEnd))) {
    return undefined;
  }
  let end = patternEnd;
  let escapeClause = '';
  if (isWord(t[patternEnd], 'ESCAPE')) {
    end = operandEnd(t, patternEnd + 1, to);
    if (end < 0) {
      return undefined;
    }
    escapeClause = ` ESCAPE ${ctx.range(patternEnd + 1, end)}`;
  }
  if (!rightBoundary(t, end, to)) {
    return undefined;
  }
  const like = caseInsensitiveLike(t[k + 1], (name) => ctx.env.variables.get(name.toLowerCase())?.js);
  const x = ctx.range(i, leftEnd);
  const p = ctx.range(k + 1, patternEnd);
  const match = `(${x} ${like} ${p}${escapeClause} OR ${trimmed(x)} ${like} ${p}${escapeClause})`;
  return { sql: negated ? `(NOT ${match})` : match, next: end };
}

/**
 * SQL of an operand without its trailing spaces. A plain column, parameter or literal is trimmed
 * only when it ends with a space: `suffix` is a cheap test, `rtrim` builds a new string (a 1 M-row
 * scan with `rtrim(col) <> 'x'` took 3.4x the plain comparison, with the test 1.5x).
 */
function trimmed(sql: string): string {
  return /^(?:"[^"]*"(?:\."[^"]*")*|\$\w+|'[^']*')$/.test(sql)
    ? `(CASE WHEN suffix(${sql}, ' ') THEN rtrim(${sql}) ELSE ${sql} END)`
    : `rtrim(${sql})`;
}

/**
 * Rewrites the comparison whose left operand starts at token `i` when both sides are evidently
 * character strings (columns, literals, parameters, variables, CAST/CONVERT to a character type):
 * `=`, `<>`, `<`, … , `[NOT] BETWEEN`, `[NOT] IN (list)` and `[NOT] IN (subquery)` compare the
 * operands without trailing spaces. Undefined when `i` starts no such comparison (an operand of
 * unknown type is compared by DuckDB as it is).
 *
 * @example
 * paddedComparison(ctx, 4, 0, n, undefined) // WHERE [Code] = N'a ' → (rtrim("Code") = rtrim('a '))
 */
export function paddedComparison(
  ctx: SelectContext,
  i: number,
  from: number,
  to: number,
  assignments: [number, number] | undefined,
): { sql: string; next: number } | undefined {
  const t = ctx.tokens;
  const at = comparisonAt(t, i, from, to);
  if (at === undefined) {
    return undefined;
  }
  const { leftEnd, k, negated, op } = at;
  const text = (a: number, b: number): boolean => isPaddedText(ctx.typeOf(a, b));
  if (!negated && op.kind === 'op' && comparisonOps.has(op.text)) {
    const rightEnd = operandEnd(t, k + 1, to);
    if (
      rightEnd < 0 ||
      !rightBoundary(t, rightEnd, to) ||
      isAssignment(t, i, assignments) ||
      !text(i, leftEnd) ||
      !text(k + 1, rightEnd)
    ) {
      return undefined;
    }
    const sqlOp = op.text === '!=' ? '<>' : op.text === '!<' ? '>=' : op.text === '!>' ? '<=' : op.text;
    return {
      sql: `(${trimmed(ctx.range(i, leftEnd))} ${sqlOp} ${trimmed(ctx.range(k + 1, rightEnd))})`,
      next: rightEnd,
    };
  }
  if (isWord(op, 'LIKE')) {
    return varcharLike(ctx, i, leftEnd, k, to, negated);
  }
  if (isWord(op, 'BETWEEN')) {
    const lowEnd = operandEnd(t, k + 1, to);
    const highEnd = lowEnd < 0 || !isWord(t[lowEnd], 'AND') ? -1 : operandEnd(t, lowEnd + 1, to);
    if (
      highEnd < 0 ||
      !rightBoundary(t, highEnd, to) ||
      !text(i, leftEnd) ||
      !text(k + 1, lowEnd) ||
      !text(lowEnd + 1, highEnd)
    ) {
      return undefined;
    }
    const [x, lo, hi] = [
      [i, leftEnd],
      [k + 1, lowEnd],
      [lowEnd + 1, highEnd],
    ].map(([a, b]) => trimmed(ctx.range(a as number, b as number)));
    return { sql: `(${x} ${negated ? 'NOT ' : ''}BETWEEN ${lo} AND ${hi})`, next: highEnd };
  }
  if (isWord(op, 'IN') && isOp(t[k + 1], '(') && text(i, leftEnd)) {
    const close = matchParen(t, k + 1);
    if (close >= to) {
      return undefined;
    }
    const not = negated ? 'NOT ' : '';
    const left = trimmed(ctx.range(i, leftEnd));
    if (isWord(t[k + 2], 'SELECT') || isWord(t[k + 2], 'WITH')) {
      // The subquery's one column, trimmed, whatever its type (SQL Server converts it to the
      // left side's string type here, or fails on a non-numeric string where the left is a number).
      const sub = ctx.range(k + 2, close);
      return {
        sql: `(${left} ${not}IN (SELECT rtrim(CAST(__padded.v AS VARCHAR)) FROM (${sub}) AS __padded(v)))`,
        next: close + 1,
      };
    }
    const items = ctx.args(k + 1, close);
    if (!items.every(([a, b]) => text(a, b))) {
      return undefined;
    }
    const list = items.map(([a, b]) => trimmed(ctx.range(a, b))).join(', ');
    return { sql: `(${left} ${not}IN (${list}))`, next: close + 1 };
  }
  return undefined;
}
