/**
 * Data processing (register), 1-, 2- and 3-source: RBIT, REV16/REV32/REV, CLZ/CLS, UDIV/SDIV, variable
 * shifts, CRC32*, MADD/MSUB and the long and high multiplies.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { add32, add64, setW, setX, xh, xl } from "./emit.ts";
import { reg } from "./disasm_util.ts";

const ONE_SRC_NAMES = ["rbit", "rev16", "rev32", "rev", "clz", "cls"] as const;

/** Byte swap inside each halfword of a 32-bit expression. */
const rev16 = (v: string) => `(((${v}>>>8)&0xff00ff)|((${v}&0xff00ff)<<8))`;

function emitOneSource(f: Fields): string {
  const n = xl(f.rn), nh = xh(f.rn);
  if (!f.sf) {
    const v = [
      `H.rbit32(${n})`,
      rev16(n),
      `H.rev32(${n})`,
      "",
      `Math.clz32(${n})`,
      `Math.clz32(${n}^(${n}<<1)|1)`,
    ][f.opcode];
    return setW(f.rd, v);
  }
  switch (f.opcode) {
    case 0:
      return setX(f.rd, `H.rbit32(${nh})`, `H.rbit32(${n})`);
    case 1:
      return setX(f.rd, rev16(n), rev16(nh));
    case 2:
      return setX(f.rd, `H.rev32(${n})`, `H.rev32(${nh})`);
    case 3:
      return setX(f.rd, `H.rev32(${nh})`, `H.rev32(${n})`);
    case 4:
      return setX(f.rd, `H.clz64(${n},${nh})`, "0");
    default:
      return setX(f.rd, `H.cls64(${n},${nh})`, "0");
  }
}

const SHIFT_NAMES = ["lsl", "lsr", "asr", "ror"] as const;

/** LSLV/LSRV/ASRV/RORV: the shift amount is Rm modulo the register size. */
function emitVarShift(f: Fields, type: number): string {
  const n = xl(f.rn), nh = xh(f.rn), m = xl(f.rm);
  if (!f.sf) {
    const v = [
      `${n}<<s`,
      `${n}>>>s|0`,
      `${n}>>s`,
      `s===0?${n}:(${n}>>>s)|(${n}<<(32-s))`,
    ][type];
    return `const s=${m}&31;const v=${v};${setW(f.rd, "v")}`;
  }
  // Split into a shift by (s & 32) word swap and a shift by (s & 31) within words.
  let code = `const s=${m}&63,t=s&31,u=32-t,lo=${n},hi=${nh};let vL,vH;`;
  switch (type) {
    case 0:
      code += "if(s<32){vL=lo<<t;vH=t===0?hi:(hi<<t)|(lo>>>u);}else{vL=0;vH=lo<<t;}";
      break;
    case 1:
      code += "if(s<32){vH=hi>>>t|0;vL=t===0?lo:(lo>>>t)|(hi<<u);}else{vL=hi>>>t|0;vH=0;}";
      break;
    case 2:
      code += "if(s<32){vH=hi>>t;vL=t===0?lo:(lo>>>t)|(hi<<u);}else{vL=hi>>t;vH=hi>>31;}";
      break;
    default:
      code += "const a=s<32?lo:hi,b=s<32?hi:lo;" +
        "if(t===0){vL=a;vH=b;}else{vL=(a>>>t)|(b<<u);vH=(b>>>t)|(a<<u);}";
  }
  return code + setX(f.rd, "vL", "vH");
}

function emitDiv(f: Fields, signed: boolean): string {
  const n = xl(f.rn), m = xl(f.rm);
  if (!f.sf) {
    const q = signed ? `d===0?0:Math.trunc(${n}/d)|0` : `d===0?0:Math.floor((${n}>>>0)/d)|0`;
    return `const d=${signed ? m : `${m}>>>0`};const q=${q};${setW(f.rd, "q")}`;
  }
  return `H.${signed ? "sdiv64" : "udiv64"}(${n},${xh(f.rn)},${m},${xh(f.rm)});${
    setX(f.rd, "T[0]", "T[1]")
  }`;
}

function emitCrc(f: Fields): string {
  const bytes = 1 << f.sz;
  const hi = bytes === 8 ? xh(f.rm) : "0";
  return setW(f.rd, `H.crc32(${xl(f.rn)},${xl(f.rm)},${hi},${bytes},${f.C === 1})`);
}

function disasmTwoSource(f: Fields): string {
  const sf = f.sf, d = reg(f.rd, sf), n = reg(f.rn, sf), m = reg(f.rm, sf);
  const op = f.opcode;
  if (op === 2 || op === 3) return `${op === 2 ? "udiv" : "sdiv"}\t${d}, ${n}, ${m}`;
  if (op >= 8 && op <= 11) return `${SHIFT_NAMES[op - 8]}\t${d}, ${n}, ${m}`;
  const sz = op & 3;
  const name = `crc32${op & 4 ? "c" : ""}${"bhwx"[sz]}`;
  return `${name}\t${reg(f.rd, 0)}, ${reg(f.rn, 0)}, ${reg(f.rm, sz === 3)}`;
}

function validTwoSource(f: Fields): boolean {
  const op = f.opcode;
  if (op === 2 || op === 3 || (op >= 8 && op <= 11)) return true;
  // CRC32: opcode 010 C sz; the X forms need sf = 1, the others sf = 0.
  return (op >> 3) === 2 && f.sf === ((op & 3) === 3 ? 1 : 0);
}

/** MADD/MSUB (o0) of 32 or 64 bits. */
function emitMulAdd(f: Fields): string {
  const n = xl(f.rn), m = xl(f.rm);
  if (f.ra === 31 && !f.o0) {
    // MUL: nothing to add.
    if (!f.sf) return setW(f.rd, `Math.imul(${n},${m})`);
    return `H.mul64(${n},${xh(f.rn)},${m},${xh(f.rm)});${setX(f.rd, "T[0]", "T[1]")}`;
  }
  if (!f.sf) {
    return `const p=Math.imul(${n},${m}),a=${xl(f.ra)};${
      add32("s", "a", f.o0 ? "~p" : "p", f.o0 ? "1" : "0", false)
    }${setW(f.rd, "s")}`;
  }
  return `H.mul64(${n},${xh(f.rn)},${m},${xh(f.rm)});const pL=T[0],pH=T[1],aL=${xl(f.ra)},aH=${
    xh(f.ra)
  };${add64("s", "aL", "aH", f.o0 ? "~pL" : "pL", f.o0 ? "~pH" : "pH", f.o0 ? "1" : "0", false)}${
    setX(f.rd, "sL", "sH")
  }`;
}

/** SMADDL/SMSUBL/UMADDL/UMSUBL: 32 x 32 -> 64 plus or minus Xa. */
function emitMulAddLong(f: Fields, signed: boolean): string {
  const n = xl(f.rn), m = xl(f.rm);
  const nh = signed ? `${n}>>31` : "0", mh = signed ? `${m}>>31` : "0";
  return `H.mul64(${n},${nh},${m},${mh});const pL=T[0],pH=T[1],aL=${xl(f.ra)},aH=${xh(f.ra)};${
    add64("s", "aL", "aH", f.o0 ? "~pL" : "pL", f.o0 ? "~pH" : "pH", f.o0 ? "1" : "0", false)
  }${setX(f.rd, "sL", "sH")}`;
}

function disasmThreeSource(f: Fields): string {
  const op = f.op31;
  if (op === 2 || op === 6) {
    return `${op === 2 ? "smulh" : "umulh"}\t${reg(f.rd, 1)}, ${reg(f.rn, 1)}, ${reg(f.rm, 1)}`;
  }
  const long = op !== 0;
  const d = reg(f.rd, f.sf), n = reg(f.rn, f.sf && !long), m = reg(f.rm, f.sf && !long);
  const pre = op === 1 ? "s" : op === 5 ? "u" : "";
  if (f.ra === 31) {
    const name = long ? (f.o0 ? `${pre}mnegl` : `${pre}mull`) : f.o0 ? "mneg" : "mul";
    return `${name}\t${d}, ${n}, ${m}`;
  }
  const name = `${pre}${f.o0 ? "msub" : "madd"}${long ? "l" : ""}`;
  return `${name}\t${d}, ${n}, ${m}, ${reg(f.ra, f.sf)}`;
}

/** 1-, 2- and 3-source rows. */
export const DP_REG_MISC: InsnDef[] = [
  {
    pattern: "sf:1 1 0 11010110 00000 opcode:6 rn:5 rd:5",
    name: "DP_1SRC",
    cls: "dp_reg",
    pure: true,
    valid: (f) => f.opcode <= 5 && (f.sf === 1 || f.opcode !== 3),
    emit: emitOneSource,
    disasm: (f) => {
      const name = !f.sf && f.opcode === 2 ? "rev" : ONE_SRC_NAMES[f.opcode];
      return `${name}\t${reg(f.rd, f.sf)}, ${reg(f.rn, f.sf)}`;
    },
  },
  {
    pattern: "sf:1 0 0 11010110 rm:5 opcode:6 rn:5 rd:5",
    name: "DP_2SRC",
    cls: "dp_reg",
    pure: true,
    valid: validTwoSource,
    emit: (f) => {
      const op = f.opcode;
      if (op === 2 || op === 3) return emitDiv(f, op === 3);
      if (op >= 8 && op <= 11) return emitVarShift(f, op - 8);
      return emitCrc({ ...f, sz: op & 3, C: (op >> 2) & 1 });
    },
    disasm: disasmTwoSource,
  },
  {
    pattern: "sf:1 00 11011 op31:3 rm:5 o0:1 ra:5 rn:5 rd:5",
    name: "DP_3SRC",
    cls: "dp_reg",
    pure: true,
    valid: (f) => {
      const op = f.op31;
      if (op === 0) return true;
      if (f.sf === 0) return false;
      if (op === 1 || op === 5) return true;
      return (op === 2 || op === 6) && f.o0 === 0;
    },
    emit: (f) => {
      const op = f.op31;
      if (op === 0) return emitMulAdd(f);
      if (op === 1 || op === 5) return emitMulAddLong(f, op === 1);
      return `H.${op === 2 ? "smulh" : "umulh"}(${xl(f.rn)},${xh(f.rn)},${xl(f.rm)},${xh(f.rm)});${
        setX(f.rd, "T[0]", "T[1]")
      }`;
    },
    disasm: disasmThreeSource,
  },
];
