import { SqlSyncError } from '@sync/core';
import { Field, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import type sql from 'mssql';
import type { TableReadPlan } from './catalog.js';
import { type ColumnBuilder, createColumnBuilder, type DecodeStats } from './column-builders.js';
import { classifyDriverError } from './connection.js';
import { bindParameters, type RowPredicate } from './predicate.js';
import { qualifiedName } from './tsql.js';

/** Options for {@link readBatches}. */
export interface ReadOptions {
  /** Rows of the table to read (a WHERE clause with bound parameters). Defaults to all rows. */
  readonly predicate?: RowPredicate;
  /** Rows per record batch. Defaults to 50,000 (the original tool's `batch_size`). */
  readonly batchRows?: number;
  /** Upper bound on a batch's buffer bytes. Defaults to 64 MiB. */
  readonly batchBytes?: number;
  /** Finished batches held before the TDS stream is paused. Defaults to 2. */
  readonly maxBufferedBatches?: number;
  readonly signal?: AbortSignal;
}

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
  pool: sql.ConnectionPool,
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
  pool: sql.ConnectionPool,
  plan: TableReadPlan,
  statement: string,
  options: ReadOptions,
  stats: ReadStats,
): AsyncGenerator<RecordBatch> {
  const tableId = `${plan.schema.schemaName}.${plan.schema.tableName}`;
  const batchRows = options.batchRows ?? 50_000;
  const batchBytes = options.batchBytes ?? 64 * 1024 * 1024;
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
  builders.reduce((at, b) => {
    wireAt.push(at);
    return at + b.wireWidth;
  }, 0);

  const queue: RecordBatch[] = [];
  let pending = 0;
  let finished = false;
  let failure: SqlSyncError | undefined;
  let paused = false;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const request = pool.request();
  request.stream = true;
  request.arrayRowMode = true;
  bindParameters(request, options.predicate);

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
    if (queue.length >= maxBuffered && !paused) {
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
    request.cancel();
    notify();
  };

  request.on('row', (row: unknown[]) => {
    if (failure !== undefined) {
      return;
    }
    try {
      for (let i = 0; i < width; i++) {
        (builders[i] as ColumnBuilder).append(row, wireAt[i] as number);
      }
    } catch (error) {
      fail(error);
      return;
    }
    pending++;
    stats.rows++;
    if (
      pending >= batchRows ||
      ((pending & 1023) === 0 && builders.reduce((n, b) => n + b.byteLength, 0) >= batchBytes)
    ) {
      flush();
    }
  });
  request.on('error', (error: unknown) => fail(error));
  request.on('done', () => {
    if (failure === undefined) {
      flush();
    }
    finished = true;
    notify();
  });
  const onAbort = (): void => fail(new SqlSyncError('SOURCE_QUERY', `${tableId}: read aborted`));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  request.query(statement).catch(() => {
    // Errors arrive through the 'error' event as well; this only prevents an unhandled rejection.
  });

  try {
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
    options.signal?.removeEventListener('abort', onAbort);
    stats.droppedSubMicrosecondValues = decodeStats.droppedSubMicrosecondValues;
    if (!finished) {
      request.cancel();
    }
  }
}
