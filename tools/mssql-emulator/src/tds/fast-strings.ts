import { DuckDBTypeId, type DuckDBVector } from '@duckdb/node-api';
// The native bindings of @duckdb/node-api (installed with it, same pinned version 1.5.6-r.1).
import duckdbBindings from '@duckdb/node-bindings';

// A VARCHAR vector's data is an array of 16-byte duckdb_string_t: a uint32 length, then either
// the string inline (≤ 12 bytes) or a 4-byte prefix and an 8-byte pointer to the bytes. getItem()
// makes one native call per non-inlined string; here the pointed-to bytes are copied in a few
// calls per chunk, one per run of strings that lie close together in memory, and then read in JS.
// These are internal fields of @duckdb/node-api's DuckDBVarCharVector; when they are not there,
// the caller falls back to getItem().
interface RawStringVector {
  readonly dataView?: DataView;
  readonly validity?: { readonly data: BigUint64Array | null; readonly offset: number };
}

/** Strings further apart than this in memory are copied separately (bounds the bytes copied needlessly). */
const maxGap = 256;
/** The smallest page size: memory is mapped by whole pages, at least this large. */
const pageBits = 12;
const pointerScale = 4294967296;

/** The UTF-8 bytes of each row of one chunk's VARCHAR column. */
export interface ChunkStrings {
  /** The buffer holding row `r`'s bytes, or undefined when it is NULL. */
  readonly src: (Uint8Array | undefined)[];
  /** Where row `r`'s bytes start in `src[r]`. */
  readonly off: Int32Array;
  /** Row `r`'s byte length. */
  readonly len: Int32Array;
}

/**
 * Reads the bytes of rows `[0, count)` of a VARCHAR vector with a few native calls, or returns
 * undefined when the vector is not one this can read (the caller then uses getItem()).
 *
 * A run of strings is copied as one block only when the bytes between two consecutive strings are
 * at most {@link maxGap} and lie within the pages of those two strings, so the copy never reads
 * memory that is not mapped.
 */
export function chunkStrings(vector: DuckDBVector, count: number): ChunkStrings | undefined {
  if (vector.type.typeId !== DuckDBTypeId.VARCHAR) {
    return undefined;
  }
  const raw = vector as unknown as RawStringVector;
  const dv = raw.dataView;
  const validity = raw.validity;
  if (
    dv === undefined ||
    validity === undefined ||
    validity.offset !== 0 ||
    dv.byteOffset % 4 !== 0 ||
    dv.byteLength < count * 16
  ) {
    return undefined;
  }
  const vdata = validity.data;
  const valid = vdata === null ? undefined : new Uint8Array(vdata.buffer, vdata.byteOffset, vdata.byteLength);
  const header = new Uint8Array(dv.buffer, dv.byteOffset, count * 16);
  const words = new Uint32Array(dv.buffer, dv.byteOffset, count * 4);
  const src: (Uint8Array | undefined)[] = new Array(count);
  const off = new Int32Array(count);
  const len = new Int32Array(count);
  // Non-inlined strings: their rows and addresses.
  const rows = new Int32Array(count);
  const ptrs = new Float64Array(count);
  let m = 0;
  let sorted = true;
  let last = -1;
  for (let r = 0; r < count; r++) {
    if (valid !== undefined && ((valid[r >> 3] as number) & (1 << (r & 7))) === 0) {
      src[r] = undefined;
      continue;
    }
    const n = words[4 * r] as number;
    len[r] = n;
    if (n <= 12) {
      src[r] = header;
      off[r] = 16 * r + 4;
      continue;
    }
    const p = (words[4 * r + 3] as number) * pointerScale + (words[4 * r + 2] as number);
    if (p < last) {
      sorted = false;
    }
    last = p;
    rows[m] = r;
    ptrs[m] = p;
    m++;
  }
  if (m === 0) {
    return { src, off, len };
  }
  let order: Int32Array;
  if (sorted) {
    order = new Int32Array(m);
    for (let i = 0; i < m; i++) {
      order[i] = i;
    }
  } else {
    const idx = Array.from({ length: m }, (_, i) => i);
    idx.sort((a, b) => (ptrs[a] as number) - (ptrs[b] as number));
    order = Int32Array.from(idx);
  }
  let i = 0;
  while (i < m) {
    // A run [i, j): start at the lowest address, extend while the next string is close enough.
    const first = order[i] as number;
    const start = ptrs[first] as number;
    let end = start + (len[rows[first] as number] as number);
    let j = i + 1;
    while (j < m) {
      const k = order[j] as number;
      const p = ptrs[k] as number;
      if (p - end > maxGap || Math.floor(p / 2 ** pageBits) - Math.floor((end - 1) / 2 ** pageBits) > 1) {
        break;
      }
      end = Math.max(end, p + (len[rows[k] as number] as number));
      j++;
    }
    const block = duckdbBindings.get_data_from_pointer(
      dv.buffer as ArrayBuffer,
      dv.byteOffset + 16 * (rows[first] as number) + 8,
      end - start,
    );
    for (let q = i; q < j; q++) {
      const k = order[q] as number;
      const r = rows[k] as number;
      src[r] = block;
      off[r] = (ptrs[k] as number) - start;
    }
    i = j;
  }
  return { src, off, len };
}
