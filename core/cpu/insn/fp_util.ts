/**
 * Shared pieces of the scalar floating-point rows: register access in emitted code (a scalar
 * write zeroes the rest of the 128-bit V register), register names and the FMOV immediate.
 */

/** ftype field: 0 single, 1 double, 3 half. Arithmetic exists for single and double only. */
export const isSD = (ftype: number): boolean => ftype < 2;

/** Register name of scalar FP register n for ftype (s, d or h). */
export function fpReg(ftype: number, n: number): string {
  return `${ftype === 0 ? "s" : ftype === 1 ? "d" : "h"}${n}`;
}

/** Expression for the bits of single register n (int32). */
export const sv = (n: number): string => `vw[${4 * n}]`;
/** Expression for the low word of double register n. */
export const dl = (n: number): string => `vw[${4 * n}]`;
/** Expression for the high word of double register n. */
export const dh = (n: number): string => `vw[${4 * n + 1}]`;

/** Statements writing single register d from an int32 expression, zeroing bits 127:32. */
export function writeS(d: number, v: string): string {
  const b = 4 * d;
  return `{const _r=${v};vw[${b}]=_r;vw[${b + 1}]=0;vw[${b + 2}]=0;vw[${b + 3}]=0;}`;
}

/** Statements writing double register d from lo/hi expressions, zeroing bits 127:64. */
export function writeD(d: number, lo: string, hi: string): string {
  const b = 4 * d;
  return `{const _l=${lo},_h=${hi};vw[${b}]=_l;vw[${b + 1}]=_h;vw[${b + 2}]=0;vw[${b + 3}]=0;}`;
}

/** Statements writing half register d from an expression, zeroing bits 127:16. */
export function writeH(d: number, v: string): string {
  const b = 4 * d;
  return `vw[${b}]=(${v})&65535;vw[${b + 1}]=0;vw[${b + 2}]=0;vw[${b + 3}]=0;`;
}

/** VFPExpandImm: the bit pattern of the FMOV immediate imm8 for ftype 0 (single) or 1 (double). */
export function expandImm(imm8: number, ftype: number): bigint {
  const e = ftype === 0 ? 8 : 11, f = ftype === 0 ? 23 : 52;
  const sign = BigInt(imm8 >> 7);
  const b = (imm8 >> 6) & 1;
  // exp = NOT(b) : Replicate(b, e-3) : imm8<5:4>
  let exp = BigInt(b ^ 1);
  for (let i = 0; i < e - 3; i++) exp = (exp << 1n) | BigInt(b);
  exp = (exp << 2n) | BigInt((imm8 >> 4) & 3);
  const frac = BigInt(imm8 & 15) << BigInt(f - 4);
  return (sign << BigInt(e + f)) | (exp << BigInt(f)) | frac;
}

/** The FMOV immediate's value as objdump prints it (%.18e). */
export function immText(imm8: number): string {
  const bits = expandImm(imm8, 1);
  const v = new Float64Array(new BigUint64Array([bits]).buffer)[0];
  return v.toExponential(18).replace(/e([+-])(\d)$/, "e$10$2");
}
