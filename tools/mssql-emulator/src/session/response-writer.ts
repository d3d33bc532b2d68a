import type { SqlServerError } from '../sql-server-error.js';
import type { RequestOutput } from '../statement-context.js';
import { CurCmd, DoneStatus, TokenType } from '../tds/protocol.js';
import { writeDone, writeEnvChangeBytes, writeMessage } from '../tds/tokens.js';

interface PendingDone {
  status: number;
  curCmd: number;
  count: number;
}

/**
 * The tokens around a request's results: each statement's DONE is held back until the next
 * statement shows whether DONE_MORE must be set, then ERROR / INFO messages and ENVCHANGEs.
 * Without a writer (the `exec()` side door) nothing is written.
 *
 * @example
 * response.start(out);
 * response.done(DoneStatus.Count, CurCmd.Select, 3); // queued
 * response.finish(false); // DONE (final) with count 3
 */
export class ResponseWriter {
  /** `SET NOCOUNT ON`: DONE tokens go out without their count bit. */
  nocount = false;
  private out: RequestOutput | undefined;
  private pending: PendingDone | undefined;

  /** The current request's output, while one runs. */
  get output(): RequestOutput | undefined {
    return this.out;
  }

  /** Starts a request: nothing is queued yet. */
  start(out: RequestOutput): void {
    this.out = out;
    this.pending = undefined;
  }

  /**
   * Ends the request: writes the last statement's DONE (with DONE_MORE when `more`, DONE_INXACT
   * when `inTransaction`), or an empty final DONE when no statement ran.
   */
  finish(inTransaction: boolean, more = false): void {
    const out = this.out;
    this.out = undefined;
    const p = this.pending;
    this.pending = undefined;
    const w = out?.writer;
    if (out === undefined || w === undefined) {
      return;
    }
    if (p === undefined) {
      if (out.doneToken === TokenType.Done) {
        writeDone(w, TokenType.Done, DoneStatus.Final);
      }
      return;
    }
    const status = p.status | (more ? DoneStatus.More : 0) | (inTransaction ? DoneStatus.InXact : 0);
    writeDone(w, out.doneToken, status, p.curCmd, p.count);
  }

  /** Ends the request without writing anything more (the client is gone). */
  abandon(): void {
    this.out = undefined;
    this.pending = undefined;
  }

  /** Queues a statement's DONE; the previous one goes out with DONE_MORE. */
  done(status: number, curCmd: number, count: number): void {
    this.writePendingMore();
    this.pending = { status: this.nocount ? status & ~DoneStatus.Count : status, curCmd, count };
  }

  /** Sends the queued DONE with DONE_MORE (a new result set or message follows). */
  writePendingMore(): void {
    const w = this.out?.writer;
    const p = this.pending;
    if (w !== undefined && p !== undefined) {
      writeDone(w, this.out?.doneToken ?? TokenType.Done, p.status | DoneStatus.More, p.curCmd, p.count);
      this.pending = undefined;
    }
  }

  /** Writes an ERROR token and queues a DONE with the error bit; false when there is no writer. */
  error(err: SqlServerError): boolean {
    const w = this.out?.writer;
    if (w === undefined) {
      return false;
    }
    this.writePendingMore();
    writeMessage(w, { number: err.number, state: err.state, severity: err.severity, message: err.message });
    this.pending = { status: DoneStatus.Error, curCmd: CurCmd.None, count: 0 };
    return true;
  }

  /** Writes an INFO token (PRINT, RAISERROR with severity ≤ 10). */
  info(message: string, number = 0): void {
    const w = this.out?.writer;
    if (w !== undefined) {
      writeMessage(w, { number, state: 1, severity: 0, message }, true);
    }
  }

  /** Writes an ENVCHANGE with binary new and old values (transaction descriptors). */
  envChange(type: number, newValue: Uint8Array, oldValue: Uint8Array): void {
    const w = this.out?.writer;
    if (w !== undefined) {
      writeEnvChangeBytes(w, type, newValue, oldValue);
    }
  }
}
