/**
 * Advanced SIMD three-same integer instructions, vector and scalar: arithmetic, halving,
 * saturating, compares, shifts by register, min/max, absolute difference, multiplies,
 * pairwise ops, and the bitwise group (AND ... BIF).
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { add64 } from "./emit.ts";
import { cmp64, type CmpKind, cmpNum, el, l64, map, map64, sr, vr, withQc } from "./simd_lane.ts";

/** Operands of one lane (exact-number expressions) for lanes of up to 32 bits. */
interface Lane {
  a: string;
  b: string;
  /** The destination's old lane (accumulating ops). */
  d: string;
  /** Shift count: the signed low byte of the Vm lane. */
  sh: string;
  es: number;
}

/** Operands of a 64-bit lane as int32 halves. */
interface Lane64 {
  aL: string;
  aH: string;
  bL: string;
  bH: string;
  sh: string;
}

interface Op3 {
  name: string;
  u: number;
  opc: number;
  /** Allowed sizes of the vector form (bit per size; size 3 also needs Q = 1). */
  vsizes: number;
  /** Allowed sizes of the scalar form (0: none). */
  ssizes: number;
  /** Lanes are read signed. */
  signed: boolean;
  lane(x: Lane): string;
  /** Statements declaring `${o}L`, `${o}H` for 64-bit lanes. */
  lane64?(o: string, x: Lane64): string;
  sat?: boolean;
  pair?: boolean;
}

const ALL = 15, NO64 = 7, D = 8, HS = 6;

const t64 = (o: string, call: string) => `${call};const ${o}L=T[0],${o}H=T[1];`;

function cmpOp(name: string, u: number, opc: number, k: CmpKind, signed: boolean): Op3 {
  return {
    name,
    u,
    opc,
    vsizes: ALL,
    ssizes: D,
    signed,
    lane: (x) => `(${cmpNum(k, x.a, x.b)}?-1:0)`,
    lane64: (o, x) => `const ${o}L=${cmp64(k, x.aL, x.aH, x.bL, x.bH)}?-1:0,${o}H=${o}L;`,
  };
}

/** Saturating add/sub: helper op codes as runtime v64qadd. */
function qaddOp(name: string, u: number, opc: number, sub: boolean): Op3 {
  const signed = u === 0;
  return {
    name,
    u,
    opc,
    vsizes: ALL,
    ssizes: ALL,
    signed,
    sat: true,
    lane: (x) => `H.vsat(${x.a}${sub ? "-" : "+"}${x.b},${x.es},${signed ? 1 : 0})`,
    lane64: (o, x) =>
      t64(o, `H.v64qadd(${x.aL},${x.aH},${x.bL},${x.bH},${(sub ? 2 : 0) + (signed ? 0 : 1)})`),
  };
}

/** Shifts by register: `round` rounds right shifts, `sat` saturates. */
function shlOp(name: string, u: number, opc: number, round: boolean, sat: boolean): Op3 {
  const signed = u === 0;
  const r = round ? 1 : 0;
  return {
    name,
    u,
    opc,
    vsizes: ALL,
    ssizes: sat ? ALL : D,
    signed,
    sat,
    lane: (x) => {
      const v = `H.vshl(${x.a},${x.sh},${r})`;
      return sat ? `H.vsat(${v},${x.es},${signed ? 1 : 0})` : v;
    },
    lane64: (o, x) =>
      t64(o, `H.v64shl(${x.aL},${x.aH},${x.sh},${(signed ? 1 : 0) + 2 * r + (sat ? 4 : 0)})`),
  };
}

function simple(
  name: string,
  u: number,
  opc: number,
  signed: boolean,
  lane: (x: Lane) => string,
  vsizes = NO64,
): Op3 {
  return { name, u, opc, vsizes, ssizes: 0, signed, lane };
}

const mul = (x: Lane) => x.es === 32 ? `Math.imul(${x.a},${x.b})` : `${x.a}*${x.b}`;

function dmulh(name: string, u: number): Op3 {
  return {
    name,
    u,
    opc: 0x16,
    vsizes: HS,
    ssizes: HS,
    signed: true,
    sat: true,
    lane: (x) =>
      x.es === 32
        ? `H.vsqdmulh32(${x.a},${x.b},${u})`
        : `H.vsat(Math.floor((2*${x.a}*${x.b}${u ? "+32768" : ""})/65536),16,1)`,
  };
}

function pairOp(name: string, u: number, opc: number, lane: (x: Lane) => string): Op3 {
  return { name, u, opc, vsizes: NO64, ssizes: 0, signed: u === 0, lane, pair: true };
}

const OPS: Op3[] = [];
for (const u of [0, 1]) {
  const s = u === 0;
  const p = s ? "s" : "u";
  OPS.push(
    simple(`${p}hadd`, u, 0x00, s, (x) => `Math.floor((${x.a}+${x.b})/2)`),
    qaddOp(`${p}qadd`, u, 0x01, false),
    simple(`${p}rhadd`, u, 0x02, s, (x) => `Math.floor((${x.a}+${x.b}+1)/2)`),
    simple(`${p}hsub`, u, 0x04, s, (x) => `Math.floor((${x.a}-${x.b})/2)`),
    qaddOp(`${p}qsub`, u, 0x05, true),
    cmpOp(s ? "cmgt" : "cmhi", u, 0x06, s ? "gt" : "hi", s),
    cmpOp(s ? "cmge" : "cmhs", u, 0x07, s ? "ge" : "hs", s),
    shlOp(`${p}shl`, u, 0x08, false, false),
    shlOp(`${p}qshl`, u, 0x09, false, true),
    shlOp(`${p}rshl`, u, 0x0a, true, false),
    shlOp(`${p}qrshl`, u, 0x0b, true, true),
    simple(`${p}max`, u, 0x0c, s, (x) => `Math.max(${x.a},${x.b})`),
    simple(`${p}min`, u, 0x0d, s, (x) => `Math.min(${x.a},${x.b})`),
    simple(`${p}abd`, u, 0x0e, s, (x) => `Math.abs(${x.a}-${x.b})`),
    simple(`${p}aba`, u, 0x0f, s, (x) => `(${x.d}+Math.abs(${x.a}-${x.b}))`),
    pairOp(`${p}maxp`, u, 0x14, (x) => `Math.max(${x.a},${x.b})`),
    pairOp(`${p}minp`, u, 0x15, (x) => `Math.min(${x.a},${x.b})`),
    dmulh(s ? "sqdmulh" : "sqrdmulh", u),
  );
}
OPS.push(
  {
    name: "add",
    u: 0,
    opc: 0x10,
    vsizes: ALL,
    ssizes: D,
    signed: false,
    lane: (x) => `(${x.a}+${x.b})`,
    lane64: (o, x) => add64(o, x.aL, x.aH, x.bL, x.bH, "0", false),
  },
  {
    name: "sub",
    u: 1,
    opc: 0x10,
    vsizes: ALL,
    ssizes: D,
    signed: false,
    lane: (x) => `(${x.a}-${x.b})`,
    lane64: (o, x) => add64(o, x.aL, x.aH, `~${x.bL}`, `~${x.bH}`, "1", false),
  },
  cmpOp("cmtst", 0, 0x11, "tst", false),
  cmpOp("cmeq", 1, 0x11, "eq", false),
  simple("mla", 0, 0x12, false, (x) => `(${x.d}+${mul(x)})`),
  simple("mls", 1, 0x12, false, (x) => `(${x.d}-${mul(x)})`),
  simple("mul", 0, 0x13, false, mul),
  simple("pmul", 1, 0x13, false, (x) => `H.vpmul8(${x.a},${x.b})`, 1),
  {
    ...pairOp("addp", 0, 0x17, (x) => `(${x.a}+${x.b})`),
    vsizes: ALL,
    lane64: (o, x) => add64(o, x.aL, x.aH, x.bL, x.bH, "0", false),
  },
);

function bits5(v: number): string {
  return v.toString(2).padStart(5, "0");
}

function emitVector(op: Op3, f: Fields): string {
  const es = 8 << f.size, n = (f.q ? 128 : 64) / es;
  const bytes = f.q ? 16 : 8;
  // Lane j of the pairwise source: the concatenation Vm:Vn.
  const src = (j: number): [number, number] => j < n ? [f.rn, j] : [f.rm, j - n];
  if (es === 64) {
    const code = map64(f.rd, n, (i, o) => {
      const [ra, ia] = op.pair ? src(2 * i) : [f.rn, i];
      const [rb, ib] = op.pair ? src(2 * i + 1) : [f.rm, i];
      const [aL, aH] = l64(ra, ia), [bL, bH] = l64(rb, ib);
      return op.lane64!(o, { aL, aH, bL, bH, sh: `(${bL}<<24>>24)` });
    });
    return op.sat ? withQc(code) : code;
  }
  const code = map(f.rd, es, n, bytes, (i) => {
    const [ra, ia] = op.pair ? src(2 * i) : [f.rn, i];
    const [rb, ib] = op.pair ? src(2 * i + 1) : [f.rm, i];
    return op.lane({
      a: el(ra, es, ia, op.signed),
      b: el(rb, es, ib, op.signed),
      d: el(f.rd, es, i, op.signed),
      sh: `(vb[${rb * 16 + ib * es / 8}]<<24>>24)`,
      es,
    });
  });
  return op.sat ? withQc(code) : code;
}

function emitScalar(op: Op3, f: Fields): string {
  const es = 8 << f.size;
  if (es === 64) {
    const [aL, aH] = l64(f.rn, 0), [bL, bH] = l64(f.rm, 0);
    const code = map64(
      f.rd,
      1,
      (_i, o) => op.lane64!(o, { aL, aH, bL, bH, sh: `(${bL}<<24>>24)` }),
    );
    return op.sat ? withQc(code) : code;
  }
  const code = map(f.rd, es, 1, es / 8, () =>
    op.lane({
      a: el(f.rn, es, 0, op.signed),
      b: el(f.rm, es, 0, op.signed),
      d: el(f.rd, es, 0, op.signed),
      sh: `(vb[${f.rm * 16}]<<24>>24)`,
      es,
    }));
  return op.sat ? withQc(code) : code;
}

function rows(op: Op3): InsnDef[] {
  const out: InsnDef[] = [{
    pattern: `0 q:1 ${op.u} 01110 size:2 1 rm:5 ${bits5(op.opc)} 1 rn:5 rd:5`,
    name: `${op.name.toUpperCase()}_v`,
    cls: "simd_3same",
    pure: true,
    valid: (f) => ((op.vsizes >> f.size) & 1) === 1 && (f.size < 3 || f.q === 1),
    emit: (f) => emitVector(op, f),
    disasm: (f) => {
      const es = 8 << f.size;
      return `${op.name}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, es, f.q)}, ${vr(f.rm, es, f.q)}`;
    },
  }];
  if (op.ssizes) {
    out.push({
      pattern: `01 ${op.u} 11110 size:2 1 rm:5 ${bits5(op.opc)} 1 rn:5 rd:5`,
      name: `${op.name.toUpperCase()}_s`,
      cls: "simd_3same",
      pure: true,
      valid: (f) => ((op.ssizes >> f.size) & 1) === 1,
      emit: (f) => emitScalar(op, f),
      disasm: (f) => {
        const es = 8 << f.size;
        return `${op.name}\t${sr(f.rd, es)}, ${sr(f.rn, es)}, ${sr(f.rm, es)}`;
      },
    });
  }
  return out;
}

const LOGIC_NAMES = [["and", "bic", "orr", "orn"], ["eor", "bsl", "bit", "bif"]];

/** Bitwise result expression for word w of each operand (n, m, d are word expressions). */
function logicWord(u: number, size: number, n: string, m: string, d: string): string {
  if (u === 0) return [`${n}&${m}`, `${n}&~${m}`, `${n}|${m}`, `${n}|~${m}`][size];
  return [
    `${n}^${m}`,
    `${m}^((${m}^${n})&${d})`,
    `${d}^((${d}^${n})&${m})`,
    `${d}^((${d}^${n})&~${m})`,
  ][
    size
  ];
}

function logicRow(u: number): InsnDef {
  return {
    pattern: `0 q:1 ${u} 01110 size:2 1 rm:5 00011 1 rn:5 rd:5`,
    name: u ? "EOR_BSL_v" : "AND_ORR_v",
    cls: "simd_logic",
    pure: true,
    emit(f) {
      const w = f.q ? 4 : 2;
      let s = "";
      for (let i = 0; i < w; i++) {
        s += `const t${i}=${
          logicWord(u, f.size, `vw[${f.rn * 4 + i}]`, `vw[${f.rm * 4 + i}]`, `vw[${f.rd * 4 + i}]`)
        };`;
      }
      for (let i = 0; i < 4; i++) s += `vw[${f.rd * 4 + i}]=${i < w ? `t${i}` : "0"};`;
      return s;
    },
    disasm(f) {
      const a = f.q ? "16b" : "8b";
      if (u === 0 && f.size === 2 && f.rn === f.rm) return `mov\tv${f.rd}.${a}, v${f.rn}.${a}`;
      return `${LOGIC_NAMES[u][f.size]}\tv${f.rd}.${a}, v${f.rn}.${a}, v${f.rm}.${a}`;
    },
  };
}

/** Three-same integer and bitwise rows. */
export const SIMD_3SAME: InsnDef[] = [logicRow(0), logicRow(1), ...OPS.flatMap(rows)];
