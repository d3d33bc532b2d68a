import { metaSchema } from '../catalog-views.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import type { StatementContext } from '../statement-context.js';
import { CurCmd, DoneStatus } from '../tds/protocol.js';
import { isWord, type Token } from '../tsql/lexer.js';
import { isolationLevels } from './isolation-level.js';
import type { SessionContext } from './session-context.js';

/** The statements that access data: under SNAPSHOT they need the database to allow it. */
const dataStatements = new Set(['SELECT', 'WITH', 'INSERT', 'UPDATE', 'DELETE', 'MERGE']);

/**
 * `SET TRANSACTION ISOLATION LEVEL <level>`: the session's level from now on. Setting SNAPSHOT
 * succeeds even where the database does not allow it, as on SQL Server: error 3952 comes with the
 * first statement that reads data (see {@link checkSnapshotAllowed}).
 *
 * @example
 * await isolationLevelStatement(ctx, tokenize('SET TRANSACTION ISOLATION LEVEL SNAPSHOT'));
 */
export async function isolationLevelStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  if (!isWord(tokens[2], 'ISOLATION') || !isWord(tokens[3], 'LEVEL')) {
    throw syntaxError(tokens[2]?.text ?? 'TRANSACTION');
  }
  const text = tokens
    .slice(4)
    .map((t) => t.text.toUpperCase())
    .join(' ');
  const level = isolationLevels.find((l) => l === text);
  if (level === undefined) {
    throw syntaxError(tokens[4]?.text ?? 'LEVEL');
  }
  ctx.transactions.isolation = level;
}

/**
 * Raises SQL Server's error 3952 when a statement reading data (`head`: its first keyword) runs at
 * SNAPSHOT isolation in a database whose `ALLOW_SNAPSHOT_ISOLATION` is off.
 *
 * @example
 * await checkSnapshotAllowed(ctx, 'SELECT'); // throws 3952 under SNAPSHOT when the database does not allow it
 */
export async function checkSnapshotAllowed(ctx: SessionContext, head: string): Promise<void> {
  if (ctx.transactions.isolation !== 'SNAPSHOT' || !dataStatements.has(head)) {
    return;
  }
  if ((await snapshotIsolationState(ctx)) !== 1) {
    throw new SqlServerError(
      3952,
      `Snapshot isolation transaction failed accessing database '${ctx.host.database}' because snapshot isolation is not allowed in this database. Use ALTER DATABASE to allow snapshot isolation.`,
    );
  }
}

/**
 * `ALTER DATABASE { name | CURRENT } SET ALLOW_SNAPSHOT_ISOLATION { ON | OFF }`: the database's
 * flag, read back by `sys.databases.snapshot_isolation_state` (0 OFF, 1 ON; the emulator never
 * passes through SQL Server's IN_TRANSITION states, as no transaction it runs needs waiting for).
 * Other database options raise an error naming the option: the emulator does not model them. Not
 * inside a transaction (226), and only for the emulated database (5011).
 *
 * @example
 * await alterDatabaseStatement(ctx, tokenize('ALTER DATABASE CURRENT SET ALLOW_SNAPSHOT_ISOLATION ON'));
 */
export async function alterDatabaseStatement(ctx: SessionContext, tokens: readonly Token[]): Promise<void> {
  const nameToken = tokens[2];
  const name = nameToken === undefined ? '' : nameToken.kind === 'word' ? nameToken.text : nameToken.value;
  const current = nameToken?.kind === 'word' && isWord(nameToken, 'CURRENT');
  if (!current && name.toLowerCase() !== ctx.host.database.toLowerCase()) {
    throw new SqlServerError(
      5011,
      `User does not have permission to alter database '${name}', the database does not exist, or the database is not in a state that allows access checks.`,
      { severity: 14 },
    );
  }
  if (!isWord(tokens[3], 'SET')) {
    throw new SqlServerError(
      102,
      `ALTER DATABASE … ${tokens[3]?.text ?? ''} is not supported by the emulator (only SET ALLOW_SNAPSHOT_ISOLATION).`,
      { severity: 15 },
    );
  }
  const option = tokens[4];
  if (!isWord(option, 'ALLOW_SNAPSHOT_ISOLATION')) {
    throw new SqlServerError(
      102,
      `ALTER DATABASE … SET ${option?.text ?? ''} is not supported by the emulator (only ALLOW_SNAPSHOT_ISOLATION).`,
      { severity: 15 },
    );
  }
  const value = tokens[5];
  if (!isWord(value, 'ON') && !isWord(value, 'OFF')) {
    throw syntaxError(value?.text ?? 'ALLOW_SNAPSHOT_ISOLATION');
  }
  if (tokens.length > 6) {
    throw syntaxError(tokens[6]?.text ?? '');
  }
  if (ctx.transactions.count > 0) {
    throw new SqlServerError(226, 'ALTER DATABASE statement not allowed within multi-statement transaction.');
  }
  const on = isWord(value, 'ON');
  await ctx.conn.run(
    `UPDATE ${metaSchema}.database_options SET snapshot_isolation_state = ${on ? 1 : 0}, snapshot_isolation_state_desc = '${on ? 'ON' : 'OFF'}'`,
  );
  ctx.done(DoneStatus.Final, CurCmd.None, 0);
}

/** `sys.databases.snapshot_isolation_state` of the emulated database. */
async function snapshotIsolationState(ctx: StatementContext): Promise<number> {
  const reader = await ctx.conn.runAndReadAll(
    `SELECT snapshot_isolation_state FROM ${metaSchema}.database_options`,
  );
  return Number(reader.getRows()[0]?.[0] ?? 0);
}
