import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { ConnectionRegistry } from './connection-registry.js';
import { Session } from './session/session.js';
import { SqlServerError } from './sql-server-error.js';
import type { RequestOutput, SessionHost } from './statement-context.js';
import { ByteReader } from './tds/byte-reader.js';
import { parseLogin7 } from './tds/login7.js';
import { clientEncryption, Encryption, preloginResponse, serverEncryption } from './tds/prelogin.js';
import { CurCmd, DoneStatus, PacketStatus, PacketType, TokenType } from './tds/protocol.js';
import { parseRpcRequest, type RpcParam, type RpcRequest, skipAllHeaders } from './tds/rpc-request.js';
import { ClientGoneError, TdsWriter } from './tds/tds-writer.js';
import {
  writeDone,
  writeLoginSuccess,
  writeMessage,
  writeReturnStatus,
  writeReturnValueInt,
} from './tds/tokens.js';
import { startTlsInTds } from './tls-in-tds.js';
import type { BoundValue } from './types/bound-value.js';

/** One statement text a client sent, as {@link Emulator.statements} records it. */
export interface CapturedStatement {
  /** The batch text, or sp_executesql's @stmt. */
  readonly sql: string;
  /** sp_executesql parameters by name without `@` (decimals, dates and GUIDs as exact text). */
  readonly params: Record<string, unknown>;
  readonly kind: 'batch' | 'rpc';
}

/** What a connection needs from the emulator beyond a session's needs. */
export interface ServerHost extends SessionHost {
  readonly password: string;
  /** The server certificate and key; without them PRELOGIN answers ENCRYPT_NOT_SUP. */
  readonly tls: SecureContext | undefined;
  /** Access tokens a FEDAUTH login is accepted with (as the emulator's user). */
  readonly accessTokens: readonly string[];
  readonly connections: ConnectionRegistry;
  capture(statement: CapturedStatement): void;
}

interface Message {
  readonly type: number;
  readonly status: number;
  readonly data: Buffer;
}

/** Well-known procedure ids of RPC requests (MS-TDS 2.2.6.6). */
const ProcId = { ExecuteSql: 10, Prepare: 11, Execute: 12, PrepExec: 13, Unprepare: 15 } as const;

const procByName: Record<string, number> = {
  sp_executesql: ProcId.ExecuteSql,
  sp_prepare: ProcId.Prepare,
  sp_execute: ProcId.Execute,
  sp_prepexec: ProcId.PrepExec,
  sp_unprepare: ProcId.Unprepare,
};

/**
 * One client TCP connection: reassembles TDS packets into messages, runs the PRELOGIN / LOGIN7
 * handshake, then serves SQL batches, RPCs (sp_executesql), transaction-manager requests and
 * ATTENTION, one request at a time.
 */
export class ClientConnection {
  private inbound: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  private firstStatus = 0;
  private currentType = -1;
  private readonly queue: Message[] = [];
  private processing = false;
  private busy = false;
  private attention = false;
  private loggedIn = false;
  private session: Session | undefined;
  private readonly writer: TdsWriter;
  private closed = false;
  /** Statements prepared with sp_prepare, by handle. */
  private readonly prepared = new Map<number, string>();
  private nextHandle = 1;
  private encrypted = false;
  private readonly onBytes = (chunk: Buffer): void => this.onData(chunk);

  constructor(
    private readonly socket: Socket,
    private readonly host: ServerHost,
    private readonly spid: number,
  ) {
    this.writer = new TdsWriter(socket, 4096);
    socket.setNoDelay(true);
    socket.on('data', this.onBytes);
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  private close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.attention = true;
    const session = this.session;
    this.session = undefined;
    if (session !== undefined) {
      void this.host.connections.remove(this.spid).catch(() => undefined);
      session.interrupt();
      // Let a running statement unwind before the DuckDB connection goes away.
      const finish = (): void => {
        if (this.busy) {
          setTimeout(finish, 10);
        } else {
          session.close();
        }
      };
      finish();
    }
  }

  private onData(chunk: Buffer): void {
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= 8) {
      const length = this.inbound.readUInt16BE(2);
      if (length < 8) {
        this.socket.destroy();
        return;
      }
      if (this.inbound.length < length) {
        break;
      }
      const type = this.inbound[0] as number;
      const status = this.inbound[1] as number;
      const data = this.inbound.subarray(8, length);
      this.inbound = this.inbound.subarray(length);
      if (type === PacketType.Attention) {
        this.onAttention();
        continue;
      }
      if (this.parts.length === 0) {
        this.firstStatus = status;
        this.currentType = type;
      }
      this.parts.push(data);
      if ((status & PacketStatus.EndOfMessage) !== 0) {
        const message = { type: this.currentType, status: this.firstStatus, data: Buffer.concat(this.parts) };
        this.parts = [];
        this.queue.push(message);
      }
    }
    if (!this.processing) {
      void this.process();
    }
  }

  private onAttention(): void {
    if (this.busy) {
      this.attention = true;
      this.session?.interrupt();
      return;
    }
    // Nothing running: acknowledge at once.
    this.writer.begin();
    writeDone(this.writer, TokenType.Done, DoneStatus.Attention);
    this.writer.flush(true).catch(() => this.socket.destroy());
  }

  private async process(): Promise<void> {
    this.processing = true;
    try {
      for (let m = this.queue.shift(); m !== undefined; m = this.queue.shift()) {
        if (this.closed) {
          return;
        }
        this.busy = true;
        this.attention = false;
        try {
          await this.handle(m);
        } catch (e) {
          if (e instanceof ClientGoneError) {
            this.socket.destroy();
            return;
          }
          // An emulator bug: report it to the client rather than hang.
          const message = e instanceof Error ? e.message : String(e);
          try {
            writeMessage(this.writer, {
              number: 50000,
              state: 1,
              severity: 16,
              message: `mssql-emulator internal error: ${message}`,
            });
            writeDone(this.writer, TokenType.Done, DoneStatus.Error);
            await this.writer.flush(true);
          } catch {
            this.socket.destroy();
          }
        } finally {
          this.busy = false;
        }
      }
    } finally {
      this.processing = false;
    }
  }

  private async handle(m: Message): Promise<void> {
    if (m.type === PacketType.PreLogin && !this.loggedIn) {
      if (this.host.faults.refuseLogins) {
        this.socket.destroy();
        return;
      }
      await this.preLogin(m.data);
      return;
    }
    if (m.type === PacketType.Login7 && !this.loggedIn) {
      await this.login(m.data);
      return;
    }
    if (!this.loggedIn || this.session === undefined) {
      this.socket.destroy();
      return;
    }
    const session = this.session;
    if ((m.status & (PacketStatus.ResetConnection | PacketStatus.ResetConnectionSkipTran)) !== 0) {
      await session.resetState();
    }
    if (this.host.faults.latencyMs > 0) {
      await new Promise((r) => setTimeout(r, this.host.faults.latencyMs));
    }
    this.writer.begin();
    switch (m.type) {
      case PacketType.SqlBatch:
        await this.sqlBatch(session, m.data);
        break;
      case PacketType.Rpc:
        await this.rpc(session, m.data);
        break;
      case PacketType.TransactionManager:
        await this.transactionManager(session, m.data);
        break;
      case PacketType.BulkLoad:
        await session.bulkLoad(m.data, this.output(TokenType.Done));
        break;
      default: {
        writeMessage(this.writer, {
          number: 50000,
          state: 1,
          severity: 16,
          message: `TDS packet type 0x${m.type.toString(16)} is not supported by mssql-emulator.`,
        });
        writeDone(this.writer, TokenType.Done, DoneStatus.Error);
      }
    }
    await this.writer.flush(true);
    if (this.attention) {
      // tedious reads the attention acknowledgement as a message of its own.
      this.attention = false;
      this.writer.begin();
      writeDone(this.writer, TokenType.Done, DoneStatus.Attention);
      await this.writer.flush(true);
    }
  }

  private output(doneToken: number): RequestOutput {
    return {
      writer: this.writer,
      doneToken,
      cancelled: () => this.attention || this.closed,
      destroy: () => this.socket.resetAndDestroy(),
    };
  }

  private async preLogin(data: Buffer): Promise<void> {
    const encryption = serverEncryption(clientEncryption(data), this.host.tls !== undefined);
    this.writer.begin();
    this.writer.bytes(preloginResponse(encryption));
    await this.writer.flush(true);
    if (encryption !== Encryption.On || this.host.tls === undefined) {
      return;
    }
    // The TLS handshake follows inside PRELOGIN packets; from then on the stream is TLS.
    this.socket.off('data', this.onBytes);
    try {
      const clear = await startTlsInTds(this.socket, this.host.tls);
      clear.on('data', this.onBytes);
      clear.on('error', () => this.socket.destroy());
      this.writer.retarget(clear);
      this.encrypted = true;
    } catch {
      // The client refused the certificate (or went away): nothing more to say to it.
      this.socket.destroy();
    }
  }

  /** Answers a LOGIN7 with `before`, then SQL Server's error 18456, and closes the connection. */
  private async refuseLogin(
    user: string,
    before: readonly Parameters<typeof writeMessage>[1][],
  ): Promise<void> {
    for (const message of before) {
      writeMessage(this.writer, message);
    }
    writeMessage(this.writer, {
      number: 18456,
      state: 1,
      severity: 14,
      message: `Login failed for user '${user}'.`,
    });
    writeDone(this.writer, TokenType.Done, DoneStatus.Error);
    await this.writer.flush(true);
    this.socket.end();
  }

  private async login(data: Buffer): Promise<void> {
    const { packetSize, user: loginUser, password, database, accessToken } = parseLogin7(data);
    // SQL Server names a principal it could not map from a token this way in error 18456.
    const user = accessToken === undefined ? loginUser : '<token-identified principal>';
    this.writer.begin();
    const accepted =
      accessToken === undefined
        ? loginUser === this.host.user && password === this.host.password
        : this.host.accessTokens.includes(accessToken);
    if (!accepted) {
      await this.refuseLogin(user, []);
      return;
    }
    if (database !== '' && database.toLowerCase() !== this.host.database.toLowerCase()) {
      await this.refuseLogin(user, [
        {
          number: 4060,
          state: 1,
          severity: 11,
          message: `Cannot open database "${database}" requested by the login. The login failed.`,
        },
      ]);
      return;
    }
    this.session = await Session.create(this.host, this.spid);
    const size = Math.min(Math.max(packetSize === 0 ? 4096 : packetSize, 512), 32767);
    const method = accessToken === undefined ? 'password' : 'access-token';
    await this.host.connections.add(this.spid, { encrypted: this.encrypted, authScheme: 'SQL' }, method);
    writeLoginSuccess(this.writer, this.host.database, size, accessToken !== undefined);
    await this.writer.flush(true);
    this.writer.packetSize = size;
    this.loggedIn = true;
  }

  private async failInjected(sql: string, rpc: boolean): Promise<boolean> {
    const failure = this.host.faults.takeFailure(sql);
    if (failure === undefined) {
      return false;
    }
    writeMessage(this.writer, { number: failure.number, state: 1, severity: 16, message: failure.message });
    if (rpc) {
      writeDone(this.writer, TokenType.DoneInProc, DoneStatus.Error | DoneStatus.More);
      writeReturnStatus(this.writer, 0);
      writeDone(this.writer, TokenType.DoneProc, DoneStatus.Error, CurCmd.Execute);
    } else {
      writeDone(this.writer, TokenType.Done, DoneStatus.Error);
    }
    return true;
  }

  private async sqlBatch(session: Session, data: Buffer): Promise<void> {
    const r = new ByteReader(data);
    skipAllHeaders(r);
    const text = data.subarray(r.pos).toString('utf16le');
    this.host.capture({ sql: text, params: {}, kind: 'batch' });
    if (await this.failInjected(text, false)) {
      return;
    }
    await session.runBatch(text, new Map(), this.output(TokenType.Done));
  }

  private async rpc(session: Session, data: Buffer): Promise<void> {
    let request: RpcRequest;
    try {
      request = parseRpcRequest(data);
    } catch (e) {
      const err = e instanceof SqlServerError ? e : new SqlServerError(8009, String(e));
      writeMessage(this.writer, {
        number: err.number,
        state: err.state,
        severity: err.severity,
        message: err.message,
      });
      writeDone(this.writer, TokenType.DoneProc, DoneStatus.Error);
      return;
    }
    const name = (request.procName ?? '').toLowerCase().replace(/^(sys\.|dbo\.|\[sys\]\.)/, '');
    const procId = request.procId ?? procByName[name];
    const text = (i: number): string => {
      const v = request.params[i]?.value.js;
      return typeof v === 'string' ? v : '';
    };
    switch (procId) {
      case ProcId.ExecuteSql:
        await this.execute(session, text(0), request.params.slice(2), undefined);
        return;
      case ProcId.Prepare:
      case ProcId.PrepExec: {
        const handle = this.nextHandle++;
        const sql = text(2);
        this.prepared.set(handle, sql);
        if (procId === ProcId.Prepare) {
          this.host.capture({ sql, params: {}, kind: 'rpc' });
          writeReturnValueInt(this.writer, 0, request.params[0]?.name ?? 'handle', handle);
          writeReturnStatus(this.writer, 0);
          writeDone(this.writer, TokenType.DoneProc, DoneStatus.Final, CurCmd.Execute);
          return;
        }
        await this.execute(session, sql, request.params.slice(3), handle);
        return;
      }
      case ProcId.Execute: {
        const handle = Number(request.params[0]?.value.js);
        const sql = this.prepared.get(handle);
        if (sql === undefined) {
          writeMessage(this.writer, {
            number: 8179,
            state: 4,
            severity: 16,
            message: `Could not find prepared statement with handle ${handle}.`,
          });
          writeDone(this.writer, TokenType.DoneProc, DoneStatus.Error, CurCmd.Execute);
          return;
        }
        await this.execute(session, sql, request.params.slice(1), undefined);
        return;
      }
      case ProcId.Unprepare:
        this.prepared.delete(Number(request.params[0]?.value.js));
        writeReturnStatus(this.writer, 0);
        writeDone(this.writer, TokenType.DoneProc, DoneStatus.Final, CurCmd.Execute);
        return;
      default: {
        const label = request.procName ?? `#${request.procId}`;
        writeMessage(this.writer, {
          number: 2812,
          state: 62,
          severity: 16,
          message: `Could not find stored procedure '${label}'.`,
        });
        writeDone(this.writer, TokenType.DoneProc, DoneStatus.Error);
      }
    }
  }

  /** Runs a statement with RPC parameters; `handle` adds sp_prepexec's RETURNVALUE. */
  private async execute(
    session: Session,
    sql: string,
    rest: readonly RpcParam[],
    handle: number | undefined,
  ): Promise<void> {
    const params = new Map<string, BoundValue>();
    const captured: Record<string, unknown> = {};
    for (const p of rest) {
      params.set(p.name.toLowerCase(), p.value);
      captured[p.name] = p.value.js;
    }
    this.host.capture({ sql, params: captured, kind: 'rpc' });
    if (await this.failInjected(sql, true)) {
      return;
    }
    const ok = await session.runBatch(sql, params, this.output(TokenType.DoneInProc));
    if (handle !== undefined) {
      writeReturnValueInt(this.writer, 0, 'handle', handle);
    }
    writeReturnStatus(this.writer, 0);
    writeDone(this.writer, TokenType.DoneProc, ok ? DoneStatus.Final : DoneStatus.Error, CurCmd.Execute);
  }

  private async transactionManager(session: Session, data: Buffer): Promise<void> {
    const r = new ByteReader(data);
    skipAllHeaders(r);
    const op = r.u16();
    await session.transactionRequest(op, this.output(TokenType.Done));
  }
}
