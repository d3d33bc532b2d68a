import { createServer, type Socket, connect as tcpConnect } from 'node:net';

/** What a client told SQL Server in its LOGIN7 packet. */
export interface RecordedLogin {
  /** The TDS packet size the client asked for. */
  readonly packetSize: number;
  /** The application name (SQL Server's `program_name`). */
  readonly appName: string;
}

/** A TCP proxy in front of a TDS server that records logins and counts open connections. */
export interface RecordingProxy {
  readonly port: number;
  /** The ENCRYPTION option of each client PRELOGIN: `OFF`, `ON`, `NOT_SUP` or `REQ`. */
  readonly encryptionRequests: readonly string[];
  readonly logins: readonly RecordedLogin[];
  /** The most client connections that were open at the same time since the last {@link reset}. */
  readonly peakConnections: number;
  reset(): void;
  close(): Promise<void>;
}

const LOGIN7 = 0x10;
const PRELOGIN = 0x12;
const ENCRYPTION_OPTION = 0x01;
const ENCRYPTION = ['OFF', 'ON', 'NOT_SUP', 'REQ'];

/**
 * Starts a proxy on a free port forwarding to `127.0.0.1:targetPort`. Only unencrypted logins can
 * be read (`encrypt: false`, as the emulator needs).
 *
 * @example
 * const proxy = await startRecordingProxy(emulator.port);
 * // … connect to proxy.port …
 * proxy.logins[0]?.appName; // 'sqlsync'
 */
export async function startRecordingProxy(targetPort: number): Promise<RecordingProxy> {
  const logins: RecordedLogin[] = [];
  const encryptionRequests: string[] = [];
  const sockets = new Set<Socket>();
  let open = 0;
  let peak = 0;
  const server = createServer((client) => {
    open++;
    peak = Math.max(peak, open);
    const upstream = tcpConnect(targetPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let pending: Buffer | undefined = Buffer.alloc(0);
    client.on('data', (chunk: Buffer) => {
      if (pending !== undefined) {
        pending = Buffer.concat([pending, chunk]);
        // TDS packets: type (1), status (1), length (2, big-endian, header included), 4 more bytes.
        while (pending !== undefined && pending.length >= 8) {
          const length = pending.readUInt16BE(2);
          if (pending.length < length) {
            break;
          }
          if (pending[0] === PRELOGIN) {
            encryptionRequests.push(readEncryption(pending.subarray(8, length)));
          }
          if (pending[0] === LOGIN7) {
            logins.push(readLogin(pending.subarray(8, length)));
            pending = undefined;
          } else {
            pending = pending.subarray(length);
          }
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    const closeBoth = (): void => {
      if (sockets.delete(client)) {
        open--;
      }
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', closeBoth).on('error', closeBoth);
    upstream.on('close', closeBoth).on('error', closeBoth);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    port,
    encryptionRequests,
    logins,
    get peakConnections() {
      return peak;
    },
    reset() {
      logins.length = 0;
      encryptionRequests.length = 0;
      peak = open;
    },
    async close() {
      for (const socket of sockets) {
        socket.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** PRELOGIN: option tokens (token, offset and length big-endian) up to 0xFF; ENCRYPTION is one byte. */
function readEncryption(data: Buffer): string {
  for (let i = 0; i + 5 <= data.length && data[i] !== 0xff; i += 5) {
    if (data[i] === ENCRYPTION_OPTION) {
      const value = data[data.readUInt16BE(i + 1)] ?? -1;
      return ENCRYPTION[value] ?? `0x${value.toString(16)}`;
    }
  }
  return 'absent';
}

/** LOGIN7: PacketSize at byte 8; AppName's offset and length (UTF-16 characters) at bytes 48 and 50. */
function readLogin(data: Buffer): RecordedLogin {
  const offset = data.readUInt16LE(48);
  const chars = data.readUInt16LE(50);
  return {
    packetSize: data.readUInt32LE(8),
    appName: data.subarray(offset, offset + chars * 2).toString('utf16le'),
  };
}
