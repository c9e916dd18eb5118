/** Advanced SIMD modified immediate: MOVI, MVNI, ORR, BIC (vector, immediate) and FMOV (vector). */
import type { InsnDef } from "./types.ts";
import type { Fields } from "../decode/pattern.ts";
import { zeroFrom } from "./simd_lane.ts";
import { SIMD_IMM_GROUP } from "./simd_shift.ts";

/** The Arm ARM's AdvSIMDExpandImm: the 64-bit pattern repeated across the vector. */
function expand(op: number, cmode: number, imm8: number): bigint {
  const i = BigInt(imm8);
  const rep32 = (v: bigint) => (v << 32n) | v;
  const rep16 = (v: bigint) => rep32((v << 16n) | v);
  switch (cmode >> 1) {
    case 0:
    case 1:
    case 2:
    case 3:
      return rep32(i << BigInt(8 * (cmode >> 1)));
    case 4:
    case 5:
      return rep16(i << BigInt(8 * ((cmode >> 1) & 1)));
    case 6:
      return rep32(cmode & 1 ? (i << 16n) | 0xffffn : (i << 8n) | 0xffn);
    default:
      break;
  }
  if (cmode === 14) {
    if (op === 0) return rep16(rep8(i));
    let v = 0n;
    for (let b = 0; b < 8; b++) if ((imm8 >> b) & 1) v |= 0xffn << BigInt(8 * b);
    return v;
  }
  const a = (imm8 >> 7) & 1, b = (imm8 >> 6) & 1, low6 = BigInt(imm8 & 0x3f);
  if (op === 0) {
    const e = b ? 0x1f : 0x20; // NOT(b):bbbbb, bits 30..25
    const bits = (BigInt(a) << 31n) | (BigInt(e) << 25n) | (low6 << 19n);
    return rep32(bits);
  }
  const e = b ? 0xff : 0x100; // NOT(b):bbbbbbbb
  return (BigInt(a) << 63n) | (BigInt(e) << 54n) | (low6 << 48n);
}

function rep8(i: bigint): bigint {
  return (i << 8n) | i;
}

/** objdump's text of an FP immediate: 18 fraction digits, two-digit exponent. */
function fpText(v: number): string {
  const [m, e] = v.toExponential(18).split("e");
  const sign = e[0] === "-" ? "-" : "+";
  return `#${m}e${sign}${e.slice(1).padStart(2, "0")}`;
}

function imm8Of(f: Fields): number {
  return (f.abc << 5) | f.defgh;
}

/** Which operation: 0 MOVI, 1 MVNI, 2 ORR, 3 BIC, 4 FMOV. */
function kind(f: Fields): number {
  const c = f.cmode;
  if (c === 15) return 4;
  if (c >= 14) return 0;
  if (c >= 12) return f.op;
  const orr = c & 1;
  return orr ? 2 + f.op : f.op;
}

function emitModImm(f: Fields): string {
  const v = expand(f.op, f.cmode, imm8Of(f));
  const k = kind(f);
  const lo = Number(v & 0xffffffffn) | 0, hi = Number(v >> 32n) | 0;
  const b = f.rd * 4;
  const words = f.q ? 4 : 2;
  let s = "";
  for (let w = 0; w < words; w++) {
    const x = w & 1 ? hi : lo;
    if (k === 0 || k === 4) s += `vw[${b + w}]=${x};`;
    else if (k === 1) s += `vw[${b + w}]=${~x};`;
    else if (k === 2) s += `vw[${b + w}]|=${x};`;
    else s += `vw[${b + w}]&=${~x};`;
  }
  return f.q ? s : s + zeroFrom(f.rd, 8);
}

function disasmModImm(f: Fields): string {
  const k = kind(f), c = f.cmode, imm8 = imm8Of(f), q = f.q;
  const name = ["movi", "mvni", "orr", "bic", "fmov"][k];
  if (k === 4) {
    const v = expand(f.op, c, imm8);
    const buf = new DataView(new ArrayBuffer(8));
    buf.setBigUint64(0, v);
    const x = f.op ? buf.getFloat64(0) : buf.getFloat32(4);
    return `fmov\tv${f.rd}.${f.op ? "2d" : q ? "4s" : "2s"}, ${fpText(x)}`;
  }
  if (c === 14) {
    if (f.op === 0) return `movi\tv${f.rd}.${q ? "16b" : "8b"}, #0x${imm8.toString(16)}`;
    const v = expand(1, 14, imm8).toString(16);
    return q ? `movi\tv${f.rd}.2d, #0x${v}` : `movi\td${f.rd}, #0x${v}`;
  }
  if (c >= 12) {
    return `${name}\tv${f.rd}.${q ? "4s" : "2s"}, #0x${imm8.toString(16)}, msl #${c & 1 ? 16 : 8}`;
  }
  const h = c >= 8;
  const sh = 8 * ((c >> 1) & (h ? 1 : 3));
  const ar = h ? (q ? "8h" : "4h") : (q ? "4s" : "2s");
  return `${name}\tv${f.rd}.${ar}, #0x${imm8.toString(16)}${sh ? `, lsl #${sh}` : ""}`;
}

/** Modified-immediate rows (the FP16 form, o2 = 1, is not implemented: FP16 is not advertised). */
export const SIMD_MODIMM: InsnDef[] = [
  {
    pattern: "0 q:1 op:1 0111100000 abc:3 cmode:4 0 1 defgh:5 rd:5",
    name: "MOVI_modimm",
    cls: "simd_modimm",
    group: SIMD_IMM_GROUP,
    pure: true,
    valid: (f) => !(f.cmode === 15 && f.op === 1 && f.q === 0),
    emit: emitModImm,
    disasm: disasmModImm,
  },
];
