/**
 * Data processing (register), arithmetic and logic: ADD/SUB shifted and extended register,
 * logical shifted register, ADC/SBC, CCMN/CCMP, CSEL/CSINC/CSINV/CSNEG.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import {
  add32,
  add64,
  condExpr,
  nz32,
  nz64,
  setFlags,
  setW,
  setX,
  shift32,
  shift64,
  xh,
  xl,
} from "./emit.ts";
import { COND_NAMES, imm, reg } from "./disasm_util.ts";

const SHIFT_NAMES = ["lsl", "lsr", "asr", "ror"] as const;
const EXT_NAMES = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"] as const;

/** ", lsr #3" style suffix; LSL #0 is omitted as objdump does. */
function shiftText(shift: number, amount: number): string {
  return shift === 0 && amount === 0 ? "" : `, ${SHIFT_NAMES[shift]} #${amount}`;
}

/** Declares b (32-bit) or bL/bH (64-bit): Rm shifted by the constant amount. */
function shiftedOperand(f: Fields): string {
  if (!f.sf) return `const b=${shift32(xl(f.rm), f.shift, f.imm6)};`;
  return `const mL=${xl(f.rm)},mH=${xh(f.rm)};${shift64("b", "mL", "mH", f.shift, f.imm6)}`;
}

/** Declares b (32-bit) or bL/bH (64-bit): Rm extended by `option` and shifted left by imm3. */
function extendedOperand(f: Fields): string {
  const m = xl(f.rm);
  const ext32 =
    [`${m}&255`, `${m}&65535`, m, m, `(${m}<<24)>>24`, `(${m}<<16)>>16`, m, m][f.option];
  if (!f.sf) return `const b=(${ext32})<<${f.imm3};`;
  let code: string;
  if (f.option === 3 || f.option === 7) code = `const eL=${m},eH=${xh(f.rm)};`;
  else if (f.option < 3) code = `const eL=${ext32},eH=0;`;
  else code = `const eL=${ext32},eH=eL>>31;`;
  return code + shift64("b", "eL", "eH", 0, f.imm3);
}

/** Add or subtract (op) of Rn and the operand b/bL/bH, with carry-in `cin` for ADD. */
function emitAddSub(f: Fields, sp: boolean, cin: string, useCarry: boolean): string {
  const flags = f.S === 1;
  const rdSp = sp && !flags;
  const c = useCarry ? "c.c" : f.op ? "1" : cin;
  if (!f.sf) {
    return `const a=${xl(f.rn, sp)};${add32("s", "a", f.op ? "~b" : "b", c, flags)}${
      setW(f.rd, "s", rdSp)
    }`;
  }
  return `const aL=${xl(f.rn, sp)},aH=${xh(f.rn, sp)};${
    add64("s", "aL", "aH", f.op ? "~bL" : "bL", f.op ? "~bH" : "bH", c, flags)
  }${setX(f.rd, "sL", "sH", rdSp)}`;
}

function disasmAddSubShift(f: Fields): string {
  const sf = f.sf, d = reg(f.rd, sf), n = reg(f.rn, sf), m = reg(f.rm, sf);
  const sh = shiftText(f.shift, f.imm6);
  const flags = f.S === 1;
  if (flags && f.rd === 31) return `${f.op ? "cmp" : "cmn"}\t${n}, ${m}${sh}`;
  if (f.op && f.rn === 31) return `${flags ? "negs" : "neg"}\t${d}, ${m}${sh}`;
  return `${f.op ? "sub" : "add"}${flags ? "s" : ""}\t${d}, ${n}, ${m}${sh}`;
}

function disasmAddSubExt(f: Fields): string {
  const sf = f.sf, flags = f.S === 1;
  const d = reg(f.rd, sf, !flags), n = reg(f.rn, sf, true);
  const m = reg(f.rm, sf && (f.option & 3) === 3);
  // UXTW (32-bit) / UXTX (64-bit) next to SP is shown as LSL.
  const lslForm = (f.rd === 31 && !flags || f.rn === 31) && f.option === (sf ? 3 : 2);
  const ext = lslForm
    ? (f.imm3 === 0 ? "" : `, lsl #${f.imm3}`)
    : `, ${EXT_NAMES[f.option]}${f.imm3 ? ` #${f.imm3}` : ""}`;
  if (flags && f.rd === 31) return `${f.op ? "cmp" : "cmn"}\t${n}, ${m}${ext}`;
  return `${f.op ? "sub" : "add"}${flags ? "s" : ""}\t${d}, ${n}, ${m}${ext}`;
}

const LOGIC_OPS = ["&", "|", "^", "&"] as const;
const LOGIC_NAMES = [["and", "bic"], ["orr", "orn"], ["eor", "eon"], ["ands", "bics"]] as const;

function emitLogicShift(f: Fields): string {
  const op = LOGIC_OPS[f.opc];
  const inv = f.N ? "~" : "";
  const flags = f.opc === 3;
  let code = shiftedOperand(f);
  if (!f.sf) {
    code += `const v=${xl(f.rn)}${op}${inv}b;`;
    return code + (flags ? nz32("v") : "") + setW(f.rd, "v");
  }
  code += `const vL=${xl(f.rn)}${op}${inv}bL,vH=${xh(f.rn)}${op}${inv}bH;`;
  return code + (flags ? nz64("vL", "vH") : "") + setX(f.rd, "vL", "vH");
}

function disasmLogicShift(f: Fields): string {
  const sf = f.sf, d = reg(f.rd, sf), n = reg(f.rn, sf), m = reg(f.rm, sf);
  const sh = shiftText(f.shift, f.imm6);
  if (f.opc === 1 && f.rn === 31) {
    if (f.N) return `mvn\t${d}, ${m}${sh}`;
    if (f.imm6 === 0 && f.shift === 0) return `mov\t${d}, ${m}`;
  }
  if (f.opc === 3 && !f.N && f.rd === 31) return `tst\t${n}, ${m}${sh}`;
  return `${LOGIC_NAMES[f.opc][f.N]}\t${d}, ${n}, ${m}${sh}`;
}

/** CCMN/CCMP: the comparison's flags if the condition holds, else the immediate NZCV. */
function emitCondCompare(f: Fields, immediate: boolean): string {
  const nzcv = f.nzcv;
  const otherwise = setFlags(
    `${nzcv >> 3}`,
    `${(nzcv >> 2) & 1}`,
    `${(nzcv >> 1) & 1}`,
    `${nzcv & 1}`,
  );
  const inv = f.op ? "~" : "";
  const cin = f.op ? "1" : "0";
  let cmp: string;
  if (!f.sf) {
    const b = immediate ? String(f.imm5) : xl(f.rm);
    cmp = `const a=${xl(f.rn)},b=${b};${add32("s", "a", `${inv}b`, cin, true)}`;
  } else {
    const bL = immediate ? String(f.imm5) : xl(f.rm), bH = immediate ? "0" : xh(f.rm);
    cmp = `const aL=${xl(f.rn)},aH=${xh(f.rn)},bL=${bL},bH=${bH};${
      add64("s", "aL", "aH", `${inv}bL`, `${inv}bH`, cin, true)
    }`;
  }
  return `if(${condExpr(f.cond)}){${cmp}}else{${otherwise}}`;
}

function disasmCondCompare(f: Fields, immediate: boolean): string {
  const b = immediate ? imm(f.imm5) : reg(f.rm, f.sf);
  return `${f.op ? "ccmp" : "ccmn"}\t${reg(f.rn, f.sf)}, ${b}, ${imm(f.nzcv)}, ${
    COND_NAMES[f.cond]
  }`;
}

/** CSEL (op 0, o2 0), CSINC (0, 1), CSINV (1, 0), CSNEG (1, 1). */
function emitCondSelect(f: Fields): string {
  const kind = (f.op << 1) | f.o2;
  const c = condExpr(f.cond);
  if (!f.sf) {
    const m = xl(f.rm);
    const other = [m, `(${m}+1)|0`, `~${m}`, `-${m}|0`][kind];
    return `const v=${c}?${xl(f.rn)}:${other};${setW(f.rd, "v")}`;
  }
  const mL = xl(f.rm), mH = xh(f.rm);
  let other: string;
  switch (kind) {
    case 0:
      other = `vL=${mL};vH=${mH};`;
      break;
    case 1:
      other = `vL=(${mL}+1)|0;vH=vL===0?(${mH}+1)|0:${mH};`;
      break;
    case 2:
      other = `vL=~${mL};vH=~${mH};`;
      break;
    default:
      other = `vL=-${mL}|0;vH=${mL}===0?-${mH}|0:~${mH};`;
  }
  return `let vL,vH;if(${c}){vL=${xl(f.rn)};vH=${xh(f.rn)};}else{${other}}${
    setX(f.rd, "vL", "vH")
  }`;
}

function disasmCondSelect(f: Fields): string {
  const sf = f.sf, d = reg(f.rd, sf), n = reg(f.rn, sf), m = reg(f.rm, sf);
  const kind = (f.op << 1) | f.o2;
  const inv = COND_NAMES[f.cond ^ 1];
  if (kind !== 0 && f.rn === f.rm && f.cond < 14) {
    if (kind === 1) return f.rn === 31 ? `cset\t${d}, ${inv}` : `cinc\t${d}, ${n}, ${inv}`;
    if (kind === 2) return f.rn === 31 ? `csetm\t${d}, ${inv}` : `cinv\t${d}, ${n}, ${inv}`;
    return `cneg\t${d}, ${n}, ${inv}`;
  }
  const name = ["csel", "csinc", "csinv", "csneg"][kind];
  return `${name}\t${d}, ${n}, ${m}, ${COND_NAMES[f.cond]}`;
}

/** Arithmetic and logical register rows. */
export const DP_REG_ARITH: InsnDef[] = [
  {
    pattern: "sf:1 op:1 S:1 01011 shift:2 0 rm:5 imm6:6 rn:5 rd:5",
    name: "ADDSUB_shift",
    cls: "dp_reg",
    pure: true,
    valid: (f) => f.shift !== 3 && (f.sf === 1 || f.imm6 < 32),
    emit: (f) => shiftedOperand(f) + emitAddSub(f, false, "0", false),
    disasm: disasmAddSubShift,
  },
  {
    pattern: "sf:1 op:1 S:1 01011 00 1 rm:5 option:3 imm3:3 rn:5 rd:5",
    name: "ADDSUB_ext",
    cls: "dp_reg",
    pure: true,
    valid: (f) => f.imm3 <= 4,
    emit: (f) => extendedOperand(f) + emitAddSub(f, true, "0", false),
    disasm: disasmAddSubExt,
  },
  {
    pattern: "sf:1 opc:2 01010 shift:2 N:1 rm:5 imm6:6 rn:5 rd:5",
    name: "LOGIC_shift",
    cls: "dp_reg",
    pure: true,
    valid: (f) => f.sf === 1 || f.imm6 < 32,
    emit: emitLogicShift,
    disasm: disasmLogicShift,
  },
  {
    pattern: "sf:1 op:1 S:1 11010000 rm:5 000000 rn:5 rd:5",
    name: "ADC_SBC",
    cls: "dp_reg",
    pure: true,
    emit: (f) => {
      const m = f.sf ? `const bL=${xl(f.rm)},bH=${xh(f.rm)};` : `const b=${xl(f.rm)};`;
      return m + emitAddSub(f, false, "c.c", true);
    },
    disasm: (f) => {
      const sf = f.sf, d = reg(f.rd, sf), m = reg(f.rm, sf), s = f.S ? "s" : "";
      if (f.op && f.rn === 31) return `ngc${s}\t${d}, ${m}`;
      return `${f.op ? "sbc" : "adc"}${s}\t${d}, ${reg(f.rn, sf)}, ${m}`;
    },
  },
  {
    pattern: "sf:1 op:1 1 11010010 rm:5 cond:4 0 0 rn:5 0 nzcv:4",
    name: "CCMP_reg",
    cls: "dp_reg",
    pure: true,
    emit: (f) => emitCondCompare(f, false),
    disasm: (f) => disasmCondCompare(f, false),
  },
  {
    pattern: "sf:1 op:1 1 11010010 imm5:5 cond:4 1 0 rn:5 0 nzcv:4",
    name: "CCMP_imm",
    cls: "dp_reg",
    pure: true,
    emit: (f) => emitCondCompare(f, true),
    disasm: (f) => disasmCondCompare(f, true),
  },
  {
    pattern: "sf:1 op:1 0 11010100 rm:5 cond:4 0 o2:1 rn:5 rd:5",
    name: "CSEL",
    cls: "dp_reg",
    pure: true,
    emit: emitCondSelect,
    disasm: disasmCondSelect,
  },
];
