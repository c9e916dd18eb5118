/**
 * Advanced SIMD floating point, three registers of the same type: vector arithmetic, fused
 * multiply-accumulate, compares, min/max, pairwise ops and the reciprocal steps, plus the AdvSIMD
 * scalar forms. Single and double precision only (FP16 is not implemented, so its encodings, which
 * live elsewhere, stay UNDEFINED).
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import {
  fpArr,
  fpReg,
  laneCall,
  laneExpr,
  type LaneRef,
  sized,
  vreg,
  writeLanes,
} from "./simd_fp_emit.ts";

/** How the lanes of one operation are formed. */
type Kind = "bin" | "acc" | "pair";

interface SameOp {
  mnem: string;
  u: number;
  a: number;
  opc: string;
  /** Runtime helper name, `%` standing for the lane size (see sized()). */
  fn: string;
  kind: Kind;
  cls: string;
  /** Also has an AdvSIMD scalar form. */
  scalar?: boolean;
}

const OPS: SameOp[] = [
  { mnem: "fmaxnm", u: 0, a: 0, opc: "11000", fn: "fmaxnm%", kind: "bin", cls: "simd_fp_minmax" },
  { mnem: "fmla", u: 0, a: 0, opc: "11001", fn: "fmla%", kind: "acc", cls: "simd_fp_fma" },
  { mnem: "fadd", u: 0, a: 0, opc: "11010", fn: "fadd%", kind: "bin", cls: "simd_fp_arith" },
  {
    mnem: "fmulx",
    u: 0,
    a: 0,
    opc: "11011",
    fn: "fmulx%",
    kind: "bin",
    cls: "simd_fp_arith",
    scalar: true,
  },
  {
    mnem: "fcmeq",
    u: 0,
    a: 0,
    opc: "11100",
    fn: "vfCmeq%",
    kind: "bin",
    cls: "simd_fp_cmp",
    scalar: true,
  },
  { mnem: "fmax", u: 0, a: 0, opc: "11110", fn: "fmax%", kind: "bin", cls: "simd_fp_minmax" },
  {
    mnem: "frecps",
    u: 0,
    a: 0,
    opc: "11111",
    fn: "frecps%",
    kind: "bin",
    cls: "simd_fp_recip",
    scalar: true,
  },
  { mnem: "fminnm", u: 0, a: 1, opc: "11000", fn: "fminnm%", kind: "bin", cls: "simd_fp_minmax" },
  { mnem: "fmls", u: 0, a: 1, opc: "11001", fn: "vfMls%", kind: "acc", cls: "simd_fp_fma" },
  { mnem: "fsub", u: 0, a: 1, opc: "11010", fn: "fsub%", kind: "bin", cls: "simd_fp_arith" },
  { mnem: "fmin", u: 0, a: 1, opc: "11110", fn: "fmin%", kind: "bin", cls: "simd_fp_minmax" },
  {
    mnem: "frsqrts",
    u: 0,
    a: 1,
    opc: "11111",
    fn: "frsqrts%",
    kind: "bin",
    cls: "simd_fp_recip",
    scalar: true,
  },
  { mnem: "fmaxnmp", u: 1, a: 0, opc: "11000", fn: "fmaxnm%", kind: "pair", cls: "simd_fp_pair" },
  { mnem: "faddp", u: 1, a: 0, opc: "11010", fn: "fadd%", kind: "pair", cls: "simd_fp_pair" },
  { mnem: "fmul", u: 1, a: 0, opc: "11011", fn: "fmul%", kind: "bin", cls: "simd_fp_arith" },
  {
    mnem: "fcmge",
    u: 1,
    a: 0,
    opc: "11100",
    fn: "vfCmge%",
    kind: "bin",
    cls: "simd_fp_cmp",
    scalar: true,
  },
  {
    mnem: "facge",
    u: 1,
    a: 0,
    opc: "11101",
    fn: "vfAcge%",
    kind: "bin",
    cls: "simd_fp_cmp",
    scalar: true,
  },
  { mnem: "fmaxp", u: 1, a: 0, opc: "11110", fn: "fmax%", kind: "pair", cls: "simd_fp_pair" },
  { mnem: "fdiv", u: 1, a: 0, opc: "11111", fn: "fdiv%", kind: "bin", cls: "simd_fp_arith" },
  { mnem: "fminnmp", u: 1, a: 1, opc: "11000", fn: "fminnm%", kind: "pair", cls: "simd_fp_pair" },
  {
    mnem: "fabd",
    u: 1,
    a: 1,
    opc: "11010",
    fn: "vfAbd%",
    kind: "bin",
    cls: "simd_fp_arith",
    scalar: true,
  },
  {
    mnem: "fcmgt",
    u: 1,
    a: 1,
    opc: "11100",
    fn: "vfCmgt%",
    kind: "bin",
    cls: "simd_fp_cmp",
    scalar: true,
  },
  {
    mnem: "facgt",
    u: 1,
    a: 1,
    opc: "11101",
    fn: "vfAcgt%",
    kind: "bin",
    cls: "simd_fp_cmp",
    scalar: true,
  },
  { mnem: "fminp", u: 1, a: 1, opc: "11110", fn: "fmin%", kind: "pair", cls: "simd_fp_pair" },
];

/** Lane-wise emission over `lanes` lanes; `scalar` forms zero everything above lane 0. */
function emitSame(op: SameOp, f: Fields, lanes: number): string {
  const bits = f.sz ? 64 : 32;
  const fn = sized(op.fn, bits);
  let s = "";
  for (let i = 0; i < lanes; i++) {
    const ops: LaneRef[] = [];
    if (op.kind === "pair") {
      // Pairs of adjacent lanes of the concatenation Vm:Vn, low half from Vn.
      const half = lanes / 2;
      const src = i < half ? f.rn : f.rm;
      const j = 2 * (i % half);
      ops.push({ reg: src, lane: j }, { reg: src, lane: j + 1 });
    } else {
      if (op.kind === "acc") ops.push({ reg: f.rd, lane: i });
      ops.push({ reg: f.rn, lane: i }, { reg: f.rm, lane: i });
    }
    s += laneCall(i, fn, ops.map((r) => laneExpr(r, bits)), bits);
  }
  return s + writeLanes(f.rd, lanes, bits);
}

function vectorRow(op: SameOp): InsnDef {
  return {
    pattern: `0 q:1 ${op.u} 01110 ${op.a} sz:1 1 rm:5 ${op.opc} 1 rn:5 rd:5`,
    name: `${op.mnem.toUpperCase()}_v`,
    cls: op.cls,
    pure: true,
    valid: (f) => !(f.sz && !f.q),
    emit: (f) => emitSame(op, f, (f.q ? 4 : 2) >> f.sz),
    disasm: (f) => {
      const t = fpArr(f.q, f.sz);
      return `${op.mnem}\t${vreg(f.rd, t)}, ${vreg(f.rn, t)}, ${vreg(f.rm, t)}`;
    },
  };
}

function scalarRow(op: SameOp): InsnDef {
  return {
    pattern: `01 ${op.u} 11110 ${op.a} sz:1 1 rm:5 ${op.opc} 1 rn:5 rd:5`,
    name: `${op.mnem.toUpperCase()}_s`,
    cls: op.cls,
    pure: true,
    emit: (f) => emitSame(op, f, 1),
    disasm: (f) => `${op.mnem}\t${fpReg(f.sz, f.rd)}, ${fpReg(f.sz, f.rn)}, ${fpReg(f.sz, f.rm)}`,
  };
}

/** Three-same rows, vector then scalar. */
export const SIMD_FP_SAME: InsnDef[] = [
  ...OPS.map(vectorRow),
  ...OPS.filter((o) => o.scalar).map(scalarRow),
];
