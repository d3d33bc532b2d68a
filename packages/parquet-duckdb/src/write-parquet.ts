import type { SourceSchema } from '@sync/core';
import type { RecordBatch } from 'apache-arrow';
import { type ParquetWriteOptions, type ParquetWriteResult, ParquetWriter } from './parquet-writer.js';

/**
 * Writes a stream of record batches to one Parquet file with the schema's lake types, consuming
 * the stream one batch at a time (the producer's backpressure is honoured), and returns what was
 * written. The file appears atomically, by rename, once complete; on error or abort nothing is
 * left behind.
 *
 * @example
 * const { rows, bytes } = await writeParquet(extractor.batches(), schema, '/lake/_sqlsync/staging/r1/sales/orders/part-r1-0.parquet', {
 *   metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.unit': 'sales.orders#2024-01' },
 *   signal,
 * });
 */
export async function writeParquet(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  schema: SourceSchema,
  file: string,
  options: ParquetWriteOptions = {},
): Promise<ParquetWriteResult> {
  const writer = await ParquetWriter.create(schema, file, options);
  try {
    for await (const batch of batches) {
      await writer.append(batch);
    }
    return await writer.finish();
  } finally {
    await writer.close();
  }
}
