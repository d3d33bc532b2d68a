import type { SqlType } from '../types/sql-type.js';
import { isName, isOp, isWord, itemRanges, type Token, topLevelWordIndex } from './lexer.js';
import { selectListBounds } from './select-list.js';
import type { SelectContext } from './select-rewrites.js';

/** Result-type hints and names by position for the statement's top-level select list.
 *
 * @example
 * selectHints(translator) // { hints: [int, nvarchar(40)], names: ['Id', 'Name'] } */
export function selectHints(
  ctx: SelectContext,
): { hints: (SqlType | undefined)[]; names: string[] } | undefined {
  const t = ctx.tokens;
  const selectAt = topLevelWordIndex(t, ['SELECT']);
  if (selectAt < 0) {
    return undefined;
  }
  const { start, end } = selectListBounds(t, selectAt);
  const hints: (SqlType | undefined)[] = [];
  const names: string[] = [];
  for (const [a, b0] of itemRanges(t, start, end)) {
    let b = b0;
    let name = '';
    if (b - a === 1 && isOp(t[a], '*')) {
      return undefined;
    }
    if (isOp(t[b - 1], '*')) {
      return undefined;
    }
    // Drop a trailing alias: `expr AS name` or `expr name`.
    const last = t[b - 1] as Token;
    if (b - a >= 3 && isWord(t[b - 2], 'AS')) {
      name = last.kind === 'word' ? last.text : last.value;
      b -= 2;
    } else if (
      b - a >= 2 &&
      isName(last) &&
      !isOp(t[b - 2], '.') &&
      (t[b - 2]?.kind !== 'op' || isOp(t[b - 2], ')')) &&
      !(last.kind === 'word' && ['END', 'NULL'].includes(last.upper)) &&
      !(
        t[b - 2]?.kind === 'word' &&
        ['CASE', 'ELSE', 'THEN', 'WHEN', 'AND', 'OR', 'NOT', 'IS', 'DISTINCT'].includes(
          (t[b - 2] as Token).upper,
        )
      )
    ) {
      name = last.kind === 'word' ? last.text : last.value;
      b -= 1;
    } else {
      const chain = ctx.scope.nameChain(a);
      if (chain !== undefined && chain.end === b) {
        name = chain.parts[chain.parts.length - 1] ?? '';
      }
    }
    hints.push(ctx.typeOf(a, b));
    names.push(name);
  }
  return { hints, names };
}
