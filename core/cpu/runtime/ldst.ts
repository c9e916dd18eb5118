/**
 * Load/store runtime: the exclusive monitor (LDXR/STXR families) and the scratch buffer through
 * which LD2-LD4/ST2-ST4 (de)interleave structure elements. The monitor holds the physical
 * address and size of the last load-exclusive in `Cpu.exAddr`/`exSize` (-1: open); exception
 * entry, ERET and CLREX clear it, as do slow-path stores that overlap it.
 */
import type { Cpu } from "../cpu.ts";
import { T } from "./scratch.ts";

/** 64 bytes of structure scratch as int32 words; `lsB`/`lsH` view the same bytes. */
export const lsW: Int32Array = new Int32Array(16);
/** Byte view of `lsW`. */
export const lsB: Uint8Array = new Uint8Array(lsW.buffer);
/** Halfword view of `lsW`. */
export const lsH: Uint16Array = new Uint16Array(lsW.buffer);

function loadSized(c: Cpu, lo: number, hi: number, size: number): number {
  switch (size) {
    case 1:
      return c.ld8(lo, hi);
    case 2:
      return c.ld16(lo, hi);
    case 4:
      return c.ld32(lo, hi);
    default:
      return c.ld64(lo, hi);
  }
}

function mark(c: Cpu, lo: number, hi: number, size: number): void {
  c.exAddr = c.physAddr(lo, hi, false);
  c.exSize = size;
}

/**
 * Load-exclusive of `size` bytes (1, 2, 4, 8) at (lo, hi): alignment-checked, opens the monitor.
 * Returns the value (unsigned below 4 bytes); for size 8 the high half is in `c.hi`.
 */
export function ldxr(c: Cpu, lo: number, hi: number, size: number): number {
  if ((lo & (size - 1)) !== 0) c.alignmentFault(lo, hi, false);
  const v = loadSized(c, lo, hi, size);
  const h = c.hi;
  mark(c, lo, hi, size);
  c.hi = h;
  return v;
}

/**
 * Load-exclusive pair: two words (`x` false) or two doublewords, aligned to the total size.
 * Results in T[0..1] (first) and T[2..3] (second).
 */
export function ldxp(c: Cpu, lo: number, hi: number, x: boolean): void {
  const size = x ? 16 : 8;
  if ((lo & (size - 1)) !== 0) c.alignmentFault(lo, hi, false);
  if (x) {
    const a = c.ld64(lo, hi), b = c.hi;
    const s = (lo >>> 0) + 8;
    const d = c.ld64(s | 0, s > 4294967295 ? (hi + 1) | 0 : hi), e = c.hi;
    T[0] = a;
    T[1] = b;
    T[2] = d;
    T[3] = e;
  } else {
    const a = c.ld64(lo, hi);
    T[0] = a;
    T[1] = 0;
    T[2] = c.hi;
    T[3] = 0;
  }
  mark(c, lo, hi, size);
}

/**
 * Store-exclusive check for an access of `size` bytes at (lo, hi): alignment first (as the Arm
 * ARM's ExclusiveMonitorsPass), then the monitor, which is always left open (cleared).
 * Returns true when the store must be performed.
 */
function passes(c: Cpu, lo: number, hi: number, size: number): boolean {
  if ((lo & (size - 1)) !== 0) c.alignmentFault(lo, hi, true);
  if (c.exAddr === -1) return false;
  const pa = c.physAddr(lo, hi, true);
  const ok = pa === c.exAddr && size === c.exSize;
  c.exAddr = -1;
  return ok;
}

/** Store-exclusive of `size` bytes of (vl, vh); returns the status (0 stored, 1 failed). */
export function stxr(c: Cpu, lo: number, hi: number, size: number, vl: number, vh: number): number {
  if (!passes(c, lo, hi, size)) return 1;
  switch (size) {
    case 1:
      c.st8(lo, hi, vl);
      break;
    case 2:
      c.st16(lo, hi, vl);
      break;
    case 4:
      c.st32(lo, hi, vl);
      break;
    default:
      c.st64(lo, hi, vl, vh);
  }
  return 0;
}

/** Store-exclusive pair of two words (`x` false) or two doublewords; returns the status. */
export function stxp(
  c: Cpu,
  lo: number,
  hi: number,
  x: boolean,
  al: number,
  ah: number,
  bl: number,
  bh: number,
): number {
  if (!passes(c, lo, hi, x ? 16 : 8)) return 1;
  if (!x) {
    c.st64(lo, hi, al, bl);
    return 0;
  }
  c.st64(lo, hi, al, ah);
  const s = (lo >>> 0) + 8;
  c.st64(s | 0, s > 4294967295 ? (hi + 1) | 0 : hi, bl, bh);
  return 0;
}
