/**
 * Register-file forms of the hot scalar FP operations, for the scalar rows: arguments are V
 * register numbers, results go to V[d] with the rest of the 128-bit register zeroed. The fast
 * path reads operands through the Float64Array/Float32Array views of the register file (no
 * bits-to-number conversion, no T round trip); classification (NaN, infinity) still reads the
 * bits, and the exact path works on bits, so NaN payloads are never seen as JS numbers.
 *
 *   fadd64r fsub64r fmul64r fdiv64r fadd32r fsub32r fmul32r fdiv32r   (c, d, n, m)
 *   fsqrt64r fsqrt32r                                                  (c, d, n)
 *   fmla64r fmla32r (c, d, a, n, m, neg): V[a] + V[n]*V[m]; neg bit 0 negates V[a], bit 1 V[n]
 *   fcmp64r fcmp32r (c, n, m, signal) → NZCV nibble; m = 32 compares with +0.0
 */
import * as S from "./fp_soft.ts";
import { F32, F64, type FpEnv } from "./fp_soft.ts";
import * as K from "./fp_fast.ts";
import { fin32, fin64, SLOW } from "./fp_fast.ts";

/** The PE's FP control/status and V register file views. */
export interface FpRegs extends FpEnv {
  readonly vw: Int32Array;
  readonly vs: Float32Array;
  readonly vd: Float64Array;
}

const SIGN = -2147483648;

/** Bits of the low double of V[n], sign flipped when `neg`. */
function bigD(w: Int32Array, n: number, neg = false): bigint {
  const hi = neg ? w[4 * n + 1] ^ SIGN : w[4 * n + 1];
  return (BigInt(hi >>> 0) << 32n) | BigInt(w[4 * n] >>> 0);
}

function bigS(w: Int32Array, n: number, neg = false): bigint {
  return BigInt((neg ? w[4 * n] ^ SIGN : w[4 * n]) >>> 0);
}

function putD(c: FpRegs, d: number, v: bigint): void {
  const w = c.vw;
  w[4 * d] = Number(v & 0xffffffffn) | 0;
  w[4 * d + 1] = Number(v >> 32n) | 0;
  w[4 * d + 2] = w[4 * d + 3] = 0;
}

function putS(c: FpRegs, d: number, v: bigint): void {
  const w = c.vw;
  w[4 * d] = Number(v) | 0;
  w[4 * d + 1] = w[4 * d + 2] = w[4 * d + 3] = 0;
}

/** Writes a double result to V[d] (upper 64 bits zero). */
function setD(c: FpRegs, d: number, r: number): void {
  c.vd[2 * d] = r;
  c.vd[2 * d + 1] = 0;
}

/** Writes a single result (exactly representable) to V[d] (bits 127:32 zero). */
function setS(c: FpRegs, d: number, r: number): void {
  c.vs[4 * d] = r;
  const w = c.vw;
  w[4 * d + 1] = w[4 * d + 2] = w[4 * d + 3] = 0;
}

const ok64 = (c: FpRegs, n: number, m: number) =>
  (c.fpcr & SLOW) === 0 && fin64(c.vw[4 * n + 1]) && fin64(c.vw[4 * m + 1]);
const ok32 = (c: FpRegs, n: number, m: number) =>
  (c.fpcr & SLOW) === 0 && fin32(c.vw[4 * n]) && fin32(c.vw[4 * m]);

/** Double V[n] + V[m]. */
export function fadd64r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok64(c, n, m)) {
    const r = K.add64(c, c.vd[2 * n], c.vd[2 * m]);
    if (r === r) return setD(c, d, r);
  }
  putD(c, d, S.add(F64, bigD(c.vw, n), bigD(c.vw, m), c, false));
}

/** Double V[n] - V[m]. */
export function fsub64r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok64(c, n, m)) {
    const r = K.add64(c, c.vd[2 * n], -c.vd[2 * m]);
    if (r === r) return setD(c, d, r);
  }
  putD(c, d, S.add(F64, bigD(c.vw, n), bigD(c.vw, m), c, true));
}

/** Double V[n] * V[m]. */
export function fmul64r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok64(c, n, m)) {
    const r = K.mul64(c, c.vd[2 * n], c.vd[2 * m]);
    if (r === r) return setD(c, d, r);
  }
  putD(c, d, S.mul(F64, bigD(c.vw, n), bigD(c.vw, m), c));
}

/** Double V[n] / V[m]. */
export function fdiv64r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok64(c, n, m)) {
    const r = K.div64(c, c.vd[2 * n], c.vd[2 * m]);
    if (r === r) return setD(c, d, r);
  }
  putD(c, d, S.div(F64, bigD(c.vw, n), bigD(c.vw, m), c));
}

/** Double square root of V[n]. */
export function fsqrt64r(c: FpRegs, d: number, n: number): void {
  if (ok64(c, n, n)) {
    const r = K.sqrt64(c, c.vd[2 * n]);
    if (r === r) return setD(c, d, r);
  }
  putD(c, d, S.sqrt(F64, bigD(c.vw, n), c));
}

/** Double ±V[a] + (±V[n]) * V[m], one rounding. */
export function fmla64r(c: FpRegs, d: number, a: number, n: number, m: number, neg: number): void {
  if (ok64(c, a, n) && fin64(c.vw[4 * m + 1])) {
    const v = c.vd, x = v[2 * a], y = v[2 * n];
    const r = K.fma64(c, neg & 1 ? -x : x, neg & 2 ? -y : y, v[2 * m]);
    if (r === r) return setD(c, d, r);
  }
  const w = c.vw;
  putD(
    c,
    d,
    S.mulAdd(F64, bigD(w, a, (neg & 1) !== 0), bigD(w, n, (neg & 2) !== 0), bigD(w, m), c),
  );
}

/** Single V[n] + V[m]. */
export function fadd32r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok32(c, n, m)) {
    const r = K.add32(c, c.vs[4 * n], c.vs[4 * m]);
    if (r === r) return setS(c, d, r);
  }
  putS(c, d, S.add(F32, bigS(c.vw, n), bigS(c.vw, m), c, false));
}

/** Single V[n] - V[m]. */
export function fsub32r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok32(c, n, m)) {
    const r = K.add32(c, c.vs[4 * n], -c.vs[4 * m]);
    if (r === r) return setS(c, d, r);
  }
  putS(c, d, S.add(F32, bigS(c.vw, n), bigS(c.vw, m), c, true));
}

/** Single V[n] * V[m]. */
export function fmul32r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok32(c, n, m)) {
    const r = K.mul32(c, c.vs[4 * n], c.vs[4 * m]);
    if (r === r) return setS(c, d, r);
  }
  putS(c, d, S.mul(F32, bigS(c.vw, n), bigS(c.vw, m), c));
}

/** Single V[n] / V[m]. */
export function fdiv32r(c: FpRegs, d: number, n: number, m: number): void {
  if (ok32(c, n, m)) {
    const r = K.div32(c, c.vs[4 * n], c.vs[4 * m]);
    if (r === r) return setS(c, d, r);
  }
  putS(c, d, S.div(F32, bigS(c.vw, n), bigS(c.vw, m), c));
}

/** Single square root of V[n]. */
export function fsqrt32r(c: FpRegs, d: number, n: number): void {
  const b = c.vw[4 * n];
  if (ok32(c, n, n) && (b >= 0 || b === SIGN)) return setS(c, d, K.sqrt32(c, c.vs[4 * n]));
  putS(c, d, S.sqrt(F32, bigS(c.vw, n), c));
}

/** Single ±V[a] + (±V[n]) * V[m], one rounding. */
export function fmla32r(c: FpRegs, d: number, a: number, n: number, m: number, neg: number): void {
  if (ok32(c, a, n) && fin32(c.vw[4 * m])) {
    const v = c.vs, x = v[4 * a], y = v[4 * n];
    const r = K.fma32(c, neg & 1 ? -x : x, neg & 2 ? -y : y, v[4 * m]);
    if (r === r) return setS(c, d, r);
  }
  const w = c.vw;
  putS(
    c,
    d,
    S.mulAdd(F32, bigS(w, a, (neg & 1) !== 0), bigS(w, n, (neg & 2) !== 0), bigS(w, m), c),
  );
}

/** Double FCMP/FCMPE of V[n] with V[m] (m = 32: with +0.0) as NZCV. */
export function fcmp64r(c: FpRegs, n: number, m: number, signal: number): number {
  const w = c.vw, z = m === 32;
  if ((c.fpcr & S.FPCR_FZ) === 0 && fin64(w[4 * n + 1]) && (z || fin64(w[4 * m + 1]))) {
    const x = c.vd[2 * n], y = z ? 0 : c.vd[2 * m];
    return x === y ? 6 : x < y ? 8 : 2;
  }
  return S.compare(F64, bigD(w, n), z ? 0n : bigD(w, m), c, signal !== 0);
}

/** Single FCMP/FCMPE of V[n] with V[m] (m = 32: with +0.0) as NZCV. */
export function fcmp32r(c: FpRegs, n: number, m: number, signal: number): number {
  const w = c.vw, z = m === 32;
  if ((c.fpcr & S.FPCR_FZ) === 0 && fin32(w[4 * n]) && (z || fin32(w[4 * m]))) {
    const x = c.vs[4 * n], y = z ? 0 : c.vs[4 * m];
    return x === y ? 6 : x < y ? 8 : 2;
  }
  return S.compare(F32, bigS(w, n), z ? 0n : bigS(w, m), c, signal !== 0);
}
