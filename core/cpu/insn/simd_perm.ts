/** Advanced SIMD permutes: ZIP1/2, UZP1/2, TRN1/2, EXT, TBL/TBX (one to four table registers). */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { l64, map, map64, ue, vr } from "./simd_lane.ts";

/** Source [register, lane] of result lane i for each permute, with n lanes per vector. */
type Pick = (f: Fields, i: number, n: number) => [number, number];

const cat = (f: Fields, j: number, n: number): [number, number] =>
  j < n ? [f.rn, j] : [f.rm, j - n];

const PERMS: [string, number, Pick][] = [
  ["uzp1", 1, (f, i, n) => cat(f, 2 * i, n)],
  ["trn1", 2, (f, i) => [i & 1 ? f.rm : f.rn, i & ~1]],
  ["zip1", 3, (f, i) => [i & 1 ? f.rm : f.rn, i >> 1]],
  ["uzp2", 5, (f, i, n) => cat(f, 2 * i + 1, n)],
  ["trn2", 6, (f, i) => [i & 1 ? f.rm : f.rn, i | 1]],
  ["zip2", 7, (f, i, n) => [i & 1 ? f.rm : f.rn, n / 2 + (i >> 1)]],
];

function permRow([name, opc, pick]: [string, number, Pick]): InsnDef {
  return {
    pattern: `0 q:1 001110 size:2 0 rm:5 0 ${opc.toString(2).padStart(3, "0")} 10 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_perm",
    pure: true,
    valid: (f) => f.size < 3 || f.q === 1,
    emit(f) {
      const es = 8 << f.size, n = (f.q ? 128 : 64) / es;
      if (es === 64) {
        return map64(f.rd, n, (i, o) => {
          const [lo, hi] = l64(...pick(f, i, n));
          return `const ${o}L=${lo},${o}H=${hi};`;
        });
      }
      return map(f.rd, es, n, f.q ? 16 : 8, (i) => {
        const [r, j] = pick(f, i, n);
        return ue(r, es, j);
      });
    },
    disasm(f) {
      const es = 8 << f.size;
      return `${name}\t${vr(f.rd, es, f.q)}, ${vr(f.rn, es, f.q)}, ${vr(f.rm, es, f.q)}`;
    },
  };
}

const EXT: InsnDef = {
  pattern: "0 q:1 101110 00 0 rm:5 0 imm4:4 0 rn:5 rd:5",
  name: "EXT_v",
  cls: "simd_perm",
  pure: true,
  valid: (f) => f.q === 1 || f.imm4 < 8,
  emit(f) {
    const nb = f.q ? 16 : 8;
    return map(f.rd, 8, nb, nb, (i) => {
      const j = i + f.imm4;
      return j < nb ? ue(f.rn, 8, j) : ue(f.rm, 8, j - nb);
    });
  },
  disasm(f) {
    return `ext\t${vr(f.rd, 8, f.q)}, ${vr(f.rn, 8, f.q)}, ${vr(f.rm, 8, f.q)}, #${f.imm4}`;
  },
};

/** objdump's register list: a range for three or more ascending registers without wrap. */
function regList(first: number, count: number): string {
  const regs = Array.from({ length: count }, (_, k) => (first + k) & 31);
  if (count >= 3 && first + count - 1 < 32) return `{v${first}.16b-v${first + count - 1}.16b}`;
  return `{${regs.map((r) => `v${r}.16b`).join(", ")}}`;
}

function tblRow(op: number): InsnDef {
  const name = op ? "tbx" : "tbl";
  return {
    pattern: `0 q:1 001110 00 0 rm:5 0 len:2 ${op} 00 rn:5 rd:5`,
    name: `${name.toUpperCase()}_v`,
    cls: "simd_perm",
    pure: true,
    emit(f) {
      const nb = f.q ? 16 : 8, limit = 16 * (f.len + 1);
      // Table byte x: register (Rn + x/16) mod 32, byte x mod 16.
      const byte = f.len === 0 ? `vb[${f.rn * 16}+x]` : `vb[((${f.rn}+(x>>4))&31)*16+(x&15)]`;
      let s = "let x=0;";
      for (let i = 0; i < nb; i++) {
        s += `x=${ue(f.rm, 8, i)};const t${i}=x<${limit}?${byte}:${op ? ue(f.rd, 8, i) : 0};`;
      }
      for (let i = 0; i < nb; i++) s += `vb[${f.rd * 16 + i}]=t${i};`;
      return f.q ? s : s + `vw[${f.rd * 4 + 2}]=0;vw[${f.rd * 4 + 3}]=0;`;
    },
    disasm(f) {
      return `${name}\t${vr(f.rd, 8, f.q)}, ${regList(f.rn, f.len + 1)}, ${vr(f.rm, 8, f.q)}`;
    },
  };
}

/** Permute rows. */
export const SIMD_PERM: InsnDef[] = [...PERMS.map(permRow), EXT, tblRow(0), tblRow(1)];
