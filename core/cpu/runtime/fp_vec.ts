/**
 * Lane helpers that only Advanced SIMD needs, built on the FP runtime (fp.ts): compare masks
 * (all ones / zero, incl. the absolute FACGE/FACGT), FABD, FMLS, and the unsigned integer
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

/** FCMEQ lane mask (single). */
export function vfCmeq32(c: FpEnv, a: number, b: number): number {
  return -fcmeq32(c, a, b);
}
/** FCMEQ lane mask (double). */
export function vfCmeq64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  T[0] = T[1] = -fcmeq64(c, al, ah, bl, bh);
}
/** FCMGE lane mask (single). */
export function vfCmge32(c: FpEnv, a: number, b: number): number {
  return -fcmge32(c, a, b);
}
/** FCMGE lane mask (double). */
export function vfCmge64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  T[0] = T[1] = -fcmge64(c, al, ah, bl, bh);
}
/** FCMGT lane mask (single). */
export function vfCmgt32(c: FpEnv, a: number, b: number): number {
  return -fcmgt32(c, a, b);
}
/** FCMGT lane mask (double). */
export function vfCmgt64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  T[0] = T[1] = -fcmgt64(c, al, ah, bl, bh);
}
/** FACGE lane mask (single): |a| >= |b| (FPAbs first, so NaN signs do not matter). */
export function vfAcge32(c: FpEnv, a: number, b: number): number {
  return -fcmge32(c, a & 0x7fffffff, b & 0x7fffffff);
}
/** FACGE lane mask (double). */
export function vfAcge64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  T[0] = T[1] = -fcmge64(c, al, ah & 0x7fffffff, bl, bh & 0x7fffffff);
}
/** FACGT lane mask (single): |a| > |b|. */
export function vfAcgt32(c: FpEnv, a: number, b: number): number {
  return -fcmgt32(c, a & 0x7fffffff, b & 0x7fffffff);
}
/** FACGT lane mask (double). */
export function vfAcgt64(c: FpEnv, al: number, ah: number, bl: number, bh: number): void {
  T[0] = T[1] = -fcmgt64(c, al, ah & 0x7fffffff, bl, bh & 0x7fffffff);
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
