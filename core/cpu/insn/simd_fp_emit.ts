/**
 * Emission and disassembly helpers shared by the Advanced SIMD floating-point rows. Lane values
 * travel as raw bit patterns: a single-precision lane is one int32 (`vw[i]`), a double-precision
 * lane an int32 lo/hi pair whose runtime result comes back in T[0], T[1]. Every source lane is
 * read into a local before any destination lane is written, because Vd may alias Vn or Vm.
 */

/** A source operand lane: register number and lane index (in units of the lane size). */
export interface LaneRef {
  reg: number;
  lane: number;
}

/** Expression(s) for one source lane of `bits` (16, 32 or 64) bits. */
export function laneExpr(r: LaneRef, bits: number): string[] {
  if (bits === 64) return [`vw[${r.reg * 4 + 2 * r.lane}]`, `vw[${r.reg * 4 + 2 * r.lane + 1}]`];
  if (bits === 16) return [`vh[${r.reg * 8 + r.lane}]`];
  return [`vw[${r.reg * 4 + r.lane}]`];
}

/** A helper name with every `%` replaced by the lane size, e.g. "fadd%" -> "fadd32". */
export function sized(fn: string, bits: number): string {
  return fn.replaceAll("%", String(bits));
}

/**
 * Statements computing result lane `i` into local `r${i}` (32-bit) or `r${i}l`/`r${i}h` (64-bit)
 * by calling helper `fn` with `c`, the operand lanes' halves and `extra` constant arguments.
 */
export function laneCall(
  i: number,
  fn: string,
  operands: string[][],
  outBits: number,
  extra: (number | string)[] = [],
): string {
  const args = ["c", ...operands.flat(), ...extra.map(String)].join(",");
  if (outBits === 64) return `H.${fn}(${args});const r${i}l=T[0],r${i}h=T[1];`;
  return `const r${i}=H.${fn}(${args});`;
}

/**
 * Statements writing result lanes 0..n-1 (locals from laneCall) of `bits` bits to Vd starting at
 * lane `first`, then zeroing Vd above the written part (Q=0 and scalar forms; a no-op for the
 * full-width and "2" forms).
 */
export function writeLanes(d: number, n: number, bits: number, first = 0): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const lane = first + i;
    if (bits === 64) s += `vw[${d * 4 + 2 * lane}]=r${i}l;vw[${d * 4 + 2 * lane + 1}]=r${i}h;`;
    else if (bits === 16) s += `vh[${d * 8 + lane}]=r${i};`;
    else s += `vw[${d * 4 + lane}]=r${i};`;
  }
  for (let w = Math.ceil(((first + n) * bits) / 32); w < 4; w++) s += `vw[${d * 4 + w}]=0;`;
  return s;
}

/** Arrangement text of FP lanes: 2s/4s (sz=0) or 2d (sz=1; Q=0 is reserved there). */
export function fpArr(q: number, sz: number): string {
  return sz ? "2d" : q ? "4s" : "2s";
}

/** Scalar FP register name: s<n> or d<n>. */
export function fpReg(sz: number, n: number): string {
  return `${sz ? "d" : "s"}${n}`;
}

/** Vector register with arrangement, e.g. v3.4s. */
export function vreg(n: number, arr: string): string {
  return `v${n}.${arr}`;
}
