/** Advanced SIMD across lanes (ADDV, SADDLV/UADDLV, S/UMAXV, S/UMINV) and scalar pairwise ADDP. */
import type { InsnDef } from "./types.ts";
import { add64 } from "./emit.ts";
import { el, l64, map, map64, sr, vr } from "./simd_lane.ts";

/** [mnemonic, U, opcode, long result, combine(acc, lane)]. */
const ACROSS: [string, number, number, boolean, (a: string, b: string) => string][] = [
  ["saddlv", 0, 0x03, true, (a, b) => `${a}+${b}`],
  ["uaddlv", 1, 0x03, true, (a, b) => `${a}+${b}`],
  ["smaxv", 0, 0x0a, false, (a, b) => `Math.max(${a},${b})`],
  ["umaxv", 1, 0x0a, false, (a, b) => `Math.max(${a},${b})`],
  ["sminv", 0, 0x1a, false, (a, b) => `Math.min(${a},${b})`],
  ["uminv", 1, 0x1a, false, (a, b) => `Math.min(${a},${b})`],
  ["addv", 0, 0x1b, false, (a, b) => `${a}+${b}`],
];

function acrossRow([name, u, opc, long, comb]: (typeof ACROSS)[number]): InsnDef {
  return {
    pattern: `0 q:1 ${u} 01110 size:2 11000 ${opc.toString(2).padStart(5, "0")} 10 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_across",
    pure: true,
    valid: (f) => f.size < 2 || (f.size === 2 && f.q === 1),
    emit(f) {
      const es = 8 << f.size, n = (f.q ? 128 : 64) / es, res = long ? 2 * es : es;
      // Lanes are exact numbers, so a balanced tree of max/min/+ is exact too.
      // ADDV keeps only the low es bits, so its lanes are read unsigned.
      const signed = u === 0 && name !== "addv";
      let terms = Array.from({ length: n }, (_, i) => el(f.rn, es, i, signed));
      while (terms.length > 1) {
        const next: string[] = [];
        for (let i = 0; i < terms.length; i += 2) next.push(comb(terms[i], terms[i + 1]));
        terms = next.map((t) => `(${t})`);
      }
      return map(f.rd, res, 1, res / 8, () => terms[0]);
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}\t${sr(f.rd, long ? 2 * es : es)}, ${vr(f.rn, es, f.q)}`;
    },
  };
}

const ADDP_S: InsnDef = {
  pattern: "01 0 11110 11 11000 11011 10 rn:5 rd:5",
  name: "ADDP_s",
  cls: "simd_across",
  pure: true,
  emit(f) {
    const [aL, aH] = l64(f.rn, 0), [bL, bH] = l64(f.rn, 1);
    return map64(f.rd, 1, (_i, o) => add64(o, aL, aH, bL, bH, "0", false));
  },
  disasm: (f) => `addp\td${f.rd}, v${f.rn}.2d`,
};

/** Across-lanes rows. */
export const SIMD_ACROSS: InsnDef[] = [...ACROSS.map(acrossRow), ADDP_S];
