import { alterStatement, createStatement, dropStatement } from '../ddl-statements.js';
import { SqlServerError, syntaxError } from '../sql-server-error.js';
import { BatchAbort } from '../statement-context.js';
import { CurCmd, DoneStatus } from '../tds/protocol.js';
import { ClientGoneError } from '../tds/tds-writer.js';
import { isWord, type Token, tokenize, tokensText } from '../tsql/lexer.js';
import { type StatementNode, splitStatements } from '../tsql/splitter.js';
import type { BoundValue } from '../types/bound-value.js';
import {
  printStatement,
  raiserrorStatement,
  throwStatement,
  useStatement,
  waitforStatement,
} from './control-statements.js';
import { execStatement } from './exec-statement.js';
import { queryStatement, scalar } from './query-statements.js';
import type { SessionContext } from './session-context.js';
import {
  alterDatabaseStatement,
  checkSnapshotAllowed,
  isolationLevelStatement,
} from './snapshot-isolation.js';
import { insertBulkStatement, truncateStatement } from './table-statements.js';
import { declareStatement, setStatement } from './variable-statements.js';

/** BREAK / CONTINUE unwinding to the innermost WHILE. */
class LoopBreak extends Error {
  constructor(readonly kind: 'break' | 'continue') {
    super(kind);
  }
}

/** The most WHILE iterations before the emulator gives up (a runaway loop in a test). */
const maxIterations = 10_000_000;

type StatementRunner = (ctx: SessionContext, tokens: readonly Token[], head: string) => Promise<void>;

const done = (ctx: SessionContext): void => ctx.done(DoneStatus.Final, CurCmd.None, 0);
const nothing = async (): Promise<void> => undefined;

/** How each statement runs, by its first keyword. */
const statements: Readonly<Record<string, StatementRunner>> = {
  INSERT: (ctx, tokens, head) =>
    isWord(tokens[1], 'BULK') ? insertBulkStatement(ctx, tokens) : queryStatement(ctx, head, tokens),
  SELECT: (ctx, tokens, head) => queryStatement(ctx, head, tokens),
  WITH: (ctx, tokens, head) => queryStatement(ctx, head, tokens),
  UPDATE: (ctx, tokens, head) => queryStatement(ctx, head, tokens),
  DELETE: (ctx, tokens, head) => queryStatement(ctx, head, tokens),
  MERGE: (ctx, tokens, head) => queryStatement(ctx, head, tokens),
  SET: (ctx, tokens) =>
    isWord(tokens[1], 'TRANSACTION') ? isolationLevelStatement(ctx, tokens) : setStatement(ctx, tokens),
  DECLARE: declareStatement,
  BEGIN: (ctx) => ctx.transactions.begin(),
  COMMIT: (ctx) => ctx.transactions.commit(),
  ROLLBACK: (ctx) => ctx.transactions.rollback(),
  SAVE: async (ctx) => done(ctx),
  CREATE: createStatement,
  DROP: dropStatement,
  ALTER: (ctx, tokens) =>
    isWord(tokens[1], 'DATABASE') ? alterDatabaseStatement(ctx, tokens) : alterStatement(ctx, tokens),
  TRUNCATE: truncateStatement,
  PRINT: printStatement,
  USE: useStatement,
  WAITFOR: waitforStatement,
  RAISERROR: raiserrorStatement,
  THROW: throwStatement,
  BREAK: async () => {
    throw new LoopBreak('break');
  },
  CONTINUE: async () => {
    throw new LoopBreak('continue');
  },
  RETURN: async () => {
    throw new BatchAbort();
  },
  GRANT: nothing,
  DENY: nothing,
  REVOKE: nothing,
  CHECKPOINT: nothing,
  DBCC: nothing,
};

/**
 * Runs T-SQL batches statement by statement: IF / WHILE / BEGIN … END blocks, each statement
 * by its keyword (see {@link statements}), errors reported as SQL Server reports them (a statement
 * error ends only that statement unless it aborts the batch).
 *
 * @example
 * await new BatchInterpreter(ctx).run('SELECT 1; PRINT N\'done\'');
 */
export class BatchInterpreter {
  constructor(private readonly ctx: SessionContext) {}

  /** Runs a batch's text. */
  run(text: string): Promise<void> {
    return this.runNodes(splitStatements(tokenize(text)));
  }

  /** Runs dynamic SQL inside the current request, with its own variable scope. */
  readonly nested = async (text: string, params: ReadonlyMap<string, BoundValue>): Promise<void> => {
    const saved = this.ctx.variables;
    this.ctx.variables = new Map(params);
    try {
      await this.run(text);
    } finally {
      this.ctx.variables = saved;
    }
  };

  private async runNodes(nodes: readonly StatementNode[]): Promise<void> {
    for (const node of nodes) {
      if (this.ctx.output?.cancelled() === true) {
        throw new BatchAbort();
      }
      await this.runNode(node);
    }
  }

  private async runNode(node: StatementNode): Promise<void> {
    switch (node.kind) {
      case 'simple':
        await this.runSimple(node.tokens);
        return;
      case 'block':
        await this.runNodes(node.body);
        return;
      case 'if':
        await this.runNodes((await this.condition(node.condition)) ? node.thenBranch : node.otherwise);
        return;
      case 'while':
        await this.runWhile(node.condition, node.body);
        return;
    }
  }

  private async runWhile(condition: readonly Token[], body: readonly StatementNode[]): Promise<void> {
    let guard = 0;
    while (await this.condition(condition)) {
      if (++guard > maxIterations) {
        throw new SqlServerError(50000, 'WHILE loop ran more than 10,000,000 times (mssql-emulator guard).');
      }
      try {
        await this.runNodes(body);
      } catch (e) {
        if (!(e instanceof LoopBreak)) {
          throw e;
        }
        if (e.kind === 'break') {
          break;
        }
      }
    }
  }

  private async condition(tokens: readonly Token[]): Promise<boolean> {
    const wrapped = tokenize(`SELECT CASE WHEN ${tokensText(tokens)} THEN 1 ELSE 0 END`);
    try {
      return (await scalar(this.ctx, wrapped)) === 1;
    } catch (e) {
      this.ctx.reportError(e, tokens);
      throw new BatchAbort();
    }
  }

  private async runSimple(tokens: readonly Token[]): Promise<void> {
    const first = tokens[0];
    if (first === undefined) {
      return;
    }
    const head = first.kind === 'word' ? first.upper : '';
    try {
      if (head === 'EXEC' || head === 'EXECUTE') {
        await execStatement(this.ctx, tokens, this.nested);
        return;
      }
      const runner = Object.hasOwn(statements, head) ? statements[head] : undefined;
      if (runner === undefined) {
        throw syntaxError(first.text);
      }
      await checkSnapshotAllowed(this.ctx, head);
      await runner(this.ctx, tokens, head);
    } catch (e) {
      if (e instanceof BatchAbort || e instanceof LoopBreak || e instanceof ClientGoneError) {
        throw e;
      }
      if (this.ctx.output?.cancelled() === true) {
        throw new BatchAbort();
      }
      if (this.ctx.reportError(e, tokens).abortsBatch) {
        throw new BatchAbort();
      }
    }
  }
}
