import { isOp, isWord, matchParen, type Token } from './lexer.js';
import { isPaddedText } from './padded-comparison.js';
import type { SelectContext } from './select-rewrites.js';

// `CASE s WHEN 'a' THEN …` compares s with each WHEN value by `=`, so under the default collation
// trailing spaces do not count there either (see padded-comparison.ts): when the operand is a
// character string, it and every character string WHEN value lose their trailing spaces.

/**
 * The simple CASE starting at `i` (`CASE operand WHEN v THEN r … [ELSE e] END`) with a character
 * string operand, translated with the operand and the string WHEN values trimmed; undefined for a
 * searched CASE, another operand type or a CASE the emulator cannot delimit (DuckDB's CASE then).
 *
 * @example
 * simpleStringCase(ctx, 1) // CASE [Code] WHEN 'a' THEN 1 END → CASE rtrim("Code") WHEN rtrim('a') THEN 1 END
 */
export function simpleStringCase(ctx: SelectContext, i: number): { sql: string; next: number } | undefined {
  const t = ctx.tokens;
  if (!isWord(t[i], 'CASE') || isWord(t[i + 1], 'WHEN')) {
    return undefined;
  }
  // The top-level WHEN / THEN / ELSE of this CASE and its END.
  const marks: number[] = [];
  let end = -1;
  for (let j = i + 1; j < t.length && end < 0; j++) {
    const tok = t[j] as Token;
    if (isOp(tok, '(')) {
      j = matchParen(t, j);
    } else if (isWord(tok, 'CASE')) {
      j = skipCase(t, j);
      if (j < 0) {
        return undefined;
      }
    } else if (isWord(tok, 'WHEN') || isWord(tok, 'THEN') || isWord(tok, 'ELSE')) {
      marks.push(j);
    } else if (isWord(tok, 'END')) {
      end = j;
    }
  }
  const first = marks[0];
  if (end < 0 || first === undefined || !isPaddedText(ctx.typeOf(i + 1, first))) {
    return undefined;
  }
  const bounds = [...marks, end];
  const out = [`CASE rtrim(${ctx.range(i + 1, first)})`];
  for (let k = 0; k < marks.length; k++) {
    const at = marks[k] as number;
    const next = bounds[k + 1] as number;
    const word = (t[at] as Token).upper;
    const value = ctx.range(at + 1, next);
    out.push(
      word === 'WHEN' && isPaddedText(ctx.typeOf(at + 1, next)) ? `WHEN rtrim(${value})` : `${word} ${value}`,
    );
  }
  out.push('END');
  return { sql: `(${out.join(' ')})`, next: end + 1 };
}

/** The END of the CASE at `i`, or -1. */
function skipCase(t: readonly Token[], i: number): number {
  let depth = 0;
  for (let j = i; j < t.length; j++) {
    if (isOp(t[j], '(')) {
      j = matchParen(t, j);
    } else if (isWord(t[j], 'CASE')) {
      depth++;
    } else if (isWord(t[j], 'END') && --depth === 0) {
      return j;
    }
  }
  return -1;
}
