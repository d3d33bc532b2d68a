import { quoteString } from '../../sql-quoting.js';
import { SqlServerError, syntaxError } from '../../sql-server-error.js';
import type { SqlType } from '../../types/sql-type.js';
import { castTo } from '../convert.js';
import { offsetLiteral } from '../datetimeoffset.js';
import type { FunctionContext } from '../function-context.js';
import { innerRange, type Token } from '../lexer.js';
import { parseSqlType } from '../parse-sql-type.js';
import { variantCastSql } from '../sql-variant-conversion.js';
import type { FunctionCall, FunctionTranslator, TranslatedCall } from './function-call.js';

/**
 * CAST/CONVERT of the expression in tokens [from, to) to `target`, with what SQL Server's
 * conversion depends on: the source type, a datetime2(7)'s hidden digit, a datetimeoffset's offset.
 *
 * @example
 * convertRange(ctx, 2, 3, sqlType('varchar', 30), 121, false) // CONVERT(varchar(30), [d], 121)
 */
export function convertRange(
  ctx: FunctionContext,
  from: number,
  to: number,
  target: SqlType,
  style: number | undefined,
  tryCast: boolean,
): string {
  const [a, b] = innerRange(ctx.tokens, from, to);
  if (ctx.typeOf(from, to)?.name === 'sql_variant') {
    return variantCastSql(ctx.range(from, to), target, style, tryCast);
  }
  const lit = ctx.tokens[a];
  // A datetimeoffset literal is rewritten as DuckDB reads it (no space before the offset, +00:00
  // spelled out).
  const x =
    target.name === 'datetimeoffset' && b - a === 1 && lit?.kind === 'string'
      ? quoteString(offsetLiteral(lit.value))
      : ctx.range(from, to);
  return castTo(
    x,
    ctx.typeOf(from, to),
    target,
    style,
    tryCast,
    ctx.hiddenDigit(from, to),
    ctx.offsetOf(from, to),
  );
}

/** CAST, TRY_CAST. */
function cast(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const t = call.ctx.tokens;
  const u = call.name;
  const open = call.open;
  const close = call.close;
  const as = ctx.lastTopLevelAs(open + 1, close);
  if (as < 0) {
    throw syntaxError(')');
  }
  const target = parseSqlType(t, as + 1, true);
  if (target.end !== close) {
    throw syntaxError((t[target.end] as Token).text);
  }
  return call.done(convertRange(ctx, open + 1, as, target.type, undefined, u === 'TRY_CAST'));
}

/** CONVERT, TRY_CONVERT. */
function convert(call: FunctionCall): TranslatedCall | undefined {
  const ctx = call.ctx;
  const t = call.ctx.tokens;
  const u = call.name;
  const args = call.args;
  const a0 = args[0];
  const a1 = args[1];
  if (a0 === undefined || a1 === undefined) {
    throw new SqlServerError(174, `The ${u.toLowerCase()} function requires 2 to 3 arguments.`, {
      severity: 15,
    });
  }
  const target = parseSqlType(t, a0[0], true);
  if (target.end !== a0[1]) {
    throw syntaxError((t[target.end] as Token).text);
  }
  let style: number | undefined;
  const a2 = args[2];
  if (a2 !== undefined) {
    const s = t[a2[0]];
    if (a2[1] - a2[0] !== 1 || s?.kind !== 'number') {
      throw new SqlServerError(8116, 'Argument data type is invalid for argument 3 of convert function.');
    }
    style = Number(s.text);
  }
  return call.done(convertRange(ctx, a1[0], a1[1], target.type, style, u === 'TRY_CONVERT'));
}

/**
 * CAST/CONVERT and their TRY_ forms: SQL Server's conversions (styles, exact decimal text, the hidden digit and offset of the source).
 *
 * @example
 * conversionFunctions.CAST?.(call)
 */
export const conversionFunctions: Readonly<Record<string, FunctionTranslator>> = {
  CAST: cast,
  TRY_CAST: cast,
  CONVERT: convert,
  TRY_CONVERT: convert,
};
