/** Advanced SIMD copy: DUP (element, general, scalar), INS (element, general), UMOV, SMOV. */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { reg } from "./disasm_util.ts";
import { ename, l64, map, map64, put, se, sr, ue, vr } from "./simd_lane.ts";
import { setW, setX, xh, xl } from "./emit.ts";

/** Element size from imm5's lowest set bit (0 when reserved) and the index above it. */
function esOf(imm5: number): [number, number] {
  const k = imm5 ? 31 - Math.clz32(imm5 & -imm5) : 4;
  return k > 3 ? [0, 0] : [8 << k, imm5 >>> (k + 1)];
}

const elemText = (n: number, es: number, i: number) => `v${n}.${ename(es)}[${i}]`;

/** Statements writing lane `i` of V`d` from general register n (low es bits). */
function fromGpr(d: number, es: number, i: number, n: number): string {
  if (es === 64) return `vw[${d * 4 + 2 * i}]=${xl(n)};vw[${d * 4 + 2 * i + 1}]=${xh(n)};`;
  return put(d, es, i, xl(n));
}

/** DUP: imm5 names an element size, and 64-bit elements need the 128-bit form. */
function dupValid(f: Fields): boolean {
  const [es] = esOf(f.imm5);
  return es !== 0 && (es < 64 || f.q === 1);
}

/** Copy rows. */
export const SIMD_COPY: InsnDef[] = [
  {
    pattern: "0 q:1 0 01110000 imm5:5 0 0000 1 rn:5 rd:5",
    name: "DUP_elem",
    cls: "simd_copy",
    pure: true,
    valid: dupValid,
    emit(f) {
      const [es, idx] = esOf(f.imm5);
      const n = (f.q ? 128 : 64) / es;
      if (es === 64) {
        const [lo, hi] = l64(f.rn, idx);
        return `const sl=${lo},sh=${hi};` + map64(f.rd, 2, (_i, o) => `const ${o}L=sl,${o}H=sh;`);
      }
      return `const s=${ue(f.rn, es, idx)};` + map(f.rd, es, n, f.q ? 16 : 8, () => "s");
    },
    disasm(f) {
      const [es, idx] = esOf(f.imm5);
      return `dup\t${vr(f.rd, es, f.q)}, ${elemText(f.rn, es, idx)}`;
    },
  },
  {
    pattern: "0 q:1 0 01110000 imm5:5 0 0001 1 rn:5 rd:5",
    name: "DUP_gen",
    cls: "simd_copy",
    pure: true,
    valid: dupValid,
    emit(f) {
      const [es] = esOf(f.imm5);
      if (es === 64) {
        return `const sl=${xl(f.rn)},sh=${xh(f.rn)};` +
          map64(f.rd, 2, (_i, o) => `const ${o}L=sl,${o}H=sh;`);
      }
      return `const s=${xl(f.rn)};` + map(f.rd, es, (f.q ? 128 : 64) / es, f.q ? 16 : 8, () => "s");
    },
    disasm(f) {
      const [es] = esOf(f.imm5);
      return `dup\t${vr(f.rd, es, f.q)}, ${reg(f.rn, es === 64)}`;
    },
  },
  {
    pattern: "0 1 0 01110000 imm5:5 0 0011 1 rn:5 rd:5",
    name: "INS_gen",
    cls: "simd_copy",
    pure: true,
    valid: (f) => esOf(f.imm5)[0] !== 0,
    emit(f) {
      const [es, idx] = esOf(f.imm5);
      return fromGpr(f.rd, es, idx, f.rn);
    },
    disasm(f) {
      const [es, idx] = esOf(f.imm5);
      return `mov\t${elemText(f.rd, es, idx)}, ${reg(f.rn, es === 64)}`;
    },
  },
  {
    pattern: "0 q:1 0 01110000 imm5:5 0 0101 1 rn:5 rd:5",
    name: "SMOV",
    cls: "simd_copy",
    pure: true,
    valid: (f) => {
      const [es] = esOf(f.imm5);
      return es !== 0 && es < (f.q ? 64 : 32);
    },
    emit(f) {
      const [es, idx] = esOf(f.imm5);
      const v = se(f.rn, es, idx);
      return f.q ? `const s=${v};${setX(f.rd, "s", "s>>31")}` : setW(f.rd, v);
    },
    disasm(f) {
      const [es, idx] = esOf(f.imm5);
      return `smov\t${reg(f.rd, f.q)}, ${elemText(f.rn, es, idx)}`;
    },
  },
  {
    pattern: "0 q:1 0 01110000 imm5:5 0 0111 1 rn:5 rd:5",
    name: "UMOV",
    cls: "simd_copy",
    pure: true,
    valid: (f) => {
      const [es] = esOf(f.imm5);
      return es !== 0 && (f.q ? es === 64 : es < 64);
    },
    emit(f) {
      const [es, idx] = esOf(f.imm5);
      if (es === 64) {
        const [lo, hi] = l64(f.rn, idx);
        return setX(f.rd, lo, hi);
      }
      return setW(f.rd, es === 32 ? se(f.rn, 32, idx) : ue(f.rn, es, idx));
    },
    disasm(f) {
      const [es, idx] = esOf(f.imm5);
      return `${es >= 32 ? "mov" : "umov"}\t${reg(f.rd, f.q)}, ${elemText(f.rn, es, idx)}`;
    },
  },
  {
    pattern: "0 1 1 01110000 imm5:5 0 imm4:4 1 rn:5 rd:5",
    name: "INS_elem",
    cls: "simd_copy",
    pure: true,
    valid: (f) => esOf(f.imm5)[0] !== 0,
    emit(f) {
      const [es, di] = esOf(f.imm5);
      const si = f.imm4 >>> Math.log2(es / 8);
      if (es === 64) {
        const [lo, hi] = l64(f.rn, si);
        return `const sl=${lo},sh=${hi};vw[${f.rd * 4 + 2 * di}]=sl;vw[${
          f.rd * 4 + 2 * di + 1
        }]=sh;`;
      }
      return put(f.rd, es, di, ue(f.rn, es, si));
    },
    disasm(f) {
      const [es, di] = esOf(f.imm5);
      const si = f.imm4 >>> Math.log2(es / 8);
      return `mov\t${elemText(f.rd, es, di)}, ${elemText(f.rn, es, si)}`;
    },
  },
  {
    pattern: "01 0 11110000 imm5:5 0 0000 1 rn:5 rd:5",
    name: "DUP_scalar",
    cls: "simd_copy",
    pure: true,
    valid: (f) => esOf(f.imm5)[0] !== 0,
    emit(f) {
      const [es, idx] = esOf(f.imm5);
      if (es === 64) {
        const [lo, hi] = l64(f.rn, idx);
        return `const sl=${lo},sh=${hi};` + map64(f.rd, 1, (_i, o) => `const ${o}L=sl,${o}H=sh;`);
      }
      return map(f.rd, es, 1, es / 8, () => ue(f.rn, es, idx));
    },
    disasm(f) {
      const [es, idx] = esOf(f.imm5);
      return `mov\t${sr(f.rd, es)}, ${elemText(f.rn, es, idx)}`;
    },
  },
];
