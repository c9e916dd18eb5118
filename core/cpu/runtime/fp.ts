/**
 * Floating-point runtime for generated code (reached as `H.<name>`): IEEE 754 arithmetic per
 * FPCR (RMode, FZ, DN, AHP) accumulating the FPSR cumulative flags (IOC DZC OFC UFC IXC IDC).
 *
 * Values are raw bit patterns, because JS numbers cannot carry NaN payloads or signalling bits:
 *   half    16-bit unsigned number;
 *   single  int32 bits (as `vw[4*n]`), returned as int32;
 *   double  (lo, hi) int32 pair (as `vw[4*n]`, `vw[4*n+1]`), returned in T[0] (lo), T[1] (hi).
 * The first argument is always `c` (anything with `fpcr` and `fpsr`, i.e. the Cpu).
 *
 * Arithmetic (suffix 32: singles in/out; suffix 64: pairs in, result in T):
 *   fadd fsub fmul fdiv fmulx fmax fmin fmaxnm fminnm frecps frsqrts   (c, a, b)
 *   fsqrt frecpe frsqrte frecpx                                         (c, a)
 *   fmla   (c, acc, n, m) = acc + n*m rounded once; FMSUB/FNMADD/FNMSUB/FMLS flip the sign bits
 *          of n and/or acc before the call (FPNeg on raw bits, as the Arm ARM does).
 *   FABS/FNEG are sign-bit operations the emitter does inline (no flags, no flushing).
 * Compares:
 *   fcmp32(c, a, b, signal) / fcmp64(c, aL, aH, bL, bH, signal) → NZCV as a 4-bit number
 *     (8 N, 4 Z, 2 C, 1 V): 6 equal, 8 less, 2 greater, 3 unordered; signal=1 for FCMPE
 *     (Invalid on any NaN), 0 for FCMP (Invalid on signalling NaNs only).
 *   fcmeq fcmge fcmgt (32/64) → 1 or 0 (SIMD FCM*: EQ raises Invalid for sNaN only, GE/GT
 *     for any NaN; FACGE/FACGT clear the sign bits first, LE/LT swap the operands).
 * Round to integral: frint32(c, a, rm, exact) / frint64(c, lo, hi, rm, exact); rm: 0 nearest
 *   even, 1 +inf, 2 -inf, 3 zero, 4 nearest away (FRINTA); FRINTI/FRINTX pass the FPCR mode
 *   `(c.fpcr>>>22)&3`; exact=1 (FRINTX) raises Inexact.
 * Conversions between formats (FPCR rounding, FZ, DN, AHP for half):
 *   f32to64(c, a)→T  f64to32(c, lo, hi)  f16to32(c, h)  f32to16(c, a)  f16to64(c, h)→T
 *   f64to16(c, lo, hi)  f64to32odd(c, lo, hi) (FCVTXN, round to odd).
 * Float to integer (FCVT[NAPMZ][SU], fixed point with fbits, saturating with Invalid):
 *   f32toI32(c, a, rm, fbits, unsigned) → int32   f32toI64(c, a, rm, fbits, unsigned) → T
 *   f64toI32(c, lo, hi, rm, fbits, unsigned)      f64toI64(c, lo, hi, rm, fbits, unsigned) → T
 * Integer to float (SCVTF/UCVTF, FPCR rounding, value / 2^fbits; unsigned=1 for UCVTF):
 *   i32toF32(c, v, unsigned, fbits)  i64toF32(c, lo, hi, unsigned, fbits)
 *   i32toF64(c, v, unsigned, fbits)→T  i64toF64(c, lo, hi, unsigned, fbits)→T
 *
 * Register-file forms of the hot scalar operations (V register numbers in, V[d] written, the
 * rest of the 128-bit register zeroed) are in fp_regs.ts and exported from here too (fadd64r,
 * fmla32r, fcmp64r, ...); the double conversions have them at the end of this file:
 *   f64toI32r(c, n, rm, fbits, u)  f64toI64r(c, n, rm, fbits, u)→T  i32toF64r(c, d, v, u, fbits)
 *   i64toF64r(c, d, lo, hi, u, fbits)  f32to64r(c, d, n)  f64to32r(c, d, n)
 *   frint64r(c, d, n, rm, exact)
 *
 * Speed: with FPCR.RMode = nearest and FZ = 0, finite operands go through JS double
 * arithmetic, which is exact or correctly rounded there (a single op done in double and rounded
 * once to single is correctly rounded), with error-free transforms (TwoSum, Dekker's product)
 * deciding Inexact and the rare ambiguous roundings. Everything else (other rounding modes,
 * flushing, NaNs, infinities, results near underflow/overflow) takes the exact bigint path in
 * fp_soft.ts, written after the Arm ARM pseudocode.
 */
import { T } from "./scratch.ts";
import * as S from "./fp_soft.ts";
import * as E from "./fp_estimate.ts";
import { F16, F32, F64, type FpEnv, IOC, IXC } from "./fp_soft.ts";
import * as K from "./fp_fast.ts";
import { bits32, fin32, fin64, SLOW, sumErr } from "./fp_fast.ts";
export * from "./fp_regs.ts";
import type { FpRegs } from "./fp_regs.ts";

const buf = new ArrayBuffer(8);
const bf64 = new Float64Array(buf), bi32 = new Int32Array(buf), bf32 = new Float32Array(buf);

const FZ = S.FPCR_FZ;
const TWO32 = 4294967296;

/** 2^-k for k = 0..64 (fixed-point scaling). */
const INV_POW2 = Array.from({ length: 65 }, (_, k) => 2 ** -k);
/** 2^k for k = 0..64. */
const POW2 = Array.from({ length: 65 }, (_, k) => 2 ** k);

function num32(a: number): number {
  bi32[0] = a;
  return bf32[0];
}

/** 2^(e-1075) by biased exponent (e = 0 scales denormal significands by 2^-1074). */
const SCALE64 = Float64Array.from({ length: 2048 }, (_, e) => 2 ** (Math.max(e, 1) - 1075));

/**
 * The double with bits (lo, hi), finite only. Built arithmetically (exact: an integer
 * significand times a power of two) because two int32 stores followed by a float64 load of the
 * same bytes stalls store forwarding, which costs more than this.
 */
function num64(lo: number, hi: number): number {
  const e = (hi >>> 20) & 0x7ff;
  const m = (hi & 0xfffff) * 4294967296 + (lo >>> 0);
  const v = (e === 0 ? m : m + 4503599627370496) * SCALE64[e];
  return hi < 0 ? -v : v;
}

function out64(v: number): void {
  bf64[0] = v;
  T[0] = bi32[0];
  T[1] = bi32[1];
}

const big32 = (a: number): bigint => BigInt(a >>> 0);
const int32 = (v: bigint): number => Number(v) | 0;
const big64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

function outBig(v: bigint): void {
  T[0] = Number(v & 0xffffffffn) | 0;
  T[1] = Number(v >> 32n) | 0;
}

/** Rounds an integer-valued or real x to an integer with mode rm (0..4). */
function rnd(x: number, rm: number): number {
  switch (rm) {
    case 0: {
      const r = Math.round(x);
      return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
    }
    case 1:
      return Math.ceil(x);
    case 2:
      return Math.floor(x);
    case 3:
      return Math.trunc(x);
    default:
      return x < 0 ? -Math.round(-x) : Math.round(x);
  }
}

// ---- single precision ----------------------------------------------------------------------

/** Single a + b. */
export function fadd32(c: FpEnv, a: number, b: number): number {
  if ((c.fpcr & SLOW) === 0 && fin32(a) && fin32(b)) {
    const r = K.add32(c, num32(a), num32(b));
    if (r === r) return bits32(r);
  }
  return int32(S.add(F32, big32(a), big32(b), c, false));
}

/** Single a - b. */
export function fsub32(c: FpEnv, a: number, b: number): number {
  if ((c.fpcr & SLOW) === 0 && fin32(a) && fin32(b)) {
    const r = K.add32(c, num32(a), -num32(b));
    if (r === r) return bits32(r);
  }
  return int32(S.add(F32, big32(a), big32(b), c, true));
}

/** Single a * b. */
export function fmul32(c: FpEnv, a: number, b: number): number {
  if ((c.fpcr & SLOW) === 0 && fin32(a) && fin32(b)) {
    const r = K.mul32(c, num32(a), num32(b));
    if (r === r) return bits32(r);
  }
  return int32(S.mul(F32, big32(a), big32(b), c));
}

/** Single a / b. */
export function fdiv32(c: FpEnv, a: number, b: number): number {
  if ((c.fpcr & SLOW) === 0 && fin32(a) && fin32(b)) {
    const r = K.div32(c, num32(a), num32(b));
    if (r === r) return bits32(r);
  }
  return int32(S.div(F32, big32(a), big32(b), c));
}

/** Single square root. */
export function fsqrt32(c: FpEnv, a: number): number {
  if ((c.fpcr & SLOW) === 0 && (a >= 0 || a === (0x80000000 | 0)) && fin32(a)) {
    return bits32(K.sqrt32(c, num32(a)));
  }
  return int32(S.sqrt(F32, big32(a), c));
}

/** Single acc + n * m with one rounding. */
export function fmla32(c: FpEnv, acc: number, n: number, m: number): number {
  if ((c.fpcr & SLOW) === 0 && fin32(acc) && fin32(n) && fin32(m)) {
    const r = K.fma32(c, num32(acc), num32(n), num32(m));
    if (r === r) return bits32(r);
  }
  return int32(S.mulAdd(F32, big32(acc), big32(n), big32(m), c));
}

/** Single FMULX. */
export function fmulx32(c: FpEnv, a: number, b: number): number {
  return int32(S.mul(F32, big32(a), big32(b), c, true));
}

function maxMin32(c: FpEnv, a: number, b: number, isMax: boolean, nm: boolean): number {
  if ((c.fpcr & FZ) === 0 && fin32(a) && fin32(b)) {
    const x = num32(a), y = num32(b);
    if (x === y) return x === 0 ? (isMax ? a & b : a | b) : b;
    return (x > y) === isMax ? a : b;
  }
  return int32(S.maxMin(F32, big32(a), big32(b), c, isMax, nm));
}

/** Single FMAX. */
export function fmax32(c: FpEnv, a: number, b: number): number {
  return maxMin32(c, a, b, true, false);
}

/** Single FMIN. */
export function fmin32(c: FpEnv, a: number, b: number): number {
  return maxMin32(c, a, b, false, false);
}

/** Single FMAXNM. */
export function fmaxnm32(c: FpEnv, a: number, b: number): number {
  return maxMin32(c, a, b, true, true);
}

/** Single FMINNM. */
export function fminnm32(c: FpEnv, a: number, b: number): number {
  return maxMin32(c, a, b, false, true);
}

/** Single FCMP/FCMPE as NZCV (4 bits). */
export function fcmp32(c: FpEnv, a: number, b: number, signal: number): number {
  if ((c.fpcr & FZ) === 0 && fin32(a) && fin32(b)) {
    const x = num32(a), y = num32(b);
    return x === y ? 6 : x < y ? 8 : 2;
  }
  return S.compare(F32, big32(a), big32(b), c, signal !== 0);
}

/** Single FCMEQ: 1 or 0. */
export function fcmeq32(c: FpEnv, a: number, b: number): number {
  return S.compareOp(F32, big32(a), big32(b), c, 0);
}

/** Single FCMGE: 1 or 0. */
export function fcmge32(c: FpEnv, a: number, b: number): number {
  return S.compareOp(F32, big32(a), big32(b), c, 1);
}

/** Single FCMGT: 1 or 0. */
export function fcmgt32(c: FpEnv, a: number, b: number): number {
  return S.compareOp(F32, big32(a), big32(b), c, 2);
}

/** Single FRINT* with rounding mode rm (0..4); exact=1 raises Inexact (FRINTX). */
export function frint32(c: FpEnv, a: number, rm: number, exact: number): number {
  if ((c.fpcr & FZ) === 0 && fin32(a)) {
    const x = num32(a), r = rnd(x, rm);
    if (exact && r !== x) c.fpsr |= IXC;
    return bits32(r);
  }
  return int32(S.roundInt(F32, big32(a), c, rm, exact !== 0));
}

/** Single FRECPE. */
export function frecpe32(c: FpEnv, a: number): number {
  return int32(E.recipEstimate(F32, big32(a), c));
}

/** Single FRSQRTE. */
export function frsqrte32(c: FpEnv, a: number): number {
  return int32(E.rsqrtEstimate(F32, big32(a), c));
}

/** Single FRECPX. */
export function frecpx32(c: FpEnv, a: number): number {
  return int32(E.recpX(F32, big32(a), c));
}

/** Single FRECPS: 2 - a*b fused. */
export function frecps32(c: FpEnv, a: number, b: number): number {
  return int32(S.stepFused(F32, big32(a), big32(b), c, false));
}

/** Single FRSQRTS: (3 - a*b) / 2 fused. */
export function frsqrts32(c: FpEnv, a: number, b: number): number {
  return int32(S.stepFused(F32, big32(a), big32(b), c, true));
}

// ---- double precision (results in T) --------------------------------------------------------

/** Double a + b. */
export function fadd64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  if ((c.fpcr & SLOW) === 0 && fin64(aH) && fin64(bH)) {
    const r = K.add64(c, num64(aL, aH), num64(bL, bH));
    if (r === r) return out64(r);
  }
  outBig(S.add(F64, big64(aL, aH), big64(bL, bH), c, false));
}

/** Double a - b. */
export function fsub64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  if ((c.fpcr & SLOW) === 0 && fin64(aH) && fin64(bH)) {
    const r = K.add64(c, num64(aL, aH), -num64(bL, bH));
    if (r === r) return out64(r);
  }
  outBig(S.add(F64, big64(aL, aH), big64(bL, bH), c, true));
}

/** Double a * b. */
export function fmul64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  if ((c.fpcr & SLOW) === 0 && fin64(aH) && fin64(bH)) {
    const r = K.mul64(c, num64(aL, aH), num64(bL, bH));
    if (r === r) return out64(r);
  }
  outBig(S.mul(F64, big64(aL, aH), big64(bL, bH), c));
}

/** Double a / b. */
export function fdiv64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  if ((c.fpcr & SLOW) === 0 && fin64(aH) && fin64(bH)) {
    const r = K.div64(c, num64(aL, aH), num64(bL, bH));
    if (r === r) return out64(r);
  }
  outBig(S.div(F64, big64(aL, aH), big64(bL, bH), c));
}

/** Double square root. */
export function fsqrt64(c: FpEnv, lo: number, hi: number): void {
  if ((c.fpcr & SLOW) === 0 && fin64(hi)) {
    const r = K.sqrt64(c, num64(lo, hi));
    if (r === r) return out64(r);
  }
  outBig(S.sqrt(F64, big64(lo, hi), c));
}

/** Double acc + n * m with one rounding. */
export function fmla64(
  c: FpEnv,
  aL: number,
  aH: number,
  nL: number,
  nH: number,
  mL: number,
  mH: number,
): void {
  if ((c.fpcr & SLOW) === 0 && fin64(aH) && fin64(nH) && fin64(mH)) {
    const r = K.fma64(c, num64(aL, aH), num64(nL, nH), num64(mL, mH));
    if (r === r) return out64(r);
  }
  outBig(S.mulAdd(F64, big64(aL, aH), big64(nL, nH), big64(mL, mH), c));
}

/** Double FMULX. */
export function fmulx64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  outBig(S.mul(F64, big64(aL, aH), big64(bL, bH), c, true));
}

function maxMin64(
  c: FpEnv,
  aL: number,
  aH: number,
  bL: number,
  bH: number,
  isMax: boolean,
  nm: boolean,
): void {
  if ((c.fpcr & FZ) === 0 && fin64(aH) && fin64(bH)) {
    const x = num64(aL, aH), y = num64(bL, bH);
    const pickA = x === y ? x === 0 && ((aH < 0) !== isMax) : (x > y) === isMax;
    T[0] = pickA ? aL : bL;
    T[1] = pickA ? aH : bH;
    return;
  }
  outBig(S.maxMin(F64, big64(aL, aH), big64(bL, bH), c, isMax, nm));
}

/** Double FMAX. */
export function fmax64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  maxMin64(c, aL, aH, bL, bH, true, false);
}

/** Double FMIN. */
export function fmin64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  maxMin64(c, aL, aH, bL, bH, false, false);
}

/** Double FMAXNM. */
export function fmaxnm64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  maxMin64(c, aL, aH, bL, bH, true, true);
}

/** Double FMINNM. */
export function fminnm64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  maxMin64(c, aL, aH, bL, bH, false, true);
}

/** Double FCMP/FCMPE as NZCV (4 bits). */
export function fcmp64(
  c: FpEnv,
  aL: number,
  aH: number,
  bL: number,
  bH: number,
  signal: number,
): number {
  if ((c.fpcr & FZ) === 0 && fin64(aH) && fin64(bH)) {
    const x = num64(aL, aH), y = num64(bL, bH);
    return x === y ? 6 : x < y ? 8 : 2;
  }
  return S.compare(F64, big64(aL, aH), big64(bL, bH), c, signal !== 0);
}

/** Double FCMEQ: 1 or 0. */
export function fcmeq64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): number {
  return S.compareOp(F64, big64(aL, aH), big64(bL, bH), c, 0);
}

/** Double FCMGE: 1 or 0. */
export function fcmge64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): number {
  return S.compareOp(F64, big64(aL, aH), big64(bL, bH), c, 1);
}

/** Double FCMGT: 1 or 0. */
export function fcmgt64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): number {
  return S.compareOp(F64, big64(aL, aH), big64(bL, bH), c, 2);
}

/** Double FRINT* with rounding mode rm (0..4); exact=1 raises Inexact (FRINTX). */
export function frint64(c: FpEnv, lo: number, hi: number, rm: number, exact: number): void {
  if ((c.fpcr & FZ) === 0 && fin64(hi)) {
    const x = num64(lo, hi), r = rnd(x, rm);
    if (exact && r !== x) c.fpsr |= IXC;
    return out64(r);
  }
  outBig(S.roundInt(F64, big64(lo, hi), c, rm, exact !== 0));
}

/** Double FRECPE. */
export function frecpe64(c: FpEnv, lo: number, hi: number): void {
  outBig(E.recipEstimate(F64, big64(lo, hi), c));
}

/** Double FRSQRTE. */
export function frsqrte64(c: FpEnv, lo: number, hi: number): void {
  outBig(E.rsqrtEstimate(F64, big64(lo, hi), c));
}

/** Double FRECPX. */
export function frecpx64(c: FpEnv, lo: number, hi: number): void {
  outBig(E.recpX(F64, big64(lo, hi), c));
}

/** Double FRECPS. */
export function frecps64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  outBig(S.stepFused(F64, big64(aL, aH), big64(bL, bH), c, false));
}

/** Double FRSQRTS. */
export function frsqrts64(c: FpEnv, aL: number, aH: number, bL: number, bH: number): void {
  outBig(S.stepFused(F64, big64(aL, aH), big64(bL, bH), c, true));
}

// ---- conversions between formats -----------------------------------------------------------

/** Single to double (exact). */
export function f32to64(c: FpEnv, a: number): void {
  if (fin32(a) && ((a & 0x7f800000) !== 0 || (c.fpcr & FZ) === 0)) return out64(num32(a));
  outBig(S.convert(F32, F64, big32(a), c, S.fpcrMode(c)));
}

/** Double to single. */
export function f64to32(c: FpEnv, lo: number, hi: number): number {
  if ((c.fpcr & SLOW) === 0 && fin64(hi)) {
    const r = K.round32(c, num64(lo, hi), 0);
    if (r === r) return bits32(r);
  }
  return int32(S.convert(F64, F32, big64(lo, hi), c, S.fpcrMode(c)));
}

/** Double to single rounding to odd (FCVTXN). */
export function f64to32odd(c: FpEnv, lo: number, hi: number): number {
  return int32(S.convert(F64, F32, big64(lo, hi), c, S.RO));
}

/** Half to single. */
export function f16to32(c: FpEnv, h: number): number {
  return int32(S.convert(F16, F32, BigInt(h & 0xffff), c, S.fpcrMode(c)));
}

/** Single to half. */
export function f32to16(c: FpEnv, a: number): number {
  return Number(S.convert(F32, F16, big32(a), c, S.fpcrMode(c)));
}

/** Half to double. */
export function f16to64(c: FpEnv, h: number): void {
  outBig(S.convert(F16, F64, BigInt(h & 0xffff), c, S.fpcrMode(c)));
}

/** Double to half. */
export function f64to16(c: FpEnv, lo: number, hi: number): number {
  return Number(S.convert(F64, F16, big64(lo, hi), c, S.fpcrMode(c)));
}

// ---- float to integer ----------------------------------------------------------------------

/** x (finite) scaled and rounded; saturates into [min, max] raising Invalid, else Inexact. */
function toInt(c: FpEnv, x: number, rm: number, min: number, max: number): number {
  const i = rnd(x, rm);
  if (i > max) {
    c.fpsr |= IOC;
    return max;
  }
  if (i < min) {
    c.fpsr |= IOC;
    return min;
  }
  if (i !== x) c.fpsr |= IXC;
  return i;
}

/** The fast path applies: finite and not a value FZ would flush. */
function intFast32(c: FpEnv, a: number): boolean {
  return fin32(a) && ((a & 0x7f800000) !== 0 || (c.fpcr & FZ) === 0);
}

function intFast64(c: FpEnv, hi: number): boolean {
  return fin64(hi) && ((hi & 0x7ff00000) !== 0 || (c.fpcr & FZ) === 0);
}

/** Writes an integer-valued number in [-2^63, 2^64) to T as 64 bits. */
function outInt64(i: number): void {
  const h = Math.floor(i / TWO32);
  T[0] = (i - h * TWO32) | 0;
  T[1] = h | 0;
}

function toI32(c: FpEnv, x: number, rm: number, fbits: number, unsigned: number): number {
  x *= POW2[fbits];
  return unsigned
    ? toInt(c, x, rm, 0, 4294967295) | 0
    : toInt(c, x, rm, -2147483648, 2147483647) | 0;
}

function toI64(c: FpEnv, x: number, rm: number, fbits: number, unsigned: number): void {
  x *= POW2[fbits];
  const max = unsigned ? 2 ** 64 : 2 ** 63, min = unsigned ? 0 : -(2 ** 63);
  const i = rnd(x, rm);
  if (i >= max || i < min) {
    c.fpsr |= IOC;
    if (i < min) outInt64(min);
    else if (unsigned) T[0] = T[1] = -1;
    else {
      T[0] = -1;
      T[1] = 0x7fffffff;
    }
    return;
  }
  if (i !== x) c.fpsr |= IXC;
  outInt64(i);
}

/** Single to 32-bit integer (FCVT*, fixed point with fbits). */
export function f32toI32(c: FpEnv, a: number, rm: number, fbits: number, unsigned: number): number {
  if (intFast32(c, a)) return toI32(c, num32(a), rm, fbits, unsigned);
  return int32(S.toFixed(F32, big32(a), c, fbits, unsigned !== 0, 32, rm));
}

/** Single to 64-bit integer, result in T. */
export function f32toI64(c: FpEnv, a: number, rm: number, fbits: number, unsigned: number): void {
  if (intFast32(c, a)) return toI64(c, num32(a), rm, fbits, unsigned);
  outBig(S.toFixed(F32, big32(a), c, fbits, unsigned !== 0, 64, rm));
}

/** Double to 32-bit integer. */
export function f64toI32(
  c: FpEnv,
  lo: number,
  hi: number,
  rm: number,
  fbits: number,
  unsigned: number,
): number {
  if (intFast64(c, hi)) return toI32(c, num64(lo, hi), rm, fbits, unsigned);
  return int32(S.toFixed(F64, big64(lo, hi), c, fbits, unsigned !== 0, 32, rm));
}

/** Double to 64-bit integer, result in T. */
export function f64toI64(
  c: FpEnv,
  lo: number,
  hi: number,
  rm: number,
  fbits: number,
  unsigned: number,
): void {
  if (intFast64(c, hi)) return toI64(c, num64(lo, hi), rm, fbits, unsigned);
  outBig(S.toFixed(F64, big64(lo, hi), c, fbits, unsigned !== 0, 64, rm));
}

// ---- integer to float ----------------------------------------------------------------------

/** Signed bigint of a 32/64-bit integer operand. */
function intBig(lo: number, hi: number, is64: boolean, unsigned: number): bigint {
  if (!is64) return BigInt(unsigned ? lo >>> 0 : lo | 0);
  const v = big64(lo, hi);
  return unsigned ? v : BigInt.asIntN(64, v);
}

/** 32-bit integer to single. */
export function i32toF32(c: FpEnv, v: number, unsigned: number, fbits: number): number {
  if ((c.fpcr & 0x00c00000) === 0) {
    const x = unsigned ? v >>> 0 : v | 0, r = Math.fround(x);
    if (r !== x) c.fpsr |= IXC;
    return bits32(r * INV_POW2[fbits]);
  }
  return int32(S.fromFixed(F32, intBig(v, 0, false, unsigned), fbits, c, S.fpcrMode(c)));
}

/** 64-bit integer to single. */
export function i64toF32(
  c: FpEnv,
  lo: number,
  hi: number,
  unsigned: number,
  fbits: number,
): number {
  if ((c.fpcr & 0x00c00000) === 0) {
    const h = (unsigned ? hi >>> 0 : hi | 0) * TWO32, l = lo >>> 0, s = h + l;
    const r = K.round32(c, s, sumErr(h, l, s));
    if (r === r) return bits32(r * INV_POW2[fbits]);
  }
  return int32(S.fromFixed(F32, intBig(lo, hi, true, unsigned), fbits, c, S.fpcrMode(c)));
}

/** 32-bit integer to double (exact). */
export function i32toF64(_c: FpEnv, v: number, unsigned: number, fbits: number): void {
  out64((unsigned ? v >>> 0 : v | 0) * INV_POW2[fbits]);
}

/** 64-bit integer to double. */
export function i64toF64(c: FpEnv, lo: number, hi: number, unsigned: number, fbits: number): void {
  if ((c.fpcr & 0x00c00000) === 0) {
    const h = (unsigned ? hi >>> 0 : hi | 0) * TWO32, l = lo >>> 0, s = h + l;
    if (sumErr(h, l, s) !== 0) c.fpsr |= IXC;
    return out64(s * INV_POW2[fbits]);
  }
  outBig(S.fromFixed(F64, intBig(lo, hi, true, unsigned), fbits, c, S.fpcrMode(c)));
}

// ---- register-file forms of the double conversions (scalar rows; see fp_regs.ts) -------------

/** Writes a double result to V[d], zeroing bits 127:64. */
function setD(c: FpRegs, d: number, r: number): void {
  c.vd[2 * d] = r;
  c.vd[2 * d + 1] = 0;
}

/** Writes double bits from T to V[d], zeroing bits 127:64. */
function setDT(c: FpRegs, d: number): void {
  const w = c.vw;
  w[4 * d] = T[0];
  w[4 * d + 1] = T[1];
  w[4 * d + 2] = w[4 * d + 3] = 0;
}

/** Double V[n] to 32-bit integer. */
export function f64toI32r(c: FpRegs, n: number, rm: number, fbits: number, u: number): number {
  const hi = c.vw[4 * n + 1];
  if (intFast64(c, hi)) return toI32(c, c.vd[2 * n], rm, fbits, u);
  return int32(S.toFixed(F64, big64(c.vw[4 * n], hi), c, fbits, u !== 0, 32, rm));
}

/** Double V[n] to 64-bit integer, result in T. */
export function f64toI64r(c: FpRegs, n: number, rm: number, fbits: number, u: number): void {
  const hi = c.vw[4 * n + 1];
  if (intFast64(c, hi)) return toI64(c, c.vd[2 * n], rm, fbits, u);
  outBig(S.toFixed(F64, big64(c.vw[4 * n], hi), c, fbits, u !== 0, 64, rm));
}

/** 32-bit integer to double in V[d] (exact). */
export function i32toF64r(c: FpRegs, d: number, v: number, u: number, fbits: number): void {
  setD(c, d, (u ? v >>> 0 : v | 0) * INV_POW2[fbits]);
}

/** 64-bit integer to double in V[d]. */
export function i64toF64r(
  c: FpRegs,
  d: number,
  lo: number,
  hi: number,
  u: number,
  fbits: number,
): void {
  if ((c.fpcr & 0x00c00000) === 0) {
    const h = (u ? hi >>> 0 : hi | 0) * TWO32, l = lo >>> 0, s = h + l;
    if (sumErr(h, l, s) !== 0) c.fpsr |= IXC;
    return setD(c, d, s * INV_POW2[fbits]);
  }
  i64toF64(c, lo, hi, u, fbits);
  setDT(c, d);
}

/** Single V[n] to double V[d]. */
export function f32to64r(c: FpRegs, d: number, n: number): void {
  const a = c.vw[4 * n];
  if (fin32(a) && ((a & 0x7f800000) !== 0 || (c.fpcr & FZ) === 0)) return setD(c, d, c.vs[4 * n]);
  f32to64(c, a);
  setDT(c, d);
}

/** Double V[n] to single V[d]. */
export function f64to32r(c: FpRegs, d: number, n: number): void {
  const w = c.vw, hi = w[4 * n + 1];
  let r = NaN;
  if ((c.fpcr & SLOW) === 0 && fin64(hi)) r = K.round32(c, c.vd[2 * n], 0);
  if (r === r) c.vs[4 * d] = r;
  else w[4 * d] = int32(S.convert(F64, F32, big64(w[4 * n], hi), c, S.fpcrMode(c)));
  w[4 * d + 1] = w[4 * d + 2] = w[4 * d + 3] = 0;
}

/** Double FRINT* of V[n] into V[d]. */
export function frint64r(c: FpRegs, d: number, n: number, rm: number, exact: number): void {
  const hi = c.vw[4 * n + 1];
  if ((c.fpcr & FZ) === 0 && fin64(hi)) {
    const x = c.vd[2 * n], r = rnd(x, rm);
    if (exact && r !== x) c.fpsr |= IXC;
    return setD(c, d, r);
  }
  outBig(S.roundInt(F64, big64(c.vw[4 * n], hi), c, rm, exact !== 0));
  setDT(c, d);
}
