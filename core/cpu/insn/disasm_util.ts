/** Shared pieces of the objdump-style disassembly text. */

/** General register name: `x`/`w` by `sf`; 31 is `sp`/`wsp` when `sp`, else `xzr`/`wzr`. */
export function reg(n: number, sf: number | boolean, sp = false): string {
  const x = sf ? "x" : "w";
  if (n === 31) return sp ? (sf ? "sp" : "wsp") : `${x}zr`;
  return `${x}${n}`;
}

/** 64-bit register name (x0..x30, xzr or sp). */
export function xreg(n: number, sp = false): string {
  return reg(n, 1, sp);
}

/** Immediate as objdump prints it: `#0x1f`, `#-0x8`. */
export function imm(v: number | bigint): string {
  const b = BigInt(v);
  return b < 0n ? `#-0x${(-b).toString(16)}` : `#0x${b.toString(16)}`;
}

/** Condition names indexed by the 4-bit cond field. */
export const COND_NAMES = [
  "eq",
  "ne",
  "cs",
  "cc",
  "mi",
  "pl",
  "vs",
  "vc",
  "hi",
  "ls",
  "ge",
  "lt",
  "gt",
  "le",
  "al",
  "nv",
] as const;

/** Branch target text as objdump prints it (absolute address in hex, no #). */
export function target(pc: bigint, delta: number): string {
  return ((pc + BigInt(delta)) & 0xffffffffffffffffn).toString(16);
}

/** Sign-extends the low `bits` bits of `v`. */
export function sext(v: number, bits: number): number {
  const s = 32 - bits;
  return bits >= 32 ? v | 0 : (v << s) >> s;
}
