/**
 * Exclusive and ordered accesses: LDXR/LDAXR/STXR/STLXR (B/H/W/X), LDXP/LDAXP/STXP/STLXP and
 * LDAR/STLR (B/H/W/X). Exclusives go through the monitor in runtime/ldst.ts; all of them need
 * natural alignment (pairs: of the total size). Acquire/release ordering is implicit on one PE.
 * The Rs/Rt2 fields that must be ones in some forms are ignored, as QEMU does.
 */
import type { InsnDef } from "./types.ts";
import { setW, setX, xh, xl } from "./emit.ts";
import { reg, xreg } from "./disasm_util.ts";
import { addrImm, misaligned } from "./ldst_addr.ts";
import { loadGpr, storeGpr } from "./ldst_gpr.ts";

const SUFFIX = ["b", "h", "", ""] as const;
const mem = (n: number) => `[${xreg(n, true)}]`;

/** Exclusive and acquire/release rows. */
export const LDST_EXCL: InsnDef[] = [
  {
    pattern: "size:2 001000 0 L:1 0 rs:5 o0:1 rt2:5 rn:5 rt:5",
    name: "LDSTXR",
    cls: "ldst_excl",
    emit: (f) => {
      const size = 1 << f.size;
      if (f.L) {
        return `${addrImm(f.rn, 0)}const vL=H.ldxr(c,aL,aH,${size}),vH=${
          size === 8 ? "c.hi" : "0"
        };${setX(f.rt, "vL", "vH")}`;
      }
      return `${addrImm(f.rn, 0)}const st=H.stxr(c,aL,aH,${size},${xl(f.rt)},${xh(f.rt)});${
        setW(f.rs, "st")
      }`;
    },
    disasm: (f) => {
      const rt = reg(f.rt, f.size === 3);
      const mn = `${f.L ? "ld" : "st"}${f.o0 ? (f.L ? "a" : "l") : ""}xr${SUFFIX[f.size]}`;
      if (f.L) return `${mn}\t${rt}, ${mem(f.rn)}`;
      return `${mn}\t${reg(f.rs, 0)}, ${rt}, ${mem(f.rn)}`;
    },
  },
  {
    pattern: "1 sz:1 001000 0 L:1 1 rs:5 o0:1 rt2:5 rn:5 rt:5",
    name: "LDSTXP",
    cls: "ldst_excl",
    emit: (f) => {
      const x = f.sz === 1;
      if (f.L) {
        // As QEMU: Rt is written before Rt2.
        return `${addrImm(f.rn, 0)}H.ldxp(c,aL,aH,${x});const p0=T[0],p1=T[1],p2=T[2],p3=T[3];${
          setX(f.rt, "p0", "p1")
        }${setX(f.rt2, "p2", "p3")}`;
      }
      return `${addrImm(f.rn, 0)}const st=H.stxp(c,aL,aH,${x},${xl(f.rt)},${xh(f.rt)},${
        xl(f.rt2)
      },${xh(f.rt2)});${setW(f.rs, "st")}`;
    },
    disasm: (f) => {
      const rt = reg(f.rt, f.sz), rt2 = reg(f.rt2, f.sz);
      const mn = `${f.L ? "ld" : "st"}${f.o0 ? (f.L ? "a" : "l") : ""}xp`;
      if (f.L) return `${mn}\t${rt}, ${rt2}, ${mem(f.rn)}`;
      return `${mn}\t${reg(f.rs, 0)}, ${rt}, ${rt2}, ${mem(f.rn)}`;
    },
  },
  {
    pattern: "size:2 001000 1 L:1 0 rs:5 1 rt2:5 rn:5 rt:5",
    name: "LDAR_STLR",
    cls: "ldst_excl",
    emit: (f) => {
      const size = 1 << f.size;
      const check = size > 1 ? `if(${misaligned(size)})c.alignmentFault(aL,aH,${!f.L});` : "";
      if (f.L) {
        return `${addrImm(f.rn, 0)}${check}${loadGpr(size, false, false, false)}${
          setX(f.rt, "vL", "vH")
        }`;
      }
      return `${addrImm(f.rn, 0)}${check}${storeGpr(size, xl(f.rt), xh(f.rt), false)}`;
    },
    disasm: (f) =>
      `${f.L ? "ldar" : "stlr"}${SUFFIX[f.size]}\t${reg(f.rt, f.size === 3)}, ${mem(f.rn)}`,
  },
];
