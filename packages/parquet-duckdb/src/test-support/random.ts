/** A small seeded PRNG (mulberry32) so test data is the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A random bigint with exactly `digits` decimal digits (the first non-zero). */
export function randomDigits(random: () => number, digits: number): bigint {
  let text = String(1 + Math.floor(random() * 9));
  for (let i = 1; i < digits; i++) {
    text += String(Math.floor(random() * 10));
  }
  return BigInt(text);
}
