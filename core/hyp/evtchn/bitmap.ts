/**
 * Bit operations on little-endian guest bitmaps (shared_info's evtchn_pending / evtchn_mask, a
 * vcpu's evtchn_pending_sel, FIFO event words), byte by byte so any bit index within the view
 * works. The emulated guest never runs while the hypervisor does, so plain read-modify-write is
 * atomic enough.
 *
 * @module
 */

/** Tests and sets bit `bit` of the little-endian bitmap at byte `base` of `dv`; returns the old bit. */
export function testAndSetBit(dv: DataView, base: number, bit: number): boolean {
  const at = base + (bit >>> 3), m = 1 << (bit & 7);
  const old = dv.getUint8(at);
  dv.setUint8(at, old | m);
  return (old & m) !== 0;
}

/** Tests and clears bit `bit` of the little-endian bitmap at byte `base` of `dv`; returns the old bit. */
export function testAndClearBit(dv: DataView, base: number, bit: number): boolean {
  const at = base + (bit >>> 3), m = 1 << (bit & 7);
  const old = dv.getUint8(at);
  dv.setUint8(at, old & ~m);
  return (old & m) !== 0;
}

/** Bit `bit` of the little-endian bitmap at byte `base` of `dv`. */
export function testBit(dv: DataView, base: number, bit: number): boolean {
  return (dv.getUint8(base + (bit >>> 3)) & (1 << (bit & 7))) !== 0;
}
