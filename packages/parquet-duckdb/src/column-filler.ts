import type { Vector } from '@duckdb/node-bindings';
import duckdb from '@duckdb/node-bindings';
import type { SourceColumn } from '@sync/core';
import { SqlSyncError } from '@sync/core';
import type { Data } from 'apache-arrow';
import { bitIsSet, copyBits, unpackBits } from './arrow-bits.js';
import { parseUuidText } from './uuid-text.js';

/**
 * Copies rows `[start, start + count)` of one Arrow column into rows `[0, count)` of one DuckDB
 * vector. `count` is at most the DuckDB vector size (2048).
 */
export type ColumnFiller = (vector: Vector, data: Data, start: number, count: number) => void;

/** DuckDB's STANDARD_VECTOR_SIZE: the most rows one data chunk holds. */
export const VECTOR_SIZE: number = duckdb.vector_size();

/**
 * Builds the filler for one column. Fixed-width lake types whose Arrow and DuckDB layouts agree
 * (integers, floats, DATE, TIME, the TIMESTAMPs, DECIMAL(19..38)) are copied with one memcpy per
 * vector; booleans are unpacked from bits to bytes; DECIMAL(1..18), which DuckDB keeps as 16, 32
 * or 64-bit integers, is narrowed from Arrow's 128-bit words after checking that nothing but sign
 * extension is dropped; UUID text is parsed into DuckDB's 128-bit form; strings and blobs are
 * handed over per value as bytes, never decoded to JS strings. Validity bitmaps are copied as
 * bytes (same bit order in both).
 *
 * @example
 * const fill = createColumnFiller(column, 'sales.Orders');
 * fill(duckdb.data_chunk_get_vector(chunk, 0), batch.data.children[0], 0, 2048);
 */
export function createColumnFiller(column: SourceColumn, table: string): ColumnFiller {
  const values = createValueFiller(column, table);
  const validity = createValidityFiller();
  return (vector, data, start, count) => {
    values(vector, data, start, count);
    validity(vector, data, start, count);
  };
}

function createValidityFiller(): ColumnFiller {
  const scratch = new Uint8Array(VECTOR_SIZE / 8);
  const allValid = new Uint8Array(VECTOR_SIZE / 8).fill(0xff);
  // DuckDB resets a chunk's validity on reset; writing all-valid after a chunk that had nulls
  // costs one 256-byte copy and does not depend on that.
  let wroteNulls = false;
  return (vector, data, start, count) => {
    const bitmap = data.nullBitmap;
    if (data.nullCount === 0 || bitmap === undefined || bitmap === null || bitmap.length === 0) {
      if (wroteNulls) {
        duckdb.vector_ensure_validity_writable(vector);
        duckdb.copy_data_to_vector_validity(vector, 0, allValid.buffer, 0, allValid.byteLength);
        wroteNulls = false;
      }
      return;
    }
    const byteCount = copyBits(bitmap, data.offset + start, count, scratch);
    duckdb.vector_ensure_validity_writable(vector);
    duckdb.copy_data_to_vector_validity(vector, 0, scratch.buffer, 0, byteCount);
    wroteNulls = true;
  };
}

function outOfRange(column: SourceColumn, table: string, row: number, what: string): SqlSyncError {
  return new SqlSyncError('VALUE_OUT_OF_RANGE', `row ${row} of the batch: ${what}`, {
    context: { table, column: column.name },
  });
}

function typedValues(data: Data): ArrayBufferView {
  const values: unknown = data.values;
  if (!ArrayBuffer.isView(values)) {
    throw new SqlSyncError('LAKE_WRITE', `Arrow column of type ${String(data.type)} has no value buffer`);
  }
  return values;
}

function memcpyFiller(width: number): ColumnFiller {
  return (vector, data, start, count) => {
    const values = typedValues(data);
    // Arrow JS slices fixed-width value buffers, so element 0 is the slice's first row.
    duckdb.copy_data_to_vector(
      vector,
      0,
      values.buffer as ArrayBuffer,
      values.byteOffset + start * width,
      count * width,
    );
  };
}

function createValueFiller(column: SourceColumn, table: string): ColumnFiller {
  const lakeType = column.lakeType;
  switch (lakeType.kind) {
    case 'int8':
    case 'uint8':
      return memcpyFiller(1);
    case 'int16':
      return memcpyFiller(2);
    case 'int32':
    case 'float32':
    case 'date':
      return memcpyFiller(4);
    case 'int64':
    case 'float64':
    case 'time':
    case 'timestamp_us':
    case 'timestamp_ns':
    case 'timestamptz_us':
      return memcpyFiller(8);
    case 'boolean':
      return booleanFiller();
    case 'decimal':
      return decimalFiller(lakeType.precision, column, table);
    case 'uuid':
      return uuidFiller(column, table);
    case 'string':
    case 'binary':
      return bytesFiller();
  }
}

function booleanFiller(): ColumnFiller {
  const scratch = new Uint8Array(VECTOR_SIZE);
  return (vector, data, start, count) => {
    const bits = typedValues(data);
    // Boolean value buffers are not sliced by Arrow JS: the slice's bit offset is data.offset.
    unpackBits(
      new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength),
      data.offset + start,
      count,
      scratch,
    );
    duckdb.copy_data_to_vector(vector, 0, scratch.buffer, 0, count);
  };
}

/** Arrow decimal128 as signed 32-bit words: four per value, least significant first. */
function decimalWords(data: Data): Int32Array {
  const values = typedValues(data);
  return new Int32Array(values.buffer, values.byteOffset, values.byteLength >> 2);
}

/**
 * DuckDB stores DECIMAL(1..4) as int16, (5..9) as int32, (10..18) as int64 and (19..38) as int128.
 * Narrowing keeps the low words; it is exact only when every dropped word is sign extension,
 * which is checked for each non-null value (null slots may hold anything).
 */
function decimalFiller(precision: number, column: SourceColumn, table: string): ColumnFiller {
  if (precision > 18) {
    return memcpyFiller(16);
  }
  const tooWide = (row: number): SqlSyncError =>
    outOfRange(column, table, row, `decimal value does not fit DECIMAL(${precision},s)`);
  if (precision > 9) {
    const scratch = new Int32Array(VECTOR_SIZE * 2);
    return (vector, data, start, count) => {
      const words = decimalWords(data);
      for (let i = 0; i < count; i++) {
        const base = (start + i) * 4;
        const low = words[base] ?? 0;
        const high = words[base + 1] ?? 0;
        const sign = high >> 31;
        if (words[base + 2] !== sign || words[base + 3] !== sign) {
          if (bitIsSet(data.nullBitmap, data.offset + start + i)) {
            throw tooWide(start + i);
          }
        }
        scratch[2 * i] = low;
        scratch[2 * i + 1] = high;
      }
      duckdb.copy_data_to_vector(vector, 0, scratch.buffer, 0, count * 8);
    };
  }
  const narrow = precision > 4 ? new Int32Array(VECTOR_SIZE) : new Int16Array(VECTOR_SIZE);
  const width = narrow.BYTES_PER_ELEMENT;
  return (vector, data, start, count) => {
    const words = decimalWords(data);
    for (let i = 0; i < count; i++) {
      const base = (start + i) * 4;
      const low = words[base] ?? 0;
      const sign = low >> 31;
      const fits =
        words[base + 1] === sign &&
        words[base + 2] === sign &&
        words[base + 3] === sign &&
        (width === 4 || (low << 16) >> 16 === low);
      if (!fits && bitIsSet(data.nullBitmap, data.offset + start + i)) {
        throw tooWide(start + i);
      }
      narrow[i] = low;
    }
    duckdb.copy_data_to_vector(vector, 0, narrow.buffer, 0, count * width);
  };
}

function uuidFiller(column: SourceColumn, table: string): ColumnFiller {
  const scratch = new Uint32Array(VECTOR_SIZE * 4);
  return (vector, data, start, count) => {
    const offsets = data.valueOffsets;
    const bytes = typedValues(data);
    const text = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count; i++) {
      if (!bitIsSet(data.nullBitmap, data.offset + start + i)) {
        continue;
      }
      const from = offsets[start + i] ?? 0;
      const to = offsets[start + i + 1] ?? 0;
      if (!parseUuidText(text, from, to, scratch, i * 4)) {
        const shown = new TextDecoder().decode(text.subarray(from, Math.min(to, from + 64)));
        throw outOfRange(column, table, start + i, `${JSON.stringify(shown)} is not a UUID`);
      }
    }
    duckdb.copy_data_to_vector(vector, 0, scratch.buffer, 0, count * 16);
  };
}

function bytesFiller(): ColumnFiller {
  return (vector, data, start, count) => {
    const offsets = data.valueOffsets;
    const bytes = typedValues(data);
    const all = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const bitmap = data.nullCount === 0 ? null : data.nullBitmap;
    for (let i = 0; i < count; i++) {
      if (bitIsSet(bitmap, data.offset + start + i)) {
        duckdb.vector_assign_string_element_len(
          vector,
          i,
          all.subarray(offsets[start + i] ?? 0, offsets[start + i + 1] ?? 0),
        );
      }
    }
  };
}
