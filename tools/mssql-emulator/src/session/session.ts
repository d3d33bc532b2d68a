import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { runBulkLoad } from '../bulk-load.js';
import type { CatalogTable } from '../catalog-table.js';
import { mapDuckDBError } from '../duckdb-errors.js';
import { SqlServerError } from '../sql-server-error.js';
import { BatchAbort, type RequestOutput, type SessionHost } from '../statement-context.js';
import { CurCmd, DoneStatus, TokenType } from '../tds/protocol.js';
import { ClientGoneError } from '../tds/tds-writer.js';
import type { ObjectName } from '../tsql/create-table.js';
import type { Token } from '../tsql/lexer.js';
import type { TranslateEnv, Translation } from '../tsql/translation.js';
import type { BoundValue } from '../types/bound-value.js';
import { BatchInterpreter } from './batch-interpreter.js';
import { globalValue, identitySql, minActiveRowversionSql } from './globals.js';
import { ResponseWriter } from './response-writer.js';
import type { SessionContext } from './session-context.js';
import { Transactions } from './transactions.js';

/**
 * One client session: a DuckDB connection plus SQL Server session state (transaction count,
 * NOCOUNT, variables, last identity). Runs T-SQL batches, transaction-manager requests and bulk
 * loads, and writes their results as TDS tokens.
 *
 * @example
 * const session = await Session.create(host, 51);
 * await session.runBatch('SELECT 1 AS one', new Map(), out);
 * session.close();
 */
export class Session implements SessionContext {
  lastRowCount = 0;
  lastIdentity: bigint | undefined;
  variables = new Map<string, BoundValue>();
  readonly transactions: Transactions;
  private readonly response = new ResponseWriter();
  private readonly interpreter: BatchInterpreter;
  /** The DuckDB table an `INSERT BULK` named, waiting for its BULK_LOAD message. */
  private pendingBulk: { duckName: string; table: CatalogTable | undefined } | undefined;
  private bulkCount = 0;

  private constructor(
    readonly host: SessionHost,
    readonly conn: DuckDBConnection,
    readonly spid: number,
  ) {
    this.transactions = new Transactions(conn, host, spid, this.response);
    this.interpreter = new BatchInterpreter(this);
  }

  /** Opens a session on its own DuckDB connection. */
  static async create(host: SessionHost, spid: number): Promise<Session> {
    const conn = await host.instance.connect();
    await conn.run(`SET search_path = 'dbo,main'`);
    return new Session(host, conn, spid);
  }

  close(): void {
    this.transactions.forget();
    this.conn.closeSync();
  }

  /** Interrupts the running DuckDB query (ATTENTION). */
  interrupt(): void {
    this.conn.interrupt();
  }

  get nocount(): boolean {
    return this.response.nocount;
  }

  set nocount(on: boolean) {
    this.response.nocount = on;
  }

  /** The current request's output, while one runs. */
  get output(): RequestOutput | undefined {
    return this.response.output;
  }

  /**
   * Runs a batch. `params` are sp_executesql parameters by lower-case name. Errors are written
   * as ERROR tokens (or thrown without a writer). Returns true when the batch completed without error.
   */
  async runBatch(
    text: string,
    params: ReadonlyMap<string, BoundValue>,
    out: RequestOutput,
  ): Promise<boolean> {
    this.response.start(out);
    this.variables = new Map(params);
    let ok = true;
    try {
      await this.interpreter.run(text);
    } catch (e) {
      if (e instanceof ClientGoneError) {
        this.response.abandon();
        throw e;
      }
      ok = false;
      if (!(e instanceof BatchAbort)) {
        this.reportError(e, []);
      }
    }
    this.response.finish(this.transactions.count > 0, out.doneToken === TokenType.DoneInProc);
    return ok;
  }

  /** Runs a transaction-manager request (mssql's `Transaction.begin/commit/rollback`). */
  async transactionRequest(op: number, out: RequestOutput): Promise<void> {
    this.response.start(out);
    try {
      await this.transactions.request(op);
    } catch (e) {
      this.reportError(e, []);
    } finally {
      this.response.finish(this.transactions.count > 0);
    }
  }

  /** Runs a BULK_LOAD message for the preceding `INSERT BULK`. */
  async bulkLoad(payload: Buffer, out: RequestOutput): Promise<void> {
    this.response.start(out);
    const target = this.pendingBulk;
    this.pendingBulk = undefined;
    try {
      if (target === undefined) {
        throw new SqlServerError(4804, 'Bulk load data was sent without a preceding INSERT BULK statement.');
      }
      const id = `${this.spid}_${this.bulkCount++}`;
      const rows = await runBulkLoad(this.conn, target.duckName, target.table, payload, id);
      this.lastRowCount = rows;
      this.done(DoneStatus.Count, CurCmd.Insert, rows);
    } catch (e) {
      if (e instanceof ClientGoneError) {
        throw e;
      }
      this.reportError(e, []);
    } finally {
      this.response.finish(this.transactions.count > 0);
    }
  }

  /** Rolls back whatever the client left open (connection reset or close). */
  async resetState(): Promise<void> {
    await this.transactions.reset();
    this.nocount = false;
  }

  done(status: number, curCmd: number, count: number): void {
    this.response.done(status, curCmd, count);
  }

  writePendingMore(): void {
    this.response.writePendingMore();
  }

  info(message: string, number = 0): void {
    this.response.info(message, number);
  }

  reportError(e: unknown, tokens: readonly Token[]): SqlServerError {
    const err = mapDuckDBError(e, tokens, this.host.database);
    if (!this.response.error(err)) {
      throw err;
    }
    return err;
  }

  expectBulkLoad(duckName: string, table: CatalogTable | undefined): void {
    this.pendingBulk = { duckName, table };
  }

  env(): TranslateEnv {
    return {
      catalog: this.host.catalog,
      database: this.host.database,
      user: this.host.user,
      variables: this.variables,
      globalValue: (name) =>
        globalValue(name, {
          spid: this.spid,
          lastRowCount: this.lastRowCount,
          lastIdentity: this.lastIdentity,
          tranCount: this.transactions.count,
        }),
      minActiveRowversion: () => minActiveRowversionSql(this.host.rowversionFloors.values()),
      scopeIdentity: () => identitySql(this.lastIdentity),
    };
  }

  /** Binding arguments for DuckDB from a translation's parameters. */
  bindings(t: Translation): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> } {
    const values: Record<string, DuckDBValue> = {};
    const types: Record<string, DuckDBType> = {};
    for (const [name, v] of t.params) {
      values[name] = v.duck;
      types[name] = v.duckType;
    }
    return { values, types };
  }

  requireTable(name: ObjectName): CatalogTable | undefined {
    if (name.temp) {
      return undefined;
    }
    const table = this.host.catalog.table(name.schema, name.name);
    if (table === undefined) {
      throw new SqlServerError(208, `Invalid object name '${name.schema}.${name.name}'.`);
    }
    return table;
  }
}
