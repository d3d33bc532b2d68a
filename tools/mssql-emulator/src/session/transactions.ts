import type { DuckDBConnection } from '@duckdb/node-api';
import { SqlServerError } from '../sql-server-error.js';
import type { SessionHost } from '../statement-context.js';
import { CurCmd, DoneStatus, EnvChangeType } from '../tds/protocol.js';
import { lastRowversionSql } from './globals.js';
import type { IsolationLevel } from './isolation-level.js';
import type { ResponseWriter } from './response-writer.js';

/** Transaction-manager request types (MS-TDS 2.2.6.9) mssql's `Transaction` sends. */
const TmRequest = { Begin: 5, Commit: 7, Rollback: 8, Save: 9 } as const;

/**
 * A session's transaction: SQL Server's nesting count over one DuckDB transaction, the
 * rowversion floor `MIN_ACTIVE_ROWVERSION()` reads while it is open, and the ENVCHANGE tokens
 * that tell the client a transaction began or ended.
 *
 * @example
 * await transactions.begin(); // BEGIN TRAN: @@TRANCOUNT 1, ENVCHANGE begin
 * await transactions.commit(); // COMMIT: @@TRANCOUNT 0, ENVCHANGE commit
 */
export class Transactions {
  /** `@@TRANCOUNT`. */
  count = 0;
  /**
   * `SET TRANSACTION ISOLATION LEVEL`: SQL Server's default until the session sets another. It
   * outlives transactions, as on SQL Server; `sp_reset_connection` does not reset it here.
   */
  isolation: IsolationLevel = 'READ COMMITTED';

  constructor(
    private readonly conn: DuckDBConnection,
    private readonly host: SessionHost,
    private readonly spid: number,
    private readonly response: ResponseWriter,
  ) {}

  /** BEGIN TRAN (batch or TM request). */
  async begin(): Promise<void> {
    if (this.count === 0) {
      await this.conn.run('BEGIN TRANSACTION');
      const r = await this.conn.runAndReadAll(`SELECT ${lastRowversionSql} + 1`);
      this.host.rowversionFloors.set(this.spid, BigInt(r.getRows()[0]?.[0] as bigint));
      this.envChange(EnvChangeType.BeginTransaction);
    }
    this.count++;
    this.response.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** COMMIT (batch or TM request). */
  async commit(): Promise<void> {
    if (this.count === 0) {
      throw new SqlServerError(
        3902,
        'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.',
      );
    }
    this.count--;
    if (this.count === 0) {
      this.host.rowversionFloors.delete(this.spid);
      await this.conn.run('COMMIT');
      this.envChange(EnvChangeType.CommitTransaction);
    }
    this.response.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** ROLLBACK (batch or TM request). */
  async rollback(): Promise<void> {
    if (this.count === 0) {
      throw new SqlServerError(
        3903,
        'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.',
      );
    }
    this.count = 0;
    this.host.rowversionFloors.delete(this.spid);
    await this.conn.run('ROLLBACK');
    this.envChange(EnvChangeType.RollbackTransaction);
    this.response.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** Runs a transaction-manager request (mssql's `Transaction.begin/commit/rollback`). */
  async request(op: number): Promise<void> {
    switch (op) {
      case TmRequest.Begin:
        return this.begin();
      case TmRequest.Commit:
        return this.commit();
      case TmRequest.Rollback:
        return this.rollback();
      case TmRequest.Save:
        this.response.done(DoneStatus.Final, CurCmd.None, 0);
        return;
      default:
        throw new SqlServerError(
          8009,
          `Transaction manager request type ${op} is not supported by the emulator.`,
        );
    }
  }

  /** Rolls back whatever the client left open (connection reset or close). */
  async reset(): Promise<void> {
    if (this.count > 0) {
      this.count = 0;
      this.host.rowversionFloors.delete(this.spid);
      await this.conn.run('ROLLBACK').catch(() => undefined);
    }
  }

  /** Forgets the session's rowversion floor (the session is closing). */
  forget(): void {
    this.host.rowversionFloors.delete(this.spid);
  }

  /** Writes an ENVCHANGE for a transaction state change: the descriptor is new on begin, old otherwise. */
  private envChange(type: number): void {
    const descriptor = Buffer.alloc(8);
    descriptor.writeUInt32LE(this.spid, 0);
    descriptor.writeUInt32LE(1, 4);
    const none = new Uint8Array(0);
    if (type === EnvChangeType.BeginTransaction) {
      this.response.envChange(type, descriptor, none);
    } else {
      this.response.envChange(type, none, descriptor);
    }
  }
}
