import { type DatabaseConfig, SqlSyncError } from '@sync/core';
import { classifyDriverError, tediousConfig } from '@sync/extract-mssql';
import { Connection, Request, type TYPES } from 'tedious';

/** A tedious data type (`TYPES.Int`, …). */
export type TediousType = (typeof TYPES)[keyof typeof TYPES];

/** One column of a bulk load: its name and the tedious type and options it is sent as. */
export interface BulkColumn {
  readonly name: string;
  readonly type: TediousType;
  readonly nullable: boolean;
  readonly options: { readonly length?: number; readonly precision?: number; readonly scale?: number };
}

/**
 * One connection to the warehouse SQL Server: every statement goes through {@link execute} as a
 * T-SQL batch (so a test can capture and grammar-check each), rows through {@link bulkLoad} (TDS
 * bulk load). One connection, so `BEGIN TRANSACTION` … `COMMIT` across calls is one transaction.
 *
 * @example
 * const dw = await WarehouseConnection.open(config.destination.connection);
 * try {
 *   await dw.execute('SELECT 1 AS one');
 * } finally {
 *   await dw.close();
 * }
 */
export class WarehouseConnection {
  private constructor(private readonly connection: Connection) {}

  /** Connects and logs in; a failure is a classified `SOURCE_CONNECTION` error naming no secret. */
  static async open(options: DatabaseConfig): Promise<WarehouseConnection> {
    const connection = new Connection(tediousConfig(options));
    try {
      await new Promise<void>((resolve, reject) => {
        connection.connect((error) => (error === undefined ? resolve() : reject(error)));
      });
    } catch (error) {
      connection.close();
      throw classifyDriverError(error);
    }
    return new WarehouseConnection(connection);
  }

  /**
   * Runs one T-SQL batch and returns the rows of its result sets as objects keyed by column name.
   * A server error is a `DESTINATION_LOAD` error carrying the SQL Server error number.
   */
  execute(sql: string): Promise<Record<string, unknown>[]> {
    return new Promise((resolve, reject) => {
      const rows: Record<string, unknown>[] = [];
      const request = new Request(sql, (error) => {
        if (error !== undefined && error !== null) {
          reject(destinationError(error, sql));
        } else {
          resolve(rows);
        }
      });
      request.on('row', (columns: { metadata: { colName: string }; value: unknown }[]) => {
        const row: Record<string, unknown> = {};
        for (const c of columns) {
          row[c.metadata.colName] = c.value;
        }
        rows.push(row);
      });
      this.connection.execSqlBatch(request);
    });
  }

  /**
   * Bulk-loads `rows` into `table` (a quoted two-part name), `batchSize` rows per bulk load
   * message, and returns the number of rows loaded. Rows are arrays in `columns` order.
   */
  async bulkLoad(
    table: string,
    columns: readonly BulkColumn[],
    rows: AsyncIterable<unknown[]>,
    batchSize: number,
  ): Promise<number> {
    let loaded = 0;
    let batch: unknown[][] = [];
    const flush = async (): Promise<void> => {
      if (batch.length === 0) {
        return;
      }
      const current = batch;
      batch = [];
      loaded += await this.bulkBatch(table, columns, current);
    };
    for await (const row of rows) {
      batch.push(row);
      if (batch.length >= batchSize) {
        await flush();
      }
    }
    await flush();
    return loaded;
  }

  private bulkBatch(table: string, columns: readonly BulkColumn[], rows: unknown[][]): Promise<number> {
    return new Promise((resolve, reject) => {
      const bulk = this.connection.newBulkLoad(table, { keepNulls: true }, (error, rowCount) => {
        if (error !== undefined && error !== null) {
          reject(destinationError(error, `bulk load into ${table}`));
        } else {
          resolve(rowCount ?? rows.length);
        }
      });
      for (const c of columns) {
        bulk.addColumn(c.name, c.type, { ...c.options, nullable: c.nullable });
      }
      this.connection.execBulkLoad(bulk, rows);
    });
  }

  /** Closes the connection (an open transaction is rolled back by the server). */
  async close(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.connection.once('end', () => resolve());
      this.connection.close();
    });
  }
}

function destinationError(error: Error, what: string): SqlSyncError {
  const number = (error as { number?: unknown }).number;
  return new SqlSyncError('DESTINATION_LOAD', `warehouse: ${error.message} (in: ${what.slice(0, 200)})`, {
    ...(typeof number === 'number' ? { context: { sqlErrorNumber: number } } : {}),
    cause: error,
  });
}
