import { type FileHandle, open } from 'node:fs/promises';
import { SqlSyncError } from '@sync/core';
import { decodeThriftStruct, type ThriftField, type ThriftList } from './thrift-compact.js';

/** What a state rebuild needs of one Parquet file: its row count and its key-value metadata. */
export interface ParquetFooterFacts {
  readonly rows: number;
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Reads a Parquet file's row count and key-value metadata straight from its footer (Thrift compact
 * `FileMetaData`: fields 3 `num_rows` and 5 `key_value_metadata`). A state check reads this for
 * every partition or bucket file of a table at each run start, and a DuckDB instance per file costs
 * tens of milliseconds where this costs two small reads. Throws `VALIDATION_FAILED` naming the
 * file for anything that is not a plain Parquet file.
 *
 * @example
 * const { rows, metadata } = await readParquetFooter('/lake/sales/Orders/OrderDate_month=2024-03/part-r1-0.parquet');
 * metadata['sqlsync.source_fingerprint'] // '{"rowCount":"8333",…}'
 */
export async function readParquetFooter(path: string): Promise<ParquetFooterFacts> {
  const handle = await open(path, 'r');
  try {
    const fields = await footerFields(handle, path);
    const rows = fields.find((f) => f.id === 3)?.value;
    if (typeof rows !== 'bigint') {
      throw footerError(path, 'no num_rows in its FileMetaData');
    }
    const metadata: Record<string, string> = {};
    const list = fields.find((f) => f.id === 5)?.value as ThriftList | undefined;
    for (const item of list?.kind === 'list' ? list.items : []) {
      const pair = Array.isArray(item) ? (item as ThriftField[]) : [];
      const key = pair.find((f) => f.id === 1)?.value;
      const value = pair.find((f) => f.id === 2)?.value;
      if (key instanceof Uint8Array) {
        metadata[utf8(key)] = value instanceof Uint8Array ? utf8(value) : '';
      }
    }
    return { rows: Number(rows), metadata };
  } finally {
    await handle.close();
  }
}

/**
 * The `FileMetaData` fields of an open Parquet file, decoded as they are (see thrift-compact.ts).
 * Throws `VALIDATION_FAILED` naming the file when it is too short, lacks the PAR1 magic (not
 * Parquet, or an encrypted footer) or its footer length does not fit.
 *
 * @example
 * const fields = await footerFields(handle, '/lake/dim/customers/bucket=03/part-r1-0.parquet');
 * fields.find((f) => f.id === 4)?.value // the row groups
 */
export async function footerFields(handle: FileHandle, path: string): Promise<ThriftField[]> {
  const { size } = await handle.stat();
  const tail = Buffer.alloc(8);
  if (size < 12 || (await handle.read(tail, 0, 8, size - 8)).bytesRead !== 8) {
    throw footerError(path, 'too short for a Parquet file');
  }
  if (tail.toString('latin1', 4) !== 'PAR1') {
    throw footerError(path, 'no PAR1 magic at its end (not Parquet, or an encrypted footer)');
  }
  const length = tail.readUInt32LE(0);
  if (length > size - 12) {
    throw footerError(path, `footer length ${length} exceeds the file`);
  }
  const footer = Buffer.alloc(length);
  await handle.read(footer, 0, length, size - 8 - length);
  try {
    return decodeThriftStruct(footer).fields;
  } catch (error) {
    throw footerError(path, (error as Error).message);
  }
}

function footerError(path: string, why: string): SqlSyncError {
  return new SqlSyncError('VALIDATION_FAILED', `cannot read the Parquet footer of ${path}: ${why}`);
}

function utf8(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}
