import type { Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { type SecureContext, TLSSocket } from 'node:tls';
import { PacketStatus, PacketType } from './tds/protocol.js';

const headerLength = 8;
/** Packet size before LOGIN7 negotiated one (the PRELOGIN default). */
const preloginPacketSize = 4096;

/**
 * The TCP side of a TLS session that SQL Server runs inside TDS (MS-TDS 2.2.6.5 / 3.3.5.1):
 * during the handshake TLS records travel in PRELOGIN (0x12) packets — each client message is
 * answered by exactly one message — and once the handshake is done the stream is raw TLS.
 */
class TdsTlsCarrier extends Duplex {
  private handshaking = true;
  private inbound: Buffer = Buffer.alloc(0);
  private pending: Buffer[] = [];
  private flushScheduled = false;
  private packetId = 1;
  private secure = false;

  constructor(private readonly socket: Socket) {
    super();
    socket.on('data', (chunk: Buffer) => this.fromSocket(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
  }

  /** The server finished its side of the handshake: after its last flight, bytes travel raw. */
  handshakeDone(): void {
    this.secure = true;
    // TLS reports the handshake done before it writes its last flight (Finished): that flight
    // still goes wrapped, in the flush scheduled here, which then switches to raw.
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushFlight());
    }
  }

  private fromSocket(chunk: Buffer): void {
    if (!this.handshaking) {
      this.push(chunk);
      return;
    }
    this.inbound = this.inbound.length === 0 ? chunk : Buffer.concat([this.inbound, chunk]);
    while (this.inbound.length >= headerLength) {
      const length = this.inbound.readUInt16BE(2);
      if (length < headerLength || this.inbound[0] !== PacketType.PreLogin) {
        this.socket.destroy();
        return;
      }
      if (this.inbound.length < length) {
        return;
      }
      this.push(this.inbound.subarray(headerLength, length));
      this.inbound = this.inbound.subarray(length);
    }
  }

  override _read(): void {
    // Pushed as the socket delivers; TLS reads promptly, so no backpressure is needed here.
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.handshaking) {
      this.socket.write(chunk, callback);
      return;
    }
    // One handshake flight becomes one TDS message: gather what TLS writes in this turn.
    this.pending.push(chunk);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushFlight());
    }
    callback();
  }

  private flushFlight(): void {
    this.flushScheduled = false;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    const room = preloginPacketSize - headerLength;
    for (let start = 0; start < data.length; start += room) {
      const body = data.subarray(start, start + room);
      const last = start + room >= data.length;
      const header = Buffer.alloc(headerLength);
      header[0] = PacketType.PreLogin;
      header[1] = last ? PacketStatus.EndOfMessage : 0;
      header.writeUInt16BE(headerLength + body.length, 2);
      header[6] = this.packetId++ & 0xff;
      this.socket.write(Buffer.concat([header, body]));
      if (last) {
        break;
      }
    }
    this.packetId = 1;
    if (this.secure) {
      this.handshaking = false;
    }
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.socket.end(callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.socket.destroy();
    callback(error);
  }
}

/**
 * Runs the server side of TLS inside TDS on a client socket whose PRELOGIN was just answered
 * with ENCRYPTION ON; resolves with the cleartext stream once the handshake is done (TLS 1.2:
 * what SQL Server and tedious use inside TDS — 1.3 only with TDS 8's TLS-first "strict" mode).
 * Rejects when the handshake fails (the client refused the certificate, for one).
 *
 * @example
 * const clear = await startTlsInTds(socket, secureContext);
 * clear.on('data', onTdsBytes);
 */
export function startTlsInTds(socket: Socket, secureContext: SecureContext): Promise<TLSSocket> {
  const carrier = new TdsTlsCarrier(socket);
  const tls = new TLSSocket(carrier as unknown as Socket, { isServer: true, secureContext });
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.destroy();
      reject(error);
    };
    tls.once('error', onError);
    tls.once('secure', () => {
      tls.off('error', onError);
      carrier.handshakeDone();
      resolve(tls);
    });
  });
}
