/**
 * Advanced SIMD floating point by element: FMUL/FMULX/FMLA/FMLS with one operand taken from a
 * lane of Vm (index H:L for single, H for double), vector and scalar forms.
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

interface ElemOp {
  mnem: string;
  u: number;
  opc: string;
  fn: string;
  acc: boolean;
}

const OPS: ElemOp[] = [
  { mnem: "fmla", u: 0, opc: "0001", fn: "fmla%", acc: true },
  { mnem: "fmls", u: 0, opc: "0101", fn: "vfMls%", acc: true },
  { mnem: "fmul", u: 0, opc: "1001", fn: "fmul%", acc: false },
  { mnem: "fmulx", u: 1, opc: "1001", fn: "fmulx%", acc: false },
];

const index = (f: Fields) => (f.sz ? f.H : (f.H << 1) | f.L);
const elemText = (f: Fields) => `v${(f.M << 4) | f.rm}.${f.sz ? "d" : "s"}[${index(f)}]`;

function emitElem(o: ElemOp, f: Fields, lanes: number): string {
  const bits = f.sz ? 64 : 32;
  // The element is read once, before any lane of Vd is written.
  const m = laneExpr({ reg: (f.M << 4) | f.rm, lane: index(f) }, bits);
  let s = bits === 64 ? `const ml=${m[0]},mh=${m[1]};` : `const m=${m[0]};`;
  const me = bits === 64 ? ["ml", "mh"] : ["m"];
  for (let i = 0; i < lanes; i++) {
    const ops: LaneRef[] = o.acc ? [{ reg: f.rd, lane: i }] : [];
    ops.push({ reg: f.rn, lane: i });
    s += laneCall(i, sized(o.fn, bits), [...ops.map((r) => laneExpr(r, bits)), me], bits);
  }
  return s + writeLanes(f.rd, lanes, bits);
}

function rows(o: ElemOp): InsnDef[] {
  const upper = o.mnem.toUpperCase();
  return [
    {
      pattern: `0 q:1 ${o.u} 01111 1 sz:1 L:1 M:1 rm:4 ${o.opc} H:1 0 rn:5 rd:5`,
      name: `${upper}_elem_v`,
      cls: "simd_fp_elem",
      pure: true,
      valid: (f) => !(f.sz && f.L) && !(f.sz && !f.q),
      emit: (f) => emitElem(o, f, (f.q ? 4 : 2) >> f.sz),
      disasm: (f) => {
        const t = fpArr(f.q, f.sz);
        return `${o.mnem}\t${vreg(f.rd, t)}, ${vreg(f.rn, t)}, ${elemText(f)}`;
      },
    },
    {
      pattern: `01 ${o.u} 11111 1 sz:1 L:1 M:1 rm:4 ${o.opc} H:1 0 rn:5 rd:5`,
      name: `${upper}_elem_s`,
      cls: "simd_fp_elem",
      pure: true,
      valid: (f) => !(f.sz && f.L),
      emit: (f) => emitElem(o, f, 1),
      disasm: (f) => `${o.mnem}\t${fpReg(f.sz, f.rd)}, ${fpReg(f.sz, f.rn)}, ${elemText(f)}`,
    },
  ];
}

/** By-element rows. */
export const SIMD_FP_ELEM: InsnDef[] = OPS.flatMap(rows);
