import { isOp, isWord, itemRanges, matchParen, type Token } from './lexer.js';

const selectListEnd = new Set([
  'FROM',
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'INTO',
  'OPTION',
  'FOR',
  'WINDOW',
]);

/**
 * Rewrites T-SQL's `alias = expr` select items to `expr AS alias`.
 */
export function rewriteSelectAliases(tokens: readonly Token[]): Token[] {
  const out = [...tokens];
  for (let i = 0; i < out.length; i++) {
    if (!isWord(out[i], 'SELECT')) {
      continue;
    }
    const { start, end } = selectListBounds(out, i);
    const items = itemRanges(out, start, end);
    const replaced: Token[] = [];
    let changed = false;
    items.forEach(([a, b], k) => {
      if (k > 0) {
        replaced.push(commaToken(out[a] as Token));
      }
      const first = out[a];
      if (
        b - a >= 3 &&
        first !== undefined &&
        (first.kind === 'word' || first.kind === 'quoted' || first.kind === 'string') &&
        isOp(out[a + 1], '=')
      ) {
        changed = true;
        replaced.push(...out.slice(a + 2, b));
        replaced.push({ ...first, kind: 'word', text: 'AS', value: 'AS', upper: 'AS', spaceBefore: true });
        replaced.push({
          ...first,
          kind: 'quoted',
          upper: '',
          value: first.kind === 'word' ? first.text : first.value,
        });
      } else {
        replaced.push(...out.slice(a, b));
      }
    });
    if (changed) {
      out.splice(start, end - start, ...replaced);
    }
  }
  return out;
}

function commaToken(near: Token): Token {
  return { kind: 'op', text: ',', value: ',', pos: near.pos, upper: '', spaceBefore: false };
}

/** The select list of the SELECT at `selectIndex`: after DISTINCT/TOP, up to FROM or the end. */
export function selectListBounds(
  tokens: readonly Token[],
  selectIndex: number,
): { start: number; end: number } {
  let i = selectIndex + 1;
  if (isWord(tokens[i], 'DISTINCT') || isWord(tokens[i], 'ALL')) {
    i++;
  }
  if (isWord(tokens[i], 'TOP')) {
    i++;
    if (isOp(tokens[i], '(')) {
      i = matchParen(tokens, i) + 1;
    } else {
      i++;
    }
    if (isWord(tokens[i], 'PERCENT')) {
      i++;
    }
    if (isWord(tokens[i], 'WITH') && isWord(tokens[i + 1], 'TIES')) {
      i += 2;
    }
  }
  // DISTINCT ON (keys), which the emulator writes for DISTINCT over strings (padded-grouping.ts).
  if (isWord(tokens[i], 'ON') && isOp(tokens[i + 1], '(')) {
    i = matchParen(tokens, i + 1) + 1;
  }
  const start = i;
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, '(')) {
      depth++;
    } else if (isOp(t, ')')) {
      if (depth === 0) {
        break;
      }
      depth--;
    } else if (depth === 0 && (isOp(t, ';') || (t.kind === 'word' && selectListEnd.has(t.upper)))) {
      break;
    }
  }
  return { start, end: i };
}
