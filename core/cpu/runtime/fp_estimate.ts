/**
 * The reciprocal and reciprocal square root estimates of the Arm ARM (FPRecipEstimate,
 * FPRSqrtEstimate with their 8-bit tables computed as the pseudocode does, FPRecpX), on bigint
 * bit patterns of any format.
 */
import {
  bitLen,
  DZC,
  FPCR_FZ,
  fpcrMode,
  type FpEnv,
  type FpFormat,
  INF,
  IOC,
  IXC,
  OFC,
  processNaN,
  QNAN,
  RM,
  RN,
  RP,
  SNAN,
  UFC,
  unpack,
  ZERO,
} from "./fp_soft.ts";

/** RecipEstimate: 256 <= a < 512 (0.5 <= x < 1) to 256..511 (1 <= 1/x < 2), 9 bits. */
function recipTable(a: number): number {
  a = a * 2 + 1;
  const b = Math.floor(2 ** 19 / a);
  return (b + 1) >> 1;
}

/** RecipSqrtEstimate: 128 <= a < 512 (0.25 <= x < 1) to 256..511. */
function recipSqrtEstimate(a: number): number {
  if (a < 256) a = a * 2 + 1;
  else a = ((a >> 1) << 1) * 2 + 2;
  let b = 512;
  while (a * (b + 1) * (b + 1) < 2 ** 28) b++;
  return (b + 1) >> 1;
}

const sign = (fmt: FpFormat, s: number) => BigInt(s) << BigInt(fmt.n - 1);
const expMax = (fmt: FpFormat) => (1 << fmt.e) - 1;
const infBits = (fmt: FpFormat, s: number) => sign(fmt, s) | (BigInt(expMax(fmt)) << BigInt(fmt.f));

/** Fraction widened to 52 bits and the biased exponent. */
function fracExp(fmt: FpFormat, a: bigint): [bigint, number] {
  const f = (a & ((1n << BigInt(fmt.f)) - 1n)) << BigInt(52 - fmt.f);
  return [f, Number((a >> BigInt(fmt.f)) & BigInt(expMax(fmt)))];
}

/** FPRecipEstimate (FRECPE). */
export function recipEstimate(fmt: FpFormat, a: bigint, env: FpEnv): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) return processNaN(fmt, u, a, env);
  if (u.k === INF) return sign(fmt, u.s);
  if (u.k === ZERO) {
    env.fpsr |= DZC;
    return infBits(fmt, u.s);
  }
  const bias = (1 << (fmt.e - 1)) - 1;
  // Magnitude below 2^-(bias+1): the reciprocal overflows.
  if (u.x + bitLen(u.m) - 1 < -bias - 1) {
    const rm = fpcrMode(env);
    const toInf = rm === RN || (rm === RP && u.s === 0) || (rm === RM && u.s === 1);
    env.fpsr |= OFC | IXC;
    return toInf ? infBits(fmt, u.s) : sign(fmt, u.s) | (infBits(fmt, 0) - 1n);
  }
  let [frac, exp] = fracExp(fmt, a);
  if ((env.fpcr & FPCR_FZ) && fmt.n !== 16 && exp >= 2 * bias - 1) {
    env.fpsr |= UFC;
    return sign(fmt, u.s);
  }
  if (exp === 0) {
    if (((frac >> 51n) & 1n) === 0n) {
      exp = -1;
      frac = (frac << 2n) & ((1n << 52n) - 1n);
    } else frac = (frac << 1n) & ((1n << 52n) - 1n);
  }
  const scaled = 256 + Number(frac >> 44n);
  let rexp = 2 * bias - 1 - exp;
  const est = recipTable(scaled);
  let rf = BigInt(est & 0xff) << 44n;
  if (rexp === 0) rf = (1n << 51n) | (rf >> 1n);
  else if (rexp === -1) {
    rf = (1n << 50n) | (rf >> 2n);
    rexp = 0;
  }
  return sign(fmt, u.s) | (BigInt(rexp) << BigInt(fmt.f)) | (rf >> BigInt(52 - fmt.f));
}

/** FPRSqrtEstimate (FRSQRTE). */
export function rsqrtEstimate(fmt: FpFormat, a: bigint, env: FpEnv): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) return processNaN(fmt, u, a, env);
  if (u.k === ZERO) {
    env.fpsr |= DZC;
    return infBits(fmt, u.s);
  }
  if (u.s) {
    env.fpsr |= IOC;
    return ((1n << BigInt(fmt.e + 1)) - 1n) << BigInt(fmt.f - 1);
  }
  if (u.k === INF) return 0n;
  let [frac, exp] = fracExp(fmt, a);
  if (exp === 0) {
    while (((frac >> 51n) & 1n) === 0n) {
      frac = (frac << 1n) & ((1n << 52n) - 1n);
      exp--;
    }
    frac = (frac << 1n) & ((1n << 52n) - 1n);
  }
  const scaled = (exp & 1) === 0 ? 256 + Number(frac >> 44n) : 128 + Number(frac >> 45n);
  const bias = (1 << (fmt.e - 1)) - 1;
  const rexp = Math.floor((3 * bias - 1 - exp) / 2);
  const est = recipSqrtEstimate(scaled);
  return (BigInt(rexp) << BigInt(fmt.f)) | (BigInt(est & 0xff) << BigInt(fmt.f - 8));
}

/** FPRecpX (FRECPX): the exponent inverted, fraction cleared. */
export function recpX(fmt: FpFormat, a: bigint, env: FpEnv): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) return processNaN(fmt, u, a, env);
  const [, exp] = fracExp(fmt, a);
  const s = sign(fmt, Number((a >> BigInt(fmt.n - 1)) & 1n));
  const e = exp === 0 ? expMax(fmt) - 1 : ~exp & expMax(fmt);
  return s | (BigInt(e) << BigInt(fmt.f));
}
