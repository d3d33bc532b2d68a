import { VARCHAR } from '@duckdb/node-api';
import { infoSchema } from '../catalog-views.js';
import { partitionNumberSql } from '../partition-functions.js';
import { quoteIdent, quoteString } from '../sql-quoting.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import type { BoundValue } from '../types/bound-value.js';
import { type SqlType, sqlType } from '../types/sql-type.js';
import { translateFunction } from './builtin-functions.js';
import { offsetSql } from './datetimeoffset.js';
import { guardedDivisor, isDivision } from './division.js';
import { needsQuotingForDuckdb } from './duckdb-keywords.js';
import { exactComparison, refuseInexactNeighbour, updateSetRange } from './exact-comparisons.js';
import { exactOrderItem } from './exact-ordering.js';
import { expressionType } from './expression-type.js';
import type { ChecksumArgument } from './function-context.js';
import { isName, isOp, isWord, itemRanges, lastTopLevelAs, matchParen, type Token } from './lexer.js';
import { caseInsensitiveLike } from './like-pattern.js';
import { paddedComparison } from './padded-comparison.js';
import { withPaddedGrouping } from './padded-grouping.js';
import { selectHints } from './select-hints.js';
import { rewriteSelectAliases } from './select-list.js';
import { type SelectContext, withDecimalText, withHiddenDigits } from './select-rewrites.js';
import { simpleStringCase } from './simple-case.js';
import { StatementScope } from './statement-scope.js';
import { exactDigit } from './temporal-ticks.js';
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
  const plain = rewriteSelectAliases(tokens);
  // Grouped and DISTINCT selects group strings without trailing spaces (padded-grouping.ts).
  const aliased = plain.some((x) => x.upper === 'GROUP' || x.upper === 'DISTINCT')
    ? withPaddedGrouping(new Translator(plain, env, options), (sub) => new Translator(sub, env, options))
    : plain;
  const first = new Translator(aliased, env, options);
  const withDigits = withHiddenDigits(first);
  const second = withDigits === aliased ? first : new Translator(withDigits, env, options);
  const { tokens: rewritten, textTypes } = withDecimalText(second);
  const t = rewritten === withDigits ? second : new Translator(rewritten, env, options);
  const sql = t.range(0, rewritten.length);
  const select = selectHints(t);
  return {
    sql,
    params: t.params,
    hints: select?.hints.map((hint, i) => textTypes.get(i) ?? hint),
    names: select?.names,
    columnTypes: t.scope.columnTypes(),
  };
}

class Translator implements SelectContext {
  readonly params = new Map<string, BoundValue>();
  readonly scope: StatementScope;
  /** The UPDATE's SET list, whose `=` assign rather than compare. */
  private readonly assignments: [number, number] | undefined;
  /** Above 0 while a 100 ns comparison's operands are translated (their columns sit next to its operator). */
  private exactDepth = 0;

  constructor(
    readonly tokens: readonly Token[],
    readonly env: TranslateEnv,
    private readonly options: TranslateOptions,
  ) {
    this.scope = new StatementScope(tokens, env.catalog);
    this.assignments = updateSetRange(tokens);
  }

  /** The SQL Server type of an expression range, where it is evident. */
  typeOf(from: number, to: number): SqlType | undefined {
    return expressionType(this, from, to);
  }

  /** The columns `*` stands for in CHECKSUM(*) / BINARY_CHECKSUM(*), where evident. */
  starColumns(): ChecksumArgument[] | undefined {
    return this.scope.starColumns();
  }

  /** SQL for the 100 ns digit of a scale-7 date/time expression in [from, to), where exact (see {@link exactDigit}). */
  hiddenDigit(from: number, to: number): string | undefined {
    this.exactDepth++;
    try {
      return exactDigit(this, from, to);
    } finally {
      this.exactDepth--;
    }
  }

  /** SQL for the offset (minutes) of a datetimeoffset expression in [from, to), where evident. */
  offsetOf(from: number, to: number): string | undefined {
    return offsetSql(this.tokens, from, to, {
      variable: (name) => this.env.variables.get(name),
      column: (a, b) => this.scope.sideColumn(a, b, 'tz'),
      value: (a, b) => this.range(a, b),
    });
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

  /** A comparison with a hidden-digit column starting at `i`, made exact to 100 ns (see {@link exactComparison}). */
  private exactComparison(i: number, to: number): { sql: string; next: number } | undefined {
    this.exactDepth++;
    try {
      return exactComparison(this, i, 0, to, this.assignments);
    } finally {
      this.exactDepth--;
    }
  }

  /** A hidden-digit column grouped or sorted at 100 ns (see {@link exactOrderItem}). */
  private exactOrderItem(i: number, end: number): { sql: string; next: number } | undefined {
    if (this.scope.sideColumn(i, end, 'ns100') === undefined) {
      return undefined;
    }
    this.exactDepth++;
    try {
      return exactOrderItem(this, i, end, this.range(i, end));
    } finally {
      this.exactDepth--;
    }
  }

  /** Translates tokens [from, to). */
  range(from: number, to: number): string {
    const t = this.tokens;
    const out: string[] = [];
    let limit: string | undefined;
    for (let i = from; i < to; i++) {
      const tok = t[i] as Token;
      const exact = this.exactComparison(i, to);
      if (exact !== undefined) {
        out.push(exact.sql);
        i = exact.next - 1;
        continue;
      }
      const padded = paddedComparison(this, i, 0, to, this.assignments);
      if (padded !== undefined) {
        out.push(padded.sql);
        i = padded.next - 1;
        continue;
      }
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
          } else if (isDivision(t, i)) {
            const divisor = guardedDivisor(t, i, to, (a, b) => this.range(a, b));
            out.push(tok.text, divisor.sql);
            i = divisor.next - 1;
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
          out.push(partitionNumberSql(fn, `(${this.range(i + 4, close)})`, this.hiddenDigit(i + 4, close)));
          return { next: close + 1 };
        }
        case 'CASE': {
          const simple = simpleStringCase(this, i);
          if (simple !== undefined) {
            out.push(simple.sql);
            return { next: simple.next };
          }
          break;
        }
        case 'COLLATE':
          return { next: i + 2 };
        case 'LIKE':
          out.push(caseInsensitiveLike(t[i + 1], (name) => this.env.variables.get(name.toLowerCase())?.js));
          return { next: i + 1 };
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
    const chain = this.scope.nameChain(i);
    if (chain === undefined) {
      out.push(tok.text);
      return { next: i + 1 };
    }
    let parts = chain.parts;
    let end = chain.end;
    if (this.exactDepth === 0) {
      refuseInexactNeighbour(this, i, end, this.assignments);
      const ordered = this.exactOrderItem(i, end);
      if (ordered !== undefined) {
        out.push(ordered.sql);
        return { next: ordered.next };
      }
    }
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
      // Bare words: keywords and unquoted names pass through as written, except names DuckDB
      // reads as its own keywords (a column called DO).
      out.push(needsQuotingForDuckdb(tok.upper) && !isOp(t[i + 1], '(') ? quoteIdent(tok.text) : tok.text);
      end = chain.end;
      return { next: end };
    }
    out.push(parts.map((p) => (p === infoSchema ? p : quoteIdent(p))).join('.'));
    return { next: end };
  }
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
