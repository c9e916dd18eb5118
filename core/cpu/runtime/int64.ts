/**
 * 64-bit integer operations on int32 halves that are too long to emit inline. Results of 64 bits
 * go to T[0] (lo) and T[1] (hi).
 */
import { T } from "./scratch.ts";

const TWO32 = 4294967296;

/** Unsigned bigint of a lo/hi pair. */
function big(lo: number, hi: number): bigint {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}

/** Writes an unsigned 64-bit bigint to T[0..1]. */
function out(v: bigint): void {
  T[0] = Number(v & 0xffffffffn) | 0;
  T[1] = Number((v >> 32n) & 0xffffffffn) | 0;
}

/** Low 64 bits of a * b. */
export function mul64(aL: number, aH: number, bL: number, bH: number): void {
  // 32x32 -> 64 of the low halves via 16-bit limbs, then the cross terms into the high half.
  const a0 = aL & 0xffff, a1 = aL >>> 16, b0 = bL & 0xffff, b1 = bL >>> 16;
  const p00 = a0 * b0;
  const mid = a1 * b0 + a0 * b1; // < 2^33
  const lo = p00 + (mid % 65536) * 65536; // < 2^49
  const carry = Math.floor(lo / TWO32);
  const hi = a1 * b1 + Math.floor(mid / 65536) + carry;
  T[0] = lo | 0; // ToInt32 takes the value modulo 2^32
  T[1] = (hi + Math.imul(aL, bH) + Math.imul(aH, bL)) | 0;
}

/** High 64 bits of the unsigned 128-bit product. */
export function umulh(aL: number, aH: number, bL: number, bH: number): void {
  out((big(aL, aH) * big(bL, bH)) >> 64n);
}

/** High 64 bits of the signed 128-bit product. */
export function smulh(aL: number, aH: number, bL: number, bH: number): void {
  out((BigInt.asIntN(64, big(aL, aH)) * BigInt.asIntN(64, big(bL, bH))) >> 64n);
}

/** Unsigned 64-bit division; division by zero gives zero (as the architecture). */
export function udiv64(aL: number, aH: number, bL: number, bH: number): void {
  if (aH === 0 && bH === 0) {
    const b = bL >>> 0;
    T[0] = b === 0 ? 0 : Math.floor((aL >>> 0) / b) | 0;
    T[1] = 0;
    return;
  }
  const b = big(bL, bH);
  out(b === 0n ? 0n : big(aL, aH) / b);
}

/** Signed 64-bit division, rounding toward zero; x / 0 = 0 and INT64_MIN / -1 = INT64_MIN. */
export function sdiv64(aL: number, aH: number, bL: number, bH: number): void {
  const b = BigInt.asIntN(64, big(bL, bH));
  if (b === 0n) {
    out(0n);
    return;
  }
  out(BigInt.asUintN(64, BigInt.asIntN(64, big(aL, aH)) / b));
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
