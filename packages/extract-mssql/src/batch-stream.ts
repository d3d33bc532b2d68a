import { SqlSyncError } from '@sync/core';
import { Field, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import type { Connection } from 'tedious';
import type { TableReadPlan } from './catalog.js';
import { type ColumnBuilder, createColumnBuilder, type DecodeStats } from './column-builders.js';
import type { ConnectionPool } from './connection-pool.js';
import { tedious } from './driver.js';
import { classifyDriverError } from './driver-error.js';
import { type IdleReadWatchdog, watchIdleRead } from './idle-read-watchdog.js';
import { addParameters, predicateParameters, type RowPredicate } from './predicate.js';
import type { ColumnValue } from './query-rows.js';
import { qualifiedName } from './tsql.js';

/** Options for {@link readBatches}. */
export interface ReadOptions {
  /** Rows of the table to read (a WHERE clause with bound parameters). Defaults to all rows. */
  readonly predicate?: RowPredicate;
  /** The most rows per record batch. Defaults to 50,000 (the original tool's `batch_size`). */
  readonly batchRows?: number;
  /**
   * A batch is also cut once its Arrow buffers reach this many bytes, whatever `batchRows` says.
   * Defaults to `DEFAULT_BATCH_BYTES` (4 MiB).
   */
  readonly batchBytes?: number;
  /** Finished batches held before the TDS stream is paused. Defaults to 2. */
  readonly maxBufferedBatches?: number;
  /**
   * Once rows flow, the read fails when SQL Server sends nothing for this many milliseconds while
   * the reader is not holding the stream paused: the connection is closed and the read fails with
   * a retryable `SOURCE_QUERY` error naming the table and the timeout. Defaults to the
   * connection's request timeout, i.e. `database.command_timeout` (tedious's own request timeout
   * stops at the first response packet, so without this a source that freezes mid-result is
   * waited for forever).
   */
  readonly idleTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Default `batchBytes`: 4 MiB of Arrow buffers (~28,000 rows of the benchmark's 10-column row).
 * Up to four batches of a read are alive at once (one filling, two queued, one being written), so
 * this, not `batch_size`, bounds the extractor's memory; smaller batches cost nothing measurable,
 * and at 20 M rows with two workers the 64 MiB bound of before cost ~25 MB of peak RSS.
 */
export const DEFAULT_BATCH_BYTES = 4 * 1024 * 1024;

/** Figures gathered while reading, complete once iteration ends. */
export interface ReadStats {
  rows: number;
  batches: number;
  /** Times the TDS stream was paused because the consumer was slower than the server. */
  pauses: number;
  /** datetime2/time values whose 100 ns digit was not zero and was dropped by the µs lake type. */
  droppedSubMicrosecondValues: number;
  /** The most finished batches ever waiting for the consumer: memory is bounded by this. */
  maxBufferedBatches: number;
}

/**
 * The table's rows as Arrow record batches, streamed with backpressure: when the consumer falls
 * `maxBufferedBatches` behind, the TDS stream is paused until it catches up, so memory does not
 * grow with table size.
 */
export interface BatchStream extends AsyncIterable<RecordBatch> {
  readonly stats: ReadStats;
  /** The SELECT statement sent to SQL Server. */
  readonly statement: string;
}

/**
 * The SELECT that reads a table's planned columns, with an optional predicate.
 *
 * @example
 * selectStatement(plan, { sql: '[OrderDate] >= @from' }) // 'SELECT [Id], … FROM [sales].[Orders] WHERE [OrderDate] >= @from;'
 */
export function selectStatement(plan: TableReadPlan, predicate?: RowPredicate): string {
  const list = plan.columns.map((c) => c.selectExpression).join(', ');
  const where = predicate === undefined ? '' : ` WHERE ${predicate.sql}`;
  return `SELECT ${list} FROM ${qualifiedName(plan.schema.schemaName, plan.schema.tableName)}${where};`;
}

/**
 * Streams a table as record batches.
 *
 * @example
 * const stream = readBatches(pool, await describeTable(pool, 'dbo', 'Products'));
 * for await (const batch of stream) console.log(batch.numRows);
 * console.log(stream.stats.rows);
 */
export function readBatches(
  pool: ConnectionPool,
  plan: TableReadPlan,
  options: ReadOptions = {},
): BatchStream {
  const statement = selectStatement(plan, options.predicate);
  const stats: ReadStats = {
    rows: 0,
    batches: 0,
    pauses: 0,
    droppedSubMicrosecondValues: 0,
    maxBufferedBatches: 0,
  };
  return {
    stats,
    statement,
    [Symbol.asyncIterator]: () => iterate(pool, plan, statement, options, stats),
  };
}

async function* iterate(
  pool: ConnectionPool,
  plan: TableReadPlan,
  statement: string,
  options: ReadOptions,
  stats: ReadStats,
): AsyncGenerator<RecordBatch> {
  const tableId = `${plan.schema.schemaName}.${plan.schema.tableName}`;
  const batchRows = options.batchRows ?? 50_000;
  const batchBytes = options.batchBytes ?? DEFAULT_BATCH_BYTES;
  const maxBuffered = options.maxBufferedBatches ?? 2;
  const decodeStats: DecodeStats = { droppedSubMicrosecondValues: 0 };
  const builders: ColumnBuilder[] = plan.columns.map((c) =>
    createColumnBuilder(c.column.lakeType, c.decoder, decodeStats, { table: tableId, column: c.column.name }),
  );
  // Each field's Arrow type is taken from its builder's own (empty) output, so schema and data agree.
  const fields = plan.columns.map(
    (c, i) => new Field(c.column.name, (builders[i] as ColumnBuilder).finish().type, c.column.nullable),
  );
  const schema = new Schema(fields);
  const width = builders.length;
  // Where each column's values start in the driver's row (a datetime2 takes three wire columns).
  const wireAt: number[] = [];
  const wireColumns = builders.reduce((at, b) => {
    wireAt.push(at);
    return at + b.wireWidth;
  }, 0);

  const queue: RecordBatch[] = [];
  let pending = 0;
  // The row count at which the batch's bytes are summed next: often enough that wide rows
  // (nvarchar(max), varbinary(max)) cannot overshoot `batchBytes` by much, rarely for narrow ones.
  let bytesCheckAt = 1;
  let finished = false;
  let failure: SqlSyncError | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  // The rows are read through tedious directly: mssql's row handling (an array and a type lookup
  // per value) cost ~8 % of a row's decoding when the reads went through it.
  const connection = await acquireConnection(pool, tableId);
  let completed!: () => void;
  const done = new Promise<void>((resolve) => {
    completed = resolve;
  });
  // A connection that ended can no longer complete the request, and tedious does not call the
  // request's callback on every path that ends a connection (a socket failing while an attention
  // is answered): its end ends the read too.
  const onEnd = (): void => {
    if (!finished) {
      finished = true;
      fail(Object.assign(new Error('Connection closed before request completed.'), { code: 'ECLOSE' }));
    }
    completed();
    notify();
  };
  connection.once('end', onEnd);
  const request = new tedious.Request(statement, (error) => {
    finished = true;
    if (error !== undefined && error !== null) {
      fail(error);
    } else if (failure === undefined) {
      flush();
    }
    completed();
    notify();
  });
  addParameters(request, predicateParameters(options.predicate));
  // The values of a row, by wire column, handed to the column builders.
  const values: unknown[] = new Array(wireColumns);
  /** Stops the request (resumed first: a paused request would never read the cancel's answer). */
  const cancel = (): void => {
    if (!finished) {
      try {
        request.resume();
        connection.cancel();
      } catch {
        // The connection is failing under the cancel: closed, so the request ends now.
        connection.close();
      }
    }
  };
  // Armed by the first response (column metadata): until then tedious's request timeout applies.
  const idleTimeoutMs = options.idleTimeoutMs ?? connection.config.options.requestTimeout;
  let watchdog: IdleReadWatchdog | undefined;
  const armWatchdog = (): void => {
    if (watchdog !== undefined || finished || !(idleTimeoutMs > 0)) {
      return;
    }
    watchdog = watchIdleRead({
      timeoutMs: idleTimeoutMs,
      progress: () => (connection.socket?.bytesRead ?? 0) + stats.rows,
      paused: () => paused,
      onIdle: () => {
        if (finished) {
          return;
        }
        const seconds = idleTimeoutMs / 1000;
        failure ??= new SqlSyncError(
          'SOURCE_QUERY',
          `${tableId}: SQL Server sent no data for ${seconds} s while rows were streaming (database.command_timeout: ${seconds}); the read was cancelled`,
          { retryable: true, context: { table: tableId, configPath: 'database.command_timeout' } },
        );
        // A silent server would not answer a cancel (attention) either: the connection is closed,
        // which ends the request at once, and the pool never hands it out again.
        connection.close();
        notify();
      },
    });
  };
  request.on('columnMetadata', armWatchdog);

  const flush = (): void => {
    if (pending === 0) {
      return;
    }
    const children = builders.map((b) => b.finish());
    const data = makeData({ type: new Struct(fields), length: pending, nullCount: 0, children });
    queue.push(new RecordBatch(schema, data));
    stats.batches++;
    stats.maxBufferedBatches = Math.max(stats.maxBufferedBatches, queue.length);
    pending = 0;
    bytesCheckAt = 1;
    if (queue.length >= maxBuffered && !paused && !finished) {
      paused = true;
      stats.pauses++;
      request.pause();
    }
    notify();
  };
  const fail = (error: unknown): void => {
    if (failure === undefined) {
      failure = classifyDriverError(error, { table: tableId });
    }
    cancel();
    notify();
  };
  // Row decoding fails the read, never the driver's parser (a throw there would escape tedious).
  request.on('row', (columns: ColumnValue[]) => {
    if (failure !== undefined) {
      return;
    }
    try {
      for (let k = 0; k < values.length; k++) {
        values[k] = (columns[k] as ColumnValue).value;
      }
      for (let i = 0; i < width; i++) {
        (builders[i] as ColumnBuilder).append(values, wireAt[i] as number);
      }
    } catch (error) {
      fail(error);
      return;
    }
    pending++;
    stats.rows++;
    if (pending >= batchRows) {
      flush();
    } else if (pending >= bytesCheckAt) {
      const bytes = builders.reduce((n, b) => n + b.byteLength, 0);
      if (bytes >= batchBytes) {
        flush();
      } else {
        // Next check halfway to where the rows so far say the bound will be reached.
        const rowsLeft = ((batchBytes - bytes) * pending) / Math.max(bytes, 1);
        bytesCheckAt = pending + Math.max(1, Math.min(BYTES_CHECK_EVERY, Math.floor(rowsLeft / 2)));
      }
    }
  });
  const onAbort = (): void => fail(new SqlSyncError('SOURCE_QUERY', `${tableId}: read aborted`));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  try {
    try {
      connection.execSql(request);
    } catch (error) {
      // Never sent: there is no request to wait for.
      finished = true;
      completed();
      throw classifyDriverError(error, { table: tableId });
    }
    while (true) {
      const batch = queue.shift();
      if (batch !== undefined) {
        if (paused && queue.length < maxBuffered && failure === undefined) {
          paused = false;
          request.resume();
        }
        yield batch;
        continue;
      }
      if (failure !== undefined) {
        throw failure;
      }
      if (finished) {
        return;
      }
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    watchdog?.stop();
    options.signal?.removeEventListener('abort', onAbort);
    stats.droppedSubMicrosecondValues = decodeStats.droppedSubMicrosecondValues;
    cancel();
    // The connection goes back to the pool only once its request has ended.
    await done;
    watchdog?.stop();
    connection.removeListener('end', onEnd);
    pool.release(connection);
  }
}

/** The most rows between two sums of a batch's bytes. */
const BYTES_CHECK_EVERY = 1024;

/** A connection of the pool for this read only. */
async function acquireConnection(pool: ConnectionPool, table: string): Promise<Connection> {
  try {
    return await pool.acquire();
  } catch (error) {
    throw classifyDriverError(error, { table });
  }
}
