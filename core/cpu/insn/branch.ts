/** Branches: B, BL, B.cond, CBZ/CBNZ, TBZ/TBNZ, BR, BLR, RET, ERET. */
import type { InsnDef } from "./types.ts";
import { condExpr, xh, xl } from "./emit.ts";
import { COND_NAMES, reg, sext, target, xreg } from "./disasm_util.ts";

const setPc = (t: [number, number]) => `c.pcLo=${t[0]};c.pcHi=${t[1]};`;
const linkX30 = (t: [number, number]) => `r[60]=${t[0]};r[61]=${t[1]};`;

/** Branch rows. */
export const BRANCH: InsnDef[] = [
  {
    pattern: "0 00101 imm26:26",
    name: "B",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) => setPc(e.pcPlus(sext(f.imm26, 26) * 4)),
    disasm: (f, pc) => `b\t${target(pc, sext(f.imm26, 26) * 4)}`,
  },
  {
    pattern: "1 00101 imm26:26",
    name: "BL",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) => linkX30(e.pcPlus(4)) + setPc(e.pcPlus(sext(f.imm26, 26) * 4)),
    disasm: (f, pc) => `bl\t${target(pc, sext(f.imm26, 26) * 4)}`,
  },
  {
    pattern: "0101010 0 imm19:19 0 cond:4",
    name: "B_cond",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) =>
      `if(${condExpr(f.cond)}){${setPc(e.pcPlus(sext(f.imm19, 19) * 4))}}else{${
        setPc(e.pcPlus(4))
      }}`,
    disasm: (f, pc) => `b.${COND_NAMES[f.cond]}\t${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  {
    pattern: "sf:1 011010 op:1 imm19:19 rt:5",
    name: "CBZ",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) => {
      const zero = f.sf ? `(${xl(f.rt)}|${xh(f.rt)})===0` : `${xl(f.rt)}===0`;
      const test = f.op ? `!(${zero})` : zero;
      return `if(${test}){${setPc(e.pcPlus(sext(f.imm19, 19) * 4))}}else{${setPc(e.pcPlus(4))}}`;
    },
    disasm: (f, pc) =>
      `${f.op ? "cbnz" : "cbz"}\t${reg(f.rt, f.sf)}, ${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  {
    pattern: "b5:1 011011 op:1 b40:5 imm14:14 rt:5",
    name: "TBZ",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) => {
      const bit = (f.b5 << 5) | f.b40;
      const v = bit >= 32 ? xh(f.rt) : xl(f.rt);
      const set = `((${v}>>>${bit & 31})&1)===${f.op}`;
      return `if(${set}){${setPc(e.pcPlus(sext(f.imm14, 14) * 4))}}else{${setPc(e.pcPlus(4))}}`;
    },
    disasm: (f, pc) => {
      const bit = (f.b5 << 5) | f.b40;
      return `${f.op ? "tbnz" : "tbz"}\t${reg(f.rt, f.b5)}, #${bit}, ${
        target(pc, sext(f.imm14, 14) * 4)
      }`;
    },
  },
  {
    pattern: "1101011 0000 11111 000000 rn:5 00000",
    name: "BR",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f) => `c.pcLo=${xl(f.rn)};c.pcHi=${xh(f.rn)};`,
    disasm: (f) => `br\t${xreg(f.rn)}`,
  },
  {
    pattern: "1101011 0001 11111 000000 rn:5 00000",
    name: "BLR",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f, e) => `{const l=${xl(f.rn)},h=${xh(f.rn)};${linkX30(e.pcPlus(4))}c.pcLo=l;c.pcHi=h;}`,
    disasm: (f) => `blr\t${xreg(f.rn)}`,
  },
  {
    pattern: "1101011 0010 11111 000000 rn:5 00000",
    name: "RET",
    cls: "branch",
    flow: "branch",
    pure: true,
    emit: (f) => `c.pcLo=${xl(f.rn)};c.pcHi=${xh(f.rn)};`,
    disasm: (f) => (f.rn === 30 ? "ret" : `ret\t${xreg(f.rn)}`),
  },
  {
    pattern: "1101011 0100 11111 000000 11111 00000",
    name: "ERET",
    cls: "branch_sys",
    flow: "branch",
    emit: () => `if(c.el===0)c.undefinedInsn(${0xd69f03e0});c.eret();`,
    disasm: () => "eret",
  },
];
