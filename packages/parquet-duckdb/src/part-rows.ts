import type { Data } from 'apache-arrow';
import { VECTOR_SIZE } from './column-filler.js';

// The rows of a part wait in JS, as slices of the appended Arrow batches, until the part's `COPY`
// reads them through the writer's table function, one DuckDB vector at a time.

/** Rows `[start, start + count)` of a batch's columns. */
export interface PartSlice {
  readonly columns: readonly Data[];
  readonly start: number;
  readonly count: number;
  /** The batch's slices not yet written, when its buffers are released after the last one. */
  readonly owner?: BatchOwner;
}

/** A batch whose buffers the writer may release once every slice of it is written. */
export interface BatchOwner {
  /** Slices of the batch written so far. */
  written: number;
  /** How many slices the batch was cut into; undefined while `append()` is still cutting it. */
  slices: number | undefined;
  readonly columns: readonly Data[];
}

/** Counts a written slice of the batch and releases its buffers after the last one. */
function sliceWritten(owner: BatchOwner): void {
  owner.written++;
  if (owner.written === owner.slices) {
    releaseBuffers(owner.columns);
  }
}

/**
 * Frees a written batch's buffers now rather than at the isolate's next full garbage collection:
 * each ArrayBuffer is transferred to a clone nobody keeps, which the next scavenge frees. The
 * batch's typed arrays are empty afterwards.
 */
export function releaseBuffers(columns: readonly Data[]): void {
  for (const data of columns) {
    for (const view of [data.values, data.valueOffsets, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
      const buffer = view?.buffer;
      if (buffer instanceof ArrayBuffer && buffer.byteLength > 0) {
        try {
          structuredClone(buffer, { transfer: [buffer] });
        } catch {
          // Already released through another view of the same buffer.
        }
      }
    }
    releaseBuffers(data.children);
  }
}

/** The rows of one part file, waiting in JS. */
export interface PartRows {
  readonly slices: PartSlice[];
  rows: number;
  /** Arrow buffer bytes of the rows (an estimate, proportional to the batches' sizes). */
  bytes: number;
}

export function emptyPart(): PartRows {
  return { slices: [], rows: 0, bytes: 0 };
}

/** Hands out a part's rows a vector at a time, dropping each slice once it is used up. */
export class PartReader {
  readonly #slices: (PartSlice | undefined)[];
  #index = 0;
  #offset = 0;

  constructor(slices: PartSlice[]) {
    this.#slices = slices;
  }

  /** The next at most `VECTOR_SIZE` rows, within one slice; undefined at the end. */
  next(): PartSlice | undefined {
    while (this.#index < this.#slices.length) {
      const slice = this.#slices[this.#index];
      if (slice !== undefined && this.#offset < slice.count) {
        const count = Math.min(VECTOR_SIZE, slice.count - this.#offset);
        const rows = { columns: slice.columns, start: slice.start + this.#offset, count };
        this.#offset += count;
        return rows;
      }
      this.#slices[this.#index] = undefined;
      if (slice?.owner !== undefined) {
        sliceWritten(slice.owner);
      }
      this.#index++;
      this.#offset = 0;
    }
    return undefined;
  }

  remainingRows(): number {
    let rows = 0;
    for (let i = this.#index; i < this.#slices.length; i++) {
      rows += this.#slices[i]?.count ?? 0;
    }
    return rows - this.#offset;
  }
}

/** Bytes of a batch's Arrow buffers (values, offsets, validity), children included. */
export function arrowBytes(columns: readonly Data[]): number {
  let bytes = 0;
  for (const data of columns) {
    bytes +=
      (data.values?.byteLength ?? 0) +
      (data.valueOffsets?.byteLength ?? 0) +
      (data.nullBitmap?.byteLength ?? 0);
    bytes += arrowBytes(data.children);
  }
  return bytes;
}
