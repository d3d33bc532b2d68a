/** PRELOGIN ENCRYPTION values (MS-TDS 2.2.6.5). */
export const Encryption = { Off: 0x00, On: 0x01, NotSupported: 0x02, Required: 0x03 } as const;

const Option = {
  Version: 0x00,
  Encryption: 0x01,
  InstOpt: 0x02,
  ThreadId: 0x03,
  Mars: 0x04,
  Terminator: 0xff,
} as const;

/**
 * The ENCRYPTION byte of a client's PRELOGIN message; `Off` when the option is absent or the
 * message is malformed (a client that says nothing about encryption asks for none).
 *
 * @example
 * clientEncryption(preloginData) === Encryption.On;
 */
export function clientEncryption(data: Buffer): number {
  for (let h = 0; h + 5 <= data.length && data[h] !== Option.Terminator; h += 5) {
    if (data[h] === Option.Encryption) {
      const offset = data.readUInt16BE(h + 1);
      const length = data.readUInt16BE(h + 3);
      return length >= 1 && offset < data.length ? (data[offset] as number) : Encryption.Off;
    }
  }
  return Encryption.Off;
}

/**
 * What SQL Server answers a client's ENCRYPTION with: without a certificate `NotSupported`;
 * with one, `On` when the client asked for encryption (ON or REQ), else `Off` (tedious then
 * sends LOGIN7 in the clear, which SQL Server accepts when encryption is not forced).
 *
 * @example
 * serverEncryption(Encryption.On, true); // Encryption.On
 */
export function serverEncryption(client: number, hasCertificate: boolean): number {
  if (!hasCertificate) {
    return Encryption.NotSupported;
  }
  return client === Encryption.On || client === Encryption.Required ? Encryption.On : Encryption.Off;
}

/**
 * The PRELOGIN response payload: VERSION (16.0.4003), ENCRYPTION, INSTOPT, THREADID, MARS (off).
 *
 * @example
 * writer.bytes(preloginResponse(Encryption.NotSupported));
 */
export function preloginResponse(encryption: number): Buffer {
  const options: [number, Buffer][] = [
    [Option.Version, Buffer.from([16, 0, 0x0f, 0xa3, 0, 0])],
    [Option.Encryption, Buffer.from([encryption])],
    [Option.InstOpt, Buffer.from([0x00])],
    [Option.ThreadId, Buffer.alloc(4)],
    [Option.Mars, Buffer.from([0x00])],
  ];
  const headerLength = options.length * 5 + 1;
  const header = Buffer.alloc(headerLength);
  let offset = headerLength;
  let h = 0;
  for (const [token, data] of options) {
    header[h] = token;
    header.writeUInt16BE(offset, h + 1);
    header.writeUInt16BE(data.length, h + 3);
    h += 5;
    offset += data.length;
  }
  header[h] = Option.Terminator;
  return Buffer.concat([header, ...options.map(([, d]) => d)]);
}
