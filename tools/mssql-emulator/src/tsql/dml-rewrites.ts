import type { Catalog } from '../catalog.js';
import type { CatalogColumn, CatalogTable } from '../catalog-table.js';
import { hiddenColumnsOf } from '../catalog-table.js';
import { quoteIdent } from '../sql-quoting.js';
import { SqlServerError } from '../sql-server-error.js';
import type { BoundValue } from '../types/bound-value.js';
import { readObjectName } from './create-table.js';
import { offsetLiteral, offsetSql } from './datetimeoffset.js';
import { isName, isOp, isWord, matchParen, type Token, tokenize } from './lexer.js';
import { itemEnd, splitArgs } from './statement-shapes.js';

/** What the DML rewrites read: the catalog and the batch's variables. */
export interface RewriteContext {
  readonly catalog: Catalog;
  readonly database: string;
  readonly variables: ReadonlyMap<string, BoundValue>;
}

/** INSERT without INTO gets it; without a column list, identity and rowversion columns are skipped. */
export function rewriteInsert(ctx: RewriteContext, tokens: Token[]): Token[] {
  let i = tokens.findIndex((t) => isWord(t, 'INSERT'));
  const out = [...tokens];
  i++;
  if (isWord(out[i], 'TOP')) {
    throw new SqlServerError(102, 'INSERT TOP is not supported by the emulator.', { severity: 15 });
  }
  if (!isWord(out[i], 'INTO')) {
    out.splice(i, 0, { ...(out[i] as Token), kind: 'word', text: 'INTO', value: 'INTO', upper: 'INTO' });
  }
  i++;
  const { name, end } = readObjectName(out, i, ctx.database);
  const table = name.temp ? undefined : ctx.catalog.table(name.schema, name.name);
  if (table === undefined || isWord(out[end], 'DEFAULT')) {
    return out;
  }
  const hasHidden = table.columns.some((c) => hiddenColumnsOf(c).length > 0);
  let listEnd: number;
  let names: string[];
  if (isOp(out[end], '(') && !isWord(out[end + 1], 'SELECT')) {
    listEnd = matchParen(out, end);
    names = out
      .slice(end + 1, listEnd)
      .filter((t) => isName(t))
      .map((t) => (t.kind === 'word' ? t.text : t.value));
  } else {
    const skip = table.columns.filter((c) => c.identity || c.type.name === 'timestamp');
    if (skip.length === 0 && !hasHidden) {
      return out;
    }
    names = table.columns.filter((c) => !skip.includes(c)).map((c) => c.name);
    const list = tokenize(`(${names.map(quoteIdent).join(', ')})`);
    out.splice(end, 0, ...list);
    listEnd = end + list.length - 1;
  }
  if (!isWord(out[listEnd + 1], 'VALUES')) {
    return out;
  }
  const targets = names.map((n, k) => ({
    k,
    column: table.columns.find((c) => c.name.toLowerCase() === n.toLowerCase()),
  }));
  const offsetColumns = targets.filter((x) => x.column?.type.name === 'datetimeoffset');
  if (offsetColumns.length > 0) {
    normalizeOffsetRows(out, listEnd + 2, offsetColumns);
  }
  // Scale-7 temporal columns: each VALUES row also sets the hidden 100 ns digit of its literal
  // or parameter; datetimeoffset columns the offset it was written with.
  const sides = targets.flatMap(({ k, column }) =>
    column === undefined ? [] : sideValues(column, undefined).map((side) => ({ k, ...side })),
  );
  if (!hasHidden || sides.length === 0) {
    return out;
  }
  const result: Token[] = out.slice(0, listEnd);
  result.push(...tokenize(`, ${sides.map((x) => quoteIdent(x.name)).join(', ')}`));
  result.push(out[listEnd] as Token, out[listEnd + 1] as Token);
  let j = listEnd + 2;
  while (j < out.length && isOp(out[j], '(')) {
    const close = matchParen(out, j);
    const values = splitArgs(out.slice(j + 1, close), 0);
    result.push(...out.slice(j, close));
    for (const { k, value } of sides) {
      result.push(...tokenize(`, ${value(values[k] ?? [], ctx.variables)}`));
    }
    result.push(out[close] as Token);
    j = close + 1;
    if (isOp(out[j], ',')) {
      result.push(out[j] as Token);
      j++;
    }
  }
  result.push(...out.slice(j));
  return result;
}

/** Rewrites the string literals bound to datetimeoffset columns in VALUES rows from `at`. */
function normalizeOffsetRows(out: Token[], at: number, columns: readonly { k: number }[]): void {
  let j = at;
  while (j < out.length && isOp(out[j], '(')) {
    const close = matchParen(out, j);
    let k = 0;
    let depth = 0;
    let start = j + 1;
    for (let i = j + 1; i <= close; i++) {
      const t = out[i] as Token;
      if (isOp(t, '(')) {
        depth++;
      } else if (isOp(t, ')') && depth > 0) {
        depth--;
      } else if (depth === 0 && (isOp(t, ',') || i === close)) {
        const lit = out[start];
        if (i === start + 1 && lit?.kind === 'string' && columns.some((c) => c.k === k)) {
          out[start] = { ...lit, value: offsetLiteral(lit.value) };
        }
        k++;
        start = i + 1;
      }
    }
    j = close + 1;
    if (isOp(out[j], ',')) {
      j++;
    }
  }
}

/** A hidden side column of an assigned column, and the SQL of its value for an assigned expression. */
interface SideValue {
  readonly name: string;
  value(expr: readonly Token[], variables: ReadonlyMap<string, BoundValue>): string;
}

/**
 * The hidden side columns an INSERT or UPDATE of `column` must also set: a scale-7 temporal
 * column's 100 ns digit, a datetimeoffset column's offset (in an UPDATE, `table`'s own
 * datetimeoffset columns pass theirs on: `SET a = b` copies b's offset).
 */
function sideValues(column: CatalogColumn, table: CatalogTable | undefined): SideValue[] {
  const sides: SideValue[] = [];
  if (column.ns100 !== undefined) {
    sides.push({ name: column.ns100, value: digitOf });
  }
  if (column.tz !== undefined) {
    sides.push({
      name: column.tz,
      value: (expr, variables) =>
        offsetSql(expr, 0, expr.length, {
          variable: (name) => variables.get(name),
          column: (from, to) => {
            const only = to - from === 1 ? expr[from] : undefined;
            const name = only?.kind === 'word' ? only.text : only?.kind === 'quoted' ? only.value : undefined;
            const tz = table?.columns.find((c) => c.name.toLowerCase() === name?.toLowerCase())?.tz;
            return tz === undefined ? undefined : quoteIdent(tz);
          },
        }) ?? '0',
    });
  }
  return sides;
}

/** The 100 ns digit of a scale-7 temporal literal or parameter ('0' for anything else). */
export function digitOf(expr: readonly Token[], variables: ReadonlyMap<string, BoundValue>): string {
  const t = expr.length === 1 ? expr[0] : undefined;
  let text: unknown;
  if (t?.kind === 'string') {
    text = t.value;
  } else if (t?.kind === 'variable') {
    const bound = variables.get(t.value.toLowerCase());
    if (bound?.digit !== undefined) {
      return String(bound.digit);
    }
    text = bound?.js;
  }
  const m = typeof text === 'string' ? text.match(/\.\d{6}(\d)/) : null;
  return m === null ? '0' : (m[1] as string);
}

/** `UPDATE t SET t.c = …` loses the qualifier; rowversion columns are bumped. */
export function rewriteUpdate(ctx: RewriteContext, tokens: Token[]): Token[] {
  const u = tokens.findIndex((t) => isWord(t, 'UPDATE'));
  if (isWord(tokens[u + 1], 'TOP')) {
    throw new SqlServerError(102, 'UPDATE TOP is not supported by the emulator.', { severity: 15 });
  }
  const setAt = tokens.findIndex((t, k) => k > u && isWord(t, 'SET'));
  if (setAt < 0) {
    return tokens;
  }
  const out: Token[] = tokens.slice(0, setAt + 1);
  const assignments: number[] = [];
  let depth = 0;
  let itemStart = true;
  let end = tokens.length;
  for (let i = setAt + 1; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    if (isOp(t, '(')) {
      depth++;
    } else if (isOp(t, ')')) {
      depth--;
    }
    if (depth === 0 && t.kind === 'word' && ['FROM', 'WHERE', 'OUTPUT', 'OPTION'].includes(t.upper)) {
      end = i;
      break;
    }
    if (itemStart && isName(t) && isOp(tokens[i + 1], '=')) {
      assignments.push(i);
    }
    if (
      itemStart &&
      isName(t) &&
      isOp(tokens[i + 1], '.') &&
      isName(tokens[i + 2]) &&
      isOp(tokens[i + 3], '=')
    ) {
      assignments.push(i + 2);
      // drop `alias.`
      i += 1;
      itemStart = false;
      continue;
    }
    out.push(t);
    itemStart = depth === 0 && isOp(t, ',');
  }
  const { name } = readObjectName(tokens, u + 1, ctx.database);
  const table = name.temp ? undefined : ctx.catalog.table(name.schema, name.name);
  for (const at of assignments) {
    const target = tokens[at] as Token;
    const targetName = (target.kind === 'word' ? target.text : target.value).toLowerCase();
    const column = table?.columns.find((c) => c.name.toLowerCase() === targetName);
    const valueAt = out.indexOf(tokens[at + 2] as Token);
    const lit = out[valueAt];
    if (column?.type.name === 'datetimeoffset' && lit?.kind === 'string') {
      out[valueAt] = { ...lit, value: offsetLiteral(lit.value) };
    }
    const value = tokens.slice(at + 2, itemEnd(tokens, at + 2, end));
    for (const side of column === undefined ? [] : sideValues(column, table)) {
      out.push(...tokenize(`, ${quoteIdent(side.name)} = ${side.value(value, ctx.variables)}`));
    }
  }
  const rv = table?.columns.find((c) => c.type.name === 'timestamp');
  if (rv !== undefined) {
    out.push(...tokenize(`, ${quoteIdent(rv.name)} = nextval('__emulator.rowversion')`));
  }
  out.push(...tokens.slice(end));
  return out;
}

/** `DELETE t WHERE …` gets its FROM. */
export function rewriteDelete(tokens: Token[]): Token[] {
  const d = tokens.findIndex((t) => isWord(t, 'DELETE'));
  if (isWord(tokens[d + 1], 'TOP')) {
    throw new SqlServerError(102, 'DELETE TOP is not supported by the emulator.', { severity: 15 });
  }
  if (isWord(tokens[d + 1], 'FROM')) {
    return tokens;
  }
  const out = [...tokens];
  out.splice(d + 1, 0, { ...(tokens[d] as Token), text: 'FROM', value: 'FROM', upper: 'FROM' });
  return out;
}
