import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PEM files made by {@link createTestCertificates}, with their paths. */
export interface TestCertificates {
  /** The test CA's certificate (what a client's `ca_file` names). */
  readonly caFile: string;
  /** The server key (shared by both server certificates). */
  readonly key: string;
  /** Valid for `localhost` and 127.0.0.1 for a day, signed by the test CA. */
  readonly cert: string;
  /** Signed by the test CA for `localhost`, but expired (2020-01-01 to 2020-01-02). */
  readonly expiredCert: string;
}

const caConfig = `[ca]
default_ca = test_ca
[test_ca]
dir = DIR
database = DIR/index.txt
new_certs_dir = DIR
serial = DIR/serial
default_md = sha256
policy = any
copy_extensions = copy
unique_subject = no
[any]
commonName = supplied
`;

/**
 * Makes a throw-away CA and server certificates for TLS tests with the `openssl` command line
 * (Node 20's crypto cannot issue X.509 certificates), in `dir`. About 0.2 s.
 *
 * @example
 * const certs = await createTestCertificates(tmp);
 * const emulator = await startEmulator({ tls: { key: certs.key, cert: certs.cert } });
 * // client: ca_file = certs.caFile
 */
export async function createTestCertificates(dir: string): Promise<TestCertificates> {
  await mkdir(dir, { recursive: true });
  const f = (name: string): string => join(dir, name);
  await run('openssl', [
    ...['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem')],
    ...['-days', '2', '-subj', '/CN=sqlsync test CA'],
  ]);
  await run('openssl', [
    ...['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('server.key'), '-out', f('server.csr')],
    ...['-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
  ]);
  await run('openssl', [
    ...['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key')],
    ...['-CAcreateserial', '-days', '1', '-copy_extensions', 'copy', '-out', f('server.pem')],
  ]);
  // `openssl ca` is the one command of OpenSSL 3.0 that takes explicit validity dates.
  await writeFile(f('ca.cnf'), caConfig.replaceAll('DIR', dir));
  await writeFile(f('index.txt'), '');
  await writeFile(f('serial'), '1000\n');
  await run('openssl', [
    ...['ca', '-batch', '-config', f('ca.cnf'), '-cert', f('ca.pem'), '-keyfile', f('ca.key')],
    ...['-startdate', '20200101000000Z', '-enddate', '20200102000000Z', '-in', f('server.csr')],
    ...['-out', f('expired.pem'), '-notext'],
  ]);
  return {
    caFile: f('ca.pem'),
    key: await readFile(f('server.key'), 'utf8'),
    cert: await readFile(f('server.pem'), 'utf8'),
    expiredCert: await readFile(f('expired.pem'), 'utf8'),
  };
}
