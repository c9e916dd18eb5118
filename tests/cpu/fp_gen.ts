/**
 * Random cases for the scalar FP oracle: valid encodings of a row, V registers holding values
 * chosen to hit IEEE corner cases (signed zeros, denormals, extremes, infinities, quiet and
 * signalling NaNs with payloads, ties, values near integer limits), random NZCV, FPCR (all four
 * rounding modes, FZ, DN, AHP) and FPSR.
 */
import { extractFields, parsePattern } from "../../core/cpu/decode/pattern.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";
import type { FpCase } from "./fp_oracle.ts";

/** xorshift32, so a failing seed reproduces. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = (seed | 0) || 0x2545f491;
  }
  /** Uniform uint32. */
  u32(): number {
    let x = this.#s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.#s = x;
    return x >>> 0;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** Uniform bigint of `bits` bits. */
  bits(bits: number): bigint {
    let v = 0n;
    for (let i = 0; i < bits; i += 32) v = (v << 32n) | BigInt(this.u32());
    return v & ((1n << BigInt(bits)) - 1n);
  }
}

const FORMATS: Record<number, [number, number]> = { 0: [8, 23], 1: [11, 52], 3: [5, 10] };

/** An FP value of format ftype (0 single, 1 double, 3 half) as bits, biased to corner cases. */
export function fpValue(rng: Rng, ftype: number): bigint {
  const [e, f] = FORMATS[ftype];
  const bias = (1 << (e - 1)) - 1, emax = (1 << e) - 1;
  const sign = BigInt(rng.below(2)) << BigInt(e + f);
  const frac = (bits = f) => rng.bits(bits) << BigInt(f - bits);
  const pack = (ex: number, fr: bigint) => sign | (BigInt(ex) << BigInt(f)) | fr;
  const fmask = (1n << BigInt(f)) - 1n;
  switch (rng.below(14)) {
    case 0:
      return sign;
    case 1: // denormals, incl. the smallest and largest
      return pack(0, [1n, fmask, rng.bits(f) | 1n, rng.bits(4)][rng.below(4)] || 1n);
    case 2: // extremes of the normal range
      return [pack(1, 0n), pack(1, frac()), pack(emax - 1, fmask), pack(emax - 1, frac())][
        rng.below(4)
      ];
    case 3:
      return pack(emax, 0n);
    case 4: // quiet NaN with payload
      return pack(emax, (1n << BigInt(f - 1)) | frac(f - 1));
    case 5: // signalling NaN with payload
      return pack(emax, frac(f - 1) | 1n);
    case 6: { // small multiples of 1/4: rounding ties for FRINT* and FCVT*
      const k = rng.below(200) + 1;
      const v = k / 4;
      const ex = Math.floor(Math.log2(v));
      const m = BigInt(Math.round((v / 2 ** ex - 1) * 2 ** f));
      return pack(bias + ex, m);
    }
    case 7: { // around 2^31, 2^32, 2^63, 2^64 and 2^-k: integer limits, fixed point
      const ex = [31, 32, 63, 64, 30, 62, 15, 16, -1, -20][rng.below(10)] + rng.below(3) - 1;
      const fr = [0n, fmask, 1n, fmask - 1n, frac()][rng.below(5)];
      return pack(Math.min(Math.max(bias + ex, 1), emax - 1), fr);
    }
    case 8: // short significands: products and sums land on ties and exact results
      return pack(bias + rng.below(40) - 20, frac(rng.below(6) + 1));
    case 9: // near underflow
      return pack(1 + rng.below(30), frac());
    case 10: // near overflow
      return pack(emax - 1 - rng.below(30), frac());
    case 11: // ties when narrowing double to single or half
      return pack(bias + rng.below(20) - 10, frac(f) & ~((1n << 29n) - 1n) | (1n << 28n));
    default:
      return pack(bias + rng.below(60) - 30, frac());
  }
}

/** A 64-bit integer biased to conversion edge cases. */
export function intValue(rng: Rng): bigint {
  const M = (1n << 64n) - 1n;
  switch (rng.below(8)) {
    case 0:
      return [0n, 1n, M, 1n << 63n, (1n << 63n) - 1n, 0x80000000n, 0x7fffffffn, 0xffffffffn][
        rng.below(8)
      ];
    case 1: // 24/25 and 53/54 significant bits: ties when rounding to single or double
      return (rng.bits([25, 26, 54, 55][rng.below(4)]) | 1n) << BigInt(rng.below(8));
    case 2:
      return BigInt(rng.below(1000));
    case 3:
      return (M - BigInt(rng.below(1000))) & M;
    case 4:
      return rng.bits(32);
    default:
      return rng.bits(64);
  }
}

/** A random FPCR: all rounding modes, FZ, DN and AHP. */
export function fpcrValue(rng: Rng): number {
  if (rng.below(3) === 0) return 0;
  let v = rng.below(4) << 22;
  if (rng.below(3) === 0) v |= 1 << 24;
  if (rng.below(3) === 0) v |= 1 << 25;
  if (rng.below(4) === 0) v |= 1 << 26;
  return v;
}

/** Valid encodings of `row` that decode to it. */
export function randomWords(row: InsnDef, n: number, rng: Rng): number[] {
  const p = parsePattern(row.pattern);
  const dec = a64Decoder();
  const out: number[] = [];
  for (let tries = 0; out.length < n && tries < n * 200; tries++) {
    const w = ((rng.u32() & ~p.mask) | p.value) >>> 0;
    const f = extractFields(p, w);
    if (row.valid && !row.valid(f)) continue;
    if (dec.decode(w)?.row.def !== row) continue;
    out.push(w);
  }
  return out;
}

/** A case for `word` of `row`: the V registers it names get FP values of its format(s). */
export function makeCase(row: InsnDef, word: number, rng: Rng): FpCase {
  const f = extractFields(parsePattern(row.pattern), word);
  const q = new Map<number, bigint>();
  const ftype = f.ftype === 2 ? 1 : f.ftype;
  for (const k of ["rn", "rm", "ra", "rd"]) {
    if (f[k] === undefined || q.has(f[k])) continue;
    const low = FORMATS[ftype] ? fpValue(rng, ftype) : rng.bits(64);
    const width = ftype === 0 ? 32n : ftype === 1 ? 64n : 16n;
    q.set(f[k], (rng.bits(128) & ~((1n << width) - 1n)) | low);
  }
  const x: [number, bigint] | undefined = f.rn < 31 && f.sf !== undefined
    ? [f.rn, intValue(rng)]
    : undefined;
  const fpsr = rng.below(4) === 0 ? (rng.u32() & 0x0800009f) : 0;
  return { word, q, x, nzcv: rng.below(16), fpcr: fpcrValue(rng), fpsr };
}
