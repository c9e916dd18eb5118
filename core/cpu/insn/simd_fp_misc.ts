/**
 * Advanced SIMD floating point, two-register miscellaneous: FABS/FNEG/FSQRT, FRINT*, FCVT* to
 * integer, SCVTF/UCVTF, compares against #0.0, reciprocal (square root) estimates and FRECPX,
 * the AdvSIMD scalar forms, and the precision-changing FCVTL/FCVTN/FCVTXN (vector and scalar).
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { fpArr, fpReg, laneCall, laneExpr, sized, vreg, writeLanes } from "./simd_fp_emit.ts";

/** FPRounding values passed to the runtime; FPCR means "as FPCR.RMode" (read at run time). */
const TIEEVEN = 0, POSINF = 1, NEGINF = 2, ZERO = 3, TIEAWAY = 4, FPCR = -1;

/** One lane's operation: helper name (see sized()), operand order and constant arguments. */
interface LaneOp {
  fn: string;
  /** "x0": (x, +0.0); "0x": (+0.0, x); default: (x). */
  zero?: "x0" | "0x";
  extra?: (number | string)[];
}

interface MiscOp {
  mnem: string;
  u: number;
  a: number;
  opc: string;
  cls: string;
  lane: LaneOp;
  /** Vector form exists / scalar form exists. */
  vector: boolean;
  scalar: boolean;
  /** Only single precision (URECPE/URSQRTE). */
  singleOnly?: boolean;
  /** Disassembly suffix (compares against zero). */
  suffix?: string;
}

function op(
  mnem: string,
  uao: string,
  cls: string,
  lane: LaneOp,
  forms: "v" | "s" | "vs",
  more: Partial<MiscOp> = {},
): MiscOp {
  const [u, a, opc] = uao.split(" ");
  return {
    mnem,
    u: Number(u),
    a: Number(a),
    opc,
    cls,
    lane,
    vector: forms.includes("v"),
    scalar: forms.includes("s"),
    ...more,
  };
}

const rint = (mode: number, exact: number): LaneOp => ({
  fn: "frint%",
  extra: [mode === FPCR ? "(c.fpcr>>>22&3)" : mode, exact],
});
const toInt = (mode: number, u: number): LaneOp => ({ fn: "f%toI%", extra: [mode, 0, u] });
const Z = { suffix: ", #0.0" };

const OPS: MiscOp[] = [
  op("frintn", "0 0 11000", "simd_fp_rint", rint(TIEEVEN, 0), "v"),
  op("frintm", "0 0 11001", "simd_fp_rint", rint(NEGINF, 0), "v"),
  op("fcvtns", "0 0 11010", "simd_fp_cvt", toInt(TIEEVEN, 0), "vs"),
  op("fcvtms", "0 0 11011", "simd_fp_cvt", toInt(NEGINF, 0), "vs"),
  op("fcvtas", "0 0 11100", "simd_fp_cvt", toInt(TIEAWAY, 0), "vs"),
  op("scvtf", "0 0 11101", "simd_fp_cvt", { fn: "i%toF%", extra: [0, 0] }, "vs"),
  op("fcmgt", "0 1 01100", "simd_fp_cmp", { fn: "vfCmgt%", zero: "x0" }, "vs", Z),
  op("fcmeq", "0 1 01101", "simd_fp_cmp", { fn: "vfCmeq%", zero: "x0" }, "vs", Z),
  op("fcmlt", "0 1 01110", "simd_fp_cmp", { fn: "vfCmgt%", zero: "0x" }, "vs", Z),
  op("frintp", "0 1 11000", "simd_fp_rint", rint(POSINF, 0), "v"),
  op("frintz", "0 1 11001", "simd_fp_rint", rint(ZERO, 0), "v"),
  op("fcvtps", "0 1 11010", "simd_fp_cvt", toInt(POSINF, 0), "vs"),
  op("fcvtzs", "0 1 11011", "simd_fp_cvt", toInt(ZERO, 0), "vs"),
  op("urecpe", "0 1 11100", "simd_fp_recip", { fn: "vuRecpe%" }, "v", { singleOnly: true }),
  op("frecpe", "0 1 11101", "simd_fp_recip", { fn: "frecpe%" }, "vs"),
  op("frecpx", "0 1 11111", "simd_fp_recip", { fn: "frecpx%" }, "s"),
  op("frinta", "1 0 11000", "simd_fp_rint", rint(TIEAWAY, 0), "v"),
  op("frintx", "1 0 11001", "simd_fp_rint", rint(FPCR, 1), "v"),
  op("fcvtnu", "1 0 11010", "simd_fp_cvt", toInt(TIEEVEN, 1), "vs"),
  op("fcvtmu", "1 0 11011", "simd_fp_cvt", toInt(NEGINF, 1), "vs"),
  op("fcvtau", "1 0 11100", "simd_fp_cvt", toInt(TIEAWAY, 1), "vs"),
  op("ucvtf", "1 0 11101", "simd_fp_cvt", { fn: "i%toF%", extra: [1, 0] }, "vs"),
  op("fcmge", "1 1 01100", "simd_fp_cmp", { fn: "vfCmge%", zero: "x0" }, "vs", Z),
  op("fcmle", "1 1 01101", "simd_fp_cmp", { fn: "vfCmge%", zero: "0x" }, "vs", Z),
  op("frinti", "1 1 11001", "simd_fp_rint", rint(FPCR, 0), "v"),
  op("fcvtpu", "1 1 11010", "simd_fp_cvt", toInt(POSINF, 1), "vs"),
  op("fcvtzu", "1 1 11011", "simd_fp_cvt", toInt(ZERO, 1), "vs"),
  op("ursqrte", "1 1 11100", "simd_fp_recip", { fn: "vuRsqrte%" }, "v", { singleOnly: true }),
  op("frsqrte", "1 1 11101", "simd_fp_recip", { fn: "frsqrte%" }, "vs"),
  op("fsqrt", "1 1 11111", "simd_fp_arith", { fn: "fsqrt%" }, "v"),
];

function emitMisc(o: MiscOp, f: Fields, lanes: number): string {
  const bits = f.sz ? 64 : 32;
  const zero = bits === 64 ? ["0", "0"] : ["0"];
  let s = "";
  for (let i = 0; i < lanes; i++) {
    const x = laneExpr({ reg: f.rn, lane: i }, bits);
    const operands = o.lane.zero === "x0" ? [x, zero] : o.lane.zero === "0x" ? [zero, x] : [x];
    s += laneCall(i, sized(o.lane.fn, bits), operands, bits, o.lane.extra);
  }
  return s + writeLanes(f.rd, lanes, bits);
}

function vectorRow(o: MiscOp): InsnDef {
  return {
    pattern: `0 q:1 ${o.u} 01110 ${o.a} sz:1 10000 ${o.opc} 10 rn:5 rd:5`,
    name: `${o.mnem.toUpperCase()}${o.lane.zero ? "_zero" : ""}_v`,
    cls: o.cls,
    pure: true,
    valid: (f) => !(f.sz && !f.q) && !(o.singleOnly && f.sz),
    emit: (f) => emitMisc(o, f, (f.q ? 4 : 2) >> f.sz),
    disasm: (f) => {
      const t = fpArr(f.q, f.sz);
      return `${o.mnem}\t${vreg(f.rd, t)}, ${vreg(f.rn, t)}${o.suffix ?? ""}`;
    },
  };
}

function scalarRow(o: MiscOp): InsnDef {
  return {
    pattern: `01 ${o.u} 11110 ${o.a} sz:1 10000 ${o.opc} 10 rn:5 rd:5`,
    name: `${o.mnem.toUpperCase()}${o.lane.zero ? "_zero" : ""}_s`,
    cls: o.cls,
    pure: true,
    emit: (f) => emitMisc(o, f, 1),
    disasm: (f) => `${o.mnem}\t${fpReg(f.sz, f.rd)}, ${fpReg(f.sz, f.rn)}${o.suffix ?? ""}`,
  };
}

/** FABS/FNEG touch only the sign bit: no flags, NaNs included (FPAbs/FPNeg). */
function signRow(mnem: string, u: number, expr: (w: string) => string): InsnDef {
  return {
    pattern: `0 q:1 ${u} 01110 1 sz:1 10000 01111 10 rn:5 rd:5`,
    name: `${mnem.toUpperCase()}_v`,
    cls: "simd_fp_sign",
    pure: true,
    valid: (f) => !(f.sz && !f.q),
    emit: (f) => {
      let s = "";
      const words = f.q ? 4 : 2;
      for (let w = 0; w < words; w++) {
        const sign = f.sz ? (w & 1) === 1 : true;
        const src = `vw[${f.rn * 4 + w}]`;
        s += `const w${w}=${sign ? expr(src) : src};`;
      }
      for (let w = 0; w < 4; w++) s += `vw[${f.rd * 4 + w}]=${w < words ? `w${w}` : "0"};`;
      return s;
    },
    disasm: (f) => {
      const t = fpArr(f.q, f.sz);
      return `${mnem}\t${vreg(f.rd, t)}, ${vreg(f.rn, t)}`;
    },
  };
}

/** FCVTL/FCVTL2: widen the low (Q=0) or high (Q=1) half of Vn; half->single or single->double. */
const FCVTL: InsnDef = {
  pattern: "0 q:1 0 01110 0 sz:1 10000 10111 10 rn:5 rd:5",
  name: "FCVTL_v",
  cls: "simd_fp_cvt",
  pure: true,
  emit: (f) => {
    const n = f.sz ? 2 : 4, inBits = f.sz ? 32 : 16, outBits = f.sz ? 64 : 32;
    let s = "";
    for (let i = 0; i < n; i++) {
      const x = laneExpr({ reg: f.rn, lane: (f.q ? n : 0) + i }, inBits);
      s += laneCall(i, f.sz ? "f32to64" : "f16to32", [x], outBits);
    }
    return s + writeLanes(f.rd, n, outBits);
  },
  disasm: (f) => {
    const [dt, nt] = f.sz ? ["2d", f.q ? "4s" : "2s"] : ["4s", f.q ? "8h" : "4h"];
    return `fcvtl${f.q ? "2" : ""}\t${vreg(f.rd, dt)}, ${vreg(f.rn, nt)}`;
  },
};

/** FCVTN/FCVTXN (and their "2" forms writing the upper half of Vd, keeping the lower). */
function narrowRow(mnem: string, u: number, single: string, double: string): InsnDef {
  return {
    pattern: `0 q:1 ${u} 01110 0 sz:1 10000 10110 10 rn:5 rd:5`,
    name: `${mnem.toUpperCase()}_v`,
    cls: "simd_fp_cvt",
    pure: true,
    valid: (f) => f.sz === 1 || single !== "",
    emit: (f) => {
      const n = f.sz ? 2 : 4, inBits = f.sz ? 64 : 32, outBits = f.sz ? 32 : 16;
      let s = "";
      for (let i = 0; i < n; i++) {
        const x = laneExpr({ reg: f.rn, lane: i }, inBits);
        s += laneCall(i, f.sz ? double : single, [x], outBits);
      }
      return s + writeLanes(f.rd, n, outBits, f.q ? n : 0);
    },
    disasm: (f) => {
      const [dt, nt] = f.sz ? [f.q ? "4s" : "2s", "2d"] : [f.q ? "8h" : "4h", "4s"];
      return `${mnem}${f.q ? "2" : ""}\t${vreg(f.rd, dt)}, ${vreg(f.rn, nt)}`;
    },
  };
}

/** FCVTXN (scalar): double to single with round-to-odd. */
const FCVTXN_S: InsnDef = {
  pattern: "01 1 11110 0 1 10000 10110 10 rn:5 rd:5",
  name: "FCVTXN_s",
  cls: "simd_fp_cvt",
  pure: true,
  emit: (f) =>
    laneCall(0, "f64to32odd", [laneExpr({ reg: f.rn, lane: 0 }, 64)], 32) +
    writeLanes(f.rd, 1, 32),
  disasm: (f) => `fcvtxn\ts${f.rd}, d${f.rn}`,
};

/** Two-register miscellaneous rows. */
export const SIMD_FP_MISC: InsnDef[] = [
  ...OPS.filter((o) => o.vector).map(vectorRow),
  ...OPS.filter((o) => o.scalar).map(scalarRow),
  signRow("fabs", 0, (w) => `${w}&2147483647`),
  signRow("fneg", 1, (w) => `${w}^-2147483648`),
  FCVTL,
  narrowRow("fcvtn", 0, "f32to16", "f64to32"),
  narrowRow("fcvtxn", 1, "", "f64to32odd"),
  FCVTXN_S,
];
