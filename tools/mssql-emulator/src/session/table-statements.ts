import { syntaxError } from '../sql-server-error.js';
import { CurCmd, DoneStatus } from '../tds/protocol.js';
import { duckTableName, readObjectName } from '../tsql/create-table.js';
import { isWord, type Token } from '../tsql/lexer.js';
import type { SessionContext } from './session-context.js';

/**
 * `TRUNCATE TABLE t`.
 *
 * @example
 * await truncateStatement(ctx, tokenize('TRUNCATE TABLE dbo.T'));
 */
export async function truncateStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  if (!isWord(tokens[1], 'TABLE')) {
    throw syntaxError(tokens[1]?.text ?? 'TRUNCATE');
  }
  const { name } = readObjectName(tokens, 2, ctx.host.database);
  ctx.requireTable(name);
  await ctx.conn.run(`DELETE FROM ${duckTableName(name)}`);
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

/**
 * `INSERT BULK t (…)`: the first half of a bulk load (mssql `bulk()`); the rows follow in a
 * BULK_LOAD message.
 *
 * @example
 * await insertBulkStatement(ctx, tokenize('INSERT BULK dbo.T ([a] int)'));
 */
export async function insertBulkStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const { name } = readObjectName(tokens, 2, ctx.host.database);
  ctx.expectBulkLoad(duckTableName(name), ctx.requireTable(name));
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}
