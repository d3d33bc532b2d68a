import { connect, type Socket } from 'node:net';
import type { EmulatorEndpoint } from './measurement.js';

/** What a raw read of one result took off the wire. */
export interface RawReadResult {
  /** Rows, from the final DONE token's count (no ROW token is parsed). */
  readonly rows: number;
  /** Bytes received for the response, packet headers included. */
  readonly bytes: number;
}

const PACKET_SIZE = 32767;
const HEADER = 8;

function packet(type: number, payload: Buffer, last: boolean, id: number): Buffer {
  const header = Buffer.alloc(HEADER);
  header[0] = type;
  header[1] = last ? 0x01 : 0x00;
  header.writeUInt16BE(HEADER + payload.length, 2);
  header[6] = id & 0xff;
  return Buffer.concat([header, payload]);
}

function message(type: number, payload: Buffer, packetSize: number): Buffer {
  const room = packetSize - HEADER;
  const parts: Buffer[] = [];
  for (let at = 0, id = 1; at < payload.length || at === 0; at += room, id++) {
    const chunk = payload.subarray(at, at + room);
    parts.push(packet(type, chunk, at + room >= payload.length, id));
    if (at + room >= payload.length) {
      break;
    }
  }
  return Buffer.concat(parts);
}

/** PRELOGIN: version, encryption NOT_SUP (the emulator has no TLS), terminator. */
function preLogin(): Buffer {
  const version = Buffer.from([0, 0, 0, 0, 0, 0]);
  const encryption = Buffer.from([0x02]);
  const header = Buffer.alloc(11);
  header[0] = 0x00;
  header.writeUInt16BE(11, 1);
  header.writeUInt16BE(6, 3);
  header[5] = 0x01;
  header.writeUInt16BE(17, 6);
  header.writeUInt16BE(1, 8);
  header[10] = 0xff;
  return Buffer.concat([header, version, encryption]);
}

/** LOGIN7 for TDS 7.4 with SQL authentication (MS-TDS 2.2.6.4). */
function login7(e: EmulatorEndpoint): Buffer {
  const fixed = Buffer.alloc(94);
  fixed.writeUInt32LE(0x74000004, 4);
  fixed.writeUInt32LE(PACKET_SIZE, 8);
  fixed[25] = 0x03; // OptionFlags2: ODBC on, integrated security off
  const password = Buffer.from(e.password, 'utf16le');
  for (let i = 0; i < password.length; i++) {
    const b = password[i] as number;
    password[i] = (((b & 0x0f) << 4) | (b >> 4)) ^ 0xa5;
  }
  // HostName, UserName, Password, AppName, ServerName, Extension, CltIntName, Language, Database.
  const fields = [
    Buffer.from('bench', 'utf16le'),
    Buffer.from(e.user, 'utf16le'),
    password,
    Buffer.from('emulator-raw', 'utf16le'),
    Buffer.from(e.host, 'utf16le'),
    Buffer.alloc(0),
    Buffer.from('raw', 'utf16le'),
    Buffer.alloc(0),
    Buffer.from(e.database, 'utf16le'),
  ];
  let offset = fixed.length;
  fields.forEach((f, k) => {
    fixed.writeUInt16LE(offset, 36 + 4 * k);
    fixed.writeUInt16LE(f.length / 2, 38 + 4 * k);
    offset += f.length;
  });
  for (const at of [78, 82, 86]) {
    fixed.writeUInt16LE(offset, at); // SSPI, AtchDBFile, ChangePassword: empty
  }
  const body = Buffer.concat([fixed, ...fields]);
  body.writeUInt32LE(body.length, 0);
  return body;
}

/** SQL_BATCH: ALL_HEADERS with a transaction descriptor of 0, then the UTF-16LE text. */
function sqlBatch(text: string): Buffer {
  const headers = Buffer.alloc(22);
  headers.writeUInt32LE(22, 0);
  headers.writeUInt32LE(18, 4);
  headers.writeUInt16LE(2, 8);
  headers.writeUInt32LE(1, 18);
  return Buffer.concat([headers, Buffer.from(text, 'utf16le')]);
}

/**
 * Reads whole TDS messages off a socket, counting bytes; hands the caller the tail of each
 * message (its last 13 data bytes: the final DONE token) without parsing anything else.
 */
class MessageCounter {
  private pending: Buffer = Buffer.alloc(0);
  private waiting: ((tail: { bytes: number; tail: Buffer }) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  private bytes = 0;
  private tail: Buffer = Buffer.alloc(0);

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.failed?.(e));
    socket.on('close', () => this.failed?.(new Error('connection closed')));
  }

  next(): Promise<{ bytes: number; tail: Buffer }> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
    });
  }

  private onData(chunk: Buffer): void {
    this.bytes += chunk.length;
    let buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    // Walk packet headers only; payloads are skipped, except the last 13 bytes of a message.
    while (buf.length >= HEADER) {
      const length = buf.readUInt16BE(2);
      if (buf.length < length) {
        break;
      }
      const last = ((buf[1] as number) & 0x01) !== 0;
      if (last) {
        const data = buf.subarray(HEADER, length);
        this.tail = Buffer.concat([this.tail, data]).subarray(-13);
        const done = { bytes: this.bytes - (buf.length - length), tail: Buffer.from(this.tail) };
        this.bytes = buf.length - length;
        this.tail = Buffer.alloc(0);
        this.waiting?.(done);
      } else if (length - HEADER >= 13) {
        this.tail = buf.subarray(length - 13, length);
      } else {
        this.tail = Buffer.concat([this.tail, buf.subarray(HEADER, length)]).subarray(-13);
      }
      buf = buf.subarray(length);
    }
    this.pending = Buffer.from(buf);
  }
}

/**
 * The smallest TDS client that can read a result: PRELOGIN, LOGIN7, one SQL batch; it counts
 * the bytes of the response and takes the row count from the final DONE token, decoding no
 * value. What it measures is how fast the server produces and sends rows.
 *
 * @example
 * const { rows, bytes } = await rawRead(endpoint, 'SELECT * FROM dbo.Fact');
 */
export async function rawRead(endpoint: EmulatorEndpoint, statement: string): Promise<RawReadResult> {
  const socket = connect({ host: endpoint.host, port: endpoint.port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  const counter = new MessageCounter(socket);
  try {
    socket.write(message(0x12, preLogin(), 4096));
    await counter.next();
    socket.write(message(0x10, login7(endpoint), 4096));
    const login = await counter.next();
    if (login.tail[0] !== 0xfd || (login.tail.readUInt16LE(1) & 0x02) !== 0) {
      throw new Error('login failed');
    }
    socket.write(message(0x01, sqlBatch(statement), PACKET_SIZE));
    const result = await counter.next();
    const t = result.tail;
    if (t[0] !== 0xfd || (t.readUInt16LE(1) & 0x02) !== 0 || (t.readUInt16LE(1) & 0x10) === 0) {
      throw new Error(`the statement failed or sent no row count (final token 0x${t.toString('hex')})`);
    }
    return { rows: Number(t.readBigUInt64LE(5)), bytes: result.bytes };
  } finally {
    socket.destroy();
  }
}
