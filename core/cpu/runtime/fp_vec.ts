/**
 * Lane helpers that only Advanced SIMD needs, built on the FP runtime (fp.ts): compare masks
 * (all ones / zero, incl. the absolute FACGE/FACGT; ordered operands are compared on their bits
 * without BigInt, the rest goes to the runtime), FABD, FMLS, and the unsigned integer
 * estimates URECPE/URSQRTE. Lanes are raw bits as in fp.ts: single one int32, double lo, hi with
 * 64-bit results in T[0], T[1]. Everything else the SIMD FP rows call directly in fp.ts.
 */
import { T } from "./scratch.ts";
import type { FpEnv } from "./fp_soft.ts";
import {
  fcmeq32,
  fcmeq64,
  fcmge32,
  fcmge64,
  fcmgt32,
  fcmgt64,
  fmla32,
  fmla64,
  fsub32,
  fsub64,
} from "./fp.ts";

const SIGN = -2147483648;

const EQ = 0, GE = 1, GT = 2;
const FZ = 1 << 24;

const nan32 = (a: number) => (a & 0x7fffffff) > 0x7f800000;
const den32 = (a: number) => (a & 0x7f800000) === 0 && (a & 0x7fffff) !== 0;
const nan64 = (lo: number, hi: number) =>
  (hi & 0x7fffffff) > 0x7ff00000 || ((hi & 0x7fffffff) === 0x7ff00000 && lo !== 0);
const den64 = (lo: number, hi: number) => (hi & 0x7ff00000) === 0 && ((hi & 0xfffff) | lo) !== 0;

/** Order key of non-NaN single bits: sign-magnitude as a number, both zeros 0. */
const key32 = (a: number) => (a < 0 ? -(a & 0x7fffffff) : a);

/** -1, 0 or 1: the order of two non-NaN doubles, from their bits. */
function order64(al: number, ah: number, bl: number, bh: number): number {
  const ma = ah & 0x7fffffff, mb = bh & 0x7fffffff;
  if ((ma | al | mb | bl) === 0) return 0; // +0 and -0 compare equal
  if ((ah ^ bh) < 0) return ah < 0 ? -1 : 1;
  const mag = ma !== mb ? (ma > mb ? 1 : -1) : al === bl ? 0 : (al >>> 0) > (bl >>> 0) ? 1 : -1;
  return ah < 0 ? -mag : mag;
}

const holds = (o: number, op: number) => (op === EQ ? o === 0 : op === GE ? o >= 0 : o > 0);

/**
 * Compare mask of single lanes. Ordered operands (and no flushing) are compared on their bits
 * here, without flags; NaNs and flushed denormals take the runtime's FPCompare* for the flags.
 */
function cmp32(c: FpEnv, a: number, b: number, op: number): number {
  if (nan32(a) || nan32(b) || ((c.fpcr & FZ) !== 0 && (den32(a) || den32(b)))) {
    return -(op === EQ ? fcmeq32(c, a, b) : op === GE ? fcmge32(c, a, b) : fcmgt32(c, a, b));
  }
  const x = key32(a), y = key32(b);
  return holds(x === y ? 0 : x < y ? -1 : 1, op) ? -1 : 0;
}

/** Compare mask of double lanes, to T[0] and T[1]; as cmp32. */
function cmp64(c: FpEnv, al: number, ah: number, bl: number, bh: number, op: number): void {
  let r: number;
  if (
    nan64(al, ah) || nan64(bl, bh) || ((c.fpcr & FZ) !== 0 && (den64(al, ah) || den64(bl, bh)))
  ) {
    r = op === EQ
      ? fcmeq64(c, al, ah, bl, bh)
      : op === GE
      ? fcmge64(c, al, ah, bl, bh)
      : fcmgt64(c, al, ah, bl, bh);
  } else r = holds(order64(al, ah, bl, bh), op) ? 1 : 0;
  T[0] = T[1] = -r;
}

/** FCMEQ lane mask (single). */
export function vfCmeq32(c: FpEnv, a: number, b: number): number {
  return cmp32(c, a, b, EQ);
}
/** FCMEQ lane mask (double). */
export function vfCmeq64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  cmp64(c, al, ah, bl, bh, EQ);
}
/** FCMGE lane mask (single). */
export function vfCmge32(c: FpEnv, a: number, b: number): number {
  return cmp32(c, a, b, GE);
}
/** FCMGE lane mask (double). */
export function vfCmge64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  cmp64(c, al, ah, bl, bh, GE);
}
/** FCMGT lane mask (single). */
export function vfCmgt32(c: FpEnv, a: number, b: number): number {
  return cmp32(c, a, b, GT);
}
/** FCMGT lane mask (double). */
export function vfCmgt64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  cmp64(c, al, ah, bl, bh, GT);
}
/** FACGE lane mask (single): |a| >= |b| (FPAbs first, so NaN signs do not matter). */
export function vfAcge32(c: FpEnv, a: number, b: number): number {
  return cmp32(c, a & 0x7fffffff, b & 0x7fffffff, GE);
}
/** FACGE lane mask (double). */
export function vfAcge64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  cmp64(c, al, ah & 0x7fffffff, bl, bh & 0x7fffffff, GE);
}
/** FACGT lane mask (single): |a| > |b|. */
export function vfAcgt32(c: FpEnv, a: number, b: number): number {
  return cmp32(c, a & 0x7fffffff, b & 0x7fffffff, GT);
}
/** FACGT lane mask (double). */
export function vfAcgt64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  cmp64(c, al, ah & 0x7fffffff, bl, bh & 0x7fffffff, GT);
}

/** FABD lane (single): FPAbs(FPSub(a, b)); the sign is cleared after, NaN results included. */
export function vfAbd32(c: FpEnv, a: number, b: number): number {
  return fsub32(c, a, b) & 0x7fffffff;
}
/** FABD lane (double). */
export function vfAbd64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  fsub64(c, al, ah, bl, bh);
  T[1] &= 0x7fffffff;
}

/** FMLS lane (single): acc + FPNeg(a) * b fused; FPNeg flips a NaN's sign too. */
export function vfMls32(c: FpEnv, acc: number, a: number, b: number): number {
  return fmla32(c, acc, a ^ SIGN, b);
}
/** FMLS lane (double). */
export function vfMls64(
  c: FpEnv,
  accl: number,
  acch: number,
  al: number,
  ah: number,
  bl: number,
  bh: number,
): void {
  fmla64(c, accl, acch, al, ah ^ SIGN, bl, bh);
}

/** RecipEstimate of the Arm ARM on a 9-bit fixed-point input (256..511). */
function recipTable(a: number): number {
  const b = Math.floor(524288 / (a * 2 + 1));
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate of the Arm ARM for a in 128..511, precomputed (its search loop). */
const RSQRT = new Uint16Array(512);
for (let a0 = 128; a0 < 512; a0++) {
  const a = a0 < 256 ? a0 * 2 + 1 : ((a0 >> 1) << 1) * 2 + 2;
  let b = 512;
  while (a * (b + 1) * (b + 1) < 268435456) b++;
  RSQRT[a0] = (b + 1) >> 1;
}

/** URECPE lane: all ones below 0.5, else the 9-bit estimate at the top. */
export function vuRecpe32(_c: FpEnv, a: number): number {
  return a >= 0 ? -1 : recipTable((a >>> 23) & 0x1ff) << 23;
}

/** URSQRTE lane: all ones below 0.25, else the 9-bit estimate at the top. */
export function vuRsqrte32(_c: FpEnv, a: number): number {
  return a >>> 30 === 0 ? -1 : RSQRT[(a >>> 23) & 0x1ff] << 23;
}
