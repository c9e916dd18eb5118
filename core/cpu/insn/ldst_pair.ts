/**
 * Load/store pair rows: LDP/STP/LDPSW and LDNP/STNP of general registers (group LDST) and of
 * S/D/Q registers (exported for LDST_SIMD), with signed offset, pre- and post-index.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { setX, xh, xl } from "./emit.ts";
import { reg, sext } from "./disasm_util.ts";
import { addrImm, memImm, memPost, memPre, plus, writeback } from "./ldst_addr.ts";
import { loadGpr, storeGpr } from "./ldst_gpr.ts";
import { loadV, storeV, VNAME, writeV } from "./ldst_vreg.ts";

/** Addressing by bits 24:23: 0 no-allocate offset, 1 post-index, 2 offset, 3 pre-index. */
function pairAddr(f: Fields, scale: number, body: string): string {
  const off = sext(f.imm7, 7) << scale;
  const [l, h] = plus("aL", "aH", 1 << scale);
  const second = `const bL=${l},bH=${h};`;
  if (f.idx === 1) return addrImm(f.rn, 0) + second + body + writeback(f.rn, off);
  if (f.idx === 3) return addrImm(f.rn, off) + second + body + writeback(f.rn, 0);
  return addrImm(f.rn, off) + second + body;
}

function pairText(f: Fields, scale: number, mn: string, r1: string, r2: string): string {
  const off = sext(f.imm7, 7) << scale;
  const m = f.idx === 1 ? memPost(f.rn, off) : f.idx === 3 ? memPre(f.rn, off) : memImm(f.rn, off);
  return `${mn}${f.idx === 0 ? "n" : ""}p\t${r1}, ${r2}, ${m}`;
}

/** General-register pair rows. */
export const LDST_PAIR: InsnDef[] = [
  {
    pattern: "opc:2 101 0 0 idx:2 L:1 imm7:7 rt2:5 rn:5 rt:5",
    name: "LDSTP",
    cls: "ldst",
    // opc 01 is LDPSW (load, not no-allocate); STGP (MTE) and opc 11 are not ARMv8.0.
    valid: (f) => f.opc === 0 || f.opc === 2 || (f.opc === 1 && f.L === 1 && f.idx !== 0),
    emit: (f) => {
      const scale = f.opc === 2 ? 3 : 2, size = 1 << scale;
      if (!f.L) {
        return pairAddr(
          f,
          scale,
          storeGpr(size, xl(f.rt), xh(f.rt), false) +
            storeGpr(size, xl(f.rt2), xh(f.rt2), false, "bL", "bH"),
        );
      }
      const signed = f.opc === 1;
      // As QEMU: Rt2 is written before Rt (an UNPREDICTABLE Rt == Rt2 gets the first value).
      return pairAddr(
        f,
        scale,
        loadGpr(size, signed, true, false) + loadGpr(size, signed, true, false, "u", "bL", "bH") +
          setX(f.rt2, "uL", "uH") + setX(f.rt, "vL", "vH"),
      );
    },
    disasm: (f) => {
      const sf = f.opc !== 0;
      const mn = f.L ? (f.opc === 1 ? "ldpsw" : "ld") : "st";
      if (f.opc === 1) return pairText(f, 2, "ld", reg(f.rt, 1), reg(f.rt2, 1)).replace("ldp", mn);
      return pairText(f, sf ? 3 : 2, mn, reg(f.rt, sf), reg(f.rt2, sf));
    },
  },
];

/** S/D/Q pair rows (for the LDST_SIMD group). */
export const LDST_PAIR_SIMD: InsnDef[] = [
  {
    pattern: "opc:2 101 1 0 idx:2 L:1 imm7:7 rt2:5 rn:5 rt:5",
    name: "LDSTP_fp",
    cls: "fp_ldst",
    valid: (f) => f.opc !== 3,
    emit: (f) => {
      const scale = 2 + f.opc, size = 1 << scale;
      if (!f.L) {
        return pairAddr(f, scale, storeV(f.rt, size, "aL", "aH") + storeV(f.rt2, size, "bL", "bH"));
      }
      return pairAddr(
        f,
        scale,
        loadV("p", size, "aL", "aH") + loadV("q", size, "bL", "bH") + writeV(f.rt, "p", size) +
          writeV(f.rt2, "q", size),
      );
    },
    disasm: (f) => {
      const n = VNAME[4 << f.opc];
      return pairText(f, 2 + f.opc, f.L ? "ld" : "st", `${n}${f.rt}`, `${n}${f.rt2}`);
    },
  },
];
