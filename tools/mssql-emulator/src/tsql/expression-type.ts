import { type SqlType, sqlType } from '../types/sql-type.js';
import { innerRange, isOp, itemRanges, lastTopLevelAs, matchParen, type Token } from './lexer.js';
import { parseSqlType } from './parse-sql-type.js';
import type { StatementScope } from './statement-scope.js';
import type { TranslateEnv } from './translation.js';

/** What typing an expression needs: the statement's tokens, its tables and the variables in scope. */
export interface TypingContext {
  readonly tokens: readonly Token[];
  readonly scope: StatementScope;
  readonly env: TranslateEnv;
}

/**
 * The SQL Server type of the expression in tokens [from, to), where it is evident: literals,
 * variables, column references, CAST/CONVERT targets, MIN/MAX/SUM of those, the datetimeoffset
 * functions.
 *
 * @example
 * expressionType(ctx, 0, 1) // int for the token `42`
 */
export function expressionType(ctx: TypingContext, from: number, to: number): SqlType | undefined {
  const t = ctx.tokens;
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
      return ctx.env.variables.get(first.value.toLowerCase())?.type;
    }
  }
  const chain = ctx.scope.nameChain(from);
  if (chain !== undefined && chain.end === to) {
    return ctx.scope.resolveColumn(chain.parts)?.type;
  }
  if (first.kind === 'word' && isOp(t[from + 1], '(') && matchParen(t, from + 1) === to - 1) {
    const fn = first.upper;
    if (fn === 'CAST' || fn === 'TRY_CAST') {
      const as = lastTopLevelAs(t, from + 2, to - 1);
      return as < 0 ? undefined : parseSqlType(t, as + 1, true).type;
    }
    if (fn === 'CONVERT' || fn === 'TRY_CONVERT') {
      return parseSqlType(t, from + 2, true).type;
    }
    if (fn === 'MAX' || fn === 'MIN') {
      return expressionType(ctx, from + 2, to - 1);
    }
    if (fn === 'SUM') {
      return sumType(expressionType(ctx, from + 2, to - 1));
    }
    if (fn === 'SWITCHOFFSET' || fn === 'TODATETIMEOFFSET' || fn === 'SYSDATETIMEOFFSET') {
      const [arg] = itemRanges(t, from + 2, to - 1);
      const inner = arg === undefined ? undefined : expressionType(ctx, arg[0], arg[1]);
      const scaled = inner !== undefined && ['datetime2', 'datetimeoffset', 'time'].includes(inner.name);
      return sqlType('datetimeoffset', scaled ? inner.scale : 7);
    }
  }
  return undefined;
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
