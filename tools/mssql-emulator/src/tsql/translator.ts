import { VARCHAR } from '@duckdb/node-api';
import type { CatalogColumn, CatalogTable } from '../catalog.js';
import { hiddenColumnsOf, infoSchema, quoteIdent, quoteString } from '../catalog.js';
import { partitionNumberSql } from '../partition-functions.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import type { BoundValue } from '../types/bound-value.js';
import type { DecimalTextType } from '../types/decimal-text-type.js';
import { type SqlType, sqlType } from '../types/sql-type.js';
import { translateFunction } from './builtin-functions.js';
import { offsetSql } from './datetimeoffset.js';
import type { ChecksumArgument, FunctionContext } from './function-context.js';
import {
  firstTopLevelWord,
  innerRange,
  isName,
  isOp,
  isWord,
  itemRanges,
  lastTopLevelAs,
  matchParen,
  type Token,
  tokenize,
  topLevelWordIndex,
} from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import { rewriteSelectAliases, selectListBounds } from './select-list.js';
import {
  longLiteralChars,
  type TranslateEnv,
  type TranslateOptions,
  type Translation,
} from './translation.js';

const tableHints = new Set([
  'NOLOCK',
  'READUNCOMMITTED',
  'UPDLOCK',
  'HOLDLOCK',
  'ROWLOCK',
  'PAGLOCK',
  'TABLOCK',
  'TABLOCKX',
  'READPAST',
  'XLOCK',
  'NOWAIT',
  'INDEX',
  'FORCESEEK',
  'FORCESCAN',
  'SERIALIZABLE',
  'REPEATABLEREAD',
  'READCOMMITTED',
  'READCOMMITTEDLOCK',
  'SNAPSHOT',
  'NOEXPAND',
]);

const aliasStop = new Set([
  'WHERE',
  'GROUP',
  'HAVING',
  'ORDER',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'JOIN',
  'INNER',
  'LEFT',
  'RIGHT',
  'FULL',
  'CROSS',
  'OUTER',
  'ON',
  'WITH',
  'SET',
  'VALUES',
  'SELECT',
  'OPTION',
  'OUTPUT',
  'DEFAULT',
  'FOR',
  'APPLY',
  'USING',
  'WHEN',
  'PIVOT',
  'UNPIVOT',
]);

/** Keywords after which a table name may follow. */
const scopeWords = new Set(['FROM', 'JOIN', 'UPDATE', 'INTO', 'TABLE']);
/** Clause keywords: a comma continues a FROM list only while FROM is the clause in force. */
const clauseWords = new Set([
  'FROM',
  'SELECT',
  'WHERE',
  'SET',
  'VALUES',
  'ON',
  'GROUP',
  'ORDER',
  'BY',
  'HAVING',
  'JOIN',
]);

/** A table referenced by a statement, and the alias it goes by. */
interface ScopeEntry {
  readonly alias: string;
  readonly table: CatalogTable;
}

/** The DuckDB parameter name of a T-SQL variable. */
export function paramName(variable: string): string {
  return `p_${variable.toLowerCase().replace(/[^a-z0-9_]/g, '_')}`;
}

/**
 * Translates one T-SQL statement (a token run) into DuckDB SQL. Identifiers, literals,
 * parameters, TOP, CAST/CONVERT, the common built-in functions and catalog names are rewritten;
 * everything else is passed through for DuckDB to parse (DuckDB's errors are then mapped to
 * SQL Server's).
 *
 * @example
 * translate(tokenize('SELECT TOP (5) [Id] FROM [dbo].[T] WHERE [Name] = @name'), env).sql
 * // 'SELECT "Id" FROM "dbo"."T" WHERE "Name" = $p_name LIMIT (5)'
 */
export function translate(
  tokens: readonly Token[],
  env: TranslateEnv,
  options: TranslateOptions = {},
): Translation {
  const aliased = rewriteSelectAliases(tokens);
  const first = new Translator(aliased, env, options);
  const withDigits = first.withHiddenDigits();
  const second = withDigits === aliased ? first : new Translator(withDigits, env, options);
  const { tokens: rewritten, textTypes } = second.withDecimalText();
  const t = rewritten === withDigits ? second : new Translator(rewritten, env, options);
  const sql = t.range(0, rewritten.length);
  const select = t.selectHints();
  return {
    sql,
    params: t.params,
    hints: select?.hints.map((hint, i) => textTypes.get(i) ?? hint),
    names: select?.names,
    columnTypes: t.columnTypes(),
  };
}

class Translator implements FunctionContext {
  readonly params = new Map<string, BoundValue>();
  private readonly scope: ScopeEntry[];

  constructor(
    readonly tokens: readonly Token[],
    readonly env: TranslateEnv,
    private readonly options: TranslateOptions,
  ) {
    this.scope = this.collectScope();
  }

  /** Tables named after FROM / JOIN / UPDATE / INTO (and commas of a FROM list), with their aliases. */
  private collectScope(): ScopeEntry[] {
    const t = this.tokens;
    const out: ScopeEntry[] = [];
    // The clause keyword in force at each parenthesis depth, to tell FROM-list commas apart.
    const clause: string[] = [''];
    for (let i = 0; i < t.length; i++) {
      const w = t[i] as Token;
      if (isOp(w, '(')) {
        clause.push('');
        continue;
      }
      if (isOp(w, ')')) {
        if (clause.length > 1) {
          clause.pop();
        }
        continue;
      }
      if (w.kind === 'word' && clauseWords.has(w.upper)) {
        clause[clause.length - 1] = w.upper;
      }
      const listComma = isOp(w, ',') && clause[clause.length - 1] === 'FROM';
      if (!(listComma || (w.kind === 'word' && scopeWords.has(w.upper)))) {
        continue;
      }
      const chain = this.nameChain(i + 1);
      if (chain === undefined) {
        continue;
      }
      const table = this.resolveTable(chain.parts);
      if (table === undefined) {
        continue;
      }
      let j = chain.end;
      let alias = table.name;
      if (isWord(t[j], 'AS')) {
        j++;
      }
      const a = t[j];
      if (a !== undefined && (a.kind === 'quoted' || (a.kind === 'word' && !aliasStop.has(a.upper)))) {
        alias = a.kind === 'word' ? a.text : a.value;
      }
      out.push({ alias, table });
    }
    return out;
  }

  /** A dotted name starting at `i`: its parts (empty string for `..`) and where it ends. */
  private nameChain(i: number): { parts: string[]; end: number } | undefined {
    const t = this.tokens;
    if (!isName(t[i])) {
      return undefined;
    }
    const parts: string[] = [nameOf(t[i] as Token)];
    let j = i + 1;
    while (isOp(t[j], '.')) {
      if (isName(t[j + 1])) {
        parts.push(nameOf(t[j + 1] as Token));
        j += 2;
      } else if (isOp(t[j + 1], '.')) {
        parts.push('');
        j += 1;
      } else {
        break;
      }
    }
    return { parts, end: j };
  }

  /** The catalog table a 1–3 part name refers to. */
  private resolveTable(parts: readonly string[]): CatalogTable | undefined {
    const n = parts.length;
    const name = parts[n - 1] ?? '';
    const schema = n >= 2 && parts[n - 2] !== '' ? (parts[n - 2] as string) : 'dbo';
    return this.env.catalog.table(schema, name);
  }

  /** Declared types by lower-case column name across the referenced tables (unique names only). */
  columnTypes(): Map<string, SqlType> {
    const out = new Map<string, SqlType>();
    const dup = new Set<string>();
    for (const { table } of this.scope) {
      for (const c of table.columns) {
        const k = c.name.toLowerCase();
        const prev = out.get(k);
        if (prev !== undefined && !sameType(prev, c.type)) {
          dup.add(k);
        }
        out.set(k, c.type);
      }
    }
    for (const k of dup) {
      out.delete(k);
    }
    return out;
  }

  /** The column a (possibly qualified) name refers to. */
  private resolveColumn(parts: readonly string[]): CatalogColumn | undefined {
    const col = (parts[parts.length - 1] ?? '').toLowerCase();
    if (parts.length >= 2) {
      const q = (parts[parts.length - 2] ?? '').toLowerCase();
      const entry = this.scope.find((s) => s.alias.toLowerCase() === q || s.table.name.toLowerCase() === q);
      return entry?.table.columns.find((c) => c.name.toLowerCase() === col);
    }
    const found: CatalogColumn[] = [];
    for (const s of this.scope) {
      const c = s.table.columns.find((x) => x.name.toLowerCase() === col);
      if (c !== undefined) {
        found.push(c);
      }
    }
    const first = found[0];
    return first !== undefined && found.every((c) => sameType(c.type, first.type)) ? first : undefined;
  }

  /** The SQL Server type of an expression range, where it is evident. */
  typeOf(from: number, to: number): SqlType | undefined {
    const t = this.tokens;
    [from, to] = innerRange(t, from, to);
    const first = t[from];
    if (first === undefined) {
      return undefined;
    }
    if (to - from === 1) {
      if (first.kind === 'number') {
        if (/[eE]/.test(first.text)) {
          return sqlType('float');
        }
        const dot = first.text.indexOf('.');
        if (dot < 0) {
          return Math.abs(Number(first.text)) <= 2147483647
            ? sqlType('int')
            : sqlType('decimal', first.text.length, 0);
        }
        const digits = first.text.replace('.', '').replace(/^0+/, '').length;
        const scale = first.text.length - dot - 1;
        return sqlType('decimal', Math.max(digits, scale, 1), scale);
      }
      if (first.kind === 'string') {
        return first.national === true
          ? sqlType('nvarchar', Math.max(1, first.value.length))
          : sqlType('varchar', Math.max(1, first.value.length));
      }
      if (first.kind === 'binary') {
        return sqlType('varbinary', Math.max(1, first.value.length / 2));
      }
      if (first.kind === 'variable') {
        return this.env.variables.get(first.value.toLowerCase())?.type;
      }
    }
    const chain = this.nameChain(from);
    if (chain !== undefined && chain.end === to) {
      return this.resolveColumn(chain.parts)?.type;
    }
    if (first.kind === 'word' && isOp(t[from + 1], '(') && matchParen(t, from + 1) === to - 1) {
      const fn = first.upper;
      if (fn === 'CAST' || fn === 'TRY_CAST') {
        const as = this.lastTopLevelAs(from + 2, to - 1);
        return as < 0 ? undefined : parseSqlType(t, as + 1, true).type;
      }
      if (fn === 'CONVERT' || fn === 'TRY_CONVERT') {
        return parseSqlType(t, from + 2, true).type;
      }
      if (fn === 'MAX' || fn === 'MIN') {
        return this.typeOf(from + 2, to - 1);
      }
      if (fn === 'SUM') {
        return sumType(this.typeOf(from + 2, to - 1));
      }
      if (fn === 'SWITCHOFFSET' || fn === 'TODATETIMEOFFSET' || fn === 'SYSDATETIMEOFFSET') {
        const [arg] = this.args(from + 1, to - 1);
        const inner = arg === undefined ? undefined : this.typeOf(arg[0], arg[1]);
        const scaled = inner !== undefined && ['datetime2', 'datetimeoffset', 'time'].includes(inner.name);
        return sqlType('datetimeoffset', scaled ? inner.scale : 7);
      }
    }
    return undefined;
  }

  /** The top-level SELECT of a plain query (not INSERT … SELECT), or -1. */
  private topSelect(): number {
    const t = this.tokens;
    const head = t[0]?.upper;
    if (head !== 'SELECT' && head !== 'WITH') {
      return -1;
    }
    return topLevelWordIndex(t, ['SELECT']);
  }

  /**
   * Appends, for each top-level select item that is a plain datetime2(7) column, its hidden
   * 100 ns digit column (named `<output name>__100ns`), and for each datetimeoffset item whose
   * offset is evident, that offset (`<output name>__tz`); the result writer folds them back in.
   * Grouping, DISTINCT and set operations are left alone: an extra column would change them.
   */
  withHiddenDigits(): readonly Token[] {
    const t = this.tokens;
    const selectAt = this.topSelect();
    if (selectAt < 0 || isWord(t[selectAt + 1], 'DISTINCT')) {
      return t;
    }
    if (firstTopLevelWord(t, ['GROUP', 'UNION', 'EXCEPT', 'INTERSECT']) !== undefined) {
      return t;
    }
    const { start, end } = selectListBounds(t, selectAt);
    const extra: string[] = [];
    for (const [a, b] of itemRanges(t, start, end)) {
      let exprEnd = b;
      let name: string | undefined;
      const last = t[b - 1] as Token;
      if (b - a >= 3 && isWord(t[b - 2], 'AS')) {
        exprEnd = b - 2;
        name = last.kind === 'word' ? last.text : last.value;
      } else if (b - a === 2 && isName(last) && isName(t[a])) {
        exprEnd = b - 1;
        name = last.kind === 'word' ? last.text : last.value;
      }
      const chain = this.nameChain(a);
      const column =
        chain !== undefined && chain.end === exprEnd ? this.resolveColumn(chain.parts) : undefined;
      const digit = this.hiddenDigit(a, exprEnd);
      if (digit !== undefined) {
        extra.push(`, ${digit} AS ${quoteIdent(`${name ?? column?.name ?? ''}__100ns`)}`);
      }
      // A datetimeoffset item also carries its offset, where it is evident.
      const offset =
        this.typeOf(a, exprEnd)?.name === 'datetimeoffset' ? this.offsetOf(a, exprEnd) : undefined;
      if (offset !== undefined) {
        extra.push(`, CAST(${offset} AS SMALLINT) AS ${quoteIdent(`${name ?? column?.name ?? ''}__tz`)}`);
      }
    }
    if (extra.length === 0) {
      return t;
    }
    return [...t.slice(0, end), ...tokenize(extra.join(' ')), ...t.slice(end)];
  }

  /**
   * Leaves each top-level select item `CONVERT(varchar|nvarchar(n), <decimal>) AS name` (or the
   * CAST spelling) as the bare decimal, and returns the text type the row encoder writes it as
   * (see {@link DecimalTextType}): DuckDB's DECIMAL → VARCHAR cast is far slower than formatting
   * the vector's integers. Only plain queries without DISTINCT, grouping, set operations, ORDER BY
   * or INTO qualify, where the column's own values are all that is affected.
   */
  withDecimalText(): { tokens: readonly Token[]; textTypes: Map<number, DecimalTextType> } {
    const t = this.tokens;
    const textTypes = new Map<number, DecimalTextType>();
    const selectAt = this.topSelect();
    if (selectAt < 0 || isWord(t[selectAt + 1], 'DISTINCT') || !isWord(t[0], 'SELECT')) {
      return { tokens: t, textTypes };
    }
    if (firstTopLevelWord(t, ['GROUP', 'UNION', 'EXCEPT', 'INTERSECT', 'ORDER', 'INTO']) !== undefined) {
      return { tokens: t, textTypes };
    }
    const { start, end } = selectListBounds(t, selectAt);
    const out: Token[] = [...t.slice(0, start)];
    let at = start;
    itemRanges(t, start, end).forEach(([a, b], index) => {
      // Only aliased items: the bare decimal would otherwise take the column's name.
      if (!(b - a >= 5 && isWord(t[b - 2], 'AS'))) {
        return;
      }
      const exprEnd = b - 2;
      const fn = t[a];
      if (
        fn?.kind !== 'word' ||
        !(fn.upper === 'CONVERT' || fn.upper === 'CAST') ||
        !isOp(t[a + 1], '(') ||
        matchParen(t, a + 1) !== exprEnd - 1
      ) {
        return;
      }
      let target: SqlType;
      let inner: [number, number];
      if (fn.upper === 'CONVERT') {
        const args = this.args(a + 1, exprEnd - 1);
        const [typeArg, valueArg] = args;
        if (args.length !== 2 || typeArg === undefined || valueArg === undefined) {
          return;
        }
        const parsed = parseSqlType(t, typeArg[0], true);
        if (parsed.end !== typeArg[1]) {
          return;
        }
        target = parsed.type;
        inner = valueArg;
      } else {
        const as = this.lastTopLevelAs(a + 2, exprEnd - 1);
        if (as < 0) {
          return;
        }
        const parsed = parseSqlType(t, as + 1, true);
        if (parsed.end !== exprEnd - 1) {
          return;
        }
        target = parsed.type;
        inner = [a + 2, as];
      }
      const source = this.typeOf(inner[0], inner[1]);
      if (
        !['varchar', 'nvarchar', 'char', 'nchar'].includes(target.name) ||
        target.maxLength < 0 ||
        (source?.name !== 'decimal' && source?.name !== 'numeric')
      ) {
        return;
      }
      out.push(...t.slice(at, a), ...tokenize('('), ...t.slice(inner[0], inner[1]), ...tokenize(')'));
      at = exprEnd;
      textTypes.set(index, { ...target, decimalText: true });
    });
    if (textTypes.size === 0) {
      return { tokens: t, textTypes };
    }
    out.push(...t.slice(at));
    return { tokens: out, textTypes };
  }

  /** SQL for the hidden 100 ns digit of a plain datetime2(7) column reference in [from, to). */
  hiddenDigit(from: number, to: number): string | undefined {
    return this.sideColumn(from, to, 'ns100');
  }

  /** SQL for the offset (minutes) of a datetimeoffset expression in [from, to), where evident. */
  offsetOf(from: number, to: number): string | undefined {
    return offsetSql(this.tokens, from, to, {
      variable: (name) => this.env.variables.get(name),
      column: (a, b) => this.sideColumn(a, b, 'tz'),
    });
  }

  /** SQL for a hidden side column of a plain column reference in [from, to), if it has one. */
  private sideColumn(from: number, to: number, side: 'ns100' | 'tz'): string | undefined {
    const chain = this.nameChain(from);
    if (chain === undefined || chain.end !== to) {
      return undefined;
    }
    const hidden = this.resolveColumn(chain.parts)?.[side];
    if (hidden === undefined) {
      return undefined;
    }
    return [...chain.parts.slice(0, -1).map(quoteIdent), quoteIdent(hidden)].join('.');
  }

  /**
   * The columns `*` stands for in CHECKSUM(*) / BINARY_CHECKSUM(*): those of the one table a
   * single-SELECT statement reads, in table order with their hidden side columns; undefined
   * where that is not evident (joins, subqueries, derived or temp tables).
   */
  starColumns(): ChecksumArgument[] | undefined {
    const only = this.scope.length === 1 ? this.scope[0] : undefined;
    if (only === undefined || this.tokens.filter((t) => isWord(t, 'SELECT')).length > 1) {
      return undefined;
    }
    const q = quoteIdent(only.alias);
    return only.table.columns.map((c) => ({
      sql: `${q}.${quoteIdent(c.name)}`,
      type: c.type,
      hidden: hiddenColumnsOf(c).map((h) => `${q}.${quoteIdent(h)}`),
    }));
  }

  /** Result-type hints and names by position for the statement's top-level select list. */
  selectHints(): { hints: (SqlType | undefined)[]; names: string[] } | undefined {
    const t = this.tokens;
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
        const chain = this.nameChain(a);
        if (chain !== undefined && chain.end === b) {
          name = chain.parts[chain.parts.length - 1] ?? '';
        }
      }
      hints.push(this.typeOf(a, b));
      names.push(name);
    }
    return { hints, names };
  }

  lastTopLevelAs(from: number, to: number): number {
    return lastTopLevelAs(this.tokens, from, to);
  }

  args(open: number, close: number): [number, number][] {
    return itemRanges(this.tokens, open + 1, close);
  }

  private param(name: string): string {
    const key = name.toLowerCase();
    const value = this.env.variables.get(key);
    if (value === undefined) {
      throw new SqlServerError(137, `Must declare the scalar variable "@${name}".`, {
        severity: 15,
        state: 2,
      });
    }
    const p = paramName(name);
    this.params.set(p, value);
    return `$${p}`;
  }

  /** A string literal: inline, or a bound VARCHAR parameter when long (see {@link longLiteralChars}). */
  private stringLiteral(tok: Token): string {
    if (this.options.bindLongStrings !== true || tok.value.length <= longLiteralChars) {
      return quoteString(tok.value);
    }
    const p = `lit_${this.params.size}`;
    this.params.set(p, {
      type: sqlType(tok.national === true ? 'nvarchar' : 'varchar', -1),
      duckType: VARCHAR,
      duck: tok.value,
      js: tok.value,
    });
    return `$${p}`;
  }

  /** Translates tokens [from, to). */
  range(from: number, to: number): string {
    const t = this.tokens;
    const out: string[] = [];
    let limit: string | undefined;
    for (let i = from; i < to; i++) {
      const tok = t[i] as Token;
      switch (tok.kind) {
        case 'string': {
          out.push(isWord(t[i - 1], 'AS') ? quoteIdent(tok.value) : this.stringLiteral(tok));
          break;
        }
        case 'number':
          out.push(numberLiteral(tok.text));
          break;
        case 'binary':
          out.push(tok.value === '' ? "''::BLOB" : `unhex('${tok.value}')`);
          break;
        case 'variable':
          out.push(this.param(tok.value));
          break;
        case 'global': {
          const v = this.env.globalValue(tok.value);
          if (v === undefined) {
            throw new SqlServerError(137, `Must declare the scalar variable "${tok.text}".`, {
              severity: 15,
              state: 2,
            });
          }
          out.push(v);
          break;
        }
        case 'op': {
          if (tok.text === '(') {
            const close = matchParen(t, i);
            if (close >= to) {
              throw syntaxError('(');
            }
            // `(NOLOCK)` style hints right after a table name.
            if (isWord(t[i + 1], 'NOLOCK') && close === i + 2) {
              i = close;
              break;
            }
            out.push(`(${this.range(i + 1, close)})`);
            i = close;
          } else if (tok.text === '!<') {
            out.push('>=');
          } else if (tok.text === '!>') {
            out.push('<=');
          } else if (tok.text === '+') {
            const prev = t[i - 1];
            const next = t[i + 1];
            const binary = prev !== undefined && (prev.kind !== 'op' || prev.text === ')');
            // A typed literal (TIMESTAMP '…') is not a string operand.
            const typedLiteral = ['DATE', 'TIME', 'TIMESTAMP', 'INTERVAL'].includes(t[i - 2]?.upper ?? '');
            const stringy = (prev?.kind === 'string' && !typedLiteral) || next?.kind === 'string';
            out.push(binary && (stringy || this.options.concatMode === true) ? '||' : '+');
          } else if (tok.text === ')') {
            throw syntaxError(')');
          } else {
            out.push(tok.text);
          }
          break;
        }
        case 'quoted':
        case 'word': {
          const r = this.word(i, out);
          if (r.limit !== undefined) {
            limit = r.limit;
          }
          i = r.next - 1;
          break;
        }
      }
    }
    if (limit !== undefined) {
      out.push(`LIMIT ${limit}`);
    }
    return out.join(' ');
  }

  /** Handles a word or quoted name at `i`; returns where to continue. */
  private word(i: number, out: string[]): { next: number; limit?: string } {
    const t = this.tokens;
    const tok = t[i] as Token;
    if (tok.kind === 'word') {
      const u = tok.upper;
      const next = t[i + 1];
      if (isOp(next, '(') && !isOp(t[i - 1], '.')) {
        const special = translateFunction(this, u, i + 1);
        if (special !== undefined) {
          out.push(special.sql);
          return { next: special.next };
        }
      }
      switch (u) {
        case 'SELECT': {
          out.push('SELECT');
          let j = i + 1;
          if (isWord(t[j], 'DISTINCT') || isWord(t[j], 'ALL')) {
            out.push((t[j] as Token).upper);
            j++;
          }
          if (isWord(t[j], 'TOP')) {
            j++;
            let limit: string;
            if (isOp(t[j], '(')) {
              const close = matchParen(t, j);
              limit = `(${this.range(j + 1, close)})`;
              j = close + 1;
            } else {
              const n = t[j] as Token;
              limit = n.kind === 'variable' ? this.param(n.value) : n.text;
              j++;
            }
            if (isWord(t[j], 'PERCENT')) {
              throw new SqlServerError(
                102,
                "Incorrect syntax near 'PERCENT'. TOP … PERCENT is not supported by the emulator.",
                { severity: 15 },
              );
            }
            if (isWord(t[j], 'WITH') && isWord(t[j + 1], 'TIES')) {
              throw new SqlServerError(
                102,
                "Incorrect syntax near 'TIES'. TOP … WITH TIES is not supported by the emulator.",
                { severity: 15 },
              );
            }
            return { next: j, limit };
          }
          return { next: j };
        }
        case 'WITH': {
          // Table hints: WITH (NOLOCK, …).
          if (isOp(next, '(') && tableHints.has(t[i + 2]?.upper ?? '')) {
            return { next: matchParen(t, i + 1) + 1 };
          }
          break;
        }
        case 'OPTION': {
          if (isOp(next, '(')) {
            return { next: matchParen(t, i + 1) + 1 };
          }
          break;
        }
        case '$PARTITION': {
          // $PARTITION.fn(expr): the partition number the function gives the value.
          const fnTok = t[i + 2];
          if (!isOp(next, '.') || fnTok === undefined || !isName(fnTok) || !isOp(t[i + 3], '(')) {
            throw syntaxError(tok.text);
          }
          const fnName = fnTok.kind === 'word' ? fnTok.text : fnTok.value;
          const fn = this.env.catalog.partitionFunction(fnName);
          if (fn === undefined) {
            throw new SqlServerError(7707, `Invalid partition function '${fnName}' specified.`);
          }
          const close = matchParen(t, i + 3);
          out.push(partitionNumberSql(fn, `(${this.range(i + 4, close)})`));
          return { next: close + 1 };
        }
        case 'COLLATE':
          return { next: i + 2 };
        case 'CURRENT_TIMESTAMP':
          out.push('CAST(now() AS TIMESTAMP)');
          return { next: i + 1 };
        case 'CURRENT_USER':
        case 'SESSION_USER':
        case 'USER':
          if (!isOp(t[i - 1], '.') && !isOp(next, '.')) {
            out.push("'dbo'");
            return { next: i + 1 };
          }
          break;
        case 'SYSTEM_USER':
          out.push(quoteString(this.env.user));
          return { next: i + 1 };
        case 'APPLY':
          throw new SqlServerError(
            102,
            "Incorrect syntax near 'APPLY'. CROSS/OUTER APPLY is not supported by the emulator.",
            { severity: 15 },
          );
        default:
          break;
      }
    }
    // A name, possibly dotted.
    const chain = this.nameChain(i);
    if (chain === undefined) {
      out.push(tok.text);
      return { next: i + 1 };
    }
    let parts = chain.parts;
    let end = chain.end;
    if (isOp(t[end], '.') && isOp(t[end + 1], '*')) {
      out.push(`${parts.map(quoteIdent).join('.')}.*`);
      return { next: end + 2 };
    }
    if (parts.length === 4) {
      throw new SqlServerError(7202, `Could not find server '${parts[0]}' in sys.servers.`, { severity: 11 });
    }
    if (parts.length === 3) {
      const db = (parts[0] as string).toLowerCase();
      if (db !== this.env.database.toLowerCase() && db !== 'tempdb') {
        throw new SqlServerError(208, `Invalid object name '${parts.join('.')}'.`);
      }
      parts = parts.slice(1);
      if (parts[0] === '') {
        parts = ['dbo', parts[1] as string];
      }
    }
    if (parts.length >= 2 && (parts[0] as string).toUpperCase() === 'INFORMATION_SCHEMA') {
      parts = [infoSchema, ...parts.slice(1)];
    }
    if (parts.length === 1 && tok.kind === 'word') {
      // Bare words: keywords and unquoted names pass through as written.
      out.push(tok.text);
      end = chain.end;
      return { next: end };
    }
    out.push(parts.map((p) => (p === infoSchema ? p : quoteIdent(p))).join('.'));
    return { next: end };
  }
}

function nameOf(t: Token): string {
  return t.kind === 'word' ? t.text : t.value;
}

function sameType(a: SqlType, b: SqlType): boolean {
  return (
    a.name === b.name && a.maxLength === b.maxLength && a.precision === b.precision && a.scale === b.scale
  );
}

/**
 * A numeric literal as DuckDB must see it. SQL Server types `0.<38 digits>` as decimal(38,38)
 * (leading zeros do not count), while DuckDB counts the leading zero, finds 39 digits and falls
 * back to DOUBLE — silently losing digits. Such literals become an explicit DECIMAL cast.
 */
export function numberLiteral(text: string): string {
  const m = text.match(/^(\d*)\.(\d+)$/);
  if (m === null) {
    return text;
  }
  const whole = (m[1] as string).replace(/^0+/, '');
  const scale = (m[2] as string).length;
  const precision = Math.max(whole.length + scale, 1);
  if ((m[1] as string).length + scale <= 38 || precision > 38) {
    return text;
  }
  return `CAST('${text}' AS DECIMAL(${precision}, ${scale}))`;
}

/**
 * SQL Server's SUM result type: decimal(38, s) for decimals, money for money and smallmoney,
 * int for the smaller integers, bigint and float as they are.
 */
function sumType(argument: SqlType | undefined): SqlType | undefined {
  switch (argument?.name) {
    case 'decimal':
    case 'numeric':
      return sqlType('decimal', 38, argument.scale);
    case 'money':
    case 'smallmoney':
      return sqlType('money');
    case 'tinyint':
    case 'smallint':
    case 'int':
      return sqlType('int');
    case 'bigint':
      return sqlType('bigint');
    case 'real':
    case 'float':
      return sqlType('float');
    default:
      return undefined;
  }
}
