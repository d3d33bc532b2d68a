import { type FileHandle, open } from 'node:fs/promises';
import { SqlSyncError } from '@sync/core';
import { fsyncFile } from './durable-fs.js';
import { footerFields } from './parquet-footer.js';
import {
  encodeThriftStruct,
  THRIFT_I16,
  THRIFT_I64,
  THRIFT_LIST,
  THRIFT_STRUCT,
  type ThriftField,
  type ThriftList,
  type ThriftValue,
} from './thrift-compact.js';

/**
 * What {@link spliceParquet} builds: `base`'s row groups with some columns' chunks taken from
 * `replacements`, then `appended`'s row groups.
 *
 * @example
 * const request: ParquetSpliceRequest = {
 *   base: '/lake/dim/customers/bucket=03/part-r1-0.parquet',
 *   replacedColumns: [9, 10, 11], // end date, is-latest, is-deleted
 *   replacements: ['/scratch/scd-0.parquet', '/scratch/scd-1.parquet'], // one per base row group
 *   appended: '/scratch/added.parquet',
 *   target: '/staging/bucket=03/part-r2-0.parquet',
 * };
 */
export interface ParquetSpliceRequest {
  /** A flat Parquet file (no nested columns) whose row groups are kept, in order. */
  readonly base: string;
  /** Indexes (in `base`'s columns, ascending) of the columns whose chunks come from `replacements`. */
  readonly replacedColumns: readonly number[];
  /**
   * One file per row group of `base`, in order: exactly one row group with that row group's row
   * count, and exactly the `replacedColumns`, in order, with the same names and Parquet types.
   */
  readonly replacements: readonly string[];
  /**
   * A file of `base`'s exact schema whose row groups (if any) are added after `base`'s; the result
   * gets its key-value metadata.
   */
  readonly appended: string;
  /** The file written (created or overwritten, fsynced). */
  readonly target: string;
}

/**
 * What the spliced file holds.
 *
 * @example
 * const { rows, rowGroups, bytes } = await spliceParquet(request);
 */
export interface ParquetSpliceResult {
  readonly rows: bigint;
  readonly rowGroups: number;
  readonly bytes: number;
}

/**
 * Writes a Parquet file made of other files' column chunks, copied byte for byte — no page is
 * decoded or re-encoded. An SCD2 run that only closes versions (end date, is-latest, is-deleted
 * change) and adds new ones rewrites 3 small columns of a bucket instead of the whole bucket: the
 * source columns, where nearly all the bytes are, are copied. Bloom filters move with their
 * chunks; page indexes (offsets into the old file) are left out. Anything this cannot splice
 * exactly — a nested schema, a schema mismatch, a replacement of another row count or shape, an
 * encrypted footer — is `VALIDATION_FAILED`, so the caller can write the file the ordinary way.
 *
 * @example
 * await spliceParquet({ base, replacedColumns: [9, 10, 11], replacements, appended, target });
 * // SELECT * FROM read_parquet(target): base's rows with the new end dates and flags, then appended's rows
 */
export async function spliceParquet(request: ParquetSpliceRequest): Promise<ParquetSpliceResult> {
  const base = await openParquet(request.base);
  const opened: ParquetFile[] = [base];
  let out: FileHandle | undefined;
  try {
    const appended = await openParquet(request.appended);
    opened.push(appended);
    const replacements: ParquetFile[] = [];
    for (const file of request.replacements) {
      const replacement = await openParquet(file);
      opened.push(replacement);
      replacements.push(replacement);
    }
    const schema = leafColumns(base);
    if (!sameBytes(schemaBytes(appended), schemaBytes(base))) {
      throw refuse(`${request.appended} has another schema than ${request.base}`);
    }
    const baseGroups = rowGroups(base);
    if (replacements.length !== baseGroups.length) {
      throw refuse(`${baseGroups.length} row groups in ${request.base}, ${replacements.length} replacements`);
    }
    const replaced = new Map(request.replacedColumns.map((column, i) => [column, i]));
    replacements.forEach((replacement, i) => {
      const groups = rowGroups(replacement);
      const leaves = leafColumns(replacement);
      const group = groups[0];
      if (
        groups.length !== 1 ||
        group === undefined ||
        int(group, 3) !== int(baseGroups[i] as ThriftField[], 3) ||
        leaves.length !== request.replacedColumns.length ||
        request.replacedColumns.some(
          (column, k) =>
            !sameBytes(encodeThriftStruct(leaves[k] ?? []), encodeThriftStruct(schema[column] ?? [])),
        )
      ) {
        throw refuse(`${request.replacements[i]} is not a replacement of row group ${i} of ${request.base}`);
      }
    });

    // The layout is planned first (positions follow from the chunks' lengths), then the bytes are
    // copied in as few reads as possible: a row group's chunks from one file lie side by side.
    let position = 0;
    const segments: Segment[] = [];
    const write = (bytes: Uint8Array): void => {
      segments.push({ bytes, start: 0, length: bytes.length, at: position });
      position += bytes.length;
    };
    const copy = (file: ParquetFile, start: bigint, length: bigint): void => {
      const last = segments[segments.length - 1];
      const from = Number(start);
      const size = Number(length);
      if (last?.file === file && last.start + last.length === from && last.at + last.length === position) {
        last.length += size;
      } else {
        segments.push({ file, start: from, length: size, at: position });
      }
      position += size;
    };
    write(MAGIC);
    const blooms: { file: ParquetFile; meta: ThriftField[] }[] = [];
    const groupsOut: ThriftField[][] = [];
    let rows = 0n;
    const copyGroup = (
      pick: (column: number) => { file: ParquetFile; chunk: ThriftField[] },
      group: ThriftField[],
    ) => {
      const chunks: ThriftField[][] = [];
      let compressed = 0n;
      let uncompressed = 0n;
      let first = -1;
      for (let column = 0; column < schema.length; column++) {
        const { file, chunk } = pick(column);
        const meta = struct(chunk, 3);
        const start = chunkStart(meta);
        const length = int(meta, 7);
        const delta = BigInt(position) - start;
        if (first < 0) {
          first = position;
        }
        copy(file, start, length);
        compressed += length;
        uncompressed += int(meta, 6);
        const newMeta = meta.map((field) =>
          field.id === 9 || field.id === 10 || field.id === 11
            ? { ...field, value: (field.value as bigint) + delta }
            : { ...field },
        );
        if (newMeta.some((f) => f.id === 14)) {
          blooms.push({ file, meta: newMeta });
        }
        // file_path (1) stays absent, file_offset (2) moves with the chunk; page indexes (4..7)
        // point into the old file and are left out.
        chunks.push(
          chunk
            .filter((f) => f.id < 4 || f.id > 7)
            .map((f) =>
              f.id === 3
                ? { ...f, value: newMeta }
                : f.id === 2 && (f.value as bigint) !== 0n
                  ? { ...f, value: (f.value as bigint) + delta }
                  : f,
            ),
        );
      }
      const numRows = int(group, 3);
      rows += numRows;
      groupsOut.push([
        { id: 1, type: THRIFT_LIST, value: { kind: 'list', elementType: THRIFT_STRUCT, items: chunks } },
        { id: 2, type: THRIFT_I64, value: uncompressed },
        { id: 3, type: THRIFT_I64, value: numRows },
        { id: 5, type: THRIFT_I64, value: BigInt(first) },
        { id: 6, type: THRIFT_I64, value: compressed },
        { id: 7, type: THRIFT_I16, value: BigInt(groupsOut.length) },
      ]);
    };
    for (const [i, group] of baseGroups.entries()) {
      const baseChunks = columnChunks(group);
      const replacement = replacements[i] as ParquetFile;
      const replacementChunks = columnChunks(rowGroups(replacement)[0] as ThriftField[]);
      copyGroup((column) => {
        const k = replaced.get(column);
        return k === undefined
          ? { file: base, chunk: baseChunks[column] as ThriftField[] }
          : { file: replacement, chunk: replacementChunks[k] as ThriftField[] };
      }, group);
    }
    for (const group of rowGroups(appended)) {
      const chunks = columnChunks(group);
      copyGroup((column) => ({ file: appended, chunk: chunks[column] as ThriftField[] }), group);
    }
    // Bloom filters after the data, as writers put them.
    for (const { file, meta } of blooms) {
      const offset = meta.find((f) => f.id === 14) as ThriftField;
      const length = meta.find((f) => f.id === 15);
      if (length === undefined) {
        meta.splice(meta.indexOf(offset), 1);
        continue;
      }
      const from = offset.value as bigint;
      offset.value = BigInt(position);
      copy(file, from, length.value as bigint);
    }
    const footer = base.footer.map((field): ThriftField => {
      switch (field.id) {
        case 3:
          return { ...field, value: rows };
        case 4:
          return { ...field, value: { kind: 'list', elementType: THRIFT_STRUCT, items: groupsOut } };
        default:
          return field;
      }
    });
    const metadata = appended.footer.find((f) => f.id === 5);
    const withMetadata = footer.filter((f) => f.id !== 5);
    if (metadata !== undefined) {
      withMetadata.push(metadata);
      withMetadata.sort((a, b) => a.id - b.id);
    }
    const footerBytes = encodeThriftStruct(withMetadata);
    write(footerBytes);
    const tail = new Uint8Array(8);
    new DataView(tail.buffer).setUint32(0, footerBytes.length, true);
    tail.set(MAGIC, 4);
    write(tail);
    out = await open(request.target, 'w');
    await writeSegments(out, segments);
    await out.close();
    out = undefined;
    await fsyncFile(request.target);
    return { rows, rowGroups: groupsOut.length, bytes: position };
  } finally {
    await out?.close();
    for (const file of opened) {
      await file.handle.close();
    }
  }
}

/**
 * The row groups and row counts of a Parquet file, read from its footer only.
 *
 * @example
 * const { rowGroupRows } = await parquetLayout(file); // [61440n, 61440n, 1993n]
 */
export async function parquetLayout(path: string): Promise<{ readonly rowGroupRows: readonly bigint[] }> {
  const file = await openParquet(path);
  try {
    return { rowGroupRows: rowGroups(file).map((group) => int(group, 3)) };
  } finally {
    await file.handle.close();
  }
}

const MAGIC = Uint8Array.from([0x50, 0x41, 0x52, 0x31]); // PAR1

interface ParquetFile {
  readonly path: string;
  readonly handle: FileHandle;
  readonly footer: ThriftField[];
}

async function openParquet(path: string): Promise<ParquetFile> {
  const handle = await open(path, 'r');
  try {
    const fields = await footerFields(handle, path);
    if (fields.some((f) => f.id === 8 || f.id === 9)) {
      throw refuse(`${path} is encrypted`);
    }
    return { path, handle, footer: fields };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

function refuse(message: string): SqlSyncError {
  return new SqlSyncError('VALIDATION_FAILED', `cannot splice Parquet: ${message}`);
}

function field(fields: readonly ThriftField[], id: number): ThriftValue | undefined {
  return fields.find((f) => f.id === id)?.value;
}

function int(fields: readonly ThriftField[], id: number): bigint {
  const value = field(fields, id);
  if (typeof value !== 'bigint') {
    throw refuse(`integer field ${id} missing in the footer`);
  }
  return value;
}

function struct(fields: readonly ThriftField[], id: number): ThriftField[] {
  const value = field(fields, id);
  if (!Array.isArray(value)) {
    throw refuse(`struct field ${id} missing in the footer`);
  }
  return value;
}

function list(fields: readonly ThriftField[], id: number): ThriftValue[] {
  const value = field(fields, id) as ThriftList | undefined;
  return value?.items ?? [];
}

function rowGroups(file: ParquetFile): ThriftField[][] {
  return list(file.footer, 4) as ThriftField[][];
}

function columnChunks(group: readonly ThriftField[]): ThriftField[][] {
  return list(group, 1) as ThriftField[][];
}

function schemaBytes(file: ParquetFile): Uint8Array {
  return encodeThriftStruct(file.footer.filter((f) => f.id === 2));
}

/** The schema's leaf elements; a nested schema is refused (a column chunk per element, in order). */
function leafColumns(file: ParquetFile): ThriftField[][] {
  const [root, ...leaves] = list(file.footer, 2) as ThriftField[][];
  if (root === undefined || leaves.some((leaf) => leaf.some((f) => f.id === 5))) {
    throw refuse(`${file.path} has a nested schema`);
  }
  return leaves;
}

/** Where a column chunk's bytes begin: its first page (dictionary, index or data). */
function chunkStart(meta: readonly ThriftField[]): bigint {
  const offsets = [9, 10, 11]
    .map((id) => field(meta, id))
    .filter((v): v is bigint => typeof v === 'bigint' && v > 0n);
  if (offsets.length === 0) {
    throw refuse('a column chunk without a page offset');
  }
  let start = offsets[0] as bigint;
  for (const offset of offsets) {
    if (offset < start) {
      start = offset;
    }
  }
  return start;
}

/** A piece of the file written: bytes of its own, or `length` bytes of `file` from `start`. */
interface Segment {
  readonly file?: ParquetFile;
  readonly bytes?: Uint8Array;
  readonly start: number;
  length: number;
  /** Where it goes in the file written. */
  readonly at: number;
}

/** Writes the segments through one buffer of at most 8 MiB (no allocation per chunk). */
async function writeSegments(out: FileHandle, segments: readonly Segment[]): Promise<void> {
  const largest = Math.max(0, ...segments.filter((s) => s.file !== undefined).map((s) => s.length));
  const buffer = Buffer.allocUnsafe(Math.min(largest, 8 * 1024 * 1024));
  const writeAll = async (bytes: Uint8Array, at: number): Promise<void> => {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await out.write(bytes, done, bytes.length - done, at + done);
      done += bytesWritten;
    }
  };
  for (const segment of segments) {
    if (segment.file === undefined) {
      await writeAll(segment.bytes ?? new Uint8Array(0), segment.at);
      continue;
    }
    for (let done = 0; done < segment.length; ) {
      const want = Math.min(buffer.length, segment.length - done);
      const { bytesRead } = await segment.file.handle.read(buffer, 0, want, segment.start + done);
      if (bytesRead === 0) {
        throw refuse(`${segment.file.path} ends inside a column chunk`);
      }
      await writeAll(buffer.subarray(0, bytesRead), segment.at + done);
      done += bytesRead;
    }
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
