import { SqlServerError } from '../sql-server-error.js';
import { isName, isOp, isWord, matchParen, type Token } from './lexer.js';

// SQL Server raises error 8134 for x / 0 and x % 0 (integer, decimal and float alike, with the
// ANSI_WARNINGS ON every client sets); DuckDB answers NULL. So every divisor that may be zero is
// wrapped in a guard that raises an error DuckDB reports as "Invalid Input Error: Divide by zero
// error encountered." (`duckdb-errors.ts` maps it to 8134). A CASE over the divisor keeps its type
// (int / int stays integer division) and leaves filter pushdown and joins alone.

/** The message of the guard's error, matched by `duckdb-errors.ts`. */
const divideByZero = 'Divide by zero error encountered.';

/** Words that end an operand (a divisor never continues into them). */
const endWords = new Set([
  'AND',
  'OR',
  'NOT',
  'IN',
  'IS',
  'LIKE',
  'BETWEEN',
  'THEN',
  'ELSE',
  'WHEN',
  'END',
  'AS',
  'FROM',
  'WHERE',
  'GROUP',
  'ORDER',
  'HAVING',
]);

/** Where a CASE … END starting at `i` ends (after END), or -1. */
function caseEnd(t: readonly Token[], i: number, to: number): number {
  let depth = 0;
  for (let j = i; j < to; j++) {
    if (isOp(t[j], '(')) {
      j = matchParen(t, j);
    } else if (isWord(t[j], 'CASE')) {
      depth++;
    } else if (isWord(t[j], 'END') && --depth === 0) {
      return j + 1;
    }
  }
  return -1;
}

/**
 * Where the operand of `/` or `%` starting at `i` ends: unary signs, then a literal, variable,
 * parenthesis, CASE … END, or a (dotted) name with an optional call — multiplicative operators bind
 * tighter than anything after it. -1 when it cannot be delimited.
 */
function divisorEnd(t: readonly Token[], i: number, to: number): number {
  let j = i;
  while (j < to && (isOp(t[j], '-') || isOp(t[j], '+') || isOp(t[j], '~'))) {
    j++;
  }
  const tok = t[j];
  if (tok === undefined || j >= to) {
    return -1;
  }
  if (['variable', 'string', 'number', 'binary', 'global'].includes(tok.kind)) {
    return j + 1;
  }
  if (isOp(tok, '(')) {
    const close = matchParen(t, j);
    return close < to ? close + 1 : -1;
  }
  if (isWord(tok, 'CASE')) {
    return caseEnd(t, j, to);
  }
  if (!isName(tok) || (tok.kind === 'word' && endWords.has(tok.upper))) {
    return -1;
  }
  let k = j + 1;
  while (isOp(t[k], '.') && isName(t[k + 1])) {
    k += 2;
  }
  if (isOp(t[k], '(')) {
    const close = matchParen(t, k);
    return close < to ? close + 1 : -1;
  }
  return k;
}

/**
 * True when the token at `i` is a binary `/` or `%` (an operand comes before it).
 *
 * @example
 * isDivision(tokenize('a % 2'), 1) // true
 */
export function isDivision(t: readonly Token[], i: number): boolean {
  const tok = t[i];
  if (tok?.kind !== 'op' || (tok.text !== '/' && tok.text !== '%')) {
    return false;
  }
  const prev = t[i - 1];
  return prev !== undefined && (prev.kind !== 'op' || prev.text === ')');
}

/**
 * The divisor of the `/` or `%` at `i` guarded against zero: its DuckDB SQL and the token where
 * translation goes on. A non-zero number literal is left as it is (nothing to guard); a divisor
 * the emulator cannot delimit is refused rather than divided by DuckDB's rules.
 *
 * @example
 * guardedDivisor(tokenize('a / b'), 1, 3, (from, to) => '"b"')
 * // { sql: `(CASE WHEN ("b") = 0 THEN error('Divide by zero error encountered.') ELSE ("b") END)`, next: 3 }
 */
export function guardedDivisor(
  t: readonly Token[],
  i: number,
  to: number,
  translate: (from: number, to: number) => string,
): { sql: string; next: number } {
  const end = divisorEnd(t, i + 1, to);
  if (end < 0) {
    throw new SqlServerError(
      102,
      `Incorrect syntax near '${t[i]?.text}'. A divisor the emulator cannot delimit (it raises 8134 for zero only where it can) is not supported by the emulator; parenthesise it.`,
      { severity: 15 },
    );
  }
  const only = t[i + 1];
  if (end === i + 2 && only?.kind === 'number' && Number(only.text) !== 0) {
    return { sql: translate(i + 1, end), next: end };
  }
  const d = translate(i + 1, end);
  return { sql: `(CASE WHEN (${d}) = 0 THEN error('${divideByZero}') ELSE (${d}) END)`, next: end };
}
