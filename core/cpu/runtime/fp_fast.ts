/**
 * Fast kernels of the FP runtime: single and double arithmetic on finite JS numbers for
 * FPCR.RMode = nearest and FZ = 0, where JS double arithmetic is exact or correctly rounded (a
 * single-precision op done in double and rounded once to single is correctly rounded). Error-free
 * transforms (TwoSum, Dekker's product) decide Inexact and Underflow. Each kernel returns the
 * result, or NaN when it cannot decide (overflow, rare ties, ranges where the transforms are not
 * exact); the caller then takes the exact path of fp_soft.ts. Flags are only raised on success.
 */
import { type FpEnv, IXC, UFC } from "./fp_soft.ts";

/** FPCR bits that must be clear for the fast kernels: RMode and FZ. */
export const SLOW = 0x01c00000;
const MIN32 = 2 ** -126, MIN64 = 2 ** -1022;
const SPLIT = 134217729; // 2^27 + 1, Veltkamp splitting for Dekker's product

/** Half an ulp of a single with biased exponent e. */
const HALF_ULP32 = Array.from({ length: 256 }, (_, e) => 2 ** (Math.max(e, 1) - 151));

const buf = new ArrayBuffer(8);
const bi32 = new Int32Array(buf), bf32 = new Float32Array(buf);

/** Bits of a single-precision value (exactly representable). */
export function bits32(v: number): number {
  bf32[0] = v;
  return bi32[0];
}

/** Not an infinity or NaN (single bits). */
export const fin32 = (a: number): boolean => (a & 0x7f800000) !== 0x7f800000;
/** Not an infinity or NaN (high word of double bits). */
export const fin64 = (hi: number): boolean => (hi & 0x7ff00000) !== 0x7ff00000;

/** TwoSum: the exact error of s = fl(a + b). */
export function sumErr(a: number, b: number, s: number): number {
  const bb = s - a;
  return (a - (s - bb)) + (b - bb);
}

/** Dekker: the exact error of p = fl(a * b) (valid when dekkerOk). */
function prodErr(a: number, b: number, p: number): number {
  let t = SPLIT * a;
  const ah = t - (t - a), al = a - ah;
  t = SPLIT * b;
  const bh = t - (t - b), bl = b - bh;
  return ((ah * bh - p) + ah * bl + al * bh) + al * bl;
}

/** True when Dekker's product of x and y (fl = p) gives an exact error term. */
function dekkerOk(x: number, y: number, p: number): boolean {
  const ap = Math.abs(p);
  return ap > 2 ** -900 && ap < 2 ** 1000 && Math.abs(x) < 2 ** 995 && Math.abs(y) < 2 ** 995;
}

/**
 * Rounds the exact value s + e (a TwoSum pair, s = fl(s + e)) to single, nearest even, raising
 * Inexact and Underflow; NaN when undecided (overflow, |s| at the smallest normal, near a tie).
 */
export function round32(c: FpEnv, s: number, e: number): number {
  const r = Math.fround(s), as = Math.abs(s);
  if (!(Math.abs(r) < Infinity) || as === MIN32) return NaN;
  let inexact: boolean;
  if (e === 0) inexact = r !== s;
  else {
    const v = (s - r) + e; // s - r is exact; the sum's sign and comparison with h are exact
    const b = bits32(r);
    // Half an ulp of r; a power of two has a finer ulp below it (conservative at the bottom).
    let h = HALF_ULP32[(b >>> 23) & 0xff];
    if ((b & 0x7fffff) === 0 && (v < 0) !== (r < 0)) h /= 2;
    if (Math.abs(v) >= h) return NaN;
    inexact = v !== 0;
  }
  // |s| < MIN32 exactly when the unrounded value is tiny, since MIN32 is a double.
  if (inexact) c.fpsr |= as < MIN32 ? UFC | IXC : IXC;
  return r;
}

/** Single x + y. */
export function add32(c: FpEnv, x: number, y: number): number {
  const s = x + y;
  return round32(c, s, sumErr(x, y, s));
}

/** Single x * y. */
export function mul32(c: FpEnv, x: number, y: number): number {
  const p = x * y; // exact in double
  const r = Math.fround(p);
  if (!(Math.abs(r) < Infinity)) return NaN;
  if (r !== p) c.fpsr |= Math.abs(p) < MIN32 ? UFC | IXC : IXC;
  return r;
}

/** Single x / y. */
export function div32(c: FpEnv, x: number, y: number): number {
  const q = x / y, aq = Math.abs(q), r = Math.fround(q);
  if (!(Math.abs(r) < Infinity) || aq === MIN32 || y === 0) return NaN;
  // r * y is exact in double; |q| < MIN32 exactly when the quotient is tiny.
  if (r * y !== x) c.fpsr |= aq < MIN32 ? UFC | IXC : IXC;
  return r;
}

/** Single square root of x >= 0 (or -0). */
export function sqrt32(c: FpEnv, x: number): number {
  const r = Math.fround(Math.sqrt(x));
  if (r * r !== x) c.fpsr |= IXC; // r * r is exact in double
  return r;
}

/** Single a + n * m, one rounding. */
export function fma32(c: FpEnv, a: number, n: number, m: number): number {
  const p = n * m, s = p + a; // p exact
  return round32(c, s, sumErr(p, a, s));
}

/** Double x + y (a sum in the denormal range is exact). */
export function add64(c: FpEnv, x: number, y: number): number {
  const s = x + y;
  if (!(Math.abs(s) < Infinity)) return NaN;
  if (sumErr(x, y, s) !== 0) c.fpsr |= IXC;
  return s;
}

/** Double x * y. */
export function mul64(c: FpEnv, x: number, y: number): number {
  const p = x * y;
  if (x === 0 || y === 0) return p;
  if (dekkerOk(x, y, p)) {
    if (prodErr(x, y, p) !== 0) c.fpsr |= IXC;
    return p;
  }
  if (Math.abs(p) < MIN64) {
    // Tiny: then |x|, |y| < 2^52 and the product scaled by 2^1100 is normal; p is exact when
    // it equals that scaled product, itself exact.
    const xs = x * 2 ** 550, ys = y * 2 ** 550, ps = xs * ys;
    if (dekkerOk(xs, ys, ps)) {
      if (p * 2 ** 550 * 2 ** 550 !== ps || prodErr(xs, ys, ps) !== 0) c.fpsr |= UFC | IXC;
      return p;
    }
  }
  return NaN;
}

/** Double x / y. */
export function div64(c: FpEnv, x: number, y: number): number {
  if (y === 0) return NaN;
  const q = x / y;
  if (x === 0) return q;
  const aq = Math.abs(q);
  if (aq > 2 ** -900 && aq < 2 ** 995) {
    const p = q * y;
    if (dekkerOk(q, y, p)) {
      if (p !== x || prodErr(q, y, p) !== 0) c.fpsr |= IXC;
      return q;
    }
  } else if (aq < MIN64) {
    // Tiny quotient: check q * y = x with both sides scaled by 2^600.
    const qs = q * 2 ** 600, p = qs * y;
    if (dekkerOk(qs, y, p)) {
      if (p !== x * 2 ** 600 || prodErr(qs, y, p) !== 0) c.fpsr |= UFC | IXC;
      return q;
    }
  }
  return NaN;
}

/** Double square root of finite x (NaN for negative x: the exact path raises Invalid). */
export function sqrt64(c: FpEnv, x: number): number {
  if (x === 0) return x;
  if (!(x > 0)) return NaN;
  // Below 2^-900 check r * r = x scaled by 2^600 (r by 2^300) for Dekker's range.
  const k = x > 2 ** -900 ? 1 : 2 ** 300, r = Math.sqrt(x), rs = r * k, p = rs * rs;
  if (p !== x * k * k || prodErr(rs, rs, p) !== 0) c.fpsr |= IXC;
  return r;
}

/** ulp of a double with biased exponent e (the denormal spacing for e = 0). */
const ULP64 = Float64Array.from({ length: 2048 }, (_, e) => 2 ** (Math.max(e, 1) - 1075));

const bf64 = new Float64Array(buf);

/**
 * Double a + n * m, one rounding: Boldo and Melquiond's emulation (IEEE TC 2008): with
 * n*m = p + pe (Dekker) and a + p = th + tl (TwoSum), the answer is RN(th + RO(tl + pe)), RO
 * being round-to-odd, emulated here from a TwoSum of tl + pe.
 */
export function fma64(c: FpEnv, a: number, n: number, m: number): number {
  const p = n * m;
  if (n === 0 || m === 0) return a + p;
  if (!dekkerOk(n, m, p)) return NaN;
  const pe = prodErr(n, m, p);
  const th = a + p, tl = sumErr(a, p, th);
  const s = tl + pe, e = sumErr(tl, pe, s);
  let v = s;
  if (e !== 0) {
    bf64[0] = s;
    if ((bi32[0] & 1) === 0) {
      // s is even: round-to-odd takes its neighbour on e's side (finer below a power of two).
      const hw = bi32[1], ex = (hw >>> 20) & 0x7ff;
      let u = ULP64[ex];
      if ((e > 0) !== (s > 0) && (hw & 0xfffff) === 0 && bi32[0] === 0 && ex > 1) u /= 2;
      v = e > 0 ? s + u : s - u;
    }
  }
  const r = th + v, ar = Math.abs(r);
  if (!((ar > MIN64 && ar < 2 ** 1023) || (r === 0 && e === 0))) return NaN;
  // Inexact exactly when tl + pe was not representable or the final sum was not exact.
  if (e !== 0 || sumErr(th, v, r) !== 0) c.fpsr |= IXC;
  return r;
}
