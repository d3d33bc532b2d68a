import type { Connection, Request } from 'tedious';
import type { ConnectionPool } from './connection-pool.js';
import { tedious } from './driver.js';
import { classifyDriverError } from './driver-error.js';
import { addParameters, type BoundParameter } from './predicate.js';

/** A value of a tedious row (`useColumnNames` off: the row is an array of these). */
export interface ColumnValue {
  readonly value: unknown;
  readonly metadata: { readonly colName: string };
}

/**
 * Runs one statement with bound parameters as an RPC (`sp_executesql`, tedious's `execSql`) on a
 * connection of the pool and returns its rows, each an object by column name. For catalog queries
 * and aggregates, whose results are a few rows; table data is streamed by `batch-stream.ts`.
 * Driver errors are classified and name the table.
 *
 * @example
 * const rows = await queryRows(pool, 'SELECT name FROM sys.schemas WHERE name = @schema;', [schemaParameter], 'sales.Orders');
 */
export function queryRows(
  pool: ConnectionPool,
  statement: string,
  parameters: readonly BoundParameter[],
  table: string,
): Promise<Record<string, unknown>[]> {
  return runRequest(pool, statement, table, (connection, request) => {
    addParameters(request, parameters);
    connection.execSql(request);
  });
}

/**
 * Runs T-SQL as a plain SQL batch (tedious's `execSqlBatch`), not through `sp_executesql`: what a
 * batch SETs or BEGINs stays with the session (inside `sp_executesql`, SQL Server restores the
 * isolation level when the call returns). Returns the rows of its result sets, if any.
 *
 * @example
 * await runSqlBatch(lease, 'SET TRANSACTION ISOLATION LEVEL SNAPSHOT; BEGIN TRANSACTION;', 'sales.Orders');
 */
export function runSqlBatch(
  pool: ConnectionPool,
  batch: string,
  table: string,
): Promise<Record<string, unknown>[]> {
  return runRequest(pool, batch, table, (connection, request) => connection.execSqlBatch(request));
}

/** One request on a connection of the pool: its rows by column name, driver errors classified. */
async function runRequest(
  pool: ConnectionPool,
  statement: string,
  table: string,
  send: (connection: Connection, request: Request) => void,
): Promise<Record<string, unknown>[]> {
  try {
    const connection = await pool.acquire();
    let onEnd: (() => void) | undefined;
    try {
      return await new Promise<Record<string, unknown>[]>((resolve, reject) => {
        const rows: Record<string, unknown>[] = [];
        // tedious does not call a request back on every path that ends its connection (a socket
        // failing while a cancel is answered): the connection's end ends the statement too.
        onEnd = () =>
          reject(Object.assign(new Error('Connection closed before request completed.'), { code: 'ECLOSE' }));
        connection.once('end', onEnd);
        const request = new tedious.Request(statement, (error) => {
          if (error === undefined || error === null) {
            resolve(rows);
          } else {
            reject(error);
          }
        });
        request.on('row', (columns: ColumnValue[]) => {
          const row: Record<string, unknown> = {};
          for (const column of columns) {
            row[column.metadata.colName] = column.value;
          }
          rows.push(row);
        });
        send(connection, request);
      });
    } finally {
      if (onEnd !== undefined) {
        connection.removeListener('end', onEnd);
      }
      // The request has ended (its callback ran, or sending threw before it went out).
      pool.release(connection);
    }
  } catch (error) {
    throw classifyDriverError(error, { table });
  }
}
