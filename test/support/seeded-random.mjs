// Seeded pseudo-random values for the tests, their child processes and their pages: the
// same seed gives the same sequence, so a failing run can be replayed from its seed. Plain
// JavaScript that imports nothing (its types are in seeded-random.d.mts), so that Node, Bun
// and Deno run it as it is and esbuild bundles it into a page.

/**
 * A seeded PRNG (mulberry32).
 *
 * @param {number} seed - Any number; its low 32 bits count.
 * @returns {() => number} Floats in [0, 1), the same sequence for the same seed.
 */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A seed named by a text (its FNV-1a hash), so that a value can be a pure function of, say,
 * a thread and a version.
 *
 * @param {string} text
 * @returns {number} An unsigned 32-bit integer.
 */
export function seedOf(text) {
  let h = 0x811c9dc5;
  for (const char of text) {
    h ^= char.codePointAt(0) ?? 0;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * @param {() => number} random - A {@link seededRandom} sequence.
 * @param {number} min
 * @param {number} max
 * @returns {number} A whole number from `min` to `max`, both included.
 */
export function integerIn(random, min, max) {
  return min + Math.floor(random() * (max - min + 1));
}

/**
 * @template T
 * @param {() => number} random - A {@link seededRandom} sequence.
 * @param {readonly T[]} items - Not empty.
 * @returns {T} One of `items`.
 */
export function pick(random, items) {
  return items[Math.floor(random() * items.length)];
}

/**
 * Money as an agent passes it in: a decimal string with two decimals, trailing zeros kept.
 *
 * @param {() => number} random - A {@link seededRandom} sequence.
 * @param {number} min - The smallest whole part.
 * @param {number} max - The largest whole part.
 * @returns {string} Such as `"25.50"`.
 */
export function decimalIn(random, min, max) {
  return `${integerIn(random, min, max)}.${String(integerIn(random, 0, 99)).padStart(2, "0")}`;
}

/**
 * Big garbage, cheaply (xorshift32).
 *
 * @param {number} seed - Any number; 0 counts as 1.
 * @param {number} length
 * @returns {Uint8Array} `length` pseudo-random bytes, the same for the same seed.
 */
export function noise(seed, length) {
  const bytes = new Uint8Array(length);
  let state = seed | 0 || 1;
  for (let index = 0; index < length; index++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    bytes[index] = state & 0xff;
  }
  return bytes;
}
