/**
 * Deterministic random numbers for weight initialization.
 *
 * Everything here is plain JavaScript arithmetic (integer ops via Math.imul, plus Math.log and
 * Math.sqrt, which V8 computes the same way on every platform), so a seed gives the same values
 * whichever tfjs backend later receives them. tfjs's own random ops do not promise that.
 */

const TWO_POW_32 = 4294967296;

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** 32-bit hash of a string (Murmur3-style mixing over UTF-16 code units). */
function hashString(s: string): number {
  let h = 0x9747b28c ^ s.length;
  for (let i = 0; i < s.length; i++) {
    let k = Math.imul(s.charCodeAt(i), 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return fmix32(h);
}

/**
 * Derives a seed for one weight from the spec seed and whatever identifies the weight
 * (e.g. `deriveSeed(spec.seed, layerIndex, 'kernel')`). Deterministic, order-sensitive, and
 * `1` differs from `'1'`, so different weights get unrelated streams.
 *
 * @returns an unsigned 32-bit integer, usable as a Keras/tfjs initializer seed.
 */
export function deriveSeed(specSeed: number, ...parts: (string | number)[]): number {
  if (!Number.isFinite(specSeed)) throw new Error(`deriveSeed: the spec seed must be a finite number, got ${specSeed}`);
  for (const p of parts) {
    if (typeof p === 'number' && !Number.isFinite(p)) throw new Error(`deriveSeed: seed parts must be finite, got ${p}`);
  }
  // JSON keeps parts apart (no 'a1' vs ['a', 1] collisions) and tags strings with quotes.
  return hashString(JSON.stringify([specSeed, ...parts]));
}

/** A fresh seed for unseeded initializers (Keras also picks one at construction time). */
export function randomSeed(): number {
  return Math.floor(Math.random() * TWO_POW_32) >>> 0;
}

/** Maps any finite seed to 32 bits: integers in [0, 2^32) as they are, anything else hashed. */
function seedToUint32(seed: number): number {
  if (!Number.isFinite(seed)) throw new Error(`Random seed must be a finite number, got ${seed}`);
  if (Number.isInteger(seed) && seed >= 0 && seed < TWO_POW_32) return seed;
  return hashString(String(seed));
}

/**
 * xoshiro128** (Blackman & Vigna), seeded through splitmix32 as its authors recommend.
 * Period 2^128 - 1; good statistical quality at 32 bits, unlike a bare LCG or mulberry32.
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  /** The second value of the last polar-method pair. */
  private spare: number | undefined;

  constructor(seed: number) {
    let x = seedToUint32(seed);
    const splitmix = (): number => {
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) | 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    // The all-zero state is the generator's one fixed point.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next unsigned 32-bit integer. */
  nextUint32(): number {
    const s1 = this.s1;
    let r = Math.imul(s1, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return r >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  nextDouble(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal (Marsaglia's polar method: needs only log and sqrt, no sin/cos). */
  nextNormal(): number {
    if (this.spare !== undefined) {
      const v = this.spare;
      this.spare = undefined;
      return v;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.nextDouble() - 1;
      v = 2 * this.nextDouble() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const f = Math.sqrt((-2 * Math.log(s)) / s);
    this.spare = v * f;
    return u * f;
  }
}

/** `n` values from U[minval, maxval), as float32. */
export function uniformArray(n: number, minval: number, maxval: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  const width = maxval - minval;
  for (let i = 0; i < n; i++) out[i] = minval + width * rng.nextDouble();
  return out;
}

/** `n` values from N(mean, stddev), as float32. */
export function normalArray(n: number, mean: number, stddev: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = mean + stddev * rng.nextNormal();
  return out;
}

/**
 * `n` values from N(mean, stddev) with draws beyond 2 stddev re-drawn, as float32 (the
 * TensorFlow `truncated_normal` definition Keras uses). The result's std is ~0.8796 * stddev.
 */
export function truncatedNormalArray(n: number, mean: number, stddev: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = rng.nextNormal();
    while (Math.abs(z) > 2) z = rng.nextNormal();
    out[i] = mean + stddev * z;
  }
  return out;
}

/** `n` standard normal values in double precision (input to the orthogonal initializer's QR). */
export function standardNormalFloat64(n: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextNormal();
  return out;
}
