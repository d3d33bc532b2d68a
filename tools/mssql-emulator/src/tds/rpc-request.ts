import type { BoundValue } from '../types/bound-value.js';
import { ByteReader } from './byte-reader.js';
import { readTypedValue } from './typed-value.js';

/** One RPC parameter. `name` has no `@`; it is `''` for positional parameters. */
export interface RpcParam {
  readonly name: string;
  readonly output: boolean;
  readonly value: BoundValue;
}

/** An RPC request: a procedure called by name or by its well-known id (10 = sp_executesql). */
export interface RpcRequest {
  readonly procName: string | undefined;
  readonly procId: number | undefined;
  readonly params: readonly RpcParam[];
}

/** Skips ALL_HEADERS (MS-TDS 2.2.5.3) at the start of a batch, RPC or transaction request. */
export function skipAllHeaders(r: ByteReader): void {
  if (r.remaining < 4) {
    return;
  }
  const total = r.buf.readUInt32LE(r.pos);
  // A header block is at least 4 + 4 + 2 bytes and fits the payload; plain batches have none.
  if (total >= 4 && total <= r.remaining) {
    r.pos += total;
  }
}

/** Parses an RPC request payload (MS-TDS 2.2.6.6). Only the first RPC of a batch is read. */
export function parseRpcRequest(payload: Buffer): RpcRequest {
  const r = new ByteReader(payload);
  skipAllHeaders(r);
  const nameLength = r.u16();
  let procName: string | undefined;
  let procId: number | undefined;
  if (nameLength === 0xffff) {
    procId = r.u16();
  } else {
    procName = r.ucs2(nameLength);
  }
  r.u16(); // option flags
  const params: RpcParam[] = [];
  while (r.remaining > 0) {
    const next = r.buf[r.pos];
    if (next === 0x80 || next === 0xff || next === 0xfe) {
      break;
    }
    const rawName = r.bVarchar();
    const status = r.u8();
    const value = readTypedValue(r);
    params.push({
      name: rawName.startsWith('@') ? rawName.slice(1) : rawName,
      output: (status & 1) === 1,
      value,
    });
  }
  return { procName, procId, params };
}
