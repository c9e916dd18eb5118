/**
 * General-register loads and stores of one register: unsigned offset, unscaled, pre/post-index,
 * unprivileged (LDTR/STTR), register offset, literal, and the PRFM/PRFUM hints. The group array
 * also gathers the pair rows (ldst_pair.ts) and exclusive/acquire/release rows (ldst_excl.ts).
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { setX, xh, xl } from "./emit.ts";
import { reg, sext, target } from "./disasm_util.ts";
import { addrImm, addrReg, memImm, memPost, memPre, memReg, writeback } from "./ldst_addr.ts";
import { LDST_PAIR } from "./ldst_pair.ts";
import { loadGpr, prfop, storeGpr } from "./ldst_gpr.ts";
import { LDST_EXCL } from "./ldst_excl.ts";

const SIZES = [1, 2, 4, 8] as const;

/** Load/store body for size/opc of the single-register forms (V = 0), after the address. */
function access(f: Fields, unpriv: boolean): string {
  const size = SIZES[f.size];
  if (f.opc === 0) return storeGpr(size, xl(f.rt), xh(f.rt), unpriv);
  const signed = f.opc >= 2;
  const toX = f.size === 3 || f.opc === 2;
  return loadGpr(size, signed, toX, unpriv) + setX(f.rt, "vL", "vH");
}

/** (size, opc) pairs that exist (opc 2 with size 3 is PRFM, handled by its own rows). */
function validSizeOpc(f: Fields): boolean {
  return !(f.opc === 3 && f.size >= 2) && !(f.opc === 2 && f.size === 3);
}

const BASE_NAMES = [
  ["strb", "strh", "str", "str"],
  ["ldrb", "ldrh", "ldr", "ldr"],
  ["ldrsb", "ldrsh", "ldrsw", ""],
  ["ldrsb", "ldrsh", "", ""],
] as const;

function mnemonic(f: Fields, infix: string): string {
  return BASE_NAMES[f.opc][f.size].replace(/^(st|ld)r/, `$1${infix}`);
}

function rtText(f: Fields): string {
  return reg(f.rt, f.size === 3 || f.opc === 2);
}

/** Shapes of the imm9 forms by bits 11:10. */
const IMM9_FORMS = ["unscaled", "post", "unpriv", "pre"] as const;

function emitImm9(f: Fields): string {
  const off = sext(f.imm9, 9);
  switch (IMM9_FORMS[f.idx]) {
    case "unscaled":
      return addrImm(f.rn, off) + access(f, false);
    case "unpriv":
      return addrImm(f.rn, off) + access(f, true);
    case "post":
      return addrImm(f.rn, 0) + access(f, false) + writeback(f.rn, off);
    default:
      return addrImm(f.rn, off) + access(f, false) + writeback(f.rn, 0);
  }
}

function disasmImm9(f: Fields): string {
  const off = sext(f.imm9, 9);
  switch (IMM9_FORMS[f.idx]) {
    case "unscaled":
      return `${mnemonic(f, "ur")}\t${rtText(f)}, ${memImm(f.rn, off)}`;
    case "unpriv":
      return `${mnemonic(f, "tr")}\t${rtText(f)}, ${memImm(f.rn, off)}`;
    case "post":
      return `${mnemonic(f, "r")}\t${rtText(f)}, ${memPost(f.rn, off)}`;
    default:
      return `${mnemonic(f, "r")}\t${rtText(f)}, ${memPre(f.rn, off)}`;
  }
}

/** Rows of this group. */
export const LDST: InsnDef[] = [
  {
    pattern: "11 111 0 01 10 imm12:12 rn:5 rt:5",
    name: "PRFM_uimm",
    cls: "ldst",
    group: "LDST_UIMM",
    pure: true,
    emit: () => "",
    disasm: (f) => `prfm\t${prfop(f.rt)}, ${memImm(f.rn, f.imm12 * 8)}`,
  },
  {
    pattern: "size:2 111 0 01 opc:2 imm12:12 rn:5 rt:5",
    name: "LDST_uimm",
    cls: "ldst",
    group: "LDST_UIMM",
    valid: validSizeOpc,
    emit: (f) => addrImm(f.rn, f.imm12 << f.size) + access(f, false),
    disasm: (f) => `${mnemonic(f, "r")}\t${rtText(f)}, ${memImm(f.rn, f.imm12 << f.size)}`,
  },
  {
    pattern: "11 111 0 00 10 0 imm9:9 00 rn:5 rt:5",
    name: "PRFUM",
    cls: "ldst",
    group: "LDST_IMM9",
    pure: true,
    emit: () => "",
    disasm: (f) => `prfum\t${prfop(f.rt)}, ${memImm(f.rn, sext(f.imm9, 9))}`,
  },
  {
    pattern: "size:2 111 0 00 opc:2 0 imm9:9 idx:2 rn:5 rt:5",
    name: "LDST_imm9",
    cls: "ldst",
    group: "LDST_IMM9",
    valid: validSizeOpc,
    emit: emitImm9,
    disasm: disasmImm9,
  },
  {
    pattern: "11 111 0 00 10 1 rm:5 option:3 S:1 10 rn:5 rt:5",
    name: "PRFM_reg",
    cls: "ldst",
    group: "LDST_REG",
    pure: true,
    valid: (f) => (f.option & 2) !== 0,
    emit: () => "",
    disasm: (f) => `prfm\t${prfop(f.rt)}, ${memReg(f.rn, f.rm, f.option, f.S, 3)}`,
  },
  {
    pattern: "size:2 111 0 00 opc:2 1 rm:5 option:3 S:1 10 rn:5 rt:5",
    name: "LDST_reg",
    cls: "ldst",
    group: "LDST_REG",
    valid: (f) => validSizeOpc(f) && (f.option & 2) !== 0,
    emit: (f) => addrReg(f.rn, f.rm, f.option, f.S ? f.size : 0) + access(f, false),
    disasm: (f) =>
      `${mnemonic(f, "r")}\t${rtText(f)}, ${memReg(f.rn, f.rm, f.option, f.S, f.size)}`,
  },
  {
    pattern: "0 sf:1 011 0 00 imm19:19 rt:5",
    name: "LDR_lit",
    cls: "ldst",
    emit: (f, e) => {
      const [l, h] = e.pcPlus(sext(f.imm19, 19) * 4);
      return `const aL=${l},aH=${h};${loadGpr(f.sf ? 8 : 4, false, false, false)}${
        setX(f.rt, "vL", "vH")
      }`;
    },
    disasm: (f, pc) => `ldr\t${reg(f.rt, f.sf)}, ${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  {
    pattern: "10 011 0 00 imm19:19 rt:5",
    name: "LDRSW_lit",
    cls: "ldst",
    emit: (f, e) => {
      const [l, h] = e.pcPlus(sext(f.imm19, 19) * 4);
      return `const aL=${l},aH=${h};${loadGpr(4, true, true, false)}${setX(f.rt, "vL", "vH")}`;
    },
    disasm: (f, pc) => `ldrsw\t${reg(f.rt, 1)}, ${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  {
    pattern: "11 011 0 00 imm19:19 rt:5",
    name: "PRFM_lit",
    cls: "ldst",
    pure: true,
    emit: () => "",
    disasm: (f, pc) => `prfm\t${prfop(f.rt)}, ${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  ...LDST_PAIR,
  ...LDST_EXCL,
];
