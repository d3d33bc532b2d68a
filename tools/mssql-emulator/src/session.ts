import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { runBulkLoad } from './bulk-load.js';
import type { CatalogColumn, CatalogTable } from './catalog.js';
import { metaSchema, needsHiddenDigit, quoteString } from './catalog.js';
import { alterStatement, createStatement, dropStatement } from './ddl-statements.js';
import { mapDuckDBError } from './duckdb-errors.js';
import { streamResult } from './result-stream.js';
import { SqlServerError, syntaxError } from './sql-server-error.js';
import {
  BatchAbort,
  type RequestOutput,
  type SessionHost,
  type StatementContext,
} from './statement-context.js';
import { CurCmd, DoneStatus, EnvChangeType, TokenType } from './tds/protocol.js';
import { sqlTypeForDuckDB, storageMatches } from './tds/result-types.js';
import type { TdsWriter } from './tds/tds-writer.js';
import { ClientGoneError } from './tds/tds-writer.js';
import { writeDone, writeEnvChangeBytes, writeMessage } from './tds/tokens.js';
import { duckTableName, type ObjectName, readObjectName } from './tsql/create-table.js';
import { type RewriteContext, rewriteDelete, rewriteInsert, rewriteUpdate } from './tsql/dml-rewrites.js';
import { isOp, isWord, matchParen, type Token, tokenize, tokensText } from './tsql/lexer.js';
import { parseSqlType } from './tsql/parse-sql-type.js';
import { type StatementNode, splitStatements } from './tsql/splitter.js';
import {
  findSelectInto,
  mainKeyword,
  parseParamDeclarations,
  rewriteOutput,
  selectAssignments,
  splitArgs,
  typeTokensText,
} from './tsql/statement-shapes.js';
import type { TranslateEnv, Translation } from './tsql/translation.js';
import { translate } from './tsql/translator.js';
import type { BoundValue } from './types/bound-value.js';
import type { SqlType } from './types/sql-type.js';

export type { RequestOutput, SessionHost } from './statement-context.js';

class LoopBreak extends Error {
  constructor(readonly kind: 'break' | 'continue') {
    super(kind);
  }
}

const version =
  'Microsoft SQL Server 2022 (RTM-CU12) (KB5033663) - 16.0.4003.1 (X64) \n\tmssql-emulator (DuckDB backend) Developer Edition (64-bit)';

interface PendingDone {
  status: number;
  curCmd: number;
  count: number;
}

/** The last rowversion drawn by any session (the sequence's start − 1 before the first). */
const lastRowversionSql = `(SELECT coalesce(last_value, start_value - 1) FROM duckdb_sequences() WHERE schema_name = '${metaSchema}' AND sequence_name = 'rowversion')`;

/**
 * One client session: a DuckDB connection plus SQL Server session state (transaction count,
 * NOCOUNT, variables, last identity). Runs T-SQL batches and writes their results as TDS tokens.
 */
export class Session implements StatementContext {
  tranCount = 0;
  nocount = false;
  lastRowCount = 0;
  lastIdentity: bigint | undefined;
  private variables = new Map<string, BoundValue>();
  private pending: PendingDone | undefined;
  /** The DuckDB table an `INSERT BULK` named, waiting for its BULK_LOAD message. */
  private pendingBulk: { duckName: string; table: CatalogTable | undefined } | undefined;
  private bulkCount = 0;
  private out: RequestOutput | undefined;

  private constructor(
    readonly host: SessionHost,
    readonly conn: DuckDBConnection,
    readonly spid: number,
  ) {}

  static async create(host: SessionHost, spid: number): Promise<Session> {
    const conn = await host.instance.connect();
    await conn.run(`SET search_path = 'dbo,main'`);
    return new Session(host, conn, spid);
  }

  close(): void {
    this.host.rowversionFloors.delete(this.spid);
    this.conn.closeSync();
  }

  /** Interrupts the running DuckDB query (ATTENTION). */
  interrupt(): void {
    this.conn.interrupt();
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
    this.out = out;
    this.pending = undefined;
    this.variables = new Map(params);
    let ok = true;
    try {
      const tokens = tokenize(text);
      const nodes = splitStatements(tokens);
      await this.runNodes(nodes);
    } catch (e) {
      if (e instanceof ClientGoneError) {
        throw e;
      }
      if (!(e instanceof BatchAbort)) {
        ok = false;
        this.error(e, []);
      } else {
        ok = false;
      }
    } finally {
      this.out = undefined;
    }
    if (out.writer !== undefined) {
      this.flushPending(out.writer, out.doneToken, out.doneToken === TokenType.DoneInProc);
    }
    return ok;
  }

  /** Writes the last statement's DONE (final unless `more`), or an empty DONE when none ran. */
  private flushPending(w: TdsWriter, token: number, more: boolean): void {
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) {
      if (token === TokenType.Done) {
        writeDone(w, TokenType.Done, DoneStatus.Final);
      }
      return;
    }
    writeDone(
      w,
      token,
      p.status | (more ? DoneStatus.More : 0) | (this.tranCount > 0 ? DoneStatus.InXact : 0),
      p.curCmd,
      p.count,
    );
  }

  /** The current request's output, while one runs. */
  get output(): RequestOutput | undefined {
    return this.out;
  }

  /** Sends the queued DONE with DONE_MORE (a new result set follows). */
  writePendingMore(): void {
    const w = this.out?.writer;
    if (w !== undefined && this.pending !== undefined) {
      const p = this.pending;
      writeDone(w, this.out?.doneToken ?? TokenType.Done, p.status | DoneStatus.More, p.curCmd, p.count);
      this.pending = undefined;
    }
  }

  /** Queues a statement's DONE; the previous one goes out with DONE_MORE. */
  done(status: number, curCmd: number, count: number): void {
    const w = this.out?.writer;
    if (w !== undefined && this.pending !== undefined) {
      const p = this.pending;
      writeDone(w, this.out?.doneToken ?? TokenType.Done, p.status | DoneStatus.More, p.curCmd, p.count);
    }
    if (this.nocount) {
      status &= ~DoneStatus.Count;
    }
    this.pending = { status, curCmd, count };
  }

  /** Reports an error: ERROR token plus a DONE with the error bit, or a throw without a writer. */
  private error(e: unknown, tokens: readonly Token[]): SqlServerError {
    const err = mapDuckDBError(e, tokens, this.host.database);
    const w = this.out?.writer;
    if (w === undefined) {
      throw err;
    }
    if (this.pending !== undefined) {
      const p = this.pending;
      writeDone(w, this.out?.doneToken ?? TokenType.Done, p.status | DoneStatus.More, p.curCmd, p.count);
      this.pending = undefined;
    }
    writeMessage(w, { number: err.number, state: err.state, severity: err.severity, message: err.message });
    this.pending = { status: DoneStatus.Error, curCmd: CurCmd.None, count: 0 };
    return err;
  }

  private info(message: string, number = 0): void {
    const w = this.out?.writer;
    if (w !== undefined) {
      writeMessage(w, { number, state: 1, severity: 0, message }, true);
    }
  }

  private async runNodes(nodes: readonly StatementNode[]): Promise<void> {
    for (const node of nodes) {
      if (this.out?.cancelled() === true) {
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
        if (await this.condition(node.condition)) {
          await this.runNodes(node.thenBranch);
        } else {
          await this.runNodes(node.otherwise);
        }
        return;
      case 'while': {
        let guard = 0;
        while (await this.condition(node.condition)) {
          if (++guard > 10_000_000) {
            throw new SqlServerError(
              50000,
              'WHILE loop ran more than 10,000,000 times (mssql-emulator guard).',
            );
          }
          try {
            await this.runNodes(node.body);
          } catch (e) {
            if (e instanceof LoopBreak) {
              if (e.kind === 'break') {
                break;
              }
              continue;
            }
            throw e;
          }
        }
        return;
      }
    }
  }

  private async condition(tokens: readonly Token[]): Promise<boolean> {
    const wrapped = tokenize(`SELECT CASE WHEN ${tokensText(tokens)} THEN 1 ELSE 0 END`);
    try {
      const v = await this.scalar(wrapped);
      return v === 1;
    } catch (e) {
      this.error(e, tokens);
      throw new BatchAbort();
    }
  }

  env(): TranslateEnv {
    return {
      catalog: this.host.catalog,
      database: this.host.database,
      user: this.host.user,
      variables: this.variables,
      globalValue: (name) => this.globalValue(name),
      minActiveRowversion: () => this.minActiveRowversion(),
      scopeIdentity: () =>
        this.lastIdentity === undefined
          ? 'CAST(NULL AS DECIMAL(38,0))'
          : `CAST(${this.lastIdentity} AS DECIMAL(38,0))`,
    };
  }

  private globalValue(name: string): string | undefined {
    switch (name) {
      case 'VERSION':
        return quoteString(version);
      case 'SPID':
        return `CAST(${this.spid} AS SMALLINT)`;
      case 'ROWCOUNT':
        return `CAST(${this.lastRowCount} AS INTEGER)`;
      case 'IDENTITY':
        return this.lastIdentity === undefined
          ? 'CAST(NULL AS DECIMAL(38,0))'
          : `CAST(${this.lastIdentity} AS DECIMAL(38,0))`;
      case 'TRANCOUNT':
        return `CAST(${this.tranCount} AS INTEGER)`;
      case 'SERVERNAME':
        return "'mssql-emulator'";
      case 'SERVICENAME':
        return "'MSSQLSERVER'";
      case 'LANGUAGE':
        return "'us_english'";
      case 'MAX_PRECISION':
        return 'CAST(38 AS UTINYINT)';
      case 'DATEFIRST':
        return 'CAST(7 AS UTINYINT)';
      case 'ERROR':
      case 'FETCH_STATUS':
        return 'CAST(0 AS INTEGER)';
      case 'TEXTSIZE':
        return 'CAST(2147483647 AS INTEGER)';
      case 'LOCK_TIMEOUT':
        return 'CAST(-1 AS INTEGER)';
      case 'OPTIONS':
        return 'CAST(5496 AS INTEGER)';
      case 'MICROSOFTVERSION':
        return 'CAST(268439459 AS INTEGER)';
      case 'DBTS':
        // The last rowversion drawn anywhere (currval is per DuckDB session; this is not).
        return `unhex(lpad(to_hex(${lastRowversionSql}), 16, '0'))`;
      default:
        return undefined;
    }
  }

  /**
   * The lowest rowversion an open transaction may have used, else `@@DBTS + 1`. A transaction's
   * floor is the sequence's next value when it began: it can only be lower than SQL Server's
   * value (which counts rowversions the transaction actually wrote), never higher, so a
   * watermark taken from it never skips an in-flight row.
   */
  minActiveRowversion(): string {
    const floors = [...this.host.rowversionFloors.values()].map((f) => `CAST(${f} AS BIGINT)`);
    return `unhex(lpad(to_hex(LEAST(${[`${lastRowversionSql} + 1`, ...floors].join(', ')})), 16, '0'))`;
  }

  /** Binding arguments for DuckDB from a translation's parameters. */
  bindings(t: Translation): {
    values: Record<string, DuckDBValue>;
    types: Record<string, DuckDBType>;
  } {
    const values: Record<string, DuckDBValue> = {};
    const types: Record<string, DuckDBType> = {};
    for (const [name, v] of t.params) {
      values[name] = v.duck;
      types[name] = v.duckType;
    }
    return { values, types };
  }

  /** Row counts behind sys.partitions are computed when a statement reads them. */
  private async refreshRowCounts(tokens: readonly Token[]): Promise<void> {
    // Names only: upper-casing every token's value would copy each string literal (10 MiB ones too).
    const reads = tokens.some(
      (x) =>
        (x.kind === 'word' || x.kind === 'quoted') &&
        /^(PARTITIONS|DM_DB_PARTITION_STATS)$/i.test(x.kind === 'word' ? x.upper : x.value),
    );
    if (reads) {
      await this.host.catalog.refreshRowCounts(this.conn);
    }
  }

  /** Runs a single-value query (conditions, variable assignment). */
  private async scalar(tokens: readonly Token[]): Promise<DuckDBValue> {
    await this.refreshRowCounts(tokens);
    const t = translate(tokens, this.env());
    const { values, types } = this.bindings(t);
    const reader = await this.conn.runAndReadAll(t.sql, values, types);
    const rows = reader.getRows();
    return rows[0]?.[0] ?? null;
  }

  private async runSimple(tokens: readonly Token[]): Promise<void> {
    const head = tokens[0];
    if (head === undefined) {
      return;
    }
    try {
      await this.dispatch(head.kind === 'word' ? head.upper : '', tokens);
    } catch (e) {
      if (e instanceof BatchAbort || e instanceof LoopBreak || e instanceof ClientGoneError) {
        throw e;
      }
      if (this.out?.cancelled() === true) {
        throw new BatchAbort();
      }
      if (this.out?.writer === undefined) {
        throw mapDuckDBError(e, tokens, this.host.database);
      }
      const err = this.error(e, tokens);
      if (err.abortsBatch) {
        throw new BatchAbort();
      }
    }
  }

  private async dispatch(head: string, tokens: readonly Token[]): Promise<void> {
    switch (head) {
      case 'INSERT':
        if (isWord(tokens[1], 'BULK')) {
          // The first half of a bulk load (mssql `bulk()`); rows follow in a BULK_LOAD message.
          const { name } = readObjectName(tokens, 2, this.host.database);
          this.pendingBulk = { duckName: duckTableName(name), table: this.requireTable(name) };
          this.done(DoneStatus.Final, CurCmd.None, 0);
          return;
        }
        await this.query(head, tokens);
        return;
      case 'SELECT':
      case 'WITH':
      case 'UPDATE':
      case 'DELETE':
      case 'MERGE':
        await this.query(head, tokens);
        return;
      case 'SET':
        await this.set(tokens);
        return;
      case 'DECLARE':
        await this.declare(tokens);
        return;
      case 'BEGIN':
        await this.beginTran();
        return;
      case 'COMMIT':
        await this.commitTran();
        return;
      case 'ROLLBACK':
        await this.rollbackTran();
        return;
      case 'SAVE':
        this.done(DoneStatus.Final, CurCmd.None, 0);
        return;
      case 'CREATE':
        await createStatement(this, tokens);
        return;
      case 'DROP':
        await dropStatement(this, tokens);
        return;
      case 'ALTER':
        await alterStatement(this, tokens);
        return;
      case 'TRUNCATE': {
        if (!isWord(tokens[1], 'TABLE')) {
          throw syntaxError(tokens[1]?.text ?? 'TRUNCATE');
        }
        const { name } = readObjectName(tokens, 2, this.host.database);
        this.requireTable(name);
        await this.conn.run(`DELETE FROM ${duckTableName(name)}`);
        this.done(DoneStatus.Final, CurCmd.None, 0);
        return;
      }
      case 'PRINT': {
        const v = await this.scalar([
          { ...(tokens[0] as Token), text: 'SELECT', value: 'SELECT', upper: 'SELECT' },
          ...tokens.slice(1),
        ]);
        this.info(v === null ? '' : String(v));
        return;
      }
      case 'USE': {
        const t = tokens[1];
        const db = t === undefined ? '' : t.kind === 'word' ? t.text : t.value;
        if (db.toLowerCase() !== this.host.database.toLowerCase()) {
          throw new SqlServerError(
            911,
            `Database '${db}' does not exist. Make sure that the name is entered correctly.`,
          );
        }
        return;
      }
      case 'WAITFOR': {
        const kind = tokens[1];
        const v = tokens[2];
        if (!isWord(kind, 'DELAY') || v?.kind !== 'string') {
          throw syntaxError(kind?.text ?? 'WAITFOR');
        }
        const [h = 0, m = 0, s = 0] = v.value.split(':').map(Number);
        const ms = ((h * 60 + m) * 60 + s) * 1000;
        const until = Date.now() + ms;
        while (Date.now() < until) {
          if (this.out?.cancelled() === true) {
            throw new BatchAbort();
          }
          await new Promise((r) => setTimeout(r, Math.min(20, until - Date.now())));
        }
        return;
      }
      case 'RAISERROR': {
        const open = tokens[1];
        if (!isOp(open, '(')) {
          throw syntaxError(open?.text ?? 'RAISERROR');
        }
        const msg = tokens[2];
        const sev = tokens[4];
        const state = tokens[6];
        const severity = sev?.kind === 'number' ? Number(sev.text) : 16;
        const text =
          msg?.kind === 'string'
            ? msg.value
            : String(await this.scalar(tokenize(`SELECT ${msg?.text ?? "''"}`)));
        if (severity <= 10) {
          this.info(text, 50000);
          return;
        }
        throw new SqlServerError(50000, text, {
          severity,
          state: state?.kind === 'number' ? Number(state.text) : 1,
          abortsBatch: false,
        });
      }
      case 'THROW': {
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
      case 'EXEC':
      case 'EXECUTE':
        await this.exec(tokens);
        return;
      case 'BREAK':
        throw new LoopBreak('break');
      case 'CONTINUE':
        throw new LoopBreak('continue');
      case 'RETURN':
        throw new BatchAbort();
      case 'GRANT':
      case 'DENY':
      case 'REVOKE':
      case 'CHECKPOINT':
      case 'DBCC':
        return;
      default:
        throw syntaxError(tokens[0]?.text ?? '');
    }
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

  // ---- transactions -------------------------------------------------------------------

  /** Writes an ENVCHANGE for a transaction state change. */
  private txnEnvChange(type: number): void {
    const w = this.out?.writer;
    if (w === undefined) {
      return;
    }
    const descriptor = Buffer.alloc(8);
    descriptor.writeUInt32LE(this.spid, 0);
    descriptor.writeUInt32LE(1, 4);
    if (type === EnvChangeType.BeginTransaction) {
      writeEnvChangeBytes(w, type, descriptor, new Uint8Array(0));
    } else {
      writeEnvChangeBytes(w, type, new Uint8Array(0), descriptor);
    }
  }

  /** BEGIN TRAN (batch or TM request). */
  async beginTran(): Promise<void> {
    if (this.tranCount === 0) {
      await this.conn.run('BEGIN TRANSACTION');
      const r = await this.conn.runAndReadAll(`SELECT ${lastRowversionSql} + 1`);
      this.host.rowversionFloors.set(this.spid, BigInt(r.getRows()[0]?.[0] as bigint));
      this.txnEnvChange(EnvChangeType.BeginTransaction);
    }
    this.tranCount++;
    this.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** COMMIT (batch or TM request). */
  async commitTran(): Promise<void> {
    if (this.tranCount === 0) {
      throw new SqlServerError(
        3902,
        'The COMMIT TRANSACTION request has no corresponding BEGIN TRANSACTION.',
      );
    }
    this.tranCount--;
    if (this.tranCount === 0) {
      this.host.rowversionFloors.delete(this.spid);
      await this.conn.run('COMMIT');
      this.txnEnvChange(EnvChangeType.CommitTransaction);
    }
    this.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** ROLLBACK (batch or TM request). */
  async rollbackTran(): Promise<void> {
    if (this.tranCount === 0) {
      throw new SqlServerError(
        3903,
        'The ROLLBACK TRANSACTION request has no corresponding BEGIN TRANSACTION.',
      );
    }
    this.tranCount = 0;
    this.host.rowversionFloors.delete(this.spid);
    await this.conn.run('ROLLBACK');
    this.txnEnvChange(EnvChangeType.RollbackTransaction);
    this.done(DoneStatus.Final, CurCmd.None, 0);
  }

  /** Runs a transaction-manager request (mssql's `Transaction.begin/commit/rollback`). */
  async transactionRequest(op: number, out: RequestOutput): Promise<void> {
    this.out = out;
    this.pending = undefined;
    try {
      if (op === 5) {
        await this.beginTran();
      } else if (op === 7) {
        await this.commitTran();
      } else if (op === 8) {
        await this.rollbackTran();
      } else if (op === 9) {
        this.done(DoneStatus.Final, CurCmd.None, 0);
      } else {
        throw new SqlServerError(
          8009,
          `Transaction manager request type ${op} is not supported by the emulator.`,
        );
      }
    } catch (e) {
      this.error(e, []);
    } finally {
      if (out.writer !== undefined) {
        this.flushPending(out.writer, out.doneToken, false);
      }
      this.out = undefined;
    }
  }

  /** Runs a BULK_LOAD message for the preceding `INSERT BULK`. */
  async bulkLoad(payload: Buffer, out: RequestOutput): Promise<void> {
    this.out = out;
    this.pending = undefined;
    const target = this.pendingBulk;
    this.pendingBulk = undefined;
    try {
      if (target === undefined) {
        throw new SqlServerError(4804, 'Bulk load data was sent without a preceding INSERT BULK statement.');
      }
      const rows = await runBulkLoad(
        this.conn,
        target.duckName,
        target.table,
        payload,
        `${this.spid}_${this.bulkCount++}`,
      );
      this.lastRowCount = rows;
      this.done(DoneStatus.Count, CurCmd.Insert, rows);
    } catch (e) {
      if (e instanceof ClientGoneError) {
        throw e;
      }
      this.error(e, []);
    } finally {
      if (out.writer !== undefined) {
        this.flushPending(out.writer, out.doneToken, false);
      }
      this.out = undefined;
    }
  }

  /** Rolls back whatever the client left open (connection reset or close). */
  async resetState(): Promise<void> {
    if (this.tranCount > 0) {
      this.tranCount = 0;
      this.host.rowversionFloors.delete(this.spid);
      await this.conn.run('ROLLBACK').catch(() => undefined);
    }
    this.nocount = false;
  }

  // ---- SET / DECLARE --------------------------------------------------------------------

  private async set(tokens: readonly Token[]): Promise<void> {
    const target = tokens[1];
    if (target?.kind === 'variable') {
      const op = tokens[2];
      const name = target.value.toLowerCase();
      const current = this.variables.get(name);
      if (current === undefined) {
        throw new SqlServerError(137, `Must declare the scalar variable "${target.text}".`, {
          severity: 15,
          state: 2,
        });
      }
      let expr = tokens.slice(3);
      if (op !== undefined && op.kind === 'op' && op.text.length === 2 && op.text.endsWith('=')) {
        const binOp: Token = { ...op, text: op.text[0] as string, value: op.text[0] as string };
        expr = [target, binOp, { ...op, text: '(', value: '(' }, ...expr, { ...op, text: ')', value: ')' }];
      } else if (!isOp(op, '=')) {
        throw syntaxError(op?.text ?? '');
      }
      await this.assign(name, current.type, expr);
      return;
    }
    if (isWord(target, 'NOCOUNT')) {
      this.nocount = isWord(tokens[2], 'ON');
      return;
    }
    // Other SET options (ANSI_NULLS, XACT_ABORT, TRANSACTION ISOLATION LEVEL, IDENTITY_INSERT, …)
    // change nothing the emulator models.
  }

  private async assign(name: string, type: SqlType, expr: readonly Token[]): Promise<void> {
    const typeText = typeTokensText(type);
    const value = `CAST((${tokensText(expr)}) AS ${typeText})`;
    // A datetimeoffset variable keeps the offset of what was assigned.
    const offset = type.name === 'datetimeoffset' ? `, DATEPART(TZ, ${value})` : '';
    const tokens = tokenize(`SELECT ${value}${offset}`);
    const t = translate(tokens, this.env());
    const { values, types } = this.bindings(t);
    const reader = await this.conn.runAndReadAll(t.sql, values, types);
    const row = reader.getRows()[0];
    const v = row?.[0] ?? null;
    const duckType = reader.columnTypes()[0] as DuckDBType;
    this.variables.set(name, {
      type,
      duckType,
      duck: v,
      js: v,
      ...(offset === '' ? {} : { offsetMinutes: Number(row?.[1] ?? 0) }),
    });
  }

  private async declare(tokens: readonly Token[]): Promise<void> {
    let i = 1;
    while (i < tokens.length) {
      const v = tokens[i];
      if (v?.kind !== 'variable') {
        throw syntaxError(v?.text ?? 'DECLARE');
      }
      i++;
      if (isWord(tokens[i], 'AS')) {
        i++;
      }
      if (isWord(tokens[i], 'TABLE') || isWord(tokens[i], 'CURSOR')) {
        throw new SqlServerError(
          102,
          `Table variables and cursors are not supported by the emulator (${v.text}).`,
          {
            severity: 15,
          },
        );
      }
      const parsed = parseSqlType(tokens, i);
      i = parsed.end;
      let expr: Token[] = [];
      if (isOp(tokens[i], '=')) {
        i++;
        const start = i;
        let depth = 0;
        while (i < tokens.length && !(depth === 0 && isOp(tokens[i], ','))) {
          if (isOp(tokens[i], '(')) {
            depth++;
          } else if (isOp(tokens[i], ')')) {
            depth--;
          }
          i++;
        }
        expr = tokens.slice(start, i);
      }
      const name = v.value.toLowerCase();
      await this.assign(name, parsed.type, expr.length > 0 ? expr : tokenize('NULL'));
      if (isOp(tokens[i], ',')) {
        i++;
      }
    }
  }

  // ---- EXEC ---------------------------------------------------------------------------

  private async exec(tokens: readonly Token[]): Promise<void> {
    const first = tokens[1];
    if (isOp(first, '(')) {
      // EXEC ('dynamic sql') / EXEC (@sql)
      const close = matchParen(tokens, 1);
      const v = await this.scalar([
        { ...(tokens[0] as Token), text: 'SELECT', value: 'SELECT', upper: 'SELECT' },
        ...tokens.slice(2, close),
      ]);
      await this.nested(String(v ?? ''), new Map());
      return;
    }
    const procName = first === undefined ? '' : first.kind === 'word' ? first.text : first.value;
    if (procName.toLowerCase() === 'sp_executesql' || procName.toLowerCase() === 'sys.sp_executesql') {
      const args = splitArgs(tokens, 2);
      const stmtTokens = args[0];
      if (stmtTokens === undefined) {
        throw new SqlServerError(
          8144,
          'Procedure or function sp_executesql has too many arguments specified.',
        );
      }
      const stmt = String(
        await this.scalar([
          { ...(tokens[0] as Token), text: 'SELECT', value: 'SELECT', upper: 'SELECT' },
          ...stmtTokens,
        ]),
      );
      const params = new Map<string, BoundValue>();
      const declTokens = args[1];
      if (declTokens !== undefined) {
        const decl = String(
          await this.scalar([
            { ...(tokens[0] as Token), text: 'SELECT', value: 'SELECT', upper: 'SELECT' },
            ...declTokens,
          ]),
        );
        const declared = parseParamDeclarations(decl);
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
          const saved = this.variables;
          await this.assign(`__arg_${pname}`, d.type, named);
          const value = this.variables.get(`__arg_${pname}`);
          this.variables = saved;
          if (value !== undefined) {
            params.set(pname, value);
          }
        }
      }
      await this.nested(stmt, params);
      return;
    }
    throw new SqlServerError(2812, `Could not find stored procedure '${procName}'.`, { state: 62 });
  }

  /** Runs dynamic SQL inside the current request, with its own variable scope. */
  private async nested(text: string, params: ReadonlyMap<string, BoundValue>): Promise<void> {
    const saved = this.variables;
    this.variables = new Map(params);
    try {
      await this.runNodes(splitStatements(tokenize(text)));
    } finally {
      this.variables = saved;
    }
  }

  // ---- queries and DML ------------------------------------------------------------------

  private async query(head: string, input: readonly Token[]): Promise<void> {
    let tokens = [...input];
    let curCmd: number = CurCmd.Select;
    let returnsRows = head === 'SELECT' || head === 'WITH';
    const main = head === 'WITH' ? mainKeyword(tokens) : head;
    if (main === 'INSERT') {
      tokens = rewriteInsert(this.rewriteContext(), tokens);
      curCmd = CurCmd.Insert;
    } else if (main === 'UPDATE') {
      tokens = rewriteUpdate(this.rewriteContext(), tokens);
      curCmd = CurCmd.Update;
    } else if (main === 'DELETE') {
      tokens = rewriteDelete(tokens);
      curCmd = CurCmd.Delete;
    } else if (main === 'MERGE') {
      curCmd = CurCmd.Update;
    }
    if (main !== 'SELECT') {
      const output = rewriteOutput(tokens);
      tokens = output.tokens;
      returnsRows = output.returning;
    } else {
      const into = findSelectInto(tokens);
      if (into !== undefined) {
        await this.selectInto(tokens, into);
        return;
      }
      const assigned = selectAssignments(tokens);
      if (assigned !== undefined) {
        await this.selectAssign(assigned.tokens, assigned.variables);
        return;
      }
    }
    await this.refreshRowCounts(tokens);
    const t = translate(tokens, this.env(), { bindLongStrings: true });
    const run = async (tr: Translation): Promise<void> => {
      if (returnsRows && this.out?.writer !== undefined) {
        const rows = await streamResult(this, tr);
        this.lastRowCount = rows;
        this.done(DoneStatus.Count, curCmd, rows);
      } else {
        const { values, types } = this.bindings(tr);
        const r = await this.conn.run(tr.sql, values, types);
        const count = returnsRows ? (await r.getRows()).length : r.rowsChanged;
        this.lastRowCount = count;
        if (main === 'INSERT') {
          await this.captureIdentity(tokens);
        }
        this.done(DoneStatus.Count, curCmd, count);
      }
    };
    try {
      await run(t);
    } catch (e) {
      // T-SQL's '+' also concatenates strings; retry with '||' when DuckDB rejects '+' on text.
      const msg = e instanceof Error ? e.message : '';
      if (/\+\((VARCHAR|STRING_LITERAL)|\+\([A-Z_]+, (VARCHAR|STRING_LITERAL)\)/.test(msg)) {
        await run(translate(tokens, this.env(), { concatMode: true, bindLongStrings: true }));
        return;
      }
      throw e;
    }
  }

  private rewriteContext(): RewriteContext {
    return { catalog: this.host.catalog, database: this.host.database, variables: this.variables };
  }

  private async captureIdentity(tokens: readonly Token[]): Promise<void> {
    const i = tokens.findIndex((t) => isWord(t, 'INTO'));
    if (i < 0) {
      return;
    }
    const { name } = readObjectName(tokens, i + 1, this.host.database);
    const table = name.temp ? undefined : this.host.catalog.table(name.schema, name.name);
    if (table?.identitySequence !== undefined) {
      try {
        const r = await this.conn.runAndReadAll(`SELECT currval(${quoteString(table.identitySequence)})`);
        const v = r.getRows()[0]?.[0];
        if (typeof v === 'bigint') {
          this.lastIdentity = v;
        }
      } catch {
        // No value drawn yet in this session (explicit ids were inserted).
      }
    }
  }

  /** SELECT … INTO new_table FROM …: creates the table from the result's types. */
  private async selectInto(tokens: Token[], intoAt: number): Promise<void> {
    const { name, end } = readObjectName(tokens, intoAt + 1, this.host.database);
    const rest = [...tokens.slice(0, intoAt), ...tokens.slice(end)];
    const t = translate(rest, this.env());
    const { values, types } = this.bindings(t);
    const prepared = await this.conn.prepare(t.sql);
    const columns: CatalogColumn[] = [];
    for (let c = 0; c < prepared.columnCount; c++) {
      const dt = prepared.columnType(c);
      const hint = t.hints?.[c];
      const byName = t.columnTypes.get(prepared.columnName(c).toLowerCase());
      const type =
        hint !== undefined && storageMatches(hint, dt)
          ? hint
          : byName !== undefined && storageMatches(byName, dt)
            ? byName
            : sqlTypeForDuckDB(dt);
      columns.push({
        columnId: c + 1,
        name: prepared.columnName(c),
        type,
        sysname: false,
        nullable: true,
        identity: false,
        defaultText: undefined,
      });
    }
    prepared.destroySync();
    // A hidden `<col>__100ns` / `<col>__tz` result column stays in DuckDB as the new column's
    // digit / offset store.
    for (const c of [...columns]) {
      const m = c.name.match(/^(.*)__(100ns|tz)$/i);
      const base =
        m === null ? undefined : columns.find((x) => x.name.toLowerCase() === (m[1] as string).toLowerCase());
      if (base === undefined) {
        continue;
      }
      const digit = m?.[2]?.toLowerCase() === '100ns';
      if (digit ? needsHiddenDigit(base.type) : base.type.name === 'datetimeoffset') {
        columns.splice(columns.indexOf(c), 1);
        columns.splice(
          columns.indexOf(base),
          1,
          digit ? { ...base, ns100: c.name } : { ...base, tz: c.name },
        );
      }
    }
    columns.forEach((c, k) => {
      columns[k] = { ...c, columnId: k + 1 };
    });
    const r = await this.conn.run(
      `CREATE ${name.temp ? 'TEMP ' : ''}TABLE ${duckTableName(name)} AS ${t.sql}`,
      values,
      types,
    );
    if (!name.temp) {
      await this.host.catalog.addTable(this.conn, {
        objectId: this.host.catalog.newObjectId(),
        schema: name.schema,
        name: name.name,
        kind: 'table',
        columns,
        primaryKey: undefined,
        identitySequence: undefined,
      });
    }
    this.done(DoneStatus.Count, CurCmd.Select, r.rowsChanged);
  }

  /** `SELECT @a = expr, @b = expr FROM …`: the last row's values are assigned. */
  private async selectAssign(tokens: Token[], variables: string[]): Promise<void> {
    const t = translate(tokens, this.env());
    const { values, types } = this.bindings(t);
    const reader = await this.conn.runAndReadAll(t.sql, values, types);
    const rows = reader.getRows();
    const last = rows[rows.length - 1];
    if (last !== undefined) {
      for (const [k, v] of variables.entries()) {
        const current = this.variables.get(v);
        if (current === undefined) {
          throw new SqlServerError(137, `Must declare the scalar variable "@${v}".`, {
            severity: 15,
            state: 2,
          });
        }
        // Convert through the variable's declared type.
        const holder = `__sel_${k}`;
        this.variables.set(holder, {
          type: current.type,
          duckType: reader.columnTypes()[k] as DuckDBType,
          duck: last[k] ?? null,
          js: null,
        });
        await this.assign(v, current.type, tokenize(`@${holder}`));
        this.variables.delete(holder);
      }
    }
    this.lastRowCount = rows.length;
    this.done(DoneStatus.Count, CurCmd.Select, rows.length);
  }
}
