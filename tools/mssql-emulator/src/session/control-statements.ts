import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { BatchAbort } from '../statement-context.js';
import { isOp, isWord, type Token, tokenize } from '../tsql/lexer.js';
import { scalar } from './query-statements.js';
import type { SessionContext } from './session-context.js';

/**
 * `PRINT expr`: an INFO message with the value's text.
 *
 * @example
 * await printStatement(ctx, tokenize("PRINT N'done'"));
 */
export async function printStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const v = await scalar(ctx, [
    { ...(tokens[0] as Token), text: 'SELECT', value: 'SELECT', upper: 'SELECT' },
    ...tokens.slice(1),
  ]);
  ctx.info(v === null ? '' : String(v));
}

/**
 * `USE db`: only the emulated database exists (error 911 otherwise).
 *
 * @example
 * await useStatement(ctx, tokenize('USE master'));
 */
export async function useStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const t = tokens[1];
  const db = t === undefined ? '' : t.kind === 'word' ? t.text : t.value;
  if (db.toLowerCase() !== ctx.host.database.toLowerCase()) {
    throw new SqlServerError(
      911,
      `Database '${db}' does not exist. Make sure that the name is entered correctly.`,
    );
  }
}

/**
 * `WAITFOR DELAY 'hh:mm:ss'`, interrupted by ATTENTION.
 *
 * @example
 * await waitforStatement(ctx, tokenize("WAITFOR DELAY '00:00:01'"));
 */
export async function waitforStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const kind = tokens[1];
  const v = tokens[2];
  if (!isWord(kind, 'DELAY') || v?.kind !== 'string') {
    throw syntaxError(kind?.text ?? 'WAITFOR');
  }
  const [h = 0, m = 0, s = 0] = v.value.split(':').map(Number);
  const until = Date.now() + ((h * 60 + m) * 60 + s) * 1000;
  while (Date.now() < until) {
    if (ctx.output?.cancelled() === true) {
      throw new BatchAbort();
    }
    await new Promise((r) => setTimeout(r, Math.min(20, until - Date.now())));
  }
}

/**
 * `RAISERROR (msg, severity, state)`: an INFO message up to severity 10, else an error that does
 * not abort the batch.
 *
 * @example
 * await raiserrorStatement(ctx, tokenize("RAISERROR ('bad', 16, 1)")); // throws 50000
 */
export async function raiserrorStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const open = tokens[1];
  if (!isOp(open, '(')) {
    throw syntaxError(open?.text ?? 'RAISERROR');
  }
  const msg = tokens[2];
  const sev = tokens[4];
  const state = tokens[6];
  const severity = sev?.kind === 'number' ? Number(sev.text) : 16;
  const text =
    msg?.kind === 'string' ? msg.value : String(await scalar(ctx, tokenize(`SELECT ${msg?.text ?? "''"}`)));
  if (severity <= 10) {
    ctx.info(text, 50000);
    return;
  }
  throw new SqlServerError(50000, text, {
    severity,
    state: state?.kind === 'number' ? Number(state.text) : 1,
    abortsBatch: false,
  });
}

/**
 * `THROW number, message, state`.
 *
 * @example
 * await throwStatement(ctx, tokenize("THROW 51000, 'bad', 1")); // throws 51000
 */
export async function throwStatement(_ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const num = tokens[1];
  const msg = tokens[3];
  const state = tokens[5];
  throw new SqlServerError(
    num?.kind === 'number' ? Number(num.text) : 50000,
    msg?.kind === 'string' ? msg.value : 'THROW',
    {
      severity: 16,
      state: state?.kind === 'number' ? Number(state.text) : 1,
    },
  );
}
