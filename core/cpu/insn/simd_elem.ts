/**
 * Advanced SIMD integer multiplies by element, vector and scalar: MUL/MLA/MLS, S/U MULL, MLAL,
 * MLSL, SQDMULL/SQDMLAL/SQDMLSL and SQDMULH/SQRDMULH. (SQRDMLAH/SQRDMLSH and the dot products
 * are not advertised, so their encodings stay UNDEFINED.)
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { el, ename, map, sr, vr, withQc } from "./simd_lane.ts";
import { emitLong, type LongKind } from "./simd_3diff.ts";

/** [Vm register, index] of the element operand (16-bit: V0-V15 and a 3-bit index). */
function elem(f: Fields): [number, number] {
  return f.size === 1
    ? [f.rm, (f.h << 2) | (f.l << 1) | f.m]
    : [(f.m << 4) | f.rm, (f.h << 1) | f.l];
}

const elemText = (f: Fields) => {
  const [r, i] = elem(f);
  return `v${r}.${ename(8 << f.size)}[${i}]`;
};

const PAT = (u: number | string, opc: number, scalar: boolean) =>
  `${scalar ? "01" : "0 q:1"} ${u} ${scalar ? "11111" : "01111"} size:2 l:1 m:1 rm:4 ${
    opc.toString(2).padStart(4, "0")
  } h:1 0 rn:5 rd:5`;

const validSize = (f: Fields) => f.size === 1 || f.size === 2;

/** Same-size ops: lane(a, b, d, es) with b the broadcast element. */
const SAME: [
  string,
  number,
  number,
  boolean,
  boolean,
  (a: string, b: string, d: string, es: number) => string,
][] = [
  [
    "mla",
    1,
    0,
    false,
    false,
    (a, b, d, es) => `(${d}+${es === 32 ? `Math.imul(${a},${b})` : `${a}*${b}`})`,
  ],
  [
    "mls",
    1,
    4,
    false,
    false,
    (a, b, d, es) => `(${d}-${es === 32 ? `Math.imul(${a},${b})` : `${a}*${b}`})`,
  ],
  ["mul", 0, 8, false, false, (a, b, _d, es) => es === 32 ? `Math.imul(${a},${b})` : `${a}*${b}`],
  ["sqdmulh", 0, 12, true, true, (a, b, _d, es) => dmulh(a, b, es, 0)],
  ["sqrdmulh", 0, 13, true, true, (a, b, _d, es) => dmulh(a, b, es, 1)],
];

function dmulh(a: string, b: string, es: number, r: number): string {
  return es === 32
    ? `H.vsqdmulh32(${a},${b},${r})`
    : `H.vsat(Math.floor((2*${a}*${b}${r ? "+32768" : ""})/65536),16,1)`;
}

function sameRows([name, u, opc, sat, scalar, lane]: (typeof SAME)[number]): InsnDef[] {
  const emit = (f: Fields, isScalar: boolean) => {
    const es = 8 << f.size, n = isScalar ? 1 : (f.q ? 128 : 64) / es;
    const [mr, mi] = elem(f);
    const code = `const b=${el(mr, es, mi, sat)};` +
      map(
        f.rd,
        es,
        n,
        isScalar ? es / 8 : f.q ? 16 : 8,
        (i) => lane(el(f.rn, es, i, sat), "b", el(f.rd, es, i, false), es),
      );
    return sat ? withQc(code) : code;
  };
  const out: InsnDef[] = [{
    pattern: PAT(u, opc, false),
    name: `${name.toUpperCase()}_ve`,
    cls: "simd_elem",
    pure: true,
    valid: validSize,
    emit: (f) => emit(f, false),
    disasm(f) {
      const es = 8 << f.size;
      return `${name}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, es, f.q)}, ${elemText(f)}`;
    },
  }];
  if (scalar) {
    out.push({
      pattern: PAT(u, opc, true),
      name: `${name.toUpperCase()}_se`,
      cls: "simd_elem",
      pure: true,
      valid: validSize,
      emit: (f) => emit(f, true),
      disasm(f) {
        const es = 8 << f.size;
        return `${name}\t${sr(f.rd, es)}, ${sr(f.rn, es)}, ${elemText(f)}`;
      },
    });
  }
  return out;
}

const LONG: [string, number, number, LongKind][] = [
  ["smlal", 0, 2, "mlal"],
  ["umlal", 1, 2, "mlal"],
  ["sqdmlal", 0, 3, "qdmlal"],
  ["smlsl", 0, 6, "mlsl"],
  ["umlsl", 1, 6, "mlsl"],
  ["sqdmlsl", 0, 7, "qdmlsl"],
  ["smull", 0, 10, "mull"],
  ["umull", 1, 10, "mull"],
  ["sqdmull", 0, 11, "qdmull"],
];

function longRows([name, u, opc, k]: (typeof LONG)[number]): InsnDef[] {
  const out: InsnDef[] = [{
    pattern: PAT(u, opc, false),
    name: `${name.toUpperCase()}_ve`,
    cls: "simd_elem",
    pure: true,
    valid: validSize,
    emit(f) {
      const es = 8 << f.size, n = 64 / es, base = f.q ? n : 0;
      return emitLong(k, es, u === 0, f.rd, n, 16, (i) => [[f.rn, base + i], elem(f)]);
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}${f.q ? "2" : ""}\t${vr(f.rd, 2 * es, 1)}, ${vr(f.rn, es, f.q)}, ${
        elemText(f)
      }`;
    },
  }];
  if (k.startsWith("q")) {
    out.push({
      pattern: PAT(u, opc, true),
      name: `${name.toUpperCase()}_se`,
      cls: "simd_elem",
      pure: true,
      valid: validSize,
      emit(f) {
        const es = 8 << f.size;
        return emitLong(k, es, true, f.rd, 1, es / 4, () => [[f.rn, 0], elem(f)]);
      },
      disasm(f) {
        const es = 8 << f.size;
        return `${name}\t${sr(f.rd, 2 * es)}, ${sr(f.rn, es)}, ${elemText(f)}`;
      },
    });
  }
  return out;
}

/** By-element rows. */
export const SIMD_ELEM: InsnDef[] = [...SAME.flatMap(sameRows), ...LONG.flatMap(longRows)];
