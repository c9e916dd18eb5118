/**
 * Exact IEEE 754 arithmetic after the Arm ARM pseudocode (FPUnpack, FPRound, FPProcessNaNs, FPAdd,
 * FPMulAdd, FPToFixed...), on bigint bit patterns of any of the three formats. It is the reference
 * and the slow path of runtime/fp.ts: every rounding mode, flush-to-zero, default NaN, AHP and
 * the FPSR cumulative flags. Values inside are sign, bigint significand `m` and exponent `x`
 * (value = m * 2^x), so every result is computed exactly and rounded once.
 */

/** The FP control/status registers a helper reads and updates (the Cpu satisfies this). */
export interface FpEnv {
  fpcr: number;
  fpsr: number;
}

/** A binary interchange format: total bits, exponent bits, fraction bits. */
export interface FpFormat {
  readonly n: number;
  readonly e: number;
  readonly f: number;
}

/** Half, single and double precision. */
export const F16: FpFormat = { n: 16, e: 5, f: 10 };
export const F32: FpFormat = { n: 32, e: 8, f: 23 };
export const F64: FpFormat = { n: 64, e: 11, f: 52 };

/** FPSR cumulative flags. */
export const IOC = 1, DZC = 2, OFC = 4, UFC = 8, IXC = 16, IDC = 128;
/** FPCR controls. */
export const FPCR_AHP = 1 << 26, FPCR_DN = 1 << 25, FPCR_FZ = 1 << 24;
/** Rounding modes; 0..3 are the FPCR.RMode encodings. */
export const RN = 0, RP = 1, RM = 2, RZ = 3, RA = 4, RO = 5;

/** Kinds of unpacked values. */
export const ZERO = 0, NUM = 1, INF = 2, QNAN = 3, SNAN = 4;

/** An unpacked value: kind, sign and (for NUM) value = m * 2^x with m > 0. */
export interface Val {
  k: number;
  s: number;
  m: bigint;
  x: number;
}

/** The FPCR rounding mode. */
export function fpcrMode(env: FpEnv): number {
  return (env.fpcr >>> 22) & 3;
}

function flushes(env: FpEnv, fmt: FpFormat): boolean {
  // FZ16 is not implemented (no FP16 arithmetic), so half precision never flushes.
  return fmt.n !== 16 && (env.fpcr & FPCR_FZ) !== 0;
}

function altHalf(env: FpEnv, fmt: FpFormat): boolean {
  return fmt.n === 16 && (env.fpcr & FPCR_AHP) !== 0;
}

/** Number of significant bits of a positive bigint. */
export function bitLen(v: bigint): number {
  let n = 0;
  while (v >= 0x100000000n) {
    v >>= 32n;
    n += 32;
  }
  return n + 32 - Math.clz32(Number(v));
}

const mask = (bits: number): bigint => (1n << BigInt(bits)) - 1n;
const signBit = (fmt: FpFormat, s: number): bigint => BigInt(s) << BigInt(fmt.n - 1);

/** ±0. */
export function zero(fmt: FpFormat, s: number): bigint {
  return signBit(fmt, s);
}

/** ±infinity. */
export function inf(fmt: FpFormat, s: number): bigint {
  return signBit(fmt, s) | (mask(fmt.e) << BigInt(fmt.f));
}

/** Largest finite magnitude with sign s. */
function maxNormal(fmt: FpFormat, s: number): bigint {
  return signBit(fmt, s) | (mask(fmt.e - 1) << BigInt(fmt.f + 1)) | mask(fmt.f);
}

/** The default NaN (positive, quiet, zero payload). */
export function defaultNaN(fmt: FpFormat): bigint {
  return mask(fmt.e + 1) << BigInt(fmt.f - 1);
}

/** FPUnpack (cv: FPUnpackCV, where AHP makes half precision exponent 31 ordinary). */
export function unpack(fmt: FpFormat, bits: bigint, env: FpEnv, cv = false): Val {
  const s = Number((bits >> BigInt(fmt.n - 1)) & 1n);
  const ex = Number((bits >> BigInt(fmt.f)) & mask(fmt.e));
  const frac = bits & mask(fmt.f);
  const bias = (1 << (fmt.e - 1)) - 1;
  if (ex === 0) {
    if (frac === 0n) return { k: ZERO, s, m: 0n, x: 0 };
    if (flushes(env, fmt)) {
      env.fpsr |= IDC;
      return { k: ZERO, s, m: 0n, x: 0 };
    }
    return { k: NUM, s, m: frac, x: 1 - bias - fmt.f };
  }
  if (ex === (1 << fmt.e) - 1 && !(cv && altHalf(env, fmt))) {
    if (frac === 0n) return { k: INF, s, m: 0n, x: 0 };
    return { k: (frac >> BigInt(fmt.f - 1)) & 1n ? QNAN : SNAN, s, m: 0n, x: 0 };
  }
  return { k: NUM, s, m: frac | (1n << BigInt(fmt.f)), x: ex - bias - fmt.f };
}

/** FPProcessNaN: quiets (or defaults) a NaN, raising Invalid for a signalling one. */
export function processNaN(fmt: FpFormat, v: Val, bits: bigint, env: FpEnv): bigint {
  if (v.k === SNAN) env.fpsr |= IOC;
  return env.fpcr & FPCR_DN ? defaultNaN(fmt) : bits | (1n << BigInt(fmt.f - 1));
}

/** FPProcessNaNs: the NaN result of a two-operand op, or undefined when neither is a NaN. */
export function processNaNs(
  fmt: FpFormat,
  a: Val,
  ab: bigint,
  b: Val,
  bb: bigint,
  env: FpEnv,
): bigint | undefined {
  if (a.k === SNAN) return processNaN(fmt, a, ab, env);
  if (b.k === SNAN) return processNaN(fmt, b, bb, env);
  if (a.k === QNAN) return processNaN(fmt, a, ab, env);
  if (b.k === QNAN) return processNaN(fmt, b, bb, env);
  return undefined;
}

/** Invalid Operation with the default NaN as result. */
function invalid(fmt: FpFormat, env: FpEnv): bigint {
  env.fpsr |= IOC;
  return defaultNaN(fmt);
}

/**
 * FPRound: rounds the exact value (-1)^s * m * 2^x (m > 0) to `fmt` with `rm`, flushing tiny
 * results when FZ applies, raising UFC (tininess before rounding), OFC and IXC. `cv` selects
 * FPRoundCV semantics for half precision (AHP saturation instead of infinities).
 */
export function round(
  fmt: FpFormat,
  env: FpEnv,
  s: number,
  m: bigint,
  x: number,
  rm: number,
  cv = false,
): bigint {
  const bias = (1 << (fmt.e - 1)) - 1;
  const minExp = 1 - bias;
  const exponent = x + bitLen(m) - 1;
  if (exponent < minExp && flushes(env, fmt)) {
    env.fpsr |= UFC;
    return zero(fmt, s);
  }
  let biased = exponent < minExp ? 0 : exponent - minExp + 1;
  const sh = x - ((biased === 0 ? minExp : exponent) - fmt.f);
  let im: bigint;
  let err = 0; // 0 exact, 1 below half an ulp, 2 exactly half, 3 above half
  if (sh >= 0) im = m << BigInt(sh);
  else {
    const k = BigInt(-sh);
    im = m >> k;
    err = remainderClass(m, k);
  }
  if (biased === 0 && err !== 0) env.fpsr |= UFC;
  if (rm === RO && err !== 0) im |= 1n;
  if (roundsUp(rm, err, (im & 1n) === 1n, s)) {
    im++;
    if (im === 1n << BigInt(fmt.f)) biased = 1;
    if (im === 1n << BigInt(fmt.f + 1)) {
      biased++;
      im >>= 1n;
    }
  }
  if (cv && altHalf(env, fmt)) {
    if (biased >= 1 << fmt.e) {
      env.fpsr |= IOC;
      return signBit(fmt, s) | mask(fmt.n - 1);
    }
  } else if (biased >= (1 << fmt.e) - 1) {
    env.fpsr |= OFC | IXC;
    const toInf = rm === RN || rm === RA || (rm === RP && s === 0) || (rm === RM && s === 1);
    return toInf ? inf(fmt, s) : maxNormal(fmt, s);
  }
  if (err !== 0) env.fpsr |= IXC;
  return signBit(fmt, s) | (BigInt(biased) << BigInt(fmt.f)) | (im & mask(fmt.f));
}

/** Rounds the exact sum of two finite signed values; an exact zero gets the IEEE sign rule. */
function sumRound(
  fmt: FpFormat,
  env: FpEnv,
  s1: number,
  m1: bigint,
  x1: number,
  s2: number,
  m2: bigint,
  x2: number,
  rm: number,
): bigint {
  if (m1 === 0n) x1 = x2;
  if (m2 === 0n) x2 = x1;
  const x = Math.min(x1, x2);
  const a = m1 << BigInt(x1 - x), b = m2 << BigInt(x2 - x);
  const v = (s1 ? -a : a) + (s2 ? -b : b);
  if (v === 0n) return zero(fmt, rm === RM ? 1 : 0);
  return round(fmt, env, v < 0n ? 1 : 0, v < 0n ? -v : v, x, rm);
}

/** FPAdd, or FPSub when `sub`. */
export function add(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv, sub: boolean): bigint {
  const ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  const nan = processNaNs(fmt, ua, a, ub, b, env);
  if (nan !== undefined) return nan;
  const sb = ub.s ^ (sub ? 1 : 0);
  if (ua.k === INF && ub.k === INF && ua.s !== sb) return invalid(fmt, env);
  if (ua.k === INF) return inf(fmt, ua.s);
  if (ub.k === INF) return inf(fmt, sb);
  if (ua.k === ZERO && ub.k === ZERO && ua.s === sb) return zero(fmt, sb);
  return sumRound(fmt, env, ua.s, ua.m, ua.x, sb, ub.m, ub.x, fpcrMode(env));
}

/** FPMul, or FPMulX (infinity times zero gives ±2) when `x`. */
export function mul(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv, x = false): bigint {
  const ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  const nan = processNaNs(fmt, ua, a, ub, b, env);
  if (nan !== undefined) return nan;
  const s = ua.s ^ ub.s;
  if ((ua.k === INF && ub.k === ZERO) || (ua.k === ZERO && ub.k === INF)) {
    return x ? signBit(fmt, s) | (1n << BigInt(fmt.n - 2)) : invalid(fmt, env);
  }
  if (ua.k === INF || ub.k === INF) return inf(fmt, s);
  if (ua.k === ZERO || ub.k === ZERO) return zero(fmt, s);
  return round(fmt, env, s, ua.m * ub.m, ua.x + ub.x, fpcrMode(env));
}

/** FPDiv. */
export function div(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv): bigint {
  const ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  const nan = processNaNs(fmt, ua, a, ub, b, env);
  if (nan !== undefined) return nan;
  const s = ua.s ^ ub.s;
  if ((ua.k === INF && ub.k === INF) || (ua.k === ZERO && ub.k === ZERO)) return invalid(fmt, env);
  if (ua.k === INF || ub.k === ZERO) {
    if (ua.k !== INF) env.fpsr |= DZC;
    return inf(fmt, s);
  }
  if (ua.k === ZERO || ub.k === INF) return zero(fmt, s);
  // Enough quotient bits for rounding, the remainder folded into a sticky low bit.
  const k = Math.max(0, fmt.f + 5 + bitLen(ub.m) - bitLen(ua.m));
  const num = ua.m << BigInt(k);
  let q = num / ub.m;
  if (q * ub.m !== num) q |= 1n;
  return round(fmt, env, s, q, ua.x - ub.x - k, fpcrMode(env));
}

/** Integer square root (floor) of a non-negative bigint. */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = BigInt(Math.ceil(Math.sqrt(Number(n)) * (1 + 2 ** -40))) + 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

/** FPSqrt. */
export function sqrt(fmt: FpFormat, a: bigint, env: FpEnv): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) return processNaN(fmt, u, a, env);
  if (u.k === ZERO) return zero(fmt, u.s);
  if (u.s) return invalid(fmt, env);
  if (u.k === INF) return inf(fmt, 0);
  let sh = Math.max(0, 2 * (fmt.f + 5) - bitLen(u.m));
  if ((u.x - sh) & 1) sh++;
  const mm = u.m << BigInt(sh);
  let r = isqrt(mm);
  if (r * r !== mm) r |= 1n;
  return round(fmt, env, 0, r, (u.x - sh) / 2, fpcrMode(env));
}

/** FPMulAdd: addend + op1 * op2 with a single rounding (negated forms negate inputs first). */
export function mulAdd(fmt: FpFormat, ad: bigint, a: bigint, b: bigint, env: FpEnv): bigint {
  const uc = unpack(fmt, ad, env), ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  const infZero = (ua.k === INF && ub.k === ZERO) || (ua.k === ZERO && ub.k === INF);
  let nan: bigint | undefined;
  if (uc.k === SNAN) nan = processNaN(fmt, uc, ad, env);
  else if (ua.k === SNAN) nan = processNaN(fmt, ua, a, env);
  else if (ub.k === SNAN) nan = processNaN(fmt, ub, b, env);
  else if (uc.k === QNAN) nan = processNaN(fmt, uc, ad, env);
  else if (ua.k === QNAN) nan = processNaN(fmt, ua, a, env);
  else if (ub.k === QNAN) nan = processNaN(fmt, ub, b, env);
  if (uc.k === QNAN && infZero) return invalid(fmt, env);
  if (nan !== undefined) return nan;
  const sp = ua.s ^ ub.s;
  const infP = ua.k === INF || ub.k === INF;
  if (infZero || (uc.k === INF && infP && uc.s !== sp)) return invalid(fmt, env);
  if (uc.k === INF) return inf(fmt, uc.s);
  if (infP) return inf(fmt, sp);
  const zeroP = ua.k === ZERO || ub.k === ZERO;
  if (uc.k === ZERO && zeroP && uc.s === sp) return zero(fmt, sp);
  const pm = zeroP ? 0n : ua.m * ub.m;
  return sumRound(fmt, env, uc.s, uc.m, uc.x, sp, pm, ua.x + ub.x, fpcrMode(env));
}

/** Compares two non-NaN values: -1, 0 or 1. */
function cmpVal(a: Val, b: Val): number {
  if (a.k === ZERO && b.k === ZERO) return 0;
  const sa = a.k === ZERO ? 0 : a.s ? -1 : 1, sb = b.k === ZERO ? 0 : b.s ? -1 : 1;
  if (sa !== sb) return sa < sb ? -1 : 1;
  // Same sign, nonzero: compare magnitudes, then apply the sign.
  let mag: number;
  if (a.k === INF || b.k === INF) mag = a.k === b.k ? 0 : a.k === INF ? 1 : -1;
  else {
    const x = Math.min(a.x, b.x);
    const ma = a.m << BigInt(a.x - x), mb = b.m << BigInt(b.x - x);
    mag = ma === mb ? 0 : ma > mb ? 1 : -1;
  }
  return sa < 0 ? -mag : mag;
}

/** FPMax / FPMin, or FPMaxNum / FPMinNum (a single quiet NaN loses) when `nm`. */
export function maxMin(
  fmt: FpFormat,
  a: bigint,
  b: bigint,
  env: FpEnv,
  isMax: boolean,
  nm: boolean,
): bigint {
  let ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  if (nm) {
    if (ua.k === QNAN && ub.k !== QNAN) ua = { k: INF, s: isMax ? 1 : 0, m: 0n, x: 0 };
    else if (ua.k !== QNAN && ub.k === QNAN) ub = { k: INF, s: isMax ? 1 : 0, m: 0n, x: 0 };
  }
  const nan = processNaNs(fmt, ua, a, ub, b, env);
  if (nan !== undefined) return nan;
  const c = cmpVal(ua, ub);
  const r = (isMax ? c > 0 : c < 0) ? ua : ub;
  if (r.k === INF) return inf(fmt, r.s);
  if (r.k === ZERO) return zero(fmt, isMax ? ua.s & ub.s : ua.s | ub.s);
  return round(fmt, env, r.s, r.m, r.x, fpcrMode(env));
}

/** FPCompare as NZCV (bit 3 N .. bit 0 V); `signal` raises Invalid for quiet NaNs too (FCMPE). */
export function compare(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv, signal: boolean): number {
  const ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  if (ua.k >= QNAN || ub.k >= QNAN) {
    if (signal || ua.k === SNAN || ub.k === SNAN) env.fpsr |= IOC;
    return 0b0011;
  }
  const c = cmpVal(ua, ub);
  return c === 0 ? 0b0110 : c < 0 ? 0b1000 : 0b0010;
}

/**
 * FPCompareEQ (op 0), FPCompareGE (1), FPCompareGT (2): 1 when true. EQ raises Invalid only for
 * signalling NaNs, GE and GT for any NaN.
 */
export function compareOp(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv, op: number): number {
  const ua = unpack(fmt, a, env), ub = unpack(fmt, b, env);
  if (ua.k >= QNAN || ub.k >= QNAN) {
    if (op !== 0 || ua.k === SNAN || ub.k === SNAN) env.fpsr |= IOC;
    return 0;
  }
  const c = cmpVal(ua, ub);
  return (op === 0 ? c === 0 : op === 1 ? c >= 0 : c > 0) ? 1 : 0;
}

/** Rounds the magnitude m * 2^x (x < 0) to an integer: [integer, remainder class 0..3]. */
function roundMag(m: bigint, x: number, s: number, rm: number): [bigint, number] {
  const k = BigInt(-x);
  let q = m >> k;
  const err = remainderClass(m, k);
  if (roundsUp(rm, err, (q & 1n) === 1n, s)) q++;
  return [q, err];
}

/** What m >> k drops: 0 nothing, 1 less than half an ulp, 2 exactly half, 3 more than half. */
function remainderClass(m: bigint, k: bigint): number {
  const rem = m & ((1n << k) - 1n);
  const half = 1n << (k - 1n);
  return rem === 0n ? 0 : rem < half ? 1 : rem === half ? 2 : 3;
}

/**
 * Whether mode `rm` rounds a truncated magnitude up, given what was dropped (remainderClass),
 * whether the truncated value is odd and the sign. Round-to-odd never increments (callers set
 * the low bit themselves).
 */
function roundsUp(rm: number, err: number, odd: boolean, s: number): boolean {
  switch (rm) {
    case RN:
      return err === 3 || (err === 2 && odd);
    case RP:
      return err !== 0 && s === 0;
    case RM:
      return err !== 0 && s === 1;
    case RA:
      return err >= 2;
    default:
      return false;
  }
}

/** FPRoundInt (FRINT*): `exact` raises Inexact when the value changes (FRINTX). */
export function roundInt(fmt: FpFormat, a: bigint, env: FpEnv, rm: number, exact: boolean): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) return processNaN(fmt, u, a, env);
  if (u.k === INF) return inf(fmt, u.s);
  if (u.k === ZERO) return zero(fmt, u.s);
  if (u.x >= 0) return a;
  const [q, err] = roundMag(u.m, u.x, u.s, rm);
  if (err !== 0 && exact) env.fpsr |= IXC;
  return q === 0n ? zero(fmt, u.s) : round(fmt, env, u.s, q, 0, RZ);
}

/**
 * FPToFixed: the value times 2^fbits rounded with `rm` to an `bits`-wide (un)signed integer,
 * saturating with Invalid; returned as the unsigned bigint of its two's complement.
 */
export function toFixed(
  fmt: FpFormat,
  a: bigint,
  env: FpEnv,
  fbits: number,
  unsigned: boolean,
  bits: number,
  rm: number,
): bigint {
  const u = unpack(fmt, a, env);
  if (u.k === QNAN || u.k === SNAN) {
    env.fpsr |= IOC;
    return 0n;
  }
  const lo = unsigned ? 0n : -(1n << BigInt(bits - 1));
  const hi = unsigned ? mask(bits) : mask(bits - 1);
  let v: bigint, err = 0;
  if (u.k === ZERO) v = 0n;
  else if (u.k === INF) v = u.s ? lo - 1n : hi + 1n;
  else {
    const x = u.x + fbits;
    let q: bigint;
    if (x >= 0) q = u.m << BigInt(x);
    else [q, err] = roundMag(u.m, x, u.s, rm);
    v = u.s ? -q : q;
  }
  if (v < lo || v > hi) {
    env.fpsr |= IOC;
    return BigInt.asUintN(bits, v < lo ? lo : hi);
  }
  if (err !== 0) env.fpsr |= IXC;
  return BigInt.asUintN(bits, v);
}

/** FixedToFP: the signed integer v divided by 2^fbits, rounded with `rm`. */
export function fromFixed(fmt: FpFormat, v: bigint, fbits: number, env: FpEnv, rm: number): bigint {
  if (v === 0n) return zero(fmt, 0);
  return round(fmt, env, v < 0n ? 1 : 0, v < 0n ? -v : v, -fbits, rm);
}

/** FPConvert between formats (FCVT, FCVTN/L, FCVTXN with RO), honouring AHP, DN and FZ. */
export function convert(from: FpFormat, to: FpFormat, a: bigint, env: FpEnv, rm: number): bigint {
  const u = unpack(from, a, env, true);
  const alt = altHalf(env, to);
  if (u.k === QNAN || u.k === SNAN) {
    if (u.k === SNAN || alt) env.fpsr |= IOC;
    if (alt) return zero(to, u.s);
    if (env.fpcr & FPCR_DN) return defaultNaN(to);
    const payload = a & mask(from.f - 1);
    const p = to.f > from.f ? payload << BigInt(to.f - from.f) : payload >> BigInt(from.f - to.f);
    return inf(to, u.s) | (1n << BigInt(to.f - 1)) | p;
  }
  if (u.k === INF) {
    if (!alt) return inf(to, u.s);
    env.fpsr |= IOC;
    return signBit(to, u.s) | mask(to.n - 1);
  }
  if (u.k === ZERO) return zero(to, u.s);
  return round(to, env, u.s, u.m, u.x, rm, true);
}

/**
 * FPRecipStepFused (2 - a*b, FRECPS) or, with `rsqrt`, FPRSqrtStepFused ((3 - a*b) / 2,
 * FRSQRTS); infinity times zero gives 2 or 1.5 without Invalid.
 */
export function stepFused(fmt: FpFormat, a: bigint, b: bigint, env: FpEnv, rsqrt: boolean): bigint {
  const na = a ^ signBit(fmt, 1);
  const ua = unpack(fmt, na, env), ub = unpack(fmt, b, env);
  const nan = processNaNs(fmt, ua, na, ub, b, env);
  if (nan !== undefined) return nan;
  const sp = ua.s ^ ub.s;
  const x0 = rsqrt ? -1 : 0;
  if ((ua.k === INF && ub.k === ZERO) || (ua.k === ZERO && ub.k === INF)) {
    return round(fmt, env, 0, rsqrt ? 3n : 2n, x0, RN);
  }
  if (ua.k === INF || ub.k === INF) return inf(fmt, sp);
  const zeroP = ua.k === ZERO || ub.k === ZERO;
  const pm = zeroP ? 0n : ua.m * ub.m;
  return sumRound(fmt, env, 0, rsqrt ? 3n : 2n, x0, sp, pm, ua.x + ub.x + x0, fpcrMode(env));
}
