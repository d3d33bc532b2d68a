import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { type SqlType, typeDeclaration } from '../types/sql-type.js';
import {
  firstTopLevelWord,
  isOp,
  isWord,
  splitTopLevel,
  type Token,
  tokenize,
  topLevelWordIndex,
} from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';

/** The end of a SET item's value: the next top-level comma, or `limit`. */
export function itemEnd(tokens: readonly Token[], from: number, limit: number): number {
  let depth = 0;
  for (let i = from; i < limit; i++) {
    if (isOp(tokens[i], '(')) {
      depth++;
    } else if (isOp(tokens[i], ')')) {
      depth--;
    } else if (depth === 0 && isOp(tokens[i], ',')) {
      return i;
    }
  }
  return limit;
}

/** The main keyword after a WITH's CTE list. */
export function mainKeyword(tokens: readonly Token[]): string {
  return firstTopLevelWord(tokens, ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']) ?? 'SELECT';
}

/** Index of a top-level `SELECT … INTO name`, or undefined. */
export function findSelectInto(tokens: readonly Token[]): number | undefined {
  const at = topLevelWordIndex(tokens, ['INTO', 'FROM']);
  return isWord(tokens[at], 'INTO') ? at : undefined;
}

/** `SELECT @a = x, @b = y …` → `SELECT x, y …` and the variable names, or undefined. */
export function selectAssignments(
  tokens: readonly Token[],
): { tokens: Token[]; variables: string[] } | undefined {
  const s = tokens.findIndex((t) => isWord(t, 'SELECT'));
  if (tokens[s + 1]?.kind !== 'variable' || !isOp(tokens[s + 2], '=')) {
    return undefined;
  }
  const out: Token[] = tokens.slice(0, s + 1);
  const variables: string[] = [];
  let depth = 0;
  let i = s + 1;
  let itemStart = true;
  for (; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, '(')) {
      depth++;
    } else if (isOp(t, ')')) {
      depth--;
    }
    if (
      depth === 0 &&
      t.kind === 'word' &&
      ['FROM', 'WHERE', 'GROUP', 'ORDER', 'HAVING', 'UNION'].includes(t.upper)
    ) {
      break;
    }
    if (itemStart && t.kind === 'variable' && isOp(tokens[i + 1], '=')) {
      variables.push(t.value.toLowerCase());
      i++;
      itemStart = false;
      continue;
    }
    out.push(t);
    itemStart = depth === 0 && isOp(t, ',');
  }
  out.push(...tokens.slice(i));
  return { tokens: out, variables };
}

/** Moves an `OUTPUT INSERTED.x, …` clause to DuckDB's trailing `RETURNING x, …`. */
export function rewriteOutput(tokens: readonly Token[]): { tokens: Token[]; returning: boolean } {
  const at = topLevelWordIndex(tokens, ['OUTPUT']);
  if (at < 0) {
    return { tokens: [...tokens], returning: false };
  }
  const next = topLevelWordIndex(
    tokens,
    ['VALUES', 'SELECT', 'DEFAULT', 'FROM', 'WHERE', 'INTO', 'EXEC'],
    at + 1,
  );
  const end = next < 0 ? tokens.length : next;
  if (isWord(tokens[end], 'INTO')) {
    throw new SqlServerError(102, 'OUTPUT … INTO is not supported by the emulator.', { severity: 15 });
  }
  const list: Token[] = [];
  for (let i = at + 1; i < end; i++) {
    const t = tokens[i] as Token;
    if ((isWord(t, 'INSERTED') || isWord(t, 'DELETED')) && isOp(tokens[i + 1], '.')) {
      i++;
      continue;
    }
    list.push(t);
  }
  const rest = [...tokens.slice(0, at), ...tokens.slice(end)];
  while (rest.length > 0 && isOp(rest[rest.length - 1], ';')) {
    rest.pop();
  }
  const returning: Token = {
    ...(tokens[at] as Token),
    text: 'RETURNING',
    value: 'RETURNING',
    upper: 'RETURNING',
  };
  return { tokens: [...rest, returning, ...list], returning: true };
}

/** Splits EXEC arguments (after the procedure name) at top-level commas. */
export function splitArgs(tokens: readonly Token[], from: number): Token[][] {
  const parts = splitTopLevel(tokens, from, tokens.length);
  // No arguments, or a trailing comma, leaves an empty last part: not an argument.
  return parts[parts.length - 1]?.length === 0 ? parts.slice(0, -1) : parts;
}

/** Parses an sp_executesql parameter declaration list: `@a int, @b nvarchar(50) OUTPUT`. */
export function parseParamDeclarations(decl: string): { name: string; type: SqlType; output: boolean }[] {
  const tokens = tokenize(decl);
  const out: { name: string; type: SqlType; output: boolean }[] = [];
  let i = 0;
  while (i < tokens.length) {
    const v = tokens[i];
    if (v?.kind !== 'variable') {
      throw syntaxError(v?.text ?? '');
    }
    i++;
    if (isWord(tokens[i], 'AS')) {
      i++;
    }
    const parsed = parseSqlType(tokens, i);
    i = parsed.end;
    let output = false;
    if (isWord(tokens[i], 'OUTPUT') || isWord(tokens[i], 'OUT')) {
      output = true;
      i++;
    }
    if (isOp(tokens[i], '=')) {
      i += 2;
    }
    out.push({ name: v.value.toLowerCase(), type: parsed.type, output });
    if (isOp(tokens[i], ',')) {
      i++;
    }
  }
  return out;
}

/**
 * A type's T-SQL declaration text for CAST: its declaration, except rowversion, which is stored
 * (and cast) as bigint.
 */
export function typeTokensText(type: SqlType): string {
  return type.name === 'timestamp' ? 'bigint' : typeDeclaration(type);
}

/** Splits generated DuckDB column definitions at top-level commas. */
export function splitTopLevelSql(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] as string;
    if (quote !== '') {
      if (c === quote) {
        quote = '';
      }
    } else if (c === "'" || c === '"') {
      quote = c;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}
