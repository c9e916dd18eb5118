/**
 * Address generation shared by every load/store row: emitted JavaScript that computes a 64-bit
 * virtual address as int32 halves `aL`/`aH` (base register plus immediate or extended register),
 * the base writeback, and the objdump text of the addressing forms.
 */
import { add64, shift64, xh, xl } from "./emit.ts";
import { reg, xreg } from "./disasm_util.ts";

/** Expression pair (lo, hi) for `(l, h) + k` where `k` is a small constant (|k| < 2^31). */
export function plus(l: string, h: string, k: number): [string, string] {
  if (k === 0) return [l, h];
  if (k > 0) return [`((${l}>>>0)+${k})|0`, `((${l}>>>0)+${k}>4294967295?(${h}+1)|0:${h})`];
  return [`((${l}>>>0)${k})|0`, `((${l}>>>0)${k}<0?(${h}-1)|0:${h})`];
}

/** Declares `aL`, `aH` = X[n] (31 = SP) + constant `off`. */
export function addrImm(n: number, off: number): string {
  const l = xl(n, true), h = xh(n, true);
  if (off === 0) return `const aL=${l},aH=${h};`;
  const carry = off > 0 ? `aS>4294967295?(${h}+1)|0:${h}` : `aS<0?(${h}-1)|0:${h}`;
  return `const aS=(${l}>>>0)+${off},aL=aS|0,aH=${carry};`;
}

/**
 * Declares `aL`, `aH` = X[n] (31 = SP) + extend(X[m], option) << shift, the register-offset
 * form (option 010 UXTW, 011 LSL, 110 SXTW, 111 SXTX; m = 31 is XZR).
 */
export function addrReg(n: number, m: number, option: number, shift: number): string {
  const ml = xl(m);
  const mh = (option & 1) ? xh(m) : option & 4 ? `(${ml}>>31)` : "0";
  return `const mL=${ml},mH=${mh};${shift64("o", "mL", "mH", 0, shift)}` +
    `const bL=${xl(n, true)},bH=${xh(n, true)};${add64("a", "bL", "bH", "oL", "oH", "0", false)}`;
}

/** Statements writing X[n] (31 = SP) = address + `off` (base writeback). */
export function writeback(n: number, off: number): string {
  const [l, h] = plus("aL", "aH", off);
  return `{const wL=${l},wH=${h};r[${2 * n}]=wL;r[${2 * n + 1}]=wH;}`;
}

/** Statements writing X[n] (31 = SP) = address + X[m] (post-index by register, m = 31 is XZR). */
export function writebackReg(n: number, m: number): string {
  if (m === 31) return `r[${2 * n}]=aL;r[${2 * n + 1}]=aH;`;
  return `{${add64("w", "aL", "aH", xl(m), xh(m), "0", false)}r[${2 * n}]=wL;r[${2 * n + 1}]=wH;}`;
}

/** Expression: nonzero when (aL) is not a multiple of `size` (a power of two). */
export function misaligned(size: number): string {
  return `(aL&${size - 1})!==0`;
}

// ---------------------------------------------------------------- disassembly

/** `[xn, #off]` / `[xn]` (offset forms). */
export function memImm(n: number, off: number): string {
  return off === 0 ? `[${xreg(n, true)}]` : `[${xreg(n, true)}, #${off}]`;
}

/** `[xn, #off]!` (pre-index). */
export function memPre(n: number, off: number): string {
  return `[${xreg(n, true)}, #${off}]!`;
}

/** `[xn], #off` (post-index). */
export function memPost(n: number, off: number): string {
  return `[${xreg(n, true)}], #${off}`;
}

const EXTEND_NAMES: Record<number, string> = { 2: "uxtw", 3: "lsl", 6: "sxtw", 7: "sxtx" };

/** `[xn, xm{, lsl #s}]` / `[xn, wm, uxtw{ #s}]`: register offset, `shift` the S-scaled amount. */
export function memReg(n: number, m: number, option: number, s: number, shift: number): string {
  const rm = reg(m, option & 1);
  const base = `[${xreg(n, true)}, ${rm}`;
  if (option === 3) return s ? `${base}, lsl #${shift}]` : `${base}]`;
  return `${base}, ${EXTEND_NAMES[option]}${s ? ` #${shift}` : ""}]`;
}
