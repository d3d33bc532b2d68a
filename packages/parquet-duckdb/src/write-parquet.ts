import type { SourceSchema } from '@sync/core';
import { crashPoint } from '@sync/core';
import type { RecordBatch } from 'apache-arrow';
import type { ParquetTarget, ParquetWriteOptions, ParquetWriteResult } from './parquet-write-options.js';
import { ParquetWriter } from './parquet-writer.js';

/**
 * Writes a stream of record batches to Parquet part files with the schema's lake types — a new
 * part every `rowsPerFile` rows, written while the next part fills — consuming the stream one
 * batch at a time (the producer's backpressure is honoured), and returns what was written. Each
 * file appears atomically, by rename, once complete; on error or abort nothing is left behind,
 * not even the parts already complete.
 *
 * @example
 * const { rows, bytes, files } = await writeParquet(
 *   extractor.batches(),
 *   schema,
 *   { directory: '/lake/_sqlsync/staging/r1/sales/orders', fileName: (n) => `part-r1-${n}.parquet` },
 *   { metadata: { 'sqlsync.run_id': 'r1', 'sqlsync.unit': 'sales.orders#2024-01' }, signal },
 * );
 * // files: ['/lake/_sqlsync/staging/r1/sales/orders/part-r1-0.parquet', …]
 */
export async function writeParquet(
  batches: AsyncIterable<RecordBatch> | Iterable<RecordBatch>,
  schema: SourceSchema,
  target: ParquetTarget,
  options: ParquetWriteOptions = {},
): Promise<ParquetWriteResult> {
  const writer = await ParquetWriter.create(schema, target, options);
  try {
    for await (const batch of batches) {
      await writer.append(batch);
      crashPoint('extract.batch');
    }
    return await writer.finish();
  } finally {
    await writer.close();
  }
}
