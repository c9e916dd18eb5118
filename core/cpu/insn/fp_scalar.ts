/**
 * Scalar floating point: arithmetic (2-source, FMADD family, FABS/FNEG/FSQRT, FRINT*), FMOV
 * (register, immediate), compares (FCMP/FCMPE/FCCMP/FCCMPE), FCSEL; the conversions live in
 * fp_cvt.ts. Single and double precision only: FP16 arithmetic is not advertised, so those
 * encodings stay UNDEFINED. The IEEE work is done by runtime/fp.ts (H.f*).
 */
import type { InsnDef } from "./types.ts";
import { condExpr } from "./emit.ts";
import { COND_NAMES } from "./disasm_util.ts";
import { dh, dl, expandImm, fpReg, immText, isSD, sv, writeD, writeS } from "./fp_util.ts";
import { FP_CVT } from "./fp_cvt.ts";

const SIGN = -2147483648;

const OPS2 = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"];

/** Statements setting NZCV from the 4-bit value in local `f`. */
const flagsFrom = "c.n=f>>3;c.z=(f>>2)&1;c.c=(f>>1)&1;c.v=f&1;";

function emit2(f: Record<string, number>): string {
  const w = f.ftype === 0 ? "32" : "64";
  if (f.opcode <= 3 || f.opcode === 8) {
    // Register-file forms: FMUL FDIV FADD FSUB, and FNMUL as FMUL then FPNeg of the result.
    const op = f.opcode === 8 ? "fmul" : OPS2[f.opcode];
    const neg = f.opcode === 8 ? `vw[${4 * f.rd + (f.ftype === 0 ? 0 : 1)}]^=${SIGN};` : "";
    return `H.${op}${w}r(c,${f.rd},${f.rn},${f.rm});${neg}`;
  }
  const op = OPS2[f.opcode];
  if (f.ftype === 0) return writeS(f.rd, `H.${op}32(c,${sv(f.rn)},${sv(f.rm)})`);
  return `H.${op}64(c,${dl(f.rn)},${dh(f.rn)},${dl(f.rm)},${dh(f.rm)});` +
    writeD(f.rd, "T[0]", "T[1]");
}

/** FMADD/FMSUB/FNMADD/FNMSUB: acc + n*m with acc and/or n negated first (FPNeg). */
function emit3(f: Record<string, number>): string {
  const neg = (f.o1 === 1 ? 1 : 0) | (f.o0 !== f.o1 ? 2 : 0);
  return `H.fmla${f.ftype === 0 ? "32" : "64"}r(c,${f.rd},${f.ra},${f.rn},${f.rm},${neg});`;
}

/** FRINT* opcode<2:0> to rounding mode (N P M Z A are 0..4); X (6) and I (7) use the FPCR. */
function rintMode(op: number): string {
  return op < 5 ? String(op) : "(c.fpcr>>>22)&3";
}

const RINT_NAMES = ["frintn", "frintp", "frintm", "frintz", "frinta", "", "frintx", "frinti"];

/** Compare call producing local `f`, for FCMP (zero: compare with +0.0) and FCCMP. */
function cmpCall(f: Record<string, number>, zero: boolean, signal: number): string {
  const w = f.ftype === 0 ? "32" : "64";
  return `const f=H.fcmp${w}r(c,${f.rn},${zero ? 32 : f.rm},${signal});`;
}

/** Scalar FP rows (with the conversion rows of fp_cvt.ts). */
export const FP_SCALAR: InsnDef[] = [
  {
    pattern: "0 0 0 11110 ftype:2 1 rm:5 opcode:4 10 rn:5 rd:5",
    name: "FP_2SRC",
    cls: "fp_arith",
    pure: true,
    valid: (f) => isSD(f.ftype) && f.opcode <= 8,
    emit: emit2,
    disasm: (f) =>
      `${OPS2[f.opcode]}\t${fpReg(f.ftype, f.rd)}, ${fpReg(f.ftype, f.rn)}, ${
        fpReg(f.ftype, f.rm)
      }`,
  },
  {
    pattern: "0 0 0 11111 ftype:2 o1:1 rm:5 o0:1 ra:5 rn:5 rd:5",
    name: "FP_3SRC",
    cls: "fp_fma",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: emit3,
    disasm: (f) => {
      const op = ["fmadd", "fmsub", "fnmadd", "fnmsub"][2 * f.o1 + f.o0];
      const r = (n: number) => fpReg(f.ftype, n);
      return `${op}\t${r(f.rd)}, ${r(f.rn)}, ${r(f.rm)}, ${r(f.ra)}`;
    },
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 0000 op:2 10000 rn:5 rd:5",
    name: "FP_1SRC",
    cls: "fp_arith",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: (f) => {
      const single = f.ftype === 0;
      switch (f.op) {
        case 0: // FMOV (register)
          return single ? writeS(f.rd, sv(f.rn)) : writeD(f.rd, dl(f.rn), dh(f.rn));
        case 1: // FABS
          return single
            ? writeS(f.rd, `${sv(f.rn)}&2147483647`)
            : writeD(f.rd, dl(f.rn), `${dh(f.rn)}&2147483647`);
        case 2: // FNEG
          return single
            ? writeS(f.rd, `${sv(f.rn)}^${SIGN}`)
            : writeD(f.rd, dl(f.rn), `${dh(f.rn)}^${SIGN}`);
        default: // FSQRT
          return `H.fsqrt${single ? "32" : "64"}r(c,${f.rd},${f.rn});`;
      }
    },
    disasm: (f) =>
      `${["fmov", "fabs", "fneg", "fsqrt"][f.op]}\t${fpReg(f.ftype, f.rd)}, ${
        fpReg(f.ftype, f.rn)
      }`,
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 001 op:3 10000 rn:5 rd:5",
    name: "FRINT",
    cls: "fp_arith",
    pure: true,
    valid: (f) => isSD(f.ftype) && f.op !== 5,
    emit: (f) => {
      const rm = rintMode(f.op), exact = f.op === 6 ? 1 : 0;
      if (f.ftype === 0) return writeS(f.rd, `H.frint32(c,${sv(f.rn)},${rm},${exact})`);
      return `H.frint64r(c,${f.rd},${f.rn},${rm},${exact});`;
    },
    disasm: (f) => `${RINT_NAMES[f.op]}\t${fpReg(f.ftype, f.rd)}, ${fpReg(f.ftype, f.rn)}`,
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 rm:5 00 1000 rn:5 e:1 z:1 000",
    name: "FCMP",
    cls: "fp_cmp",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: (f) => cmpCall(f, f.z === 1, f.e) + flagsFrom,
    disasm: (f) =>
      `fcmp${f.e ? "e" : ""}\t${fpReg(f.ftype, f.rn)}, ${f.z ? "#0.0" : fpReg(f.ftype, f.rm)}`,
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 rm:5 cond:4 01 rn:5 e:1 nzcv:4",
    name: "FCCMP",
    cls: "fp_cmp",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: (f) => {
      const k = f.nzcv;
      return `if(${condExpr(f.cond)}){${cmpCall(f, false, f.e)}${flagsFrom}}else{c.n=${
        k >> 3
      };c.z=${(k >> 2) & 1};c.c=${(k >> 1) & 1};c.v=${k & 1};}`;
    },
    disasm: (f) =>
      `fccmp${f.e ? "e" : ""}\t${fpReg(f.ftype, f.rn)}, ${fpReg(f.ftype, f.rm)}, #0x${
        f.nzcv.toString(16)
      }, ${COND_NAMES[f.cond]}`,
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 rm:5 cond:4 11 rn:5 rd:5",
    name: "FCSEL",
    cls: "fp_csel",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: (f) => {
      const t = condExpr(f.cond);
      if (f.ftype === 0) return writeS(f.rd, `(${t})?${sv(f.rn)}:${sv(f.rm)}`);
      return `const p=${t};` +
        writeD(f.rd, `p?${dl(f.rn)}:${dl(f.rm)}`, `p?${dh(f.rn)}:${dh(f.rm)}`);
    },
    disasm: (f) => {
      const r = (n: number) => fpReg(f.ftype, n);
      return `fcsel\t${r(f.rd)}, ${r(f.rn)}, ${r(f.rm)}, ${COND_NAMES[f.cond]}`;
    },
  },
  {
    pattern: "0 0 0 11110 ftype:2 1 imm8:8 100 00000 rd:5",
    name: "FMOV_imm",
    cls: "fp_mov",
    pure: true,
    valid: (f) => isSD(f.ftype),
    emit: (f) => {
      const v = expandImm(f.imm8, f.ftype);
      if (f.ftype === 0) return writeS(f.rd, String(Number(v) | 0));
      return writeD(f.rd, String(Number(v & 0xffffffffn) | 0), String(Number(v >> 32n) | 0));
    },
    disasm: (f) => `fmov\t${fpReg(f.ftype, f.rd)}, #${immText(f.imm8)}`,
  },
  ...FP_CVT,
];
