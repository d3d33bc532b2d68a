import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { metaSchema } from './catalog-views.js';

/** How a client connection is secured, as `sys.dm_exec_connections` reports it. */
export interface ConnectionSecurity {
  /** TLS negotiated in PRELOGIN. */
  readonly encrypted: boolean;
  /** `SQL` for a SQL login, `NTLM`/`KERBEROS` for Windows logins; SQL Server reports `SQL` for access tokens too. */
  readonly authScheme: string;
}

/** One login the emulator accepted, as {@link Emulator.logins} lists it. */
export interface AcceptedLogin {
  readonly spid: number;
  /** The session ran over TLS. */
  readonly encrypted: boolean;
  /** How the client logged in. */
  readonly method: 'password' | 'access-token';
}

/**
 * The rows behind `sys.dm_exec_connections`: one per logged-in client connection, so a client
 * can ask whether its session is encrypted the way it asks SQL Server
 * (`SELECT encrypt_option FROM sys.dm_exec_connections WHERE session_id = @@SPID`).
 *
 * @example
 * await registry.add(spid, { encrypted: true, authScheme: 'SQL' });
 * await registry.remove(spid);
 */
export class ConnectionRegistry {
  private connection: Promise<DuckDBConnection> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  /** Every login accepted so far, in order (closed sessions included). */
  readonly logins: AcceptedLogin[] = [];

  constructor(private readonly instance: DuckDBInstance) {}

  add(spid: number, security: ConnectionSecurity, method: AcceptedLogin['method']): Promise<void> {
    this.logins.push({ spid, encrypted: security.encrypted, method });
    const encrypt = security.encrypted ? 'TRUE' : 'FALSE';
    const scheme = security.authScheme.replace(/'/g, "''");
    return this.run(`INSERT INTO ${metaSchema}.connections VALUES (${spid}, '${encrypt}', '${scheme}')`);
  }

  remove(spid: number): Promise<void> {
    return this.run(`DELETE FROM ${metaSchema}.connections WHERE session_id = ${spid}`);
  }

  /** Closes the registry's DuckDB connection. */
  async close(): Promise<void> {
    await this.queue;
    const c = this.connection;
    this.connection = undefined;
    if (c !== undefined) {
      (await c).closeSync();
    }
  }

  private run(sql: string): Promise<void> {
    const step = async (): Promise<void> => {
      this.connection ??= this.instance.connect();
      await (await this.connection).run(sql);
    };
    const p = this.queue.then(step, step);
    this.queue = p.catch(() => undefined);
    return p;
  }
}
