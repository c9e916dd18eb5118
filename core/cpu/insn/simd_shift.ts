/**
 * Advanced SIMD shifts by immediate, vector and scalar: SSHR/USHR, SSRA/USRA, the rounding
 * forms, SRI/SHL/SLI, SQSHL/UQSHL/SQSHLU (immediate), the narrowing shifts (SHRN ... SQRSHRUN)
 * and SSHLL/USHLL. The vector rows share the group of the modified-immediate row, which owns
 * immh = 0.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { add64, shift64 } from "./emit.ts";
import { el, l64, map, map64, put, sr, vr, withQc, zeroFrom } from "./simd_lane.ts";

/** Group shared with the modified-immediate row. */
export const SIMD_IMM_GROUP = "simd_imm";

/** Element size from immh (0 when immh is 0). */
function esOf(immh: number): number {
  return immh ? 8 << (31 - Math.clz32(immh)) : 0;
}

const immhb = (f: Fields) => (f.immh << 3) | f.immb;

interface ShiftOp {
  name: string;
  u: number;
  opc: number;
  /** Right shifts (amount 2*es - immh:immb) vs left (immh:immb - es). */
  right: boolean;
  /** Reads the destination (accumulate or insert). */
  scalar: "d" | "all" | "none";
  sat?: boolean;
  /** Lane of up to 32 bits: `a` source lane (signed per op), `d` old destination, `n` amount. */
  lane(a: string, d: string, n: number, es: number): string;
  signed: boolean;
  /** 64-bit lane statements declaring `${o}L`, `${o}H`. */
  lane64(o: string, aL: string, aH: string, dL: string, dH: string, n: number): string;
}

const t64 = (o: string, call: string) => `${call};const ${o}L=T[0],${o}H=T[1];`;

/** Plain right shift of a 64-bit pair by 1..64 (arithmetic when signed). */
function shr64(o: string, aL: string, aH: string, n: number, signed: boolean): string {
  if (n === 64) return signed ? `const ${o}L=${aH}>>31,${o}H=${o}L;` : `const ${o}L=0,${o}H=0;`;
  return shift64(o, aL, aH, signed ? 2 : 1, n);
}

/** Right shift of an exact lane number by 1..32. */
function shrNum(a: string, n: number, es: number, signed: boolean): string {
  if (signed) return `(${a}>>${Math.min(n, 31)})`;
  return n >= 32 || n === es ? "0" : `(${a}>>>${n})`;
}

function sra(name: string, u: number, opc: number, round: boolean, acc: boolean): ShiftOp {
  const signed = u === 0;
  const mode = (signed ? 1 : 0) + (round ? 2 : 0);
  return {
    name,
    u,
    opc,
    right: true,
    scalar: "d",
    signed,
    lane: (a, d, n, es) => {
      const v = round ? `H.vshl(${a},${-n},1)` : shrNum(a, n, es, signed);
      return acc ? `(${d}+${v})` : v;
    },
    lane64: (o, aL, aH, dL, dH, n) => {
      const s = round
        ? t64(`${o}s`, `H.v64shl(${aL},${aH},${-n},${mode})`)
        : shr64(`${o}s`, aL, aH, n, signed);
      return acc
        ? s + add64(o, dL, dH, `${o}sL`, `${o}sH`, "0", false)
        : s + `const ${o}L=${o}sL,${o}H=${o}sH;`;
    },
  };
}

/** SQSHL (u 0), UQSHL (u 1) and SQSHLU (u 1, opc 12) by immediate. */
function qshl(name: string, u: number, opc: number, signed: boolean, usat: boolean): ShiftOp {
  const mode = (signed ? 1 : 0) + 4 + (usat ? 8 : 0);
  return {
    name,
    u,
    opc,
    right: false,
    scalar: "all",
    sat: true,
    signed,
    lane: (a, _d, n, es) => `H.vsat(${a}*${2 ** n},${es},${usat || !signed ? 0 : 1})`,
    lane64: (o, aL, aH, _dL, _dH, n) => t64(o, `H.v64shl(${aL},${aH},${n},${mode})`),
  };
}

const ones = (es: number) => es === 32 ? -1 : 2 ** es - 1;

const OPS: ShiftOp[] = [
  sra("sshr", 0, 0, false, false),
  sra("ushr", 1, 0, false, false),
  sra("ssra", 0, 2, false, true),
  sra("usra", 1, 2, false, true),
  sra("srshr", 0, 4, true, false),
  sra("urshr", 1, 4, true, false),
  sra("srsra", 0, 6, true, true),
  sra("ursra", 1, 6, true, true),
  {
    name: "sri",
    u: 1,
    opc: 8,
    right: true,
    scalar: "d",
    signed: false,
    // Bits shifted in from the source; the top n bits of the destination are kept.
    lane: (a, d, n, es) => n === es ? d : `((${d}&${ones(es) & ~(ones(es) >>> n)})|(${a}>>>${n}))`,
    lane64: (o, aL, aH, dL, dH, n) => {
      if (n === 64) return `const ${o}L=${dL},${o}H=${dH};`;
      const [kl, kh] = n >= 32 ? [~(-1 >>> (n - 32)), -1] : [0, ~(-1 >>> n)];
      return shr64(`${o}s`, aL, aH, n, false) +
        `const ${o}L=(${dL}&${kl})|${o}sL,${o}H=(${dH}&${kh})|${o}sH;`;
    },
  },
  {
    name: "shl",
    u: 0,
    opc: 10,
    right: false,
    scalar: "d",
    signed: false,
    lane: (a, _d, n, es) => es === 32 ? `(${a}<<${n})` : `${a}*${2 ** n}`,
    lane64: (o, aL, aH, _dL, _dH, n) => shift64(o, aL, aH, 0, n),
  },
  {
    name: "sli",
    u: 1,
    opc: 10,
    right: false,
    scalar: "d",
    signed: false,
    lane: (a, d, n, es) =>
      `((${d}&${(2 ** n - 1) | 0})|(${a}<<${n}))${es === 32 ? "" : `&${ones(es)}`}`,
    lane64: (o, aL, aH, dL, dH, n) => {
      const [kl, kh] = n >= 32 ? [-1, (2 ** (n - 32) - 1) | 0] : [(2 ** n - 1) | 0, 0];
      return shift64(`${o}s`, aL, aH, 0, n) +
        `const ${o}L=(${dL}&${kl})|${o}sL,${o}H=(${dH}&${kh})|${o}sH;`;
    },
  },
  qshl("sqshlu", 1, 12, true, true),
  qshl("sqshl", 0, 14, true, false),
  qshl("uqshl", 1, 14, false, false),
];

function bits5(v: number): string {
  return v.toString(2).padStart(5, "0");
}

function amount(op: ShiftOp, es: number, f: Fields): number {
  return op.right ? 2 * es - immhb(f) : immhb(f) - es;
}

function emitShift(op: ShiftOp, f: Fields, scalar: boolean): string {
  const es = esOf(f.immh), n = amount(op, es, f);
  const lanes = scalar ? 1 : (f.q ? 128 : 64) / es;
  let code: string;
  if (es === 64) {
    code = map64(f.rd, lanes, (i, o) => {
      const [aL, aH] = l64(f.rn, i), [dL, dH] = l64(f.rd, i);
      return op.lane64(o, aL, aH, dL, dH, n);
    });
  } else {
    code = map(
      f.rd,
      es,
      lanes,
      scalar ? es / 8 : f.q ? 16 : 8,
      (i) => op.lane(el(f.rn, es, i, op.signed), el(f.rd, es, i, false), n, es),
    );
  }
  return op.sat ? withQc(code) : code;
}

function rows(op: ShiftOp): InsnDef[] {
  const out: InsnDef[] = [{
    pattern: `0 q:1 ${op.u} 011110 immh:4 immb:3 ${bits5(op.opc)} 1 rn:5 rd:5`,
    name: `${op.name.toUpperCase()}_vi`,
    cls: "simd_shift",
    group: SIMD_IMM_GROUP,
    pure: true,
    valid: (f) => f.immh !== 0 && (f.immh < 8 || f.q === 1),
    emit: (f) => emitShift(op, f, false),
    disasm(f) {
      const es = esOf(f.immh);
      return `${op.name}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, es, f.q)}, #${amount(op, es, f)}`;
    },
  }];
  out.push({
    pattern: `01 ${op.u} 111110 immh:4 immb:3 ${bits5(op.opc)} 1 rn:5 rd:5`,
    name: `${op.name.toUpperCase()}_si`,
    cls: "simd_shift",
    pure: true,
    valid: (f) => op.scalar === "all" ? f.immh !== 0 : f.immh >= 8,
    emit: (f) => emitShift(op, f, true),
    disasm(f) {
      const es = esOf(f.immh);
      return `${op.name}\t${sr(f.rd, es)}, ${sr(f.rn, es)}, #${amount(op, es, f)}`;
    },
  });
  return out;
}

/**
 * Narrowing shifts: `kind` 0 truncating (SHRN/RSHRN), 1 signed saturating (SQ..SHRN),
 * 2 unsigned (UQ..SHRN), 3 signed to unsigned (SQ..SHRUN).
 */
const NARROW: [string, number, number, number, boolean][] = [
  ["shrn", 0, 16, 0, false],
  ["rshrn", 0, 17, 0, true],
  ["sqshrun", 1, 16, 3, false],
  ["sqrshrun", 1, 17, 3, true],
  ["sqshrn", 0, 18, 1, false],
  ["sqrshrn", 0, 19, 1, true],
  ["uqshrn", 1, 18, 2, false],
  ["uqrshrn", 1, 19, 2, true],
];

/** Expression for narrowed lane i: source lanes 2*es wide shifted right by n. */
function narrowLane(f: Fields, es: number, i: number, n: number, kind: number, round: boolean) {
  const signed = kind !== 2;
  if (es < 32) {
    // Truncating shifts keep only low bits, so the unsigned lane and >>> suffice.
    if (kind === 0 && !round) return `(${el(f.rn, 2 * es, i, false)}>>>${n})`;
    const a = el(f.rn, 2 * es, i, signed);
    const v = round ? `H.vshl(${a},${-n},1)` : `Math.floor(${a}/${2 ** n})`;
    return kind === 0 ? v : `H.vsat(${v},${es},${kind === 1 ? 1 : 0})`;
  }
  const [lo, hi] = l64(f.rn, i);
  const call = `H.v64shl(${lo},${hi},${-n},${(signed ? 1 : 0) + (round ? 2 : 0)})`;
  if (kind === 0) return `(${call},T[0])`;
  return `(${call},H.vsat((T[1]${signed ? "" : ">>>0"})*4294967296+(T[0]>>>0),32,${
    kind === 1 ? 1 : 0
  }))`;
}

function narrowRows([name, u, opc, kind, round]: [string, number, number, number, boolean]) {
  const out: InsnDef[] = [{
    pattern: `0 q:1 ${u} 011110 immh:4 immb:3 ${bits5(opc)} 1 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_shift",
    group: SIMD_IMM_GROUP,
    pure: true,
    valid: (f) => f.immh !== 0 && f.immh < 8,
    emit(f) {
      const es = esOf(f.immh), n = 2 * es - immhb(f), lanes = 64 / es, base = f.q ? lanes : 0;
      let s = "";
      for (let i = 0; i < lanes; i++) s += `const t${i}=${narrowLane(f, es, i, n, kind, round)};`;
      for (let i = 0; i < lanes; i++) s += put(f.rd, es, base + i, `t${i}`);
      if (!f.q) s += zeroFrom(f.rd, 8);
      return kind ? withQc(s) : s;
    },
    disasm(f) {
      const es = esOf(f.immh);
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, 2 * es, 1)}, #${
        2 * es - immhb(f)
      }`;
    },
  }];
  if (kind) {
    out.push({
      pattern: `01 ${u} 111110 immh:4 immb:3 ${bits5(opc)} 1 rn:5 rd:5`,
      name: `${name.toUpperCase()}_s`,
      cls: "simd_shift",
      pure: true,
      valid: (f) => f.immh !== 0 && f.immh < 8,
      emit(f) {
        const es = esOf(f.immh), n = 2 * es - immhb(f);
        return withQc(map(f.rd, es, 1, es / 8, () => narrowLane(f, es, 0, n, kind, round)));
      },
      disasm(f) {
        const es = esOf(f.immh);
        return `${name}\t${sr(f.rd, es)}, ${sr(f.rn, 2 * es)}, #${2 * es - immhb(f)}`;
      },
    });
  }
  return out;
}

function longRow(u: number): InsnDef {
  const name = u ? "ushll" : "sshll";
  return {
    pattern: `0 q:1 ${u} 011110 immh:4 immb:3 10100 1 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_shift",
    group: SIMD_IMM_GROUP,
    pure: true,
    valid: (f) => f.immh !== 0 && f.immh < 8,
    emit(f) {
      const es = esOf(f.immh), n = immhb(f) - es, lanes = 64 / es, base = f.q ? lanes : 0;
      return map(f.rd, 2 * es, lanes, 16, (i) => `${el(f.rn, es, base + i, !u)}*${2 ** n}`);
    },
    disasm(f) {
      const es = esOf(f.immh), n = immhb(f) - es, q2 = f.q ? "2" : "";
      const ops = `${vr(f.rd, 2 * es, 1)}, ${vr(f.rn, es, f.q)}`;
      return n === 0 ? `${u ? "uxtl" : "sxtl"}${q2}\t${ops}` : `${name}${q2}\t${ops}, #${n}`;
    },
  };
}

/** Shift-by-immediate rows. */
export const SIMD_SHIFT: InsnDef[] = [
  ...OPS.flatMap(rows),
  ...NARROW.flatMap(narrowRows),
  longRow(0),
  longRow(1),
];
