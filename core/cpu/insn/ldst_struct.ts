/**
 * Advanced SIMD structure loads and stores: LD1-LD4/ST1-ST4 of multiple structures (LD1/ST1 of
 * 1-4 registers), of a single structure to one lane, and the replicate forms LD1R-LD4R; each
 * with optional post-index by immediate (the transfer size) or by register. Loads read all of
 * memory before writing any register (faults leave registers unchanged); interleaved forms go
 * through the runtime scratch `H.lsW`.
 */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { xreg } from "./disasm_util.ts";
import { addrImm, plus, writeback, writebackReg } from "./ldst_addr.ts";

/** Multiple-structure opcode -> [registers per structure repeat (rpt), elements per structure]. */
const MULTI: Record<number, [number, number]> = {
  0b0000: [1, 4],
  0b0010: [4, 1],
  0b0100: [1, 3],
  0b0110: [3, 1],
  0b0111: [1, 1],
  0b1000: [1, 2],
  0b1010: [2, 1],
};

const T_LETTER = "bhsd";

/** `{v0.16b-v2.16b}` / `{v30.2d, v31.2d, v0.2d}` as objdump prints register lists. */
function list(t: number, n: number, suffix: string): string {
  if (n >= 3 && t + n - 1 <= 31) return `{v${t}${suffix}-v${t + n - 1}${suffix}}`;
  const regs: string[] = [];
  for (let i = 0; i < n; i++) regs.push(`v${(t + i) % 32}${suffix}`);
  return `{${regs.join(", ")}}`;
}

function postText(f: Fields, total: number): string {
  if (!f.p) return "";
  return f.rm === 31 ? `, #${total}` : `, ${xreg(f.rm)}`;
}

function post(f: Fields, total: number): string {
  if (!f.p) return "";
  return f.rm === 31 ? writeback(f.rn, total) : writebackReg(f.rn, f.rm);
}

/** Address of the j-th doubleword of the transfer. */
function chunk(j: number): string {
  const [l, h] = plus("aL", "aH", 8 * j);
  return `${l},${h}`;
}

function emitMulti(f: Fields): string {
  const [rpt, selem] = MULTI[f.opcode];
  const q = f.Q, eb = 1 << f.size, ds = q ? 16 : 8, elems = ds / eb;
  const total = rpt * selem * ds, chunks = total / 8, wpr = q ? 4 : 2;
  const reg = (i: number) => (f.rt + i) % 32;
  let s = addrImm(f.rn, 0);
  if (selem === 1) {
    if (f.L) {
      for (let j = 0; j < chunks; j++) {
        s += `const m${2 * j}=c.ld64(${chunk(j)}),m${2 * j + 1}=c.hi;`;
      }
      for (let r = 0; r < rpt; r++) {
        const w = 4 * reg(r);
        for (let i = 0; i < 4; i++) s += `vw[${w + i}]=${i < wpr ? `m${r * wpr + i}` : "0"};`;
      }
    } else {
      for (let j = 0; j < chunks; j++) {
        const w = 4 * reg(Math.floor(j / (wpr / 2))) + 2 * (j % (wpr / 2));
        s += `c.st64(${chunk(j)},vw[${w}],vw[${w + 1}]);`;
      }
    }
    return s + post(f, total);
  }
  // Interleaved: memory element k = e * selem + s belongs to lane e of register rt + s.
  s += "const S=H.lsW,SB=H.lsB,SH=H.lsH;";
  const moves: string[] = [];
  for (let e = 0; e < elems; e++) {
    for (let k = 0; k < selem; k++) {
      const m = e * selem + k, t = reg(k);
      const pairs: [string, string][] = eb === 1
        ? [[`vb[${16 * t + e}]`, `SB[${m}]`]]
        : eb === 2
        ? [[`vh[${8 * t + e}]`, `SH[${m}]`]]
        : eb === 4
        ? [[`vw[${4 * t + e}]`, `S[${m}]`]]
        : [[`vw[${4 * t + 2 * e}]`, `S[${2 * m}]`], [
          `vw[${4 * t + 2 * e + 1}]`,
          `S[${2 * m + 1}]`,
        ]];
      for (const [v, sc] of pairs) moves.push(f.L ? `${v}=${sc};` : `${sc}=${v};`);
    }
  }
  if (f.L) {
    for (let j = 0; j < chunks; j++) s += `S[${2 * j}]=c.ld64(${chunk(j)});S[${2 * j + 1}]=c.hi;`;
    s += moves.join("");
    if (!q) {
      for (let k = 0; k < selem; k++) s += `vw[${4 * reg(k) + 2}]=0;vw[${4 * reg(k) + 3}]=0;`;
    }
  } else {
    s += moves.join("");
    for (let j = 0; j < chunks; j++) s += `c.st64(${chunk(j)},S[${2 * j}],S[${2 * j + 1}]);`;
  }
  return s + post(f, total);
}

/** Single-structure decode: [log2 element size, lane index or -1 for replicate, selem]. */
function single(f: Fields): [number, number, number] | undefined {
  const selem = (((f.opcode & 1) << 1) | f.R) + 1;
  const scale = f.opcode >> 1;
  switch (scale) {
    case 3:
      return f.L && !f.S ? [f.size, -1, selem] : undefined;
    case 0:
      return [0, (f.Q << 3) | (f.S << 2) | f.size, selem];
    case 1:
      return f.size & 1 ? undefined : [1, (f.Q << 2) | (f.S << 1) | (f.size >> 1), selem];
    default:
      if (f.size & 2) return undefined;
      if (!(f.size & 1)) return [2, (f.Q << 1) | f.S, selem];
      return f.S ? undefined : [3, f.Q, selem];
  }
}

function emitSingle(f: Fields): string {
  const [scale, index, selem] = single(f)!;
  const eb = 1 << scale;
  const reg = (i: number) => (f.rt + i) % 32;
  const at = (k: number) => plus("aL", "aH", k * eb).join(",");
  let s = addrImm(f.rn, 0);
  if (!f.L) {
    for (let k = 0; k < selem; k++) {
      const t = reg(k);
      s += eb === 1
        ? `c.st8(${at(k)},vb[${16 * t + index}]);`
        : eb === 2
        ? `c.st16(${at(k)},vh[${8 * t + index}]);`
        : eb === 4
        ? `c.st32(${at(k)},vw[${4 * t + index}]);`
        : `c.st64(${at(k)},vw[${4 * t + 2 * index}],vw[${4 * t + 2 * index + 1}]);`;
    }
    return s + post(f, selem * eb);
  }
  for (let k = 0; k < selem; k++) {
    s += eb === 8
      ? `const e${k}=c.ld64(${at(k)}),h${k}=c.hi;`
      : `const e${k}=c.ld${8 * eb}(${at(k)});`;
  }
  for (let k = 0; k < selem; k++) {
    const t = reg(k), w = 4 * t;
    if (index >= 0) {
      s += eb === 1
        ? `vb[${16 * t + index}]=e${k};`
        : eb === 2
        ? `vh[${8 * t + index}]=e${k};`
        : eb === 4
        ? `vw[${w + index}]=e${k};`
        : `vw[${w + 2 * index}]=e${k};vw[${w + 2 * index + 1}]=h${k};`;
      continue;
    }
    const lo = eb === 1 ? `Math.imul(e${k},16843009)` : eb === 2 ? `(e${k}|(e${k}<<16))` : `e${k}`;
    const hi = eb === 8 ? `h${k}` : lo;
    s += `{const l=${lo},h=${hi};vw[${w}]=l;vw[${w + 1}]=h;vw[${w + 2}]=${f.Q ? "l" : "0"};vw[${
      w + 3
    }]=${f.Q ? "h" : "0"};}`;
  }
  return s + post(f, selem * eb);
}

/** Structure rows. */
export const LDST_STRUCT: InsnDef[] = [
  {
    pattern: "0 Q:1 001100 p:1 L:1 0 rm:5 opcode:4 size:2 rn:5 rt:5",
    name: "LDST_multi",
    cls: "simd_ldst",
    valid: (f) => {
      const m = MULTI[f.opcode];
      return (f.p === 1 || f.rm === 0) && m !== undefined && !(f.size === 3 && !f.Q && m[1] > 1);
    },
    emit: emitMulti,
    disasm: (f) => {
      const [rpt, selem] = MULTI[f.opcode];
      const ds = f.Q ? 16 : 8;
      const arr = `.${ds >> f.size}${T_LETTER[f.size]}`;
      return `${f.L ? "ld" : "st"}${selem}\t${list(f.rt, rpt * selem, arr)}, [${xreg(f.rn, true)}]${
        postText(f, rpt * selem * ds)
      }`;
    },
  },
  {
    pattern: "0 Q:1 001101 p:1 L:1 R:1 rm:5 opcode:3 S:1 size:2 rn:5 rt:5",
    name: "LDST_single",
    cls: "simd_ldst",
    valid: (f) => (f.p === 1 || f.rm === 0) && single(f) !== undefined,
    emit: emitSingle,
    disasm: (f) => {
      const [scale, index, selem] = single(f)!;
      const mn = `${f.L ? "ld" : "st"}${selem}${index < 0 ? "r" : ""}`;
      const suffix = index < 0
        ? `.${(f.Q ? 16 : 8) >> scale}${T_LETTER[scale]}`
        : `.${T_LETTER[scale]}`;
      const lane = index < 0 ? "" : `[${index}]`;
      return `${mn}\t${list(f.rt, selem, suffix)}${lane}, [${xreg(f.rn, true)}]${
        postText(f, selem << scale)
      }`;
    },
  },
];
