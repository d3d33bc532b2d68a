import type { DuckDBType } from '@duckdb/node-api';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { isOp, isWord, type Token, tokenize, tokensText } from '../tsql/lexer.js';
import { parseSqlType } from '../tsql/parse-sql-type.js';
import { typeTokensText } from '../tsql/statement-shapes.js';
import { translate } from '../tsql/translator.js';
import type { SqlType } from '../types/sql-type.js';
import type { SessionContext } from './session-context.js';

/**
 * Assigns `expr` to variable `name` (lower case), converted to its declared type the way SQL
 * Server converts on assignment.
 *
 * @example
 * await assign(ctx, 'n', sqlType('int'), tokenize('1 + 1'));
 */
export async function assign(
  ctx: SessionContext,
  name: string,
  type: SqlType,
  expr: readonly Token[],
): Promise<void> {
  const typeText = typeTokensText(type);
  const value = `CAST((${tokensText(expr)}) AS ${typeText})`;
  // A datetimeoffset variable keeps the offset of what was assigned.
  const offset = type.name === 'datetimeoffset' ? `, DATEPART(TZ, ${value})` : '';
  const t = translate(tokenize(`SELECT ${value}${offset}`), ctx.env());
  const { values, types } = ctx.bindings(t);
  const reader = await ctx.conn.runAndReadAll(t.sql, values, types);
  const row = reader.getRows()[0];
  const v = row?.[0] ?? null;
  // The translation adds the value's 100 ns digit as a `__100ns` column where it is known.
  const digitAt = reader.columnNames().indexOf('__100ns');
  const digit = digitAt < 0 || v === null ? undefined : Number(row?.[digitAt] ?? 0);
  ctx.variables.set(name, {
    type,
    duckType: reader.columnTypes()[0] as DuckDBType,
    duck: v,
    js: v,
    ...(offset === '' ? {} : { offsetMinutes: Number(row?.[1] ?? 0) }),
    ...(digit === undefined ? {} : { digit }),
  });
}

/**
 * `SET @v = expr` (and `SET @v += expr`), `SET NOCOUNT ON|OFF`; other SET options (ANSI_NULLS,
 * XACT_ABORT, TRANSACTION ISOLATION LEVEL, IDENTITY_INSERT, …) change nothing the emulator models.
 *
 * @example
 * await setStatement(ctx, tokenize('SET @i += 1'));
 */
export async function setStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const target = tokens[1];
  if (target?.kind === 'variable') {
    const op = tokens[2];
    const name = target.value.toLowerCase();
    const current = ctx.variables.get(name);
    if (current === undefined) {
      throw new SqlServerError(137, `Must declare the scalar variable "${target.text}".`, {
        severity: 15,
        state: 2,
      });
    }
    let expr = tokens.slice(3);
    if (op !== undefined && op.kind === 'op' && op.text.length === 2 && op.text.endsWith('=')) {
      const binOp: Token = { ...op, text: op.text[0] as string, value: op.text[0] as string };
      expr = [target, binOp, { ...op, text: '(', value: '(' }, ...expr, { ...op, text: ')', value: ')' }];
    } else if (!isOp(op, '=')) {
      throw syntaxError(op?.text ?? '');
    }
    await assign(ctx, name, current.type, expr);
    return;
  }
  if (isWord(target, 'NOCOUNT')) {
    ctx.nocount = isWord(tokens[2], 'ON');
  }
}

/** The tokens of a DECLARE item's `= expr` from `i` (at the `=`) to the next top-level comma. */
function initializer(tokens: readonly Token[], i: number): { expr: Token[]; end: number } {
  if (!isOp(tokens[i], '=')) {
    return { expr: [], end: i };
  }
  const start = i + 1;
  let j = start;
  let depth = 0;
  while (j < tokens.length && !(depth === 0 && isOp(tokens[j], ','))) {
    if (isOp(tokens[j], '(')) {
      depth++;
    } else if (isOp(tokens[j], ')')) {
      depth--;
    }
    j++;
  }
  return { expr: tokens.slice(start, j), end: j };
}

/**
 * `DECLARE @a type [= expr], …`: each variable gets its value (NULL without one).
 *
 * @example
 * await declareStatement(ctx, tokenize('DECLARE @i int = 0, @s nvarchar(10)'));
 */
export async function declareStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  let i = 1;
  while (i < tokens.length) {
    const v = tokens[i];
    if (v?.kind !== 'variable') {
      throw syntaxError(v?.text ?? 'DECLARE');
    }
    i++;
    if (isWord(tokens[i], 'AS')) {
      i++;
    }
    if (isWord(tokens[i], 'TABLE') || isWord(tokens[i], 'CURSOR')) {
      throw new SqlServerError(
        102,
        `Table variables and cursors are not supported by the emulator (${v.text}).`,
        {
          severity: 15,
        },
      );
    }
    const parsed = parseSqlType(tokens, i);
    const { expr, end } = initializer(tokens, parsed.end);
    i = end;
    await assign(ctx, v.value.toLowerCase(), parsed.type, expr.length > 0 ? expr : tokenize('NULL'));
    if (isOp(tokens[i], ',')) {
      i++;
    }
  }
}
