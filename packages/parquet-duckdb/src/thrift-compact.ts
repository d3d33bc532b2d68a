import { SqlSyncError } from '@sync/core';

/**
 * A Thrift compact-protocol value, kept as it was read so that it is written back byte for byte:
 * integers of every width as `bigint` (an i64 offset stays exact), `double` as its 8 raw bytes,
 * `binary` as bytes, lists and sets with their element type, structs as their fields in order.
 * Parquet's footer (`FileMetaData`) is such a struct; {@link decodeThriftStruct} and
 * {@link encodeThriftStruct} round-trip it without a schema, so fields this code never heard of
 * survive a rewrite.
 *
 * @example
 * const field: ThriftField = { id: 3, type: THRIFT_I64, value: 2_000_000n }; // FileMetaData.num_rows
 */
export type ThriftValue =
  | boolean
  | bigint
  | Uint8Array
  | ThriftList
  | ThriftField[]
  | { readonly kind: 'map'; readonly bytes: Uint8Array };

/**
 * A list or set: its elements' compact type and the elements.
 *
 * @example
 * const list: ThriftList = { kind: 'list', elementType: THRIFT_STRUCT, items: [] };
 */
export interface ThriftList {
  readonly kind: 'list' | 'set';
  readonly elementType: number;
  readonly items: ThriftValue[];
}

/**
 * One field of a struct: its id, its compact type and its value.
 *
 * @example
 * const numRows: ThriftField = { id: 3, type: THRIFT_I64, value: 125_000n };
 */
export interface ThriftField {
  readonly id: number;
  readonly type: number;
  value: ThriftValue;
}

/** Compact type of `true` (a field's type nibble; a boolean field's value is its type). */
export const THRIFT_TRUE = 1;
/** Compact type of `false`. */
export const THRIFT_FALSE = 2;
/** Compact type of an i8. */
export const THRIFT_I8 = 3;
/** Compact type of an i16. */
export const THRIFT_I16 = 4;
/** Compact type of an i32. */
export const THRIFT_I32 = 5;
/** Compact type of an i64. */
export const THRIFT_I64 = 6;
/** Compact type of a double. */
export const THRIFT_DOUBLE = 7;
/** Compact type of binary (and string). */
export const THRIFT_BINARY = 8;
/** Compact type of a list. */
export const THRIFT_LIST = 9;
/** Compact type of a set. */
export const THRIFT_SET = 10;
/** Compact type of a map. */
export const THRIFT_MAP = 11;
/** Compact type of a struct. */
export const THRIFT_STRUCT = 12;

/**
 * Decodes one compact-protocol struct starting at `offset`. Returns its fields and the offset after
 * its STOP byte. Throws `VALIDATION_FAILED` on bytes that are not a struct.
 *
 * @example
 * const { fields } = decodeThriftStruct(footerBytes); // Parquet FileMetaData
 * fields.find((f) => f.id === 3)?.value // num_rows
 */
export function decodeThriftStruct(
  bytes: Uint8Array,
  offset = 0,
): { readonly fields: ThriftField[]; readonly end: number } {
  const reader = new Reader(bytes, offset);
  const fields = reader.struct();
  return { fields, end: reader.at };
}

/**
 * Encodes a struct's fields (and its STOP byte) in the compact protocol. Field ids must ascend or
 * at least differ from the previous by 1..15 for the short header; any order is written correctly.
 *
 * @example
 * const bytes = encodeThriftStruct(decodeThriftStruct(footerBytes).fields); // same bytes back
 */
export function encodeThriftStruct(fields: readonly ThriftField[]): Uint8Array {
  const writer = new Writer();
  writer.struct(fields);
  return writer.bytes();
}

function invalid(message: string): SqlSyncError {
  return new SqlSyncError('VALIDATION_FAILED', `Thrift compact data: ${message}`);
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public at: number,
  ) {}

  byte(): number {
    if (this.at >= this.bytes.length) {
      throw invalid(`unexpected end at byte ${this.at}`);
    }
    return this.bytes[this.at++] as number;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const b = this.byte();
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        return result;
      }
      shift += 7n;
      if (shift > 70n) {
        throw invalid(`varint too long at byte ${this.at}`);
      }
    }
  }

  zigzag(): bigint {
    const z = this.varint();
    return (z >> 1n) ^ -(z & 1n);
  }

  take(length: number): Uint8Array {
    if (length < 0 || this.at + length > this.bytes.length) {
      throw invalid(`a value of ${length} bytes runs past the end at byte ${this.at}`);
    }
    const out = this.bytes.subarray(this.at, this.at + length);
    this.at += length;
    return out;
  }

  value(type: number): ThriftValue {
    switch (type) {
      case THRIFT_TRUE:
        return true;
      case THRIFT_FALSE:
        return false;
      case THRIFT_I8:
        return BigInt((this.byte() << 24) >> 24);
      case THRIFT_I16:
      case THRIFT_I32:
      case THRIFT_I64:
        return this.zigzag();
      case THRIFT_DOUBLE:
        return this.take(8);
      case THRIFT_BINARY:
        return this.take(Number(this.varint()));
      case THRIFT_LIST:
      case THRIFT_SET: {
        const header = this.byte();
        const size = header >> 4 === 15 ? Number(this.varint()) : header >> 4;
        const elementType = header & 0x0f;
        const items: ThriftValue[] = [];
        for (let i = 0; i < size; i++) {
          // Booleans in a collection are a byte each: 1 true, 2 false.
          items.push(
            elementType === THRIFT_TRUE || elementType === THRIFT_FALSE
              ? this.byte() === THRIFT_TRUE
              : this.value(elementType),
          );
        }
        return { kind: type === THRIFT_LIST ? 'list' : 'set', elementType, items };
      }
      case THRIFT_MAP: {
        // Parquet's footer has no maps; one is kept as its raw bytes.
        const start = this.at;
        const size = Number(this.varint());
        if (size > 0) {
          const types = this.byte();
          for (let i = 0; i < size; i++) {
            this.value(types >> 4);
            this.value(types & 0x0f);
          }
        }
        return { kind: 'map', bytes: this.bytes.subarray(start, this.at) };
      }
      case THRIFT_STRUCT:
        return this.struct();
      default:
        throw invalid(`unknown type ${type} at byte ${this.at}`);
    }
  }

  struct(): ThriftField[] {
    const fields: ThriftField[] = [];
    let last = 0;
    for (;;) {
      const header = this.byte();
      if (header === 0) {
        return fields;
      }
      const delta = header >> 4;
      const type = header & 0x0f;
      const id = delta === 0 ? Number(this.zigzag()) : last + delta;
      last = id;
      fields.push({ id, type, value: this.value(type) });
    }
  }
}

class Writer {
  #chunks: number[] = [];

  bytes(): Uint8Array {
    return Uint8Array.from(this.#chunks);
  }

  byte(b: number): void {
    this.#chunks.push(b & 0xff);
  }

  varint(value: bigint): void {
    let v = value;
    while (v >= 0x80n) {
      this.byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.byte(Number(v));
  }

  zigzag(value: bigint): void {
    this.varint(value >= 0n ? value << 1n : (-value << 1n) - 1n);
  }

  raw(bytes: Uint8Array): void {
    for (const b of bytes) {
      this.#chunks.push(b);
    }
  }

  value(type: number, value: ThriftValue): void {
    switch (type) {
      case THRIFT_TRUE:
      case THRIFT_FALSE:
        return; // a boolean field's value is its header's type
      case THRIFT_I8:
        this.byte(Number(value as bigint));
        return;
      case THRIFT_I16:
      case THRIFT_I32:
      case THRIFT_I64:
        this.zigzag(value as bigint);
        return;
      case THRIFT_DOUBLE:
        this.raw(value as Uint8Array);
        return;
      case THRIFT_BINARY: {
        const bytes = value as Uint8Array;
        this.varint(BigInt(bytes.length));
        this.raw(bytes);
        return;
      }
      case THRIFT_LIST:
      case THRIFT_SET: {
        const list = value as ThriftList;
        const size = list.items.length;
        if (size < 15) {
          this.byte((size << 4) | list.elementType);
        } else {
          this.byte(0xf0 | list.elementType);
          this.varint(BigInt(size));
        }
        for (const item of list.items) {
          if (list.elementType === THRIFT_TRUE || list.elementType === THRIFT_FALSE) {
            this.byte(item === true ? THRIFT_TRUE : THRIFT_FALSE);
          } else {
            this.value(list.elementType, item);
          }
        }
        return;
      }
      case THRIFT_MAP:
        this.raw((value as { bytes: Uint8Array }).bytes);
        return;
      case THRIFT_STRUCT:
        this.struct(value as ThriftField[]);
        return;
      default:
        throw invalid(`cannot write type ${type}`);
    }
  }

  struct(fields: readonly ThriftField[]): void {
    let last = 0;
    for (const field of fields) {
      const type =
        field.type === THRIFT_TRUE || field.type === THRIFT_FALSE
          ? field.value === true
            ? THRIFT_TRUE
            : THRIFT_FALSE
          : field.type;
      const delta = field.id - last;
      if (delta > 0 && delta <= 15) {
        this.byte((delta << 4) | type);
      } else {
        this.byte(type);
        this.zigzag(BigInt(field.id));
      }
      last = field.id;
      this.value(type, field.value);
    }
    this.byte(0);
  }
}
