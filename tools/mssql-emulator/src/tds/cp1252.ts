// Code page 1252 (the default collation's code page for varchar/char): it differs from
// Latin-1 only in 0x80–0x9F. Characters it cannot hold become '?', as SQL Server stores them.
const highChars = [
  0x20ac, 0xfffd, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152,
  0xfffd, 0x017d, 0xfffd, 0xfffd, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122,
  0x0161, 0x203a, 0x0153, 0xfffd, 0x017e, 0x0178,
];

const encodeHigh = new Map<number, number>();
highChars.forEach((code, i) => {
  if (code !== 0xfffd) {
    encodeHigh.set(code, 0x80 + i);
  }
});

// biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range test is the point
const asciiOnly = /^[\x00-\x7f]*$/;

/** Bytes `s` takes in code page 1252 (one per UTF-16 code unit, surrogate pairs become one '?'). */
export function cp1252Length(s: string): number {
  if (asciiOnly.test(s)) {
    return s.length;
  }
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      i++;
    }
    n++;
  }
  return n;
}

/** Writes `s` in code page 1252 at `offset`; returns the bytes written. */
export function writeCp1252(buf: Buffer, s: string, offset: number): number {
  if (asciiOnly.test(s)) {
    return buf.write(s, offset, 'latin1');
  }
  let o = offset;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80 || (c >= 0xa0 && c <= 0xff)) {
      buf[o++] = c;
    } else {
      if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
        i++;
      }
      buf[o++] = encodeHigh.get(c) ?? 0x3f;
    }
  }
  return o - offset;
}

/** Decodes code page 1252 bytes. */
export function readCp1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    out += String.fromCharCode(b >= 0x80 && b < 0xa0 ? (highChars[b - 0x80] as number) : b);
  }
  return out;
}
