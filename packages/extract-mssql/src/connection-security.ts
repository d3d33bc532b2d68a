import { connect, type Socket } from 'node:net';
import { SqlSyncError } from '@sync/core';
import type { ConnectionConfiguration } from 'tedious';

/** PRELOGIN ENCRYPTION answers under which tedious goes on in the clear (MS-TDS 2.2.6.5). */
const ENCRYPT_OFF = 0x00;
const ENCRYPT_NOT_SUP = 0x02;
const PRELOGIN_ENCRYPTION = 0x01;
const PRELOGIN_TERMINATOR = 0xff;
const HEADER = 8;

/** Where tedious asks its connector to connect (its own target, or a server it was redirected to). */
interface ConnectTarget {
  readonly host: string;
  readonly port: number;
  readonly localAddress?: string | undefined;
}

/**
 * A tedious `connector` that refuses a server unable to encrypt before anything else is sent:
 * tedious asks for encryption in PRELOGIN but, when the server answers ENCRYPT_NOT_SUP (or OFF),
 * it goes on in the clear — LOGIN7 and its password included. The connector reads the server's
 * PRELOGIN answer as it arrives, ahead of tedious, and destroys the socket with a
 * `SOURCE_CONNECTION` error naming the server and the fix (`encrypt: false`) when it does not
 * agree to encrypt. (TDS 8's `encrypt: 'strict'` would refuse too, but needs SQL Server 2022.)
 *
 * @example
 * tediousOptions.connector = refusePlaintextServer('db.example.com', 1433);
 */
export function refusePlaintextServer(server: string, port: number): () => Promise<Socket> {
  // tedious calls the connector with the host and port to connect to (the configured server, or
  // the one a routing ENVCHANGE redirected it to, as Azure SQL's redirect policy does), and the
  // signal that aborts when its connect timeout passes.
  return (target?: ConnectTarget, _lookup?: unknown, signal?: AbortSignal) =>
    new Promise<Socket>((resolve, reject) => {
      const host = target?.host ?? server;
      const socket = connect({
        host,
        port: target?.port ?? port,
        ...(target?.localAddress === undefined ? {} : { localAddress: target.localAddress }),
      });
      watchPrelogin(socket, `${host}:${target?.port ?? port}`);
      // A host that never answers must not keep the socket (and the process) alive after tedious
      // gave up on it.
      const onAbort = (): void => {
        socket.destroy();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', (error) => {
        signal?.removeEventListener('abort', onAbort);
        reject(error);
      });
      socket.once('connect', () => {
        signal?.removeEventListener('abort', onAbort);
        resolve(socket);
      });
    });
}

/** Reads the first server message (the PRELOGIN answer) ahead of tedious's own listener. */
function watchPrelogin(socket: Socket, where: string): void {
  let seen = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    seen = Buffer.concat([seen, chunk]);
    if (seen.length < HEADER || seen.length < seen.readUInt16BE(2)) {
      return;
    }
    socket.off('data', onData);
    const encryption = preloginEncryption(seen.subarray(HEADER, seen.readUInt16BE(2)));
    if (encryption === ENCRYPT_NOT_SUP || encryption === ENCRYPT_OFF || encryption === undefined) {
      socket.destroy(
        new SqlSyncError(
          'SOURCE_CONNECTION',
          `${where} does not support encryption (its PRELOGIN answer is ${encryption === ENCRYPT_NOT_SUP ? 'ENCRYPT_NOT_SUP' : 'not to encrypt'}); sqlsync refuses to send the login in the clear. Give SQL Server a certificate, or set database.encrypt: false to connect unencrypted`,
          { context: { configPath: 'database.encrypt' } },
        ),
      );
    }
  };
  // Before tedious's listener (attached later): a refused server never sees the LOGIN7.
  socket.prependListener('data', onData);
}

function preloginEncryption(data: Buffer): number | undefined {
  for (let h = 0; h + 5 <= data.length && data[h] !== PRELOGIN_TERMINATOR; h += 5) {
    if (data[h] === PRELOGIN_ENCRYPTION) {
      const offset = data.readUInt16BE(h + 1);
      return offset < data.length ? data[offset] : undefined;
    }
  }
  return undefined;
}

/** Node's certificate verification failures, by OpenSSL code: what failed, in words. */
const VERIFICATION_FAILURES: Record<string, string> = {
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'the certificate is issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: 'the certificate is issued by an unknown CA',
  UNABLE_TO_GET_ISSUER_CERT: 'the certificate is issued by an unknown CA',
  SELF_SIGNED_CERT_IN_CHAIN: 'the certificate chain ends in an unknown (self-signed) CA',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'the certificate is self-signed',
  CERT_HAS_EXPIRED: 'the certificate has expired',
  CERT_NOT_YET_VALID: 'the certificate is not valid yet',
  ERR_TLS_CERT_ALTNAME_INVALID: 'the certificate does not name the host',
};

/**
 * The connection error of a server certificate that failed verification, as a
 * `SOURCE_CONNECTION` error (not retryable) naming the server, what failed (unknown CA, host name
 * mismatch, expired…) and the two fixes; `undefined` for any other error. A `SqlSyncError` in the
 * cause chain (the plaintext refusal) is returned as it is.
 *
 * @example
 * catch (error) { throw explainConnectionError(error, config) ?? error; }
 */
export function explainConnectionError(
  error: unknown,
  config: ConnectionConfiguration,
): SqlSyncError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof SqlSyncError) {
      return e;
    }
    const code = (e as NodeJS.ErrnoException).code;
    const failure = code === undefined ? undefined : VERIFICATION_FAILURES[code];
    if (failure === undefined) {
      continue;
    }
    const where = `${config.server}:${config.options?.port ?? 1433}`;
    const name = config.options?.serverName ?? config.server;
    const hostFix =
      code === 'ERR_TLS_CERT_ALTNAME_INVALID'
        ? `set database.host_name_in_certificate to a name the certificate carries (it was checked for ${name})`
        : 'set database.ca_file to the PEM file of the CA that issued it';
    return new SqlSyncError(
      'SOURCE_CONNECTION',
      `${where}: the server certificate failed verification: ${failure} (${e.message}). Either ${hostFix}, or set database.trust_server_certificate: true to accept it unverified (insecure)`,
      { context: { configPath: 'database.trust_server_certificate' }, cause: e },
    );
  }
  return undefined;
}
