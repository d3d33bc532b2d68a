import { SqlServerError } from '../sql-server-error.js';
import { isOp, matchParen, type Token } from '../tsql/lexer.js';
import { parseParamDeclarations, splitArgs } from '../tsql/statement-shapes.js';
import type { BoundValue } from '../types/bound-value.js';
import { scalar } from './query-statements.js';
import type { SessionContext } from './session-context.js';
import { assign } from './variable-statements.js';

/** Runs dynamic SQL inside the current request, with its own variable scope. */
export type RunNested = (text: string, params: ReadonlyMap<string, BoundValue>) => Promise<void>;

/** The value of an expression (token run) evaluated as `SELECT <tokens>`, reusing `head`'s position. */
function evaluate(ctx: SessionContext, head: Token, tokens: readonly Token[]): ReturnType<typeof scalar> {
  return scalar(ctx, [{ ...head, text: 'SELECT', value: 'SELECT', upper: 'SELECT' }, ...tokens]);
}

/** sp_executesql's parameters: `@params`' declarations bound to the arguments that follow, by position or name. */
async function executeSqlParams(
  ctx: SessionContext,
  head: Token,
  args: readonly Token[][],
): Promise<Map<string, BoundValue>> {
  const params = new Map<string, BoundValue>();
  const declTokens = args[1];
  if (declTokens === undefined) {
    return params;
  }
  const declared = parseParamDeclarations(String(await evaluate(ctx, head, declTokens)));
  for (const [k, argTokens] of args.slice(2).entries()) {
    let named = argTokens;
    let pname = declared[k]?.name;
    if (argTokens[0]?.kind === 'variable' && isOp(argTokens[1], '=')) {
      pname = argTokens[0].value.toLowerCase();
      named = argTokens.slice(2);
    }
    const d = declared.find((x) => x.name === pname);
    if (d === undefined || pname === undefined) {
      continue;
    }
    const saved = ctx.variables;
    await assign(ctx, `__arg_${pname}`, d.type, named);
    const value = ctx.variables.get(`__arg_${pname}`);
    ctx.variables = saved;
    if (value !== undefined) {
      params.set(pname, value);
    }
  }
  return params;
}

/**
 * `EXEC ('dynamic sql')`, `EXEC (@sql)` and `EXEC sp_executesql @stmt, @params, @p = …`; any
 * other procedure is error 2812.
 *
 * @example
 * await execStatement(ctx, tokenize("EXEC sp_executesql N'SELECT @a', N'@a int', 1"), nested);
 */
export async function execStatement(
  ctx: SessionContext,
  tokens: readonly Token[],
  nested: RunNested,
): Promise<void> {
  const head = tokens[0] as Token;
  const first = tokens[1];
  if (isOp(first, '(')) {
    const close = matchParen(tokens, 1);
    const v = await evaluate(ctx, head, tokens.slice(2, close));
    await nested(String(v ?? ''), new Map());
    return;
  }
  const procName = first === undefined ? '' : first.kind === 'word' ? first.text : first.value;
  if (procName.toLowerCase() === 'sp_executesql' || procName.toLowerCase() === 'sys.sp_executesql') {
    const args = splitArgs(tokens, 2);
    const stmtTokens = args[0];
    if (stmtTokens === undefined) {
      throw new SqlServerError(8144, 'Procedure or function sp_executesql has too many arguments specified.');
    }
    const stmt = String(await evaluate(ctx, head, stmtTokens));
    const params = await executeSqlParams(ctx, head, args);
    await nested(stmt, params);
    return;
  }
  throw new SqlServerError(2812, `Could not find stored procedure '${procName}'.`, { state: 62 });
}
