import type { DuckDBConnection, DuckDBInstance, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import type { Catalog } from './catalog.js';
import type { CatalogTable } from './catalog-table.js';
import type { FaultInjector } from './faults.js';
import type { TdsWriter } from './tds/tds-writer.js';
import type { ObjectName } from './tsql/create-table.js';
import type { TranslateEnv, Translation } from './tsql/translation.js';

/** What every session shares: the database, its catalog, and the fault injector. */
export interface SessionHost {
  readonly instance: DuckDBInstance;
  readonly catalog: Catalog;
  readonly database: string;
  readonly user: string;
  readonly faults: FaultInjector;
  /**
   * Per session (spid) with an open transaction: the lowest rowversion that transaction can
   * have drawn (the sequence's next value when it began). `MIN_ACTIVE_ROWVERSION()` is the
   * lowest of these, else `@@DBTS + 1`.
   */
  readonly rowversionFloors: Map<number, bigint>;
}

/** Where a request's results go. Without a writer (the `exec()` side door) errors are thrown. */
export interface RequestOutput {
  readonly writer: TdsWriter | undefined;
  /** DONE for a SQL batch, DONEINPROC inside an RPC. */
  readonly doneToken: number;
  /** True once the client sent ATTENTION for this request. */
  cancelled(): boolean;
  /** Destroys the client connection (fault injection). */
  destroy(): void;
}

/** Raised to stop a batch after an error that aborts it, or after ATTENTION. */
export class BatchAbort extends Error {}

/** What statement runners outside the session need from it. */
export interface StatementContext {
  readonly conn: DuckDBConnection;
  readonly host: SessionHost;
  /** The current request's output, while one runs. */
  readonly output: RequestOutput | undefined;
  /** Queues a statement's DONE token. */
  done(status: number, curCmd: number, count: number): void;
  /** Sends the queued DONE (with DONE_MORE) before a new result set starts. */
  writePendingMore(): void;
  env(): TranslateEnv;
  bindings(t: Translation): { values: Record<string, DuckDBValue>; types: Record<string, DuckDBType> };
  /** The catalog entry of a table, raising 208 when it does not exist (undefined for #temp tables). */
  requireTable(name: ObjectName): CatalogTable | undefined;
}
