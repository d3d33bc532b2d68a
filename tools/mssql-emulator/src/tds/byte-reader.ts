import { SqlServerError } from '../sql-server-error.js';

/** Reads little-endian TDS fields from a message payload, failing with a protocol error at the end. */
export class ByteReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    pos = 0,
  ) {
    this.pos = pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new SqlServerError(4002, 'The incoming tabular data stream (TDS) protocol stream is incorrect.', {
        severity: 16,
      });
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.pos++] as number;
  }

  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  i16(): number {
    this.need(2);
    const v = this.buf.readInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  i32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  /** Unsigned little-endian integer of `n` bytes (n ≤ 16) as a bigint. */
  uintN(n: number): bigint {
    const b = this.bytes(n);
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) {
      v = (v << 8n) | BigInt(b[i] as number);
    }
    return v;
  }

  ucs2(chars: number): string {
    return this.bytes(chars * 2).toString('utf16le');
  }

  bVarchar(): string {
    return this.ucs2(this.u8());
  }

  usVarchar(): string {
    return this.ucs2(this.u16());
  }

  /** A PLP value (MS-TDS 2.2.5.2.3); null for PLP_NULL. */
  plp(): Buffer | null {
    const total = this.u64();
    if (total === 0xffffffffffffffffn) {
      return null;
    }
    const parts: Buffer[] = [];
    for (;;) {
      const len = this.u32();
      if (len === 0) {
        break;
      }
      parts.push(this.bytes(len));
    }
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }
}
