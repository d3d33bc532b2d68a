/** What the emulator reads from a LOGIN7 message (MS-TDS 2.2.6.4). */
export interface Login7 {
  readonly packetSize: number;
  readonly user: string;
  readonly password: string;
  readonly database: string;
  /**
   * The access token of a FEDAUTH feature extension with the security-token library (what
   * `azure-active-directory-access-token` sends); undefined without one.
   */
  readonly accessToken: string | undefined;
}

const fExtension = 0x10;
const FeatureId = { FedAuth: 0x02, Terminator: 0xff } as const;
/** FEDAUTH library "security token" (bits 1-7 of the options byte). */
const LibrarySecurityToken = 0x01;

/**
 * Parses a LOGIN7 payload: user, password (unscrambled), database, packet size, and the access
 * token of a FEDAUTH feature extension.
 *
 * @example
 * const login = parseLogin7(message.data);
 * if (login.accessToken !== undefined) { … }
 */
export function parseLogin7(data: Buffer): Login7 {
  const field = (offsetPos: number): Buffer => {
    const ib = data.readUInt16LE(offsetPos);
    const cch = data.readUInt16LE(offsetPos + 2);
    return data.subarray(ib, ib + cch * 2);
  };
  const scrambled = Buffer.from(field(44));
  for (let i = 0; i < scrambled.length; i++) {
    const b = (scrambled[i] as number) ^ 0xa5;
    scrambled[i] = ((b & 0x0f) << 4) | (b >> 4);
  }
  return {
    packetSize: data.readUInt32LE(8),
    user: field(40).toString('utf16le'),
    password: scrambled.toString('utf16le'),
    database: field(68).toString('utf16le'),
    accessToken: accessToken(data),
  };
}

function accessToken(data: Buffer): string | undefined {
  const optionFlags3 = data[27] as number;
  if ((optionFlags3 & fExtension) === 0) {
    return undefined;
  }
  // ibExtension points at a DWORD: the offset of the FeatureExt block.
  const ib = data.readUInt16LE(56);
  if (data.readUInt16LE(58) < 4 || ib + 4 > data.length) {
    return undefined;
  }
  let p = data.readUInt32LE(ib);
  while (p < data.length && data[p] !== FeatureId.Terminator) {
    const id = data[p] as number;
    const length = data.readUInt32LE(p + 1);
    const body = data.subarray(p + 5, p + 5 + length);
    p += 5 + length;
    if (id === FeatureId.FedAuth && (body[0] as number) >> 1 === LibrarySecurityToken && body.length >= 5) {
      const tokenLength = body.readUInt32LE(1);
      return body.subarray(5, 5 + tokenLength).toString('utf16le');
    }
  }
  return undefined;
}
