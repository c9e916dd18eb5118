/**
 * Advanced SIMD fixed-point conversions by immediate: SCVTF/UCVTF and FCVTZS/FCVTZU with #fbits,
 * vector and scalar. immh 01xx selects single and 1xxx double precision, so each form is two
 * rows whose patterns fix those bits (immh 0000 is the modified-immediate space, 001x half
 * precision and 0001 stay unallocated: FP16 is not implemented). `imm` holds the rest of
 * immh:immb, so fbits = esize - imm.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { fpArr, fpReg, laneCall, laneExpr, sized, vreg, writeLanes } from "./simd_fp_emit.ts";

function emitFixed(f: Fields, bits: number, lanes: number, toFloat: boolean, u: number): string {
  const fn = sized(toFloat ? "i%toF%" : "f%toI%", bits);
  const fbits = bits - f.imm;
  const extra = toFloat ? [u, fbits] : [3, fbits, u]; // FCVTZ*: round towards zero
  let s = "";
  for (let i = 0; i < lanes; i++) {
    s += laneCall(i, fn, [laneExpr({ reg: f.rn, lane: i }, bits)], bits, extra);
  }
  return s + writeLanes(f.rd, lanes, bits);
}

function rows(mnem: string, u: number, opc: string, toFloat: boolean, bits: number): InsnDef[] {
  const name = `${mnem.toUpperCase()}_fixed`;
  const sz = bits === 64 ? 1 : 0;
  const immh = bits === 64 ? "1 imm:6" : "01 imm:5";
  return [
    {
      pattern: `0 q:1 ${u} 011110 ${immh} ${opc} 1 rn:5 rd:5`,
      name: `${name}_v${bits}`,
      cls: "simd_fp_cvt",
      pure: true,
      valid: (f) => f.q === 1 || bits === 32,
      emit: (f) => emitFixed(f, bits, (f.q ? 128 : 64) / bits, toFloat, u),
      disasm: (f) => {
        const t = fpArr(f.q, sz);
        return `${mnem}\t${vreg(f.rd, t)}, ${vreg(f.rn, t)}, #${bits - f.imm}`;
      },
    },
    {
      pattern: `01 ${u} 111110 ${immh} ${opc} 1 rn:5 rd:5`,
      name: `${name}_s${bits}`,
      cls: "simd_fp_cvt",
      pure: true,
      emit: (f) => emitFixed(f, bits, 1, toFloat, u),
      disasm: (f) => `${mnem}\t${fpReg(sz, f.rd)}, ${fpReg(sz, f.rn)}, #${bits - f.imm}`,
    },
  ];
}

/** Fixed-point conversion rows. */
export const SIMD_FP_FIXED: InsnDef[] = [32, 64].flatMap((bits) => [
  ...rows("scvtf", 0, "11100", true, bits),
  ...rows("ucvtf", 1, "11100", true, bits),
  ...rows("fcvtzs", 0, "11111", false, bits),
  ...rows("fcvtzu", 1, "11111", false, bits),
]);
