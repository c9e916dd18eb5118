/** Emitted general-register load/store accesses shared by the GPR load/store rows. */
import { memLoad, memStore } from "./emit.ts";

/**
 * Declares `${p}L`, `${p}H`: a load of `size` bytes at (l, h), sign-extended when `signed` to 64
 * bits (`toX`) or 32 bits; `unpriv` uses EL0 permissions at EL1 (LDTR).
 */
export function loadGpr(
  size: number,
  signed: boolean,
  toX: boolean,
  unpriv: boolean,
  p = "v",
  l = "aL",
  h = "aH",
): string {
  let s: string;
  if (unpriv) {
    const e = `(c.el===0?c.ld${8 * size}(${l},${h}):c.loadSlow(${l},${h},${size},true))`;
    s = size === 8 ? `const ${p}r=${e},${p}rH=c.hi;` : `const ${p}r=${e};`;
  } else s = memLoad(`${p}r`, size as 1 | 2 | 4 | 8, l, h);
  if (size === 8) return `${s}const ${p}L=${p}r,${p}H=${p}rH;`;
  let lo = `${p}r`;
  if (signed && size < 4) lo = `(${p}r<<${32 - 8 * size})>>${32 - 8 * size}`;
  return `${s}const ${p}L=${lo},${p}H=${signed && toX ? `${p}L>>31` : "0"};`;
}

/** Statement storing the low `size` bytes of (lo, hi) at (l, h). */
export function storeGpr(
  size: number,
  lo: string,
  hi: string,
  unpriv: boolean,
  l = "aL",
  h = "aH",
): string {
  if (!unpriv) {
    return `{const sl=${lo},sh=${hi};${memStore(size as 1 | 2 | 4 | 8, l, h, "sl", "sh")}}`;
  }
  const fast = size === 8 ? `c.st64(${l},${h},${lo},${hi})` : `c.st${8 * size}(${l},${h},${lo})`;
  return `if(c.el===0)${fast};else c.storeSlow(${l},${h},${size},${lo},${
    size === 8 ? hi : "0"
  },true);`;
}

const PRF_TYPES = ["pld", "pli", "pst"];
const PRF_TARGETS = ["l1", "l2", "l3"];

/** objdump name of a prefetch operation, or `#0xNN` for the unallocated ones. */
export function prfop(rt: number): string {
  const type = rt >> 3, tgt = (rt >> 1) & 3;
  if (type === 3 || tgt === 3) return `#0x${rt.toString(16).padStart(2, "0")}`;
  return `${PRF_TYPES[type]}${PRF_TARGETS[tgt]}${rt & 1 ? "strm" : "keep"}`;
}
