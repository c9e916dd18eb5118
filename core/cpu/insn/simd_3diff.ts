/**
 * Advanced SIMD three-different instructions, vector and scalar: the long forms (S/U ADDL,
 * SUBL, ABAL, ABDL, MLAL, MLSL, MULL, SQDMLAL/SQDMLSL/SQDMULL, 8-bit PMULL), the wide forms
 * (S/U ADDW, SUBW) and the high-narrowing forms (ADDHN, RADDHN, SUBHN, RSUBHN).
 * The long-lane generator is shared with the by-element rows.
 */
import type { InsnDef } from "./types.ts";
import { add64 } from "./emit.ts";
import { el, l64, map, map64, put, sr, vr, withQc, zeroFrom } from "./simd_lane.ts";

/** Long operations: two es-bit sources, a 2*es-bit result (and accumulator). */
export type LongKind =
  | "addl"
  | "subl"
  | "abal"
  | "abdl"
  | "mlal"
  | "mlsl"
  | "mull"
  | "qdmlal"
  | "qdmlsl"
  | "qdmull"
  | "pmull";

/** True for the kinds that saturate (and so set FPSR.QC). */
export function longSat(k: LongKind): boolean {
  return k.startsWith("q");
}

/** A lane of a long op: register and lane of each source and of the destination. */
export interface LongLane {
  a: [number, number];
  b: [number, number];
  d: number;
  i: number;
}

/**
 * Code for one result lane of long op `k` on es-bit sources: for es < 32 an expression,
 * for es = 32 statements declaring `${o}L`, `${o}H` (64-bit result).
 */
export function longLane(k: LongKind, es: number, signed: boolean, x: LongLane, o = ""): string {
  if (es < 32) {
    const a = el(x.a[0], es, x.a[1], signed), b = el(x.b[0], es, x.b[1], signed);
    const d = el(x.d, 2 * es, x.i, true);
    const q2 = (v: string) => `H.vsat(${v},${2 * es},1)`;
    switch (k) {
      case "addl":
        return `(${a}+${b})`;
      case "subl":
        return `(${a}-${b})`;
      case "abal":
        return `(${d}+Math.abs(${a}-${b}))`;
      case "abdl":
        return `Math.abs(${a}-${b})`;
      case "mlal":
        return `(${d}+${a}*${b})`;
      case "mlsl":
        return `(${d}-${a}*${b})`;
      case "mull":
        return `(${a}*${b})`;
      case "qdmull":
        return q2(`2*${a}*${b}`);
      case "qdmlal":
        return q2(`${d}+${q2(`2*${a}*${b}`)}`);
      case "qdmlsl":
        return q2(`${d}-${q2(`2*${a}*${b}`)}`);
      default:
        return `H.vpmull8(${a},${b})`;
    }
  }
  const ra = `vw[${x.a[0] * 4 + x.a[1]}]`, rb = `vw[${x.b[0] * 4 + x.b[1]}]`;
  const [dL, dH] = l64(x.d, x.i);
  const split = (v: string) => `const ${o}v=${v},${o}l=${o}v|0,${o}h=Math.floor(${o}v/4294967296);`;
  const a = el(x.a[0], 32, x.a[1], signed), b = el(x.b[0], 32, x.b[1], signed);
  const ext = (r: string) => signed ? `(${r}>>31)` : "0";
  const prod = `H.mul64(${ra},${ext(ra)},${rb},${ext(rb)});const ${o}pL=T[0],${o}pH=T[1];`;
  switch (k) {
    case "addl":
      return split(`${a}+${b}`) + `const ${o}L=${o}l,${o}H=${o}h;`;
    case "subl":
      return split(`${a}-${b}`) + `const ${o}L=${o}l,${o}H=${o}h;`;
    case "abdl":
      return split(`Math.abs(${a}-${b})`) + `const ${o}L=${o}l,${o}H=${o}h;`;
    case "abal":
      return split(`Math.abs(${a}-${b})`) + add64(o, dL, dH, `${o}l`, `${o}h`, "0", false);
    case "mull":
      return prod + `const ${o}L=${o}pL,${o}H=${o}pH;`;
    case "mlal":
      return prod + add64(o, dL, dH, `${o}pL`, `${o}pH`, "0", false);
    case "mlsl":
      return prod + add64(o, dL, dH, `~${o}pL`, `~${o}pH`, "1", false);
    default: {
      const sign = k === "qdmull" ? 0 : k === "qdmlal" ? 1 : -1;
      return `H.v64qdmlal(${ra},${rb},${dL},${dH},${sign});const ${o}L=T[0],${o}H=T[1];`;
    }
  }
}

/** Writes all 2*es-bit lanes of V`d` from long lanes (sources picked by `src(i)`). */
export function emitLong(
  k: LongKind,
  es: number,
  signed: boolean,
  d: number,
  n: number,
  bytes: number,
  src: (i: number) => [[number, number], [number, number]],
): string {
  const lane = (i: number) => {
    const [a, b] = src(i);
    return { a, b, d, i };
  };
  const code = es < 32
    ? map(d, 2 * es, n, bytes, (i) => longLane(k, es, signed, lane(i)))
    : map64(d, n, (i, o) => longLane(k, es, signed, lane(i), o));
  return longSat(k) ? withQc(code) : code;
}

const LONG: [string, number, number, LongKind][] = [
  ["saddl", 0, 0, "addl"],
  ["uaddl", 1, 0, "addl"],
  ["ssubl", 0, 2, "subl"],
  ["usubl", 1, 2, "subl"],
  ["sabal", 0, 5, "abal"],
  ["uabal", 1, 5, "abal"],
  ["sabdl", 0, 7, "abdl"],
  ["uabdl", 1, 7, "abdl"],
  ["smlal", 0, 8, "mlal"],
  ["umlal", 1, 8, "mlal"],
  ["sqdmlal", 0, 9, "qdmlal"],
  ["smlsl", 0, 10, "mlsl"],
  ["umlsl", 1, 10, "mlsl"],
  ["sqdmlsl", 0, 11, "qdmlsl"],
  ["smull", 0, 12, "mull"],
  ["umull", 1, 12, "mull"],
  ["sqdmull", 0, 13, "qdmull"],
  ["pmull", 0, 14, "pmull"],
];

const bits4 = (v: number) => v.toString(2).padStart(4, "0");

function longRows([name, u, opc, k]: [string, number, number, LongKind]): InsnDef[] {
  const sat = longSat(k);
  const out: InsnDef[] = [{
    pattern: `0 q:1 ${u} 01110 size:2 1 rm:5 ${bits4(opc)} 00 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_3diff",
    pure: true,
    // PMULL with 64-bit sources needs the Crypto extension, which is not advertised.
    valid: (f) => k === "pmull" ? f.size === 0 : sat ? f.size === 1 || f.size === 2 : f.size < 3,
    emit(f) {
      const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0;
      const signed = u === 0 && k !== "pmull";
      return emitLong(k, es, signed, f.rd, n, 16, (i) => [[f.rn, base + i], [f.rm, base + i]]);
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, 2 * es, 1)}, ${vr(f.rn, es, f.q)}, ${
        vr(f.rm, es, f.q)
      }`;
    },
  }];
  if (sat) {
    out.push({
      pattern: `01 0 11110 size:2 1 rm:5 ${bits4(opc)} 00 rn:5 rd:5`,
      name: `${name.toUpperCase()}_s`,
      cls: "simd_3diff",
      pure: true,
      valid: (f) => f.size === 1 || f.size === 2,
      emit(f) {
        const es = 8 << f.size;
        return emitLong(k, es, true, f.rd, 1, es / 4, () => [[f.rn, 0], [f.rm, 0]]);
      },
      disasm(f) {
        const es = 8 << f.size;
        return `${name}\t${sr(f.rd, 2 * es)}, ${sr(f.rn, es)}, ${sr(f.rm, es)}`;
      },
    });
  }
  return out;
}

/** S/U ADDW and SUBW: Vn has 2*es lanes, Vm es lanes from the selected half. */
function wideRow(name: string, u: number, opc: number, sub: boolean): InsnDef {
  const signed = u === 0;
  return {
    pattern: `0 q:1 ${u} 01110 size:2 1 rm:5 ${bits4(opc)} 00 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_3diff",
    pure: true,
    valid: (f) => f.size < 3,
    emit(f) {
      const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0, op = sub ? "-" : "+";
      if (es < 32) {
        return map(
          f.rd,
          2 * es,
          n,
          16,
          (i) => `(${el(f.rn, 2 * es, i, false)}${op}${el(f.rm, es, base + i, signed)})`,
        );
      }
      return map64(f.rd, n, (i, o) => {
        const [nL, nH] = l64(f.rn, i), m = `vw[${f.rm * 4 + base + i}]`;
        const mh = signed ? `(${m}>>31)` : "0";
        return sub
          ? add64(o, nL, nH, `~${m}`, `~${mh}`, "1", false)
          : add64(o, nL, nH, m, mh, "0", false);
      });
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, 2 * es, 1)}, ${vr(f.rn, 2 * es, 1)}, ${
        vr(f.rm, es, f.q)
      }`;
    },
  };
}

/** ADDHN/RADDHN/SUBHN/RSUBHN: high half of 2*es-bit sums, into the selected half of Vd. */
function hnRow(name: string, u: number, opc: number, sub: boolean): InsnDef {
  const round = u === 1;
  return {
    pattern: `0 q:1 ${u} 01110 size:2 1 rm:5 ${bits4(opc)} 00 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_3diff",
    pure: true,
    valid: (f) => f.size < 3,
    emit(f) {
      const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0, op = sub ? "-" : "+";
      let s = "";
      for (let i = 0; i < n; i++) {
        if (es < 32) {
          const v = `${el(f.rn, 2 * es, i, false)}${op}${el(f.rm, 2 * es, i, false)}${
            round ? `+${2 ** (es - 1)}` : ""
          }`;
          s += `const t${i}=Math.floor((${v})/${2 ** es});`;
          continue;
        }
        const [nL, nH] = l64(f.rn, i), [mL, mH] = l64(f.rm, i);
        s += sub
          ? add64(`s${i}`, nL, nH, `~${mL}`, `~${mH}`, "1", false)
          : add64(`s${i}`, nL, nH, mL, mH, "0", false);
        s += round
          ? add64(`r${i}`, `s${i}L`, `s${i}H`, "-2147483648", "0", "0", false) +
            `const t${i}=r${i}H;`
          : `const t${i}=s${i}H;`;
      }
      for (let i = 0; i < n; i++) s += put(f.rd, es, base + i, `t${i}`);
      return f.q ? s : s + zeroFrom(f.rd, 8);
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, 2 * es, 1)}, ${
        vr(f.rm, 2 * es, 1)
      }`;
    },
  };
}

/** Three-different rows. */
export const SIMD_3DIFF: InsnDef[] = [
  ...LONG.flatMap(longRows),
  wideRow("saddw", 0, 1, false),
  wideRow("uaddw", 1, 1, false),
  wideRow("ssubw", 0, 3, true),
  wideRow("usubw", 1, 3, true),
  hnRow("addhn", 0, 4, false),
  hnRow("raddhn", 1, 4, false),
  hnRow("subhn", 0, 6, true),
  hnRow("rsubhn", 1, 6, true),
];
