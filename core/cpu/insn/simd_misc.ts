/**
 * Advanced SIMD two-register miscellaneous integer instructions, vector and scalar: REV*, CNT,
 * CLZ/CLS, NOT/RBIT, ABS/NEG and their saturating forms, compares with zero, pairwise long
 * adds, SUQADD/USQADD, narrowing (XTN, SQXTN, UQXTN, SQXTUN) and SHLL.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { add64 } from "./emit.ts";
import {
  cmp64,
  type CmpKind,
  cmpNum,
  el,
  l64,
  map,
  map64,
  put,
  sr,
  ue,
  vr,
  withQc,
  zeroFrom,
} from "./simd_lane.ts";

/** A lane-wise op: same element size in and out. */
interface MapOp {
  name: string;
  u: number;
  opc: number;
  vsizes: number;
  ssizes: number;
  signed: boolean;
  /** Result of a lane of up to 32 bits: `a` is the source lane, `d` the old destination lane. */
  lane(a: string, d: string, es: number): string;
  /** 64-bit lane: statements declaring `${o}L`, `${o}H`. */
  lane64?(o: string, aL: string, aH: string, dL: string, dH: string): string;
  sat?: boolean;
  zero?: boolean;
  /** Rows sharing an encoding, told apart by size (NOT and RBIT). */
  group?: string;
  /** Byte lanes whatever the size field (RBIT). */
  bytes?: boolean;
}

const esOf = (op: MapOp, f: Fields) => op.bytes ? 8 : 8 << f.size;

const t64 = (o: string, call: string) => `${call};const ${o}L=T[0],${o}H=T[1];`;

function cmpZero(name: string, u: number, opc: number, k: CmpKind, neg: boolean): MapOp {
  const not = neg ? "!" : "";
  return {
    name,
    u,
    opc,
    vsizes: 15,
    ssizes: 8,
    signed: true,
    zero: true,
    lane: (a) => `(${not}(${cmpNum(k, a, "0")})?-1:0)`,
    lane64: (o, aL, aH) => `const ${o}L=${not}${cmp64(k, aL, aH, "0", "0")}?-1:0,${o}H=${o}L;`,
  };
}

function sqadd(name: string, u: number): MapOp {
  // SUQADD: signed accumulator + unsigned source; USQADD: unsigned accumulator + signed source.
  return {
    name,
    u,
    opc: 3,
    vsizes: 15,
    ssizes: 15,
    signed: u === 1,
    sat: true,
    lane: (a, d, es) =>
      u === 0
        ? `H.vsat((${d}<<${32 - es}>>${32 - es})+${a},${es},1)`
        : `H.vsat((${d}${es === 32 ? ">>>0" : `&${2 ** es - 1}`})+${a},${es},0)`,
    lane64: (o, aL, aH, dL, dH) => t64(o, `H.v64qadd(${dL},${dH},${aL},${aH},${4 + u})`),
  };
}

const clz = (a: string, es: number) => `(Math.clz32(${a})-${32 - es})`;

const MAP_OPS: MapOp[] = [
  sqadd("suqadd", 0),
  sqadd("usqadd", 1),
  {
    name: "cls",
    u: 0,
    opc: 4,
    vsizes: 7,
    ssizes: 0,
    signed: true,
    lane: (a, _d, es) => `(Math.clz32(${a}<0?~${a}:${a})-${33 - es})`,
  },
  {
    name: "clz",
    u: 1,
    opc: 4,
    vsizes: 7,
    ssizes: 0,
    signed: false,
    lane: (a, _d, es) => clz(a, es),
  },
  { name: "cnt", u: 0, opc: 5, vsizes: 1, ssizes: 0, signed: false, lane: (a) => `H.vcnt8(${a})` },
  {
    name: "not",
    u: 1,
    opc: 5,
    vsizes: 1,
    ssizes: 0,
    signed: false,
    group: "simd_not_rbit",
    lane: (a) => `~${a}`,
  },
  {
    name: "rbit",
    u: 1,
    opc: 5,
    vsizes: 2,
    ssizes: 0,
    signed: false,
    group: "simd_not_rbit",
    bytes: true,
    lane: (a) => `H.vrbit8(${a})`,
  },
  {
    name: "sqabs",
    u: 0,
    opc: 7,
    vsizes: 15,
    ssizes: 15,
    signed: true,
    sat: true,
    lane: (a, _d, es) => `H.vsat(Math.abs(${a}),${es},1)`,
    lane64: (o, aL, aH) => t64(o, `H.v64neg(${aL},${aH},2)`),
  },
  {
    name: "sqneg",
    u: 1,
    opc: 7,
    vsizes: 15,
    ssizes: 15,
    signed: true,
    sat: true,
    lane: (a, _d, es) => `H.vsat(-${a},${es},1)`,
    lane64: (o, aL, aH) => t64(o, `H.v64neg(${aL},${aH},3)`),
  },
  cmpZero("cmgt", 0, 8, "gt", false),
  cmpZero("cmge", 1, 8, "ge", false),
  cmpZero("cmeq", 0, 9, "eq", false),
  cmpZero("cmle", 1, 9, "gt", true),
  cmpZero("cmlt", 0, 10, "ge", true),
  {
    name: "abs",
    u: 0,
    opc: 11,
    vsizes: 15,
    ssizes: 8,
    signed: true,
    lane: (a) => `Math.abs(${a})`,
    // |x| = (x ^ s) - s with s the sign mask: complement and add one when negative.
    lane64: (o, aL, aH) =>
      `const ${o}s=${aH}>>31;` +
      add64(o, `(${aL}^${o}s)`, `(${aH}^${o}s)`, "0", "0", `(${o}s&1)`, false),
  },
  {
    name: "neg",
    u: 1,
    opc: 11,
    vsizes: 15,
    ssizes: 8,
    signed: true,
    lane: (a) => `-${a}`,
    lane64: (o, aL, aH) => add64(o, "0", "0", `~${aL}`, `~${aH}`, "1", false),
  },
];

function bits5(v: number): string {
  return v.toString(2).padStart(5, "0");
}

function emitMap(op: MapOp, f: Fields, scalar: boolean): string {
  const es = esOf(op, f);
  const n = scalar ? 1 : (f.q ? 128 : 64) / es;
  let code: string;
  if (es === 64) {
    code = map64(f.rd, n, (i, o) => {
      const [aL, aH] = l64(f.rn, i), [dL, dH] = l64(f.rd, i);
      return op.lane64!(o, aL, aH, dL, dH);
    });
  } else {
    code = map(
      f.rd,
      es,
      n,
      scalar ? es / 8 : f.q ? 16 : 8,
      (i) => op.lane(el(f.rn, es, i, op.signed), el(f.rd, es, i, op.signed), es),
    );
  }
  return op.sat ? withQc(code) : code;
}

function mapRows(op: MapOp): InsnDef[] {
  const suffix = op.zero ? ", #0" : "";
  const vname = op.name === "not" ? "mvn" : op.name;
  const out: InsnDef[] = [{
    pattern: `0 q:1 ${op.u} 01110 size:2 10000 ${bits5(op.opc)} 10 rn:5 rd:5`,
    name: `${op.name.toUpperCase()}_v${op.zero ? "0" : ""}`,
    cls: "simd_misc",
    ...(op.group ? { group: op.group } : {}),
    pure: true,
    valid: (f) => ((op.vsizes >> f.size) & 1) === 1 && (f.size < 3 || f.q === 1),
    emit: (f) => emitMap(op, f, false),
    disasm: (f) => {
      const es = esOf(op, f);
      return `${vname}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, es, f.q)}${suffix}`;
    },
  }];
  if (op.ssizes) {
    out.push({
      pattern: `01 ${op.u} 11110 size:2 10000 ${bits5(op.opc)} 10 rn:5 rd:5`,
      name: `${op.name.toUpperCase()}_s${op.zero ? "0" : ""}`,
      cls: "simd_misc",
      pure: true,
      valid: (f) => ((op.ssizes >> f.size) & 1) === 1,
      emit: (f) => emitMap(op, f, true),
      disasm: (f) => `${op.name}\t${sr(f.rd, 8 << f.size)}, ${sr(f.rn, 8 << f.size)}${suffix}`,
    });
  }
  return out;
}

/** REV64 (u 0, opc 0), REV32 (u 1, opc 0), REV16 (u 0, opc 1): lane i takes lane i ^ mask. */
function revRow(name: string, u: number, opc: number, container: number): InsnDef {
  return {
    pattern: `0 q:1 ${u} 01110 size:2 10000 ${bits5(opc)} 10 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_misc",
    pure: true,
    valid: (f) => (8 << f.size) < container,
    emit(f) {
      const es = 8 << f.size, n = (f.q ? 128 : 64) / es, x = container / es - 1;
      return map(f.rd, es, n, f.q ? 16 : 8, (i) => ue(f.rn, es, i ^ x));
    },
    disasm: (f) => `${name}\t${vr(f.rd, 8 << f.size, f.q)}, ${vr(f.rn, 8 << f.size, f.q)}`,
  };
}

/** SADDLP/UADDLP (acc 0) and SADALP/UADALP (acc 1). */
function addlpRow(u: number, acc: number): InsnDef {
  const name = `${u ? "u" : "s"}${acc ? "adalp" : "addlp"}`;
  return {
    pattern: `0 q:1 ${u} 01110 size:2 10000 ${bits5(acc ? 6 : 2)} 10 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_misc",
    pure: true,
    valid: (f) => f.size < 3,
    emit(f) {
      const es = 8 << f.size, n = (f.q ? 128 : 64) / es / 2;
      const sum = (i: number) => `(${el(f.rn, es, 2 * i, !u)}+${el(f.rn, es, 2 * i + 1, !u)})`;
      if (es < 32) {
        return map(
          f.rd,
          2 * es,
          n,
          f.q ? 16 : 8,
          (i) => acc ? `(${ue(f.rd, 2 * es, i)}+${sum(i)})` : sum(i),
        );
      }
      return map64(f.rd, n, (i, o) => {
        const s = `const ${o}s=${sum(i)},${o}l=${o}s|0,${o}h=Math.floor(${o}s/4294967296);`;
        if (!acc) return s + `const ${o}L=${o}l,${o}H=${o}h;`;
        const [dL, dH] = l64(f.rd, i);
        return s + add64(o, dL, dH, `${o}l`, `${o}h`, "0", false);
      });
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}\t${vr(f.rd, 2 * es, f.q)}, ${vr(f.rn, es, f.q)}`;
    },
  };
}

/**
 * Narrowing: XTN (kind 0), SQXTN (1), UQXTN (2), SQXTUN (3). Source lanes are 2*es wide and are
 * read as numbers; 64-bit sources lose low bits beyond 2^53, which cannot change a saturated
 * result, and XTN reads only their low word.
 */
function narrowSrc(n: number, es: number, i: number, signed: boolean): string {
  if (es < 32) return el(n, 2 * es, i, signed);
  const [lo, hi] = l64(n, i);
  return `(${hi}${signed ? "" : ">>>0"})*4294967296+(${lo}>>>0)`;
}

const NARROW: [string, number, number, number][] = [
  ["xtn", 0, 0x12, 0],
  ["sqxtun", 1, 0x12, 3],
  ["sqxtn", 0, 0x14, 1],
  ["uqxtn", 1, 0x14, 2],
];

function narrowLane(kind: number, f: Fields, es: number, i: number): string {
  if (kind === 0) return es < 32 ? ue(f.rn, 2 * es, i) : l64(f.rn, i)[0];
  const v = narrowSrc(f.rn, es, i, kind !== 2);
  return `H.vsat(${v},${es},${kind === 1 ? 1 : 0})`;
}

function narrowRows([name, u, opc, kind]: [string, number, number, number]): InsnDef[] {
  const rows: InsnDef[] = [{
    pattern: `0 q:1 ${u} 01110 size:2 10000 ${bits5(opc)} 10 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_misc",
    pure: true,
    valid: (f) => f.size < 3,
    emit(f) {
      const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0;
      let s = "";
      for (let i = 0; i < n; i++) s += `const t${i}=${narrowLane(kind, f, es, i)};`;
      for (let i = 0; i < n; i++) s += put(f.rd, es, base + i, `t${i}`);
      if (!f.q) s += zeroFrom(f.rd, 8);
      return kind ? withQc(s) : s;
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, 2 * es, 1)}`;
    },
  }];
  if (kind) {
    rows.push({
      pattern: `01 ${u} 11110 size:2 10000 ${bits5(opc)} 10 rn:5 rd:5`,
      name: `${name.toUpperCase()}_s`,
      cls: "simd_misc",
      pure: true,
      valid: (f) => f.size < 3,
      emit(f) {
        const es = 8 << f.size;
        return withQc(map(f.rd, es, 1, es / 8, () => narrowLane(kind, f, es, 0)));
      },
      disasm: (f) => `${name}\t${sr(f.rd, 8 << f.size)}, ${sr(f.rn, 16 << f.size)}`,
    });
  }
  return rows;
}

const SHLL: InsnDef = {
  pattern: "0 q:1 1 01110 size:2 10000 10011 10 rn:5 rd:5",
  name: "SHLL_v",
  cls: "simd_misc",
  pure: true,
  valid: (f) => f.size < 3,
  emit(f) {
    const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0;
    return map(f.rd, 2 * es, n, 16, (i) => `${ue(f.rn, es, base + i)}*${2 ** es}`);
  },
  disasm(f) {
    const es = 8 << f.size;
    return `shll${f.q ? "2" : ""}\t${vr(f.rd, 2 * es, 1)}, ${vr(f.rn, es, f.q)}, #${es}`;
  },
};

/** Two-register miscellaneous rows. */
export const SIMD_MISC: InsnDef[] = [
  revRow("rev64", 0, 0, 64),
  revRow("rev32", 1, 0, 32),
  revRow("rev16", 0, 1, 16),
  addlpRow(0, 0),
  addlpRow(1, 0),
  addlpRow(0, 1),
  addlpRow(1, 1),
  ...MAP_OPS.flatMap(mapRows),
  ...NARROW.flatMap(narrowRows),
  SHLL,
];
