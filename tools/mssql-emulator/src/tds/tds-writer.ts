import type { Socket } from 'node:net';
import { PacketStatus, PacketType } from './protocol.js';

const headerLength = 8;
/** Staged bytes above which {@link TdsWriter.maybeFlush} sends packets. */
const flushThreshold = 256 * 1024;

/** Raised when the client went away while a response was being written. */
export class ClientGoneError extends Error {
  constructor() {
    super('client connection closed');
    this.name = 'ClientGoneError';
  }
}

/**
 * Writes one TDS response message: tokens are encoded into a reusable staging buffer, cut into
 * packets of the negotiated size and written to the socket, waiting for 'drain' whenever the
 * socket asks to (so a slow client slows the producer instead of growing memory).
 *
 * The encode methods are deliberately small and public: the row encoder writes into `buf` at
 * `pos` directly after {@link ensure}.
 */
export class TdsWriter {
  buf: Buffer = Buffer.allocUnsafe(flushThreshold + 64 * 1024);
  pos = 0;
  private packetId = 1;
  private sentAny = false;
  private packetType: number = PacketType.TabularResult;
  packetSize: number;

  constructor(
    private socket: Socket,
    packetSize: number,
  ) {
    this.packetSize = packetSize;
  }

  /** Writes to `socket` from now on (the TLS stream once a connection is encrypted). */
  retarget(socket: Socket): void {
    this.socket = socket;
  }

  /** Starts a new message (resets packet numbering). */
  begin(type: number = PacketType.TabularResult): void {
    this.packetType = type;
    this.packetId = 1;
    this.sentAny = false;
    this.pos = 0;
  }

  /** Makes room for `n` more bytes at `pos`. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) {
      return;
    }
    let size = this.buf.length * 2;
    while (size < this.pos + n) {
      size *= 2;
    }
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    this.pos = this.buf.writeUInt16LE(v, this.pos);
  }

  u32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32LE(v >>> 0, this.pos);
  }

  i32(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeInt32LE(v, this.pos);
  }

  u32be(v: number): void {
    this.ensure(4);
    this.pos = this.buf.writeUInt32BE(v >>> 0, this.pos);
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.pos = this.buf.writeBigUInt64LE(v, this.pos);
  }

  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** UTF-16LE text without a length prefix. */
  ucs2(s: string): void {
    this.ensure(s.length * 2);
    this.pos += this.buf.write(s, this.pos, 'utf16le');
  }

  /** B_VARCHAR: a one-byte character count and UTF-16LE text. */
  bVarchar(s: string): void {
    const text = s.length > 255 ? s.slice(0, 255) : s;
    this.u8(text.length);
    this.ucs2(text);
  }

  /** US_VARCHAR: a two-byte character count and UTF-16LE text. */
  usVarchar(s: string): void {
    const text = s.length > 65535 ? s.slice(0, 65535) : s;
    this.u16(text.length);
    this.ucs2(text);
  }

  /** Sends whole packets once enough bytes are staged, honouring socket backpressure. */
  async maybeFlush(): Promise<void> {
    if (this.pos >= flushThreshold) {
      await this.flush(false);
    }
  }

  /**
   * Sends the staged bytes as packets. With `end`, the last packet carries End Of Message;
   * otherwise a partial packet (and at least one full one) stays staged, so the message can
   * still be ended.
   */
  async flush(end: boolean): Promise<void> {
    const dataSize = this.packetSize - headerLength;
    let count: number;
    let sendBytes: number;
    if (end) {
      count = Math.max(1, Math.ceil(this.pos / dataSize));
      sendBytes = this.pos;
    } else {
      count = Math.floor(this.pos / dataSize);
      if (count * dataSize === this.pos) {
        count--;
      }
      if (count <= 0) {
        return;
      }
      sendBytes = count * dataSize;
    }
    const out = Buffer.allocUnsafe(sendBytes + count * headerLength);
    let src = 0;
    let dst = 0;
    for (let p = 0; p < count; p++) {
      const len = Math.min(dataSize, sendBytes - src);
      const last = end && p === count - 1;
      out[dst] = this.packetType;
      out[dst + 1] = last ? PacketStatus.EndOfMessage : 0;
      out.writeUInt16BE(len + headerLength, dst + 2);
      out.writeUInt16BE(0, dst + 4);
      out[dst + 6] = this.packetId;
      out[dst + 7] = 0;
      this.packetId = (this.packetId + 1) & 0xff;
      this.buf.copy(out, dst + headerLength, src, src + len);
      src += len;
      dst += len + headerLength;
    }
    if (src < this.pos) {
      this.buf.copy(this.buf, 0, src, this.pos);
    }
    this.pos -= src;
    this.sentAny = true;
    await this.write(out);
  }

  /** True when part of the current message already went out. */
  get started(): boolean {
    return this.sentAny;
  }

  private write(out: Buffer): Promise<void> {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) {
      return Promise.reject(new ClientGoneError());
    }
    if (socket.write(out)) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const cleanup = (): void => {
        socket.off('drain', onDrain);
        socket.off('close', onClose);
      };
      const onDrain = (): void => {
        cleanup();
        resolve();
      };
      const onClose = (): void => {
        cleanup();
        reject(new ClientGoneError());
      };
      socket.on('drain', onDrain);
      socket.on('close', onClose);
    });
  }
}
