import type { CatalogTable } from '../catalog-table.js';
import type { SqlServerError } from '../sql-server-error.js';
import type { StatementContext } from '../statement-context.js';
import type { Token } from '../tsql/lexer.js';
import type { BoundValue } from '../types/bound-value.js';
import type { IsolationLevel } from './isolation-level.js';

/** BEGIN TRAN / COMMIT / ROLLBACK as statements run them (see `transactions.ts`). */
export interface TransactionControl {
  /** `@@TRANCOUNT`. */
  readonly count: number;
  /** `SET TRANSACTION ISOLATION LEVEL` (see `snapshot-isolation.ts`). */
  isolation: IsolationLevel;
  begin(): Promise<void>;
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

/** What the batch interpreter and its statements need from the session. */
export interface SessionContext extends StatementContext {
  readonly spid: number;
  /** Parameters and local variables in scope, by lower-case name without `@`. */
  variables: Map<string, BoundValue>;
  /** `@@ROWCOUNT`. */
  lastRowCount: number;
  /** The last identity value this session inserted (`SCOPE_IDENTITY()`). */
  lastIdentity: bigint | undefined;
  /** `SET NOCOUNT`. */
  nocount: boolean;
  readonly transactions: TransactionControl;
  /** Writes an INFO message (PRINT, RAISERROR with severity ≤ 10). */
  info(message: string, number?: number): void;
  /**
   * Reports a statement's error as SQL Server's: an ERROR token, or a throw when the request has
   * no writer (the `exec()` side door). Returns the mapped error.
   */
  reportError(e: unknown, tokens: readonly Token[]): SqlServerError;
  /** Remembers the table an `INSERT BULK` named; the BULK_LOAD message that follows fills it. */
  expectBulkLoad(duckName: string, table: CatalogTable | undefined): void;
}
