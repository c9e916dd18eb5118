/**
 * Advanced SIMD integer lane operations too long to emit inline. Lanes of up to 32 bits travel
 * as exact JS numbers; 64-bit lanes as int32 lo/hi pairs with results in T[0] (lo), T[1] (hi).
 * A helper that saturates sets T[7] = 1; emitted code clears T[7] first and ORs it into FPSR.QC.
 */
import { T } from "./scratch.ts";
import { mul64 } from "./int64.ts";

/** Slot of T that saturating helpers set. */
const QC = 7;

/** `v` saturated to an `es`-bit signed (signed = 1) or unsigned integer, noting saturation. */
export function vsat(v: number, es: number, signed: number): number {
  const max = signed ? 2 ** (es - 1) - 1 : 2 ** es - 1;
  const min = signed ? -(2 ** (es - 1)) : 0;
  if (v > max) {
    T[QC] = 1;
    return max;
  }
  if (v < min) {
    T[QC] = 1;
    return min;
  }
  return v;
}

/**
 * Exact integer `v` shifted left by `sh` (negative: right, arithmetic), rounding right shifts
 * when `round` is 1. Powers of two scale doubles exactly; right shifts past 53 bits give 0 or -1.
 */
export function vshl(v: number, sh: number, round: number): number {
  if (sh >= 0) return v * 2 ** sh;
  const n = -sh;
  if (n > 60) return round || v >= 0 ? 0 : -1;
  return Math.floor((round ? v + 2 ** (n - 1) : v) / 2 ** n);
}

/** Polynomial (carry-less) product of two 8-bit values, low 8 bits. */
export function vpmul8(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if ((b >>> i) & 1) r ^= a << i;
  return r & 0xff;
}

/** Polynomial product of two 8-bit values, all 16 bits. */
export function vpmull8(a: number, b: number): number {
  let r = 0;
  for (let i = 0; i < 8; i++) if ((b >>> i) & 1) r ^= a << i;
  return r;
}

/**
 * SQDMULH/SQRDMULH of signed 32-bit lanes: high half of 2ab (+ 2^31 when rounding), saturated.
 * The 64-bit product is split so every partial sum stays exact in a double:
 * 2ab = a*bh*2^17 + 2*a*bl with a*bh = q*2^15 + r, so the high half is q + (r*2^17 + 2*a*bl)/2^32.
 */
export function vsqdmulh32(a: number, b: number, round: number): number {
  const p1 = a * (b >> 16), p0 = a * (b & 0xffff);
  const q = Math.floor(p1 / 32768), r = p1 - q * 32768;
  const v = q + Math.floor((r * 131072 + 2 * p0 + (round ? 2147483648 : 0)) / 4294967296);
  return vsat(v, 32, 1);
}

/** T[0..1] = (lo, hi) >> n for n >= 0, arithmetic when `signed`; n >= 64 leaves sign or zero. */
function shr64(lo: number, hi: number, n: number, signed: boolean): void {
  const fill = signed ? hi >> 31 : 0;
  if (n === 0) {
    T[0] = lo;
    T[1] = hi;
  } else if (n >= 64) {
    T[0] = fill;
    T[1] = fill;
  } else if (n >= 32) {
    T[0] = signed ? hi >> (n - 32) : hi >>> (n - 32);
    T[1] = fill;
  } else {
    T[0] = (lo >>> n) | (hi << (32 - n));
    T[1] = signed ? hi >> n : hi >>> n;
  }
}

/**
 * Shift of a 64-bit lane by `sh` (negative: right). `mode` bits: 1 signed input, 2 rounding,
 * 4 saturating, 8 saturate to unsigned from a signed input (SQSHLU). Rounding adds bit n-1 of
 * the input to the truncated shift, which equals (v + 2^(n-1)) >> n without the 65-bit sum.
 */
export function v64shl(lo: number, hi: number, sh: number, mode: number): void {
  if (mode & 4) {
    v64qshl(lo, hi, sh, mode);
    return;
  }
  const signed = (mode & 1) === 1;
  if (sh >= 0) {
    if (sh >= 64) T[0] = T[1] = 0;
    else if (sh >= 32) {
      T[1] = lo << (sh - 32);
      T[0] = 0;
    } else if (sh === 0) {
      T[0] = lo;
      T[1] = hi;
    } else {
      T[1] = (hi << sh) | (lo >>> (32 - sh));
      T[0] = lo << sh;
    }
    return;
  }
  const n = -sh;
  if (!(mode & 2)) {
    shr64(lo, hi, n, signed);
    return;
  }
  shr64(lo, hi, n - 1, signed);
  const bit = T[0] & 1;
  shr64(lo, hi, n, signed);
  const l = (T[0] >>> 0) + bit;
  T[0] = l | 0;
  T[1] = (T[1] + (l > 4294967295 ? 1 : 0)) | 0;
}

/**
 * Saturating 64-bit lane shifts: right shifts cannot saturate; a left shift saturates when
 * shifting back does not give the input (arithmetically for signed saturation).
 */
function v64qshl(lo: number, hi: number, sh: number, mode: number): void {
  if (sh < 0) {
    v64shl(lo, hi, sh, mode & 3);
    return;
  }
  const signed = (mode & 9) === 1;
  if (mode & 8 && hi < 0) {
    satU64(false);
    return;
  }
  v64shl(lo, hi, sh, 0);
  const rL = T[0], rH = T[1];
  shr64(rL, rH, sh, signed);
  if ((lo | hi) !== 0 && (sh >= 64 || T[0] !== lo || T[1] !== hi)) {
    if (signed) satS64(hi < 0);
    else satU64(true);
    return;
  }
  T[0] = rL;
  T[1] = rH;
}

/** T[0..1] = a + b + cin over 64 bits; returns the carry out. */
function add64c(aL: number, aH: number, bL: number, bH: number, cin: number): number {
  const l = (aL >>> 0) + (bL >>> 0) + cin;
  const h = (aH >>> 0) + (bH >>> 0) + (l > 4294967295 ? 1 : 0);
  T[0] = l | 0;
  T[1] = h | 0;
  return h > 4294967295 ? 1 : 0;
}

/** Saturates T[0..1] to INT64_MAX (neg = 0) or INT64_MIN (neg = 1), noting saturation. */
function satS64(neg: boolean): void {
  T[0] = neg ? 0 : -1;
  T[1] = neg ? -2147483648 : 2147483647;
  T[QC] = 1;
}

/** Saturates T[0..1] to all ones (max) or zero, noting saturation. */
function satU64(max: boolean): void {
  T[0] = T[1] = max ? -1 : 0;
  T[QC] = 1;
}

/**
 * Saturating add/sub of 64-bit lanes: op 0 SQADD, 1 UQADD, 2 SQSUB, 3 UQSUB, 4 SUQADD
 * (a is the signed accumulator, b unsigned), 5 USQADD (a unsigned accumulator, b signed).
 * Overflow is read from the carry and the signs, as the exact sums need 65 bits.
 */
export function v64qadd(aL: number, aH: number, bL: number, bH: number, op: number): void {
  switch (op) {
    case 0:
      add64c(aL, aH, bL, bH, 0);
      if (((aH ^ T[1]) & (bH ^ T[1])) < 0) satS64(aH < 0);
      return;
    case 1:
      if (add64c(aL, aH, bL, bH, 0)) satU64(true);
      return;
    case 2:
      add64c(aL, aH, ~bL, ~bH, 1);
      if (((aH ^ bH) & (aH ^ T[1])) < 0) satS64(aH < 0);
      return;
    case 3:
      if (!add64c(aL, aH, ~bL, ~bH, 1)) satU64(false);
      return;
    case 4: {
      // Signed + unsigned: with a < 0 a carry means the true sum is r >= 0; without, r < 0.
      const carry = add64c(aL, aH, bL, bH, 0);
      if (aH >= 0 ? carry || T[1] < 0 : carry && T[1] < 0) satS64(false);
      return;
    }
    default: {
      // Unsigned + signed: with b < 0 a missing carry means the true sum is negative.
      const carry = add64c(aL, aH, bL, bH, 0);
      if (bH >= 0 ? carry : !carry) satU64(bH >= 0);
    }
  }
}

/** Saturating unary ops of a 64-bit lane: 2 SQABS, 3 SQNEG (only INT64_MIN saturates). */
export function v64neg(lo: number, hi: number, op: number): void {
  if (lo === 0 && hi === -2147483648) {
    satS64(false);
    return;
  }
  if (op === 2 && hi >= 0) {
    T[0] = lo;
    T[1] = hi;
    return;
  }
  add64c(~lo, ~hi, 0, 0, 1);
}

/**
 * SQDMULL/SQDMLAL/SQDMLSL with 32-bit sources: sat(acc + sign * sat(2ab)) where acc is the
 * 64-bit lane (dL, dH); sign 0 means no accumulation. |ab| <= 2^62, so the doubling saturates
 * only for INT32_MIN squared.
 */
export function v64qdmlal(a: number, b: number, dL: number, dH: number, sign: number): void {
  mul64(a, a >> 31, b, b >> 31);
  let pL = T[0], pH = T[1];
  if (pH === 0x40000000 && pL === 0) {
    satS64(false);
    pL = T[0];
    pH = T[1];
  } else {
    pH = (pH << 1) | (pL >>> 31);
    pL <<= 1;
  }
  if (sign === 0) {
    T[0] = pL;
    T[1] = pH;
  } else v64qadd(dL, dH, pL, pH, sign > 0 ? 0 : 2);
}

const POP = new Uint8Array(256);
const REV = new Uint8Array(256);
for (let i = 1; i < 256; i++) {
  POP[i] = (i & 1) + POP[i >> 1];
  REV[i] = (REV[i >> 1] >> 1) | ((i & 1) << 7);
}

/** Number of set bits of a byte. */
export function vcnt8(v: number): number {
  return POP[v & 0xff];
}

/** Bit-reversed byte. */
export function vrbit8(v: number): number {
  return REV[v & 0xff];
}
