/**
 * Scalar floating-point conversions: FCVT between half, single and double; FCVT[NPMZA][SU]
 * to general registers (and the fixed-point FCVTZS/FCVTZU); SCVTF/UCVTF from general registers
 * (integer and fixed point); FMOV between general and FP registers (incl. V.D[1]).
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { setW, setX, xh, xl } from "./emit.ts";
import { reg } from "./disasm_util.ts";
import { dh, dl, fpReg, isSD, sv, writeD, writeH, writeS } from "./fp_util.ts";

/** FP to integer: rounding mode rm (0..4), fbits, unsigned; result to W/X[rd]. */
function emitToInt(f: Fields, rm: number, fbits: number, u: number): string {
  const w = f.sf ? "64" : "32";
  const src = f.ftype === 0 ? `H.f32toI${w}(c,${sv(f.rn)}` : `H.f64toI${w}r(c,${f.rn}`;
  const call = `${src},${rm},${fbits},${u})`;
  // The call always runs: it updates the FPSR even when the destination is the zero register.
  return f.sf ? `${call};${setX(f.rd, "T[0]", "T[1]")}` : `const v=${call};${setW(f.rd, "v")}`;
}

/** Integer (W/X[rn]) to FP with fbits. */
function emitFromInt(f: Fields, fbits: number, u: number): string {
  const args = f.sf ? `${xl(f.rn)},${xh(f.rn)},${u},${fbits}` : `${xl(f.rn)},${u},${fbits}`;
  const w = f.sf ? "64" : "32";
  if (f.ftype === 0) return writeS(f.rd, `H.i${w}toF32(c,${args})`);
  return `H.i${w}toF64r(c,${f.rd},${args});`;
}

const TO_INT = ["fcvtns", "fcvtps", "fcvtms", "fcvtzs"];

function intName(f: Fields): string {
  const u = f.opcode & 1;
  if (f.opcode <= 1) return TO_INT[f.rmode].slice(0, 5) + (u ? "u" : "s");
  if (f.opcode <= 3) return u ? "ucvtf" : "scvtf";
  return u ? "fcvtau" : "fcvtas";
}

/** Conversion rows. */
export const FP_CVT: InsnDef[] = [
  {
    pattern: "0 0 0 11110 ftype:2 1 0001 opc:2 10000 rn:5 rd:5",
    name: "FCVT_prec",
    cls: "fp_cvt",
    pure: true,
    valid: (f) => f.ftype !== 2 && f.opc !== 2 && f.ftype !== f.opc,
    emit: (f) => {
      const from = f.ftype, to = f.opc;
      if (from === 0 && to === 1) return `H.f32to64r(c,${f.rd},${f.rn});`;
      if (from === 1 && to === 0) return `H.f64to32r(c,${f.rd},${f.rn});`;
      const src = from === 0
        ? sv(f.rn)
        : from === 1
        ? `${dl(f.rn)},${dh(f.rn)}`
        : `vh[${8 * f.rn}]`;
      const fn = `H.f${[32, 64, 0, 16][from]}to${[32, 64, 0, 16][to]}(c,${src})`;
      if (to === 0) return writeS(f.rd, fn);
      if (to === 3) return writeH(f.rd, fn);
      return `${fn};${writeD(f.rd, "T[0]", "T[1]")}`;
    },
    disasm: (f) => `fcvt\t${fpReg(f.opc, f.rd)}, ${fpReg(f.ftype, f.rn)}`,
  },
  {
    pattern: "sf:1 0 0 11110 ftype:2 1 rmode:2 opcode:3 000000 rn:5 rd:5",
    name: "FP_INT",
    cls: "fp_cvt_int",
    pure: true,
    valid: (f) => {
      if (f.ftype === 3) return false; // FP16 forms are not implemented
      if (f.opcode >= 6) {
        if (f.rmode === 0) return f.sf === f.ftype && f.ftype < 2;
        return f.rmode === 1 && f.sf === 1 && f.ftype === 2;
      }
      if (f.ftype === 2) return false;
      return f.opcode <= 1 || f.rmode === 0;
    },
    emit: (f) => {
      const u = f.opcode & 1;
      if (f.opcode <= 1) return emitToInt(f, f.rmode, 0, u);
      if (f.opcode <= 3) return emitFromInt(f, 0, u);
      if (f.opcode <= 5) return emitToInt(f, 4, 0, u);
      const b = 4 * f.rn;
      if (f.opcode === 6) { // FMOV to general
        if (!f.sf) return setW(f.rd, sv(f.rn));
        return f.ftype === 1
          ? setX(f.rd, dl(f.rn), dh(f.rn))
          : setX(f.rd, `vw[${b + 2}]`, `vw[${b + 3}]`);
      }
      if (!f.sf) return writeS(f.rd, xl(f.rn));
      if (f.ftype === 1) return writeD(f.rd, xl(f.rn), xh(f.rn));
      return `vw[${4 * f.rd + 2}]=${xl(f.rn)};vw[${4 * f.rd + 3}]=${xh(f.rn)};`;
    },
    disasm: (f) => {
      if (f.opcode >= 6) {
        const v = f.ftype === 2 ? `v${f.opcode === 6 ? f.rn : f.rd}.d[1]` : "";
        return f.opcode === 6
          ? `fmov\t${reg(f.rd, f.sf)}, ${v || fpReg(f.ftype, f.rn)}`
          : `fmov\t${v || fpReg(f.ftype, f.rd)}, ${reg(f.rn, f.sf)}`;
      }
      const name = intName(f);
      return f.opcode === 2 || f.opcode === 3
        ? `${name}\t${fpReg(f.ftype, f.rd)}, ${reg(f.rn, f.sf)}`
        : `${name}\t${reg(f.rd, f.sf)}, ${fpReg(f.ftype, f.rn)}`;
    },
  },
  {
    pattern: "sf:1 0 0 11110 ftype:2 0 rmode:2 opcode:3 scale:6 rn:5 rd:5",
    name: "FP_FIXED",
    cls: "fp_cvt_int",
    pure: true,
    valid: (f) =>
      isSD(f.ftype) && (f.sf === 1 || f.scale >= 32) &&
      ((f.rmode === 0 && (f.opcode === 2 || f.opcode === 3)) || (f.rmode === 3 && f.opcode <= 1)),
    emit: (f) => {
      const fbits = 64 - f.scale, u = f.opcode & 1;
      return f.rmode === 3 ? emitToInt(f, 3, fbits, u) : emitFromInt(f, fbits, u);
    },
    disasm: (f) => {
      const name = intName(f), fbits = 64 - f.scale;
      return f.rmode === 0
        ? `${name}\t${fpReg(f.ftype, f.rd)}, ${reg(f.rn, f.sf)}, #${fbits}`
        : `${name}\t${reg(f.rd, f.sf)}, ${fpReg(f.ftype, f.rn)}, #${fbits}`;
    },
  },
];
