import { isOp, isWord, type Token, topLevelIndices } from './lexer.js';
import type { SelectContext } from './select-rewrites.js';

/** Words that end a GROUP BY / ORDER BY / PARTITION BY item list (or sit between its items). */
const itemEnd = new Set([
  'ASC',
  'DESC',
  'HAVING',
  'ORDER',
  'OFFSET',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'OPTION',
  'FOR',
  'ROWS',
  'RANGE',
  'WINDOW',
  'COLLATE',
]);

/** Words a backward scan from an item must not cross to reach its list's `BY`. */
const stoppers = new Set([
  'SELECT',
  'FROM',
  'WHERE',
  'HAVING',
  'ON',
  'SET',
  'VALUES',
  'INTO',
  'WHEN',
  'THEN',
  'ELSE',
  'CASE',
]);

/** The list (GROUP, ORDER or PARTITION BY) whose item starts at `i`, with its `BY`'s index, or undefined. */
function listOf(t: readonly Token[], i: number): { kind: string; by: number } | undefined {
  const prev = t[i - 1];
  if (!(isWord(prev, 'BY') || isOp(prev, ','))) {
    return undefined;
  }
  let depth = 0;
  for (let j = i - 1; j >= 0; j--) {
    const w = t[j] as Token;
    if (isOp(w, ')')) {
      depth++;
    } else if (isOp(w, '(')) {
      if (depth === 0) {
        return undefined;
      }
      depth--;
    } else if (depth === 0 && isWord(w, 'BY')) {
      const kind = t[j - 1]?.upper ?? '';
      return ['GROUP', 'ORDER', 'PARTITION'].includes(kind) ? { kind, by: j } : undefined;
    } else if (depth === 0 && w.kind === 'word' && stoppers.has(w.upper)) {
      return undefined;
    }
  }
  return undefined;
}

/**
 * For a hidden-digit column that is a whole item of a GROUP BY, ORDER BY or PARTITION BY list
 * (tokens [i, end)), the SQL that groups or sorts it at 100 ns as SQL Server does: the column,
 * then its hidden digit (`"LM" DESC, "LM__100ns" DESC`), and where translation goes on. Left
 * alone (undefined) for the ORDER BY of a statement with DISTINCT or a set operation, whose sort
 * keys must be output columns.
 *
 * @example
 * exactOrderItem(ctx, 9, 10, '"LM"') // { sql: '"LM" DESC, "LM__100ns" DESC', next: 11 }
 */
export function exactOrderItem(
  ctx: SelectContext,
  i: number,
  end: number,
  column: string,
): { sql: string; next: number } | undefined {
  const t = ctx.tokens;
  const digit = ctx.scope.sideColumn(i, end, 'ns100');
  if (digit === undefined) {
    return undefined;
  }
  const list = listOf(t, i);
  const next = t[end];
  const bounded =
    next === undefined ||
    isOp(next, ',') ||
    isOp(next, ')') ||
    isOp(next, ';') ||
    (next.kind === 'word' && itemEnd.has(next.upper));
  if (list === undefined || !bounded || isWord(next, 'COLLATE')) {
    return undefined;
  }
  if (list.kind === 'ORDER' && [...topLevelIndices(t, 0, t.length)].includes(list.by)) {
    const statementWide = [...topLevelIndices(t, 0, t.length)].some(
      (k) => isWord(t[k], 'DISTINCT') || ['UNION', 'EXCEPT', 'INTERSECT'].includes(t[k]?.upper ?? ''),
    );
    if (statementWide) {
      return undefined;
    }
  }
  const dir = isWord(next, 'ASC') || isWord(next, 'DESC') ? ` ${(next as Token).upper}` : '';
  return { sql: `${column}${dir}, ${digit}${dir}`, next: dir === '' ? end : end + 1 };
}
