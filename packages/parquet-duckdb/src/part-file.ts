import { randomBytes } from 'node:crypto';
import { rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { DuckDBAppender, DuckDBConnection, DuckDBDataChunk } from '@duckdb/node-api';
import { fsyncDirectory, fsyncFile, temporarySibling } from './durable-fs.js';
import { quoteIdentifier, quoteStringLiteral } from './sql-quote.js';
import { ignoreErrors } from './writer-session.js';

/**
 * One DuckDB table where the rows of one part file wait, with its appender, on its own
 * connection. It is filled, copied to a file, and emptied again, for as many parts as it takes.
 */
export class PartTable {
  readonly #connection: DuckDBConnection;
  readonly #name: string;
  readonly #columnsSql: string;
  #appender: DuckDBAppender | undefined;
  #rows = 0;

  private constructor(
    connection: DuckDBConnection,
    name: string,
    columnsSql: string,
    appender: DuckDBAppender,
  ) {
    this.#connection = connection;
    this.#name = name;
    this.#columnsSql = columnsSql;
    this.#appender = appender;
  }

  /**
   * Creates a uniquely named table with the given column list (`"a" INTEGER, "b" VARCHAR`).
   *
   * @example
   * const table = await PartTable.create(connection, '"id" INTEGER');
   */
  static async create(connection: DuckDBConnection, columnsSql: string): Promise<PartTable> {
    const name = `sqlsync_write_${randomBytes(6).toString('hex')}`;
    await connection.run(`CREATE TABLE ${quoteIdentifier(name)} (${columnsSql})`);
    try {
      return new PartTable(connection, name, columnsSql, await connection.createAppender(name));
    } catch (error) {
      await connection.run(`DROP TABLE IF EXISTS ${quoteIdentifier(name)}`).catch(() => undefined);
      throw error;
    }
  }

  /** Rows appended since the table was last emptied. */
  get rows(): number {
    return this.#rows;
  }

  /** The types of the table's columns, to shape a data chunk for `append`. */
  columnTypes(count: number): ReturnType<DuckDBAppender['columnType']>[] {
    const appender = this.#openAppender();
    return Array.from({ length: count }, (_, index) => appender.columnType(index));
  }

  /** Appends a filled data chunk (synchronously: the chunk can be refilled right after). */
  append(chunk: DuckDBDataChunk): void {
    this.#openAppender().appendDataChunk(chunk);
  }

  /**
   * Moves what the appender holds into the table's storage, which DuckDB's buffer manager may
   * spill; the appender's own buffer would otherwise grow with the part.
   */
  flush(rows: number): void {
    this.#openAppender().flushSync();
    this.#rows += rows;
  }

  /**
   * Writes the rows to `file` atomically — `COPY` to a hidden temporary sibling, fsync, rename,
   * fsync the directory — and returns its size. On any failure neither the temporary file nor
   * `file` is left behind; `signal` interrupts the `COPY`. `empty()` the table before appending
   * again.
   */
  async copyTo(file: string, copyOptions: string, signal: AbortSignal | undefined): Promise<number> {
    const appender = this.#openAppender();
    this.#appender = undefined;
    appender.closeSync();
    signal?.throwIfAborted();
    const temporary = temporarySibling(file);
    const interrupt = (): void => this.#connection.interrupt();
    signal?.addEventListener('abort', interrupt, { once: true });
    let placed = false;
    try {
      await this.#connection.run(
        `COPY ${quoteIdentifier(this.#name)} TO ${quoteStringLiteral(temporary)} (${copyOptions})`,
      );
      signal?.throwIfAborted();
      await fsyncFile(temporary);
      await rename(temporary, file);
      placed = true;
      await fsyncDirectory(dirname(file));
      return (await stat(file)).size;
    } catch (error) {
      await rm(placed ? file : temporary, { force: true }).catch(() => undefined);
      throw error;
    } finally {
      signal?.removeEventListener('abort', interrupt);
    }
  }

  /**
   * Empties the table after a copy: dropped and created again, which hands its memory back to
   * DuckDB at once (a `DELETE` only marks rows), and opens a new appender.
   */
  async empty(): Promise<void> {
    const table = quoteIdentifier(this.#name);
    await this.#connection.run(`DROP TABLE ${table}; CREATE TABLE ${table} (${this.#columnsSql})`);
    this.#appender = await this.#connection.createAppender(this.#name);
    this.#rows = 0;
  }

  /** Interrupts the statement running on the table's connection (a `COPY`), if any. */
  interrupt(): void {
    this.#connection.interrupt();
  }

  /** Closes the appender and, when asked (a reused DuckDB), drops the table. Never throws. */
  async dispose(dropTable: boolean): Promise<void> {
    const appender = this.#appender;
    this.#appender = undefined;
    if (appender !== undefined) {
      ignoreErrors(() => appender.closeSync());
    }
    if (dropTable) {
      await this.#connection
        .run(`DROP TABLE IF EXISTS ${quoteIdentifier(this.#name)}`)
        .catch(() => undefined);
    }
  }

  #openAppender(): DuckDBAppender {
    if (this.#appender === undefined) {
      throw new Error(`the appender of ${this.#name} is closed`);
    }
    return this.#appender;
  }
}
