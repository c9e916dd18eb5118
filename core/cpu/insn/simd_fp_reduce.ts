/**
 * Advanced SIMD floating-point reductions: across lanes FMAXV/FMINV/FMAXNMV/FMINNMV (4S only in
 * ARMv8.0) and the scalar pairwise FADDP/FMAXP/FMINP/FMAXNMP/FMINNMP (2S or 2D to a scalar).
 */
import type { InsnDef } from "./types.ts";
import { fpReg, laneExpr, sized, vreg } from "./simd_fp_emit.ts";

interface ReduceOp {
  mnem: string;
  a: number;
  opc: string;
  fn: string;
}

/**
 * FMAXV & co. reduce as the Arm ARM's Reduce(): halves recursively, so the result is
 * op(op(e0, e1), op(e2, e3)) — the order matters for which NaN propagates.
 */
function acrossRow(o: ReduceOp): InsnDef {
  return {
    pattern: `0 q:1 1 01110 ${o.a} sz:1 11000 ${o.opc} 10 rn:5 rd:5`,
    name: `${o.mnem.toUpperCase()}`,
    cls: "simd_fp_reduce",
    pure: true,
    valid: (f) => f.q === 1 && f.sz === 0,
    emit: (f) => {
      const e = (i: number) => laneExpr({ reg: f.rn, lane: i }, 32)[0];
      const fn = `H.${sized(o.fn, 32)}`;
      return `const lo=${fn}(c,${e(0)},${e(1)}),hi=${fn}(c,${e(2)},${e(3)});` +
        `vw[${f.rd * 4}]=${fn}(c,lo,hi);vw[${f.rd * 4 + 1}]=0;vw[${f.rd * 4 + 2}]=0;` +
        `vw[${f.rd * 4 + 3}]=0;`;
    },
    disasm: (f) => `${o.mnem}\ts${f.rd}, ${vreg(f.rn, "4s")}`,
  };
}

function pairRow(o: ReduceOp): InsnDef {
  return {
    pattern: `01 1 11110 ${o.a} sz:1 11000 ${o.opc} 10 rn:5 rd:5`,
    name: `${o.mnem.toUpperCase()}_s`,
    cls: "simd_fp_pair",
    pure: true,
    emit: (f) => {
      const d = f.rd * 4;
      if (f.sz) {
        const [al, ah] = laneExpr({ reg: f.rn, lane: 0 }, 64);
        const [bl, bh] = laneExpr({ reg: f.rn, lane: 1 }, 64);
        return `H.${sized(o.fn, 64)}(c,${al},${ah},${bl},${bh});` +
          `vw[${d}]=T[0];vw[${d + 1}]=T[1];vw[${d + 2}]=0;vw[${d + 3}]=0;`;
      }
      const [a] = laneExpr({ reg: f.rn, lane: 0 }, 32);
      const [b] = laneExpr({ reg: f.rn, lane: 1 }, 32);
      return `vw[${d}]=H.${sized(o.fn, 32)}(c,${a},${b});vw[${d + 1}]=0;vw[${d + 2}]=0;vw[${
        d + 3
      }]=0;`;
    },
    disasm: (f) => `${o.mnem}\t${fpReg(f.sz, f.rd)}, ${vreg(f.rn, f.sz ? "2d" : "2s")}`,
  };
}

/** Reduction rows. */
export const SIMD_FP_REDUCE: InsnDef[] = [
  acrossRow({ mnem: "fmaxnmv", a: 0, opc: "01100", fn: "fmaxnm%" }),
  acrossRow({ mnem: "fmaxv", a: 0, opc: "01111", fn: "fmax%" }),
  acrossRow({ mnem: "fminnmv", a: 1, opc: "01100", fn: "fminnm%" }),
  acrossRow({ mnem: "fminv", a: 1, opc: "01111", fn: "fmin%" }),
  pairRow({ mnem: "fmaxnmp", a: 0, opc: "01100", fn: "fmaxnm%" }),
  pairRow({ mnem: "faddp", a: 0, opc: "01101", fn: "fadd%" }),
  pairRow({ mnem: "fmaxp", a: 0, opc: "01111", fn: "fmax%" }),
  pairRow({ mnem: "fminnmp", a: 1, opc: "01100", fn: "fminnm%" }),
  pairRow({ mnem: "fminp", a: 1, opc: "01111", fn: "fmin%" }),
];
