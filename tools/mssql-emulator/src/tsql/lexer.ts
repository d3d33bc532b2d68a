import { SqlServerError } from '../sql-server-error.js';

/** The kinds of lexical token in a T-SQL batch. */
export type TokenKind =
  /** A bare identifier or keyword (`SELECT`, `dbo`, `sum`). */
  | 'word'
  /** A `[bracketed]` or `"double quoted"` identifier; `value` is unescaped. */
  | 'quoted'
  /** A `'string'` or `N'string'` literal; `value` is unescaped. */
  | 'string'
  | 'number'
  /** A `0x…` binary literal; `value` is the hex digits. */
  | 'binary'
  /** `@name`; `value` is the name without `@`. */
  | 'variable'
  /** `@@NAME`; `value` is the upper-cased name without `@@`. */
  | 'global'
  /** Operators and punctuation. */
  | 'op';

/** One token; `text` is the source text, `value` its meaning (see {@link TokenKind}). */
export interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  readonly value: string;
  /** Offset in the batch text, for error messages. */
  readonly pos: number;
  /** `word` tokens upper-cased, for keyword tests; otherwise `''`. */
  readonly upper: string;
  /** True when whitespace or a comment came right before this token. */
  readonly spaceBefore: boolean;
  /** Only for `string`: an `N'…'` literal. */
  readonly national?: boolean;
}

const multiCharOps = [
  '||',
  '<>',
  '!=',
  '>=',
  '<=',
  '!<',
  '!>',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '::',
];

function isIdentStart(c: string): boolean {
  return /[A-Za-z_#\u0080-\uffff]/.test(c);
}

function isIdentPart(c: string): boolean {
  return /[A-Za-z0-9_#$@\u0080-\uffff]/.test(c);
}

function makeToken(
  kind: TokenKind,
  text: string,
  value: string,
  pos: number,
  spaceBefore: boolean,
  national?: boolean,
): Token {
  const token: Token = {
    kind,
    text,
    value,
    pos,
    upper: kind === 'word' ? text.toUpperCase() : '',
    spaceBefore,
  };
  return national === undefined ? token : { ...token, national };
}

/**
 * Splits T-SQL text into tokens, dropping whitespace and comments.
 *
 * @example
 * tokenize("SELECT [a]]b] FROM t WHERE n = N'x'") // word, quoted 'a]b', word, word, word, word, op, string
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let space = false;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    if (c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\f' || c === '\v') {
      i++;
      space = true;
      continue;
    }
    if (c === '-' && sql[i + 1] === '-') {
      while (i < n && sql[i] !== '\n') {
        i++;
      }
      space = true;
      continue;
    }
    if (c === '/' && sql[i + 1] === '*') {
      // T-SQL block comments nest.
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else {
          i++;
        }
      }
      space = true;
      continue;
    }
    const start = i;
    if ((c === 'N' || c === 'n') && sql[i + 1] === "'") {
      const { value, end } = readQuoted(sql, i + 1, "'");
      tokens.push(makeToken('string', sql.slice(start, end), value, start, space, true));
      i = end;
    } else if (c === "'") {
      const { value, end } = readQuoted(sql, i, "'");
      tokens.push(makeToken('string', sql.slice(start, end), value, start, space, false));
      i = end;
    } else if (c === '[') {
      const { value, end } = readQuoted(sql, i, ']');
      tokens.push(makeToken('quoted', sql.slice(start, end), value, start, space));
      i = end;
    } else if (c === '"') {
      const { value, end } = readQuoted(sql, i, '"');
      tokens.push(makeToken('quoted', sql.slice(start, end), value, start, space));
      i = end;
    } else if (c === '0' && (sql[i + 1] === 'x' || sql[i + 1] === 'X')) {
      i += 2;
      while (i < n && /[0-9A-Fa-f]/.test(sql[i] as string)) {
        i++;
      }
      tokens.push(makeToken('binary', sql.slice(start, i), sql.slice(start + 2, i), start, space));
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      while (i < n && /[0-9]/.test(sql[i] as string)) {
        i++;
      }
      if (sql[i] === '.') {
        i++;
        while (i < n && /[0-9]/.test(sql[i] as string)) {
          i++;
        }
      }
      if ((sql[i] === 'e' || sql[i] === 'E') && /[-+0-9]/.test(sql[i + 1] ?? '')) {
        i += 2;
        while (i < n && /[0-9]/.test(sql[i] as string)) {
          i++;
        }
      }
      const text = sql.slice(start, i);
      tokens.push(makeToken('number', text, text, start, space));
    } else if (c === '@' && sql[i + 1] === '@') {
      i += 2;
      while (i < n && isIdentPart(sql[i] as string)) {
        i++;
      }
      const text = sql.slice(start, i);
      tokens.push(makeToken('global', text, text.slice(2).toUpperCase(), start, space));
    } else if (c === '@') {
      i++;
      while (i < n && isIdentPart(sql[i] as string)) {
        i++;
      }
      const text = sql.slice(start, i);
      tokens.push(makeToken('variable', text, text.slice(1), start, space));
    } else if (c === '$' && isIdentStart(sql[i + 1] ?? '')) {
      // $PARTITION (the partition-function accessor) reads as one word.
      i++;
      while (i < n && isIdentPart(sql[i] as string)) {
        i++;
      }
      const text = sql.slice(start, i);
      tokens.push(makeToken('word', text, text, start, space));
    } else if (isIdentStart(c)) {
      while (i < n && isIdentPart(sql[i] as string)) {
        i++;
      }
      const text = sql.slice(start, i);
      tokens.push(makeToken('word', text, text, start, space));
    } else {
      const two = sql.slice(i, i + 2);
      const text = multiCharOps.includes(two) ? two : c;
      i += text.length;
      tokens.push(makeToken('op', text, text, start, space));
    }
    space = false;
  }
  return tokens;
}

function readQuoted(sql: string, start: number, close: string): { value: string; end: number } {
  let i = start + 1;
  let value = '';
  for (;;) {
    const j = sql.indexOf(close, i);
    if (j < 0) {
      const what =
        close === "'" ? 'Unclosed quotation mark after the character string' : 'Unclosed identifier';
      throw new SqlServerError(105, `${what} '${sql.slice(start + 1)}'.`, { state: 1, severity: 15 });
    }
    value += sql.slice(i, j);
    if (sql[j + 1] === close) {
      value += close;
      i = j + 2;
    } else {
      return { value, end: j + 1 };
    }
  }
}

/** True when the token is the bare word `upper` (case-insensitive). */
export function isWord(token: Token | undefined, upper: string): boolean {
  return token !== undefined && token.kind === 'word' && token.upper === upper;
}

/** True when the token is the operator or punctuation `text`. */
export function isOp(token: Token | undefined, text: string): boolean {
  return token !== undefined && token.kind === 'op' && token.text === text;
}

/** True for a token that names something: a bare word or a quoted identifier. */
export function isName(token: Token | undefined): boolean {
  return token !== undefined && (token.kind === 'word' || token.kind === 'quoted');
}

/**
 * The first of `words` (upper case) that appears outside every parenthesis, or undefined.
 *
 * @example
 * firstTopLevelWord(tokenize('SELECT a FROM (SELECT b UNION SELECT c) x'), ['UNION']) // undefined
 */
export function firstTopLevelWord(tokens: readonly Token[], words: readonly string[]): string | undefined {
  return tokens[topLevelWordIndex(tokens, words)]?.upper;
}

/**
 * The index of the first of `words` (upper case) at or after `from`, outside every parenthesis
 * opened from there on, or -1.
 *
 * @example
 * topLevelWordIndex(tokenize('SELECT (SELECT 1) INTO t'), ['INTO']) // 5
 */
export function topLevelWordIndex(tokens: readonly Token[], words: readonly string[], from = 0): number {
  for (const i of topLevelIndices(tokens, from, tokens.length)) {
    const t = tokens[i] as Token;
    if (t.kind === 'word' && words.includes(t.upper)) {
      return i;
    }
  }
  return -1;
}

/** The last `AS` in tokens [from, to) outside every parenthesis opened there, or -1 (`CAST(x AS t)`). */
export function lastTopLevelAs(tokens: readonly Token[], from: number, to: number): number {
  let found = -1;
  for (const i of topLevelIndices(tokens, from, to)) {
    if (isWord(tokens[i], 'AS')) {
      found = i;
    }
  }
  return found;
}

/**
 * The indices in [from, to) of the tokens outside every parenthesis opened there, in order; the
 * parentheses themselves are not among them. The one depth-counting scan of the translator.
 *
 * @example
 * [...topLevelIndices(tokenize('a (b) c'), 0, 5)] // [0, 4]
 */
export function* topLevelIndices(tokens: readonly Token[], from: number, to: number): Generator<number> {
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, '(')) {
      depth++;
    } else if (isOp(t, ')')) {
      depth--;
    } else if (depth === 0) {
      yield i;
    }
  }
}

/** The index of the `)` matching the `(` at `open`, or `tokens.length` when unbalanced. */
export function matchParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let i = open; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (t.kind === 'op') {
      if (t.text === '(') {
        depth++;
      } else if (t.text === ')') {
        depth--;
        if (depth === 0) {
          return i;
        }
      }
    }
  }
  return tokens.length;
}

/**
 * The range [from, to) without the parentheses that enclose all of it: `((x))` → `x`.
 *
 * @example
 * innerRange(tokenize('((a + 1))'), 0, 7) // [2, 5]
 */
export function innerRange(tokens: readonly Token[], from: number, to: number): [number, number] {
  let [a, b] = [from, to];
  while (isOp(tokens[a], '(') && matchParen(tokens, a) === b - 1) {
    a++;
    b--;
  }
  return [a, b];
}

/** Splits `tokens[from, to)` at top-level commas (or `sep`); an empty last part is kept. */
export function splitTopLevel(tokens: readonly Token[], from: number, to: number, sep = ','): Token[][] {
  const parts: Token[][] = [];
  let start = from;
  for (const i of topLevelIndices(tokens, from, to)) {
    if (isOp(tokens[i], sep)) {
      parts.push(tokens.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(tokens.slice(start, to));
  return parts;
}

/**
 * The ranges [a, b) of `tokens[start, end)` between top-level commas; an empty last range is left
 * out (`a, b,` → two ranges).
 *
 * @example
 * itemRanges(tokenize('f(x, y), z'), 0, 8) // [[0, 6], [7, 8]]
 */
export function itemRanges(tokens: readonly Token[], start: number, end: number): [number, number][] {
  const out: [number, number][] = [];
  let from = start;
  for (const i of topLevelIndices(tokens, start, end)) {
    if (isOp(tokens[i], ',')) {
      out.push([from, i]);
      from = i + 1;
    }
  }
  if (end > from) {
    out.push([from, end]);
  }
  return out;
}

/** The source text a token run came from, for error messages. */
export function tokensText(tokens: readonly Token[]): string {
  return tokens.map((t, i) => (i > 0 && t.spaceBefore ? ` ${t.text}` : t.text)).join('');
}
