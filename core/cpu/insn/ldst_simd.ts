/**
 * SIMD and FP register loads and stores: B/H/S/D/Q with unsigned offset, unscaled, pre/post-index,
 * register offset and literal (S/D/Q); the pair rows (ldst_pair.ts) and the LD1-LD4/ST1-ST4
 * structure rows (ldst_struct.ts) are gathered here too.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { sext, target } from "./disasm_util.ts";
import { addrImm, addrReg, memImm, memPost, memPre, memReg, writeback } from "./ldst_addr.ts";
import { loadV, storeV, VNAME, writeV } from "./ldst_vreg.ts";
import { LDST_PAIR_SIMD } from "./ldst_pair.ts";
import { LDST_STRUCT } from "./ldst_struct.ts";

/** log2 of the access size: opc<1> with size 00 selects the 128-bit Q forms. */
const scaleOf = (f: Fields) => (f.opc >= 2 ? 4 : f.size);
/** opc<1> (128-bit) only exists with size 00. */
const validSize = (f: Fields) => f.opc < 2 || f.size === 0;

function access(f: Fields): string {
  const size = 1 << scaleOf(f);
  return f.opc & 1 ? loadV("p", size, "aL", "aH") + writeV(f.rt, "p", size) : storeV(
    f.rt,
    size,
    "aL",
    "aH",
  );
}

const mn = (f: Fields, infix: string) => `${f.opc & 1 ? "ld" : "st"}${infix}`;
const vt = (f: Fields) => `${VNAME[1 << scaleOf(f)]}${f.rt}`;

/** Rows of this group. */
export const LDST_SIMD: InsnDef[] = [
  {
    pattern: "size:2 111 1 01 opc:2 imm12:12 rn:5 rt:5",
    name: "LDST_fp_uimm",
    cls: "fp_ldst",
    valid: validSize,
    emit: (f) => addrImm(f.rn, f.imm12 << scaleOf(f)) + access(f),
    disasm: (f) => `${mn(f, "r")}\t${vt(f)}, ${memImm(f.rn, f.imm12 << scaleOf(f))}`,
  },
  {
    pattern: "size:2 111 1 00 opc:2 0 imm9:9 idx:2 rn:5 rt:5",
    name: "LDST_fp_imm9",
    cls: "fp_ldst",
    // bits 11:10 = 10 would be an unprivileged form, which SIMD&FP registers do not have.
    valid: (f) => validSize(f) && f.idx !== 2,
    emit: (f) => {
      const off = sext(f.imm9, 9);
      if (f.idx === 0) return addrImm(f.rn, off) + access(f);
      if (f.idx === 1) return addrImm(f.rn, 0) + access(f) + writeback(f.rn, off);
      return addrImm(f.rn, off) + access(f) + writeback(f.rn, 0);
    },
    disasm: (f) => {
      const off = sext(f.imm9, 9);
      if (f.idx === 0) return `${mn(f, "ur")}\t${vt(f)}, ${memImm(f.rn, off)}`;
      const m = f.idx === 1 ? memPost(f.rn, off) : memPre(f.rn, off);
      return `${mn(f, "r")}\t${vt(f)}, ${m}`;
    },
  },
  {
    pattern: "size:2 111 1 00 opc:2 1 rm:5 option:3 S:1 10 rn:5 rt:5",
    name: "LDST_fp_reg",
    cls: "fp_ldst",
    valid: (f) => validSize(f) && (f.option & 2) !== 0,
    emit: (f) => addrReg(f.rn, f.rm, f.option, f.S ? scaleOf(f) : 0) + access(f),
    disasm: (f) => `${mn(f, "r")}\t${vt(f)}, ${memReg(f.rn, f.rm, f.option, f.S, scaleOf(f))}`,
  },
  {
    pattern: "opc:2 011 1 00 imm19:19 rt:5",
    name: "LDR_fp_lit",
    cls: "fp_ldst",
    valid: (f) => f.opc !== 3,
    emit: (f, e) => {
      const [l, h] = e.pcPlus(sext(f.imm19, 19) * 4);
      const size = 4 << f.opc;
      return `const aL=${l},aH=${h};${loadV("p", size, "aL", "aH")}${writeV(f.rt, "p", size)}`;
    },
    disasm: (f, pc) => `ldr\t${VNAME[4 << f.opc]}${f.rt}, ${target(pc, sext(f.imm19, 19) * 4)}`,
  },
  ...LDST_PAIR_SIMD,
  ...LDST_STRUCT,
];
