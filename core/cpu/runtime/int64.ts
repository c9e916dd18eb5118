/**
 * 64-bit integer operations on int32 halves that are too long to emit inline. Results of 64 bits
 * go to T[0] (lo) and T[1] (hi). No BigInt: these run on hot paths (printf divides by ten).
 */
import { T } from "./scratch.ts";

const TWO32 = 4294967296;

// Result of mulU32 as uint32 numbers. A typed array, not module-level `let`s: a double stored in
// a context slot is boxed, which allocated on every multiply.
const P = new Float64Array(2);

/** Unsigned 32 x 32 -> 64 product of a and b (any int32/uint32) into P[0] (lo), P[1] (hi). */
function mulU32(a: number, b: number): void {
  const a0 = a & 0xffff, a1 = a >>> 16, b0 = b & 0xffff, b1 = b >>> 16;
  // Each partial product is below 2^32, so & and >>> split it exactly (no % on doubles).
  const p01 = a0 * b1, p10 = a1 * b0;
  const lo = a0 * b0 + ((p01 & 0xffff) + (p10 & 0xffff)) * 65536; // < 2^34
  const carry = Math.floor(lo / TWO32);
  P[0] = lo >>> 0;
  P[1] = (a1 * b1 + (p01 >>> 16) + (p10 >>> 16) + carry) >>> 0;
}

/** Low 64 bits of a * b. */
export function mul64(aL: number, aH: number, bL: number, bH: number): void {
  mulU32(aL, bL);
  T[0] = P[0] | 0;
  T[1] = (P[1] + Math.imul(aL, bH) + Math.imul(aH, bL)) | 0;
}

/** High 64 bits of the unsigned 128-bit product. */
export function umulh(aL: number, aH: number, bL: number, bH: number): void {
  mulU32(aL, bL);
  const p0h = P[1];
  mulU32(aL, bH);
  const p1l = P[0], p1h = P[1];
  mulU32(aH, bL);
  const p2l = P[0], p2h = P[1];
  mulU32(aH, bH);
  const mid = p0h + p1l + p2l; // < 3 * 2^32, exact
  const t = P[0] + p1h + p2h + Math.floor(mid / TWO32); // < 2^35, exact
  T[0] = t | 0;
  T[1] = (P[1] + Math.floor(t / TWO32)) | 0;
}

/** High 64 bits of the signed 128-bit product. */
export function smulh(aL: number, aH: number, bL: number, bH: number): void {
  umulh(aL, aH, bL, bH);
  // Signed high half = unsigned high half - (a < 0 ? b : 0) - (b < 0 ? a : 0), modulo 2^64.
  let l = T[0], h = T[1];
  if (aH < 0) {
    const s = (l >>> 0) - (bL >>> 0);
    l = s | 0;
    h = (h - bH - (s < 0 ? 1 : 0)) | 0;
  }
  if (bH < 0) {
    const s = (l >>> 0) - (aL >>> 0);
    l = s | 0;
    h = (h - aH - (s < 0 ? 1 : 0)) | 0;
  }
  T[0] = l;
  T[1] = h;
}

/** Unsigned 64-bit division; division by zero gives zero (as the architecture). */
export function udiv64(aL: number, aH: number, bL: number, bH: number): void {
  const b = bL >>> 0;
  if (bH === 0) {
    if (b === 0) {
      T[0] = 0;
      T[1] = 0;
      return;
    }
    // Long division by a 32-bit divisor in 32-, 16- and 16-bit digits; every step is exact in
    // doubles (partial dividends stay below 2^48 and quotient digits below 2^16).
    const ah = aH >>> 0;
    const r0 = ah % b;
    const qh = (ah - r0) / b;
    const n1 = r0 * 65536 + (aL >>> 16);
    const r1 = n1 % b;
    const q1 = (n1 - r1) / b;
    const n2 = r1 * 65536 + (aL & 0xffff);
    const q2 = (n2 - (n2 % b)) / b;
    T[0] = (q1 * 65536 + q2) | 0;
    T[1] = qh | 0;
    return;
  }
  // Divisor >= 2^32: the quotient fits in 32 bits; shift-and-subtract from the top bit down.
  let rL = aL >>> 0, rH = aH >>> 0;
  const dh = bH >>> 0;
  const shift = Math.clz32(dh) - Math.clz32(rH);
  if (shift < 0) {
    T[0] = 0;
    T[1] = 0;
    return;
  }
  let q = 0;
  for (let i = shift; i >= 0; i--) {
    // Divisor << i, with i < 32 and the divisor's high half nonzero, still fits in 64 bits.
    const sL = i === 0 ? b : (b << i) >>> 0;
    const sH = i === 0 ? dh : ((dh << i) | (b >>> (32 - i))) >>> 0;
    if (rH > sH || (rH === sH && rL >= sL)) {
      const nl = rL - sL;
      rH = (rH - sH - (nl < 0 ? 1 : 0)) >>> 0;
      rL = nl >>> 0;
      q += 2 ** i;
    }
  }
  T[0] = q | 0;
  T[1] = 0;
}

/** Signed 64-bit division, rounding toward zero; x / 0 = 0 and INT64_MIN / -1 = INT64_MIN. */
export function sdiv64(aL: number, aH: number, bL: number, bH: number): void {
  const na = aH < 0, nb = bH < 0;
  // Magnitudes as unsigned 64-bit values (2^63 stays 2^63 under two's complement negation).
  const uaL = na ? -aL | 0 : aL, uaH = na ? (~aH + (aL === 0 ? 1 : 0)) | 0 : aH;
  const ubL = nb ? -bL | 0 : bL, ubH = nb ? (~bH + (bL === 0 ? 1 : 0)) | 0 : bH;
  udiv64(uaL, uaH, ubL, ubH);
  if (na !== nb) {
    const l = T[0], h = T[1];
    T[0] = -l | 0;
    T[1] = (~h + (l === 0 ? 1 : 0)) | 0;
  }
}

/** Count of leading zero bits of a 64-bit value. */
export function clz64(lo: number, hi: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

/** Count of leading sign bits (excluding the sign bit itself) of a 64-bit value. */
export function cls64(lo: number, hi: number): number {
  return hi < 0 ? clz64(~lo, ~hi) - 1 : clz64(lo, hi) - 1;
}

/** Bit reversal of a 32-bit value. */
export function rbit32(v: number): number {
  v = ((v >>> 1) & 0x55555555) | ((v & 0x55555555) << 1);
  v = ((v >>> 2) & 0x33333333) | ((v & 0x33333333) << 2);
  v = ((v >>> 4) & 0x0f0f0f0f) | ((v & 0x0f0f0f0f) << 4);
  v = ((v >>> 8) & 0x00ff00ff) | ((v & 0x00ff00ff) << 8);
  return ((v >>> 16) | (v << 16)) | 0;
}

/** Byte reversal of a 32-bit value. */
export function rev32(v: number): number {
  return ((v >>> 24) | ((v >>> 8) & 0xff00) | ((v & 0xff00) << 8) | (v << 24)) | 0;
}
