import { describe, expect, it } from 'vitest';
import { parseUuidText } from './uuid-text.js';

const encode = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('parseUuidText', () => {
  it('reads the hex digits in text order and flips the top bit (DuckDB hugeint form)', () => {
    const words = new Uint32Array(4);
    expect(parseUuidText(encode('6F9619FF-8B86-D011-B42D-00C04FC964FF'), 0, 36, words, 0)).toBe(true);
    expect(Array.from(words, (w) => w.toString(16).padStart(8, '0'))).toEqual([
      '00c04fc964ff'.slice(4),
      'b42d00c0',
      '8b86d011',
      'ef9619ff',
    ]);
  });

  it('accepts lower case and rejects anything that is not 8-4-4-4-12 hex', () => {
    const words = new Uint32Array(4);
    expect(parseUuidText(encode('6f9619ff-8b86-d011-b42d-00c04fc964ff'), 0, 36, words, 0)).toBe(true);
    for (const bad of [
      '6F9619FF8B86D011B42D00C04FC964FF',
      '6F9619FF-8B86-D011-B42D-00C04FC964FG',
      '{6F9619FF-8B86-D011-B42D-00C04FC964F}',
      '6F9619FF-8B86-D011-B42D+00C04FC964FF',
    ]) {
      const bytes = encode(bad);
      expect(parseUuidText(bytes, 0, bytes.length, words, 0)).toBe(false);
    }
  });
});
