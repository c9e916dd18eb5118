/**
 * Data processing with immediates: ADR/ADRP, ADD/SUB (immediate), logical (immediate),
 * MOVN/MOVZ/MOVK, bitfield (SBFM/BFM/UBFM and their aliases), EXTR.
 */
import type { InsnDef } from "./types.ts";
import { add32, add64, nz32, nz64, setW, setX, shift32, shift64, split64, xh, xl } from "./emit.ts";
import { imm, reg, sext, target } from "./disasm_util.ts";
import type { Fields } from "../decode/pattern.ts";

/** The Arm ARM's DecodeBitMasks: [wmask, tmask] as bigints, or undefined if reserved. */
export function decodeBitMasks(
  n: number,
  imms: number,
  immr: number,
  immediate: boolean,
  datasize: number,
): [bigint, bigint] | undefined {
  const combined = (n << 6) | (~imms & 0x3f);
  if (combined === 0) return undefined;
  const len = 31 - Math.clz32(combined);
  if (len < 1) return undefined;
  const levels = (1 << len) - 1;
  if (immediate && (imms & levels) === levels) return undefined;
  const s = imms & levels;
  const r = immr & levels;
  const diff = (s - r) & levels;
  const esize = 1 << len;
  if (esize > datasize) return undefined;
  const ones = (k: number) => (1n << BigInt(k)) - 1n;
  const welem = ones(s + 1);
  const telem = ones(diff + 1);
  const emask = ones(esize);
  const rorE = (v: bigint, k: number) =>
    k === 0 ? v : ((v >> BigInt(k)) | (v << BigInt(esize - k))) & emask;
  const rep = (v: bigint) => {
    let out = 0n;
    for (let i = 0; i < datasize; i += esize) out |= v << BigInt(i);
    return out;
  };
  return [rep(rorE(welem, r)), rep(telem)];
}

const hex = (v: bigint) => `#0x${v.toString(16)}`;

function logicalImmValid(f: Fields): boolean {
  if (!f.sf && f.N) return false;
  return decodeBitMasks(f.N, f.imms, f.immr, true, f.sf ? 64 : 32) !== undefined;
}

/** True when MOVZ could make `v` (one nonzero halfword at most) in a register of `size` bits. */
function wideConstant(v: bigint, size: number): boolean {
  const m = size === 64 ? 0xffffffffffffffffn : 0xffffffffn;
  v &= m;
  for (let sh = 0n; sh < BigInt(size); sh += 16n) if ((v & (0xffffn << sh)) === v) return true;
  return false;
}

const LOGIC_OPS = ["&", "|", "^", "&"] as const;
const LOGIC_NAMES = ["and", "orr", "eor", "ands"] as const;

function emitLogicalImm(f: Fields): string {
  const [wmask] = decodeBitMasks(f.N, f.imms, f.immr, true, f.sf ? 64 : 32)!;
  const op = LOGIC_OPS[f.opc];
  const flags = f.opc === 3;
  const sp = !flags; // AND/ORR/EOR (immediate) write SP for Rd = 31; ANDS writes XZR.
  const [ml, mh] = split64(wmask);
  if (!f.sf) {
    return `const v=${xl(f.rn)}${op}${ml};${flags ? nz32("v") : ""}${setW(f.rd, "v", sp)}`;
  }
  return `const vl=${xl(f.rn)}${op}${ml},vh=${xh(f.rn)}${op}${mh};${flags ? nz64("vl", "vh") : ""}${
    setX(f.rd, "vl", "vh", sp)
  }`;
}

/** Bitfield move: SBFM (opc 0), BFM (1), UBFM (2). */
function emitBitfield(f: Fields): string {
  const size = f.sf ? 64 : 32;
  const [wmask, tmask] = decodeBitMasks(f.N, f.imms, f.immr, false, size)!;
  const [wl, wh] = split64(wmask);
  const [tl, th] = split64(tmask);
  const s = f.imms;
  if (!f.sf) {
    let code = `const src=${xl(f.rn)};const rot=${shift32("src", 3, f.immr)};`;
    const dst = f.opc === 1 ? xl(f.rd) : "0";
    code += `const bot=(${dst}&${~wl})|(rot&${wl});`;
    const top = f.opc === 0 ? `(-((src>>>${s})&1))` : f.opc === 1 ? dst : "0";
    code += `const res=(${top}&${~tl})|(bot&${tl});`;
    return code + setW(f.rd, "res");
  }
  let code = `const sl=${xl(f.rn)},sh=${xh(f.rn)};${shift64("ro", "sl", "sh", 3, f.immr)}`;
  const dL = f.opc === 1 ? xl(f.rd) : "0", dH = f.opc === 1 ? xh(f.rd) : "0";
  code += `const bl=(${dL}&${~wl})|(roL&${wl}),bh=(${dH}&${~wh})|(roH&${wh});`;
  if (f.opc === 0) {
    code += `const sb=-(((${s >= 32 ? "sh" : "sl"})>>>${s & 31})&1);const tL=sb,tH=sb;`;
  } else code += `const tL=${dL},tH=${dH};`;
  code += `const resL=(tL&${~tl})|(bl&${tl}),resH=(tH&${~th})|(bh&${th});`;
  return code + setX(f.rd, "resL", "resH");
}

function disasmBitfield(f: Fields): string {
  const sf = f.sf, w = sf ? 64 : 32, d = reg(f.rd, sf), n = reg(f.rn, sf);
  const r = f.immr, s = f.imms;
  if (f.opc === 0) {
    if (s === w - 1) return `asr\t${d}, ${n}, #${r}`;
    if (r === 0 && s === 7) return `sxtb\t${d}, ${reg(f.rn, 0)}`;
    if (r === 0 && s === 15) return `sxth\t${d}, ${reg(f.rn, 0)}`;
    if (r === 0 && s === 31 && sf) return `sxtw\t${d}, ${reg(f.rn, 0)}`;
    if (s < r) return `sbfiz\t${d}, ${n}, #${w - r}, #${s + 1}`;
    return `sbfx\t${d}, ${n}, #${r}, #${s - r + 1}`;
  }
  if (f.opc === 1) {
    if (s < r) {
      return f.rn === 31
        ? `bfc\t${d}, #${w - r}, #${s + 1}`
        : `bfi\t${d}, ${n}, #${w - r}, #${s + 1}`;
    }
    return `bfxil\t${d}, ${n}, #${r}, #${s - r + 1}`;
  }
  if (s !== w - 1 && s + 1 === r) return `lsl\t${d}, ${n}, #${w - 1 - s}`;
  if (s === w - 1) return `lsr\t${d}, ${n}, #${r}`;
  if (r === 0 && s === 7 && !sf) return `uxtb\t${d}, ${n}`;
  if (r === 0 && s === 15 && !sf) return `uxth\t${d}, ${n}`;
  if (s < r) return `ubfiz\t${d}, ${n}, #${w - r}, #${s + 1}`;
  return `ubfx\t${d}, ${n}, #${r}, #${s - r + 1}`;
}

/** Immediate data-processing rows. */
export const DP_IMM: InsnDef[] = [
  {
    pattern: "op:1 immlo:2 10000 immhi:19 rd:5",
    name: "ADR",
    cls: "dp_imm",
    pure: true,
    emit: (f, e) => {
      const v = sext((f.immhi << 2) | f.immlo, 21);
      if (!f.op) {
        const [l, h] = e.pcPlus(v);
        return setX(f.rd, String(l), String(h));
      }
      const pageLo = e.pcLo & ~0xfff;
      const base = ((BigInt(e.pcHi >>> 0) << 32n) | BigInt(pageLo >>> 0)) + (BigInt(v) << 12n);
      const [l, h] = split64(BigInt.asUintN(64, base));
      return setX(f.rd, String(l), String(h));
    },
    disasm: (f, pc) => {
      const v = sext((f.immhi << 2) | f.immlo, 21);
      if (!f.op) return `adr\t${reg(f.rd, 1)}, ${target(pc, v)}`;
      const t = BigInt.asUintN(64, (pc & ~0xfffn) + (BigInt(v) << 12n));
      return `adrp\t${reg(f.rd, 1)}, ${t.toString(16)}`;
    },
  },
  {
    pattern: "sf:1 op:1 S:1 100010 sh:1 imm12:12 rn:5 rd:5",
    name: "ADDSUB_imm",
    cls: "dp_imm",
    pure: true,
    emit: (f) => {
      const v = f.imm12 << (f.sh ? 12 : 0);
      const flags = f.S === 1;
      const b = f.op ? ~v : v;
      const cin = f.op ? "1" : "0";
      if (!f.sf) {
        return `const a=${xl(f.rn, true)};${add32("s", "a", String(b), cin, flags)}${
          setW(f.rd, "s", !flags)
        }`;
      }
      const bh = f.op ? -1 : 0;
      return `const aL=${xl(f.rn, true)},aH=${xh(f.rn, true)};${
        add64("s", "aL", "aH", String(b), String(bh), cin, flags)
      }${setX(f.rd, "sL", "sH", !flags)}`;
    },
    disasm: (f) => {
      const sf = f.sf, flags = f.S === 1;
      const d = reg(f.rd, sf, !flags), n = reg(f.rn, sf, true);
      const sh = f.sh ? ", lsl #12" : "";
      if (!f.op && !flags && f.imm12 === 0 && !f.sh && (f.rd === 31 || f.rn === 31)) {
        return `mov\t${d}, ${n}`;
      }
      if (flags && f.rd === 31) return `${f.op ? "cmp" : "cmn"}\t${n}, ${imm(f.imm12)}${sh}`;
      return `${f.op ? "sub" : "add"}${flags ? "s" : ""}\t${d}, ${n}, ${imm(f.imm12)}${sh}`;
    },
  },
  {
    pattern: "sf:1 opc:2 100100 N:1 immr:6 imms:6 rn:5 rd:5",
    name: "LOGIC_imm",
    cls: "dp_imm",
    pure: true,
    valid: logicalImmValid,
    emit: emitLogicalImm,
    disasm: (f) => {
      const [m] = decodeBitMasks(f.N, f.imms, f.immr, true, f.sf ? 64 : 32)!;
      const flags = f.opc === 3;
      if (flags && f.rd === 31) return `tst\t${reg(f.rn, f.sf)}, ${hex(m)}`;
      // objdump's rule: ORR from ZR is MOV unless MOVZ/MOVN could make the value (SP: always MOV).
      const size = f.sf ? 64 : 32;
      if (
        f.opc === 1 && f.rn === 31 &&
        (f.rd === 31 || !(wideConstant(m, size) || wideConstant(~m, size)))
      ) {
        return `mov\t${reg(f.rd, f.sf, true)}, ${hex(m)}`;
      }
      return `${LOGIC_NAMES[f.opc]}\t${reg(f.rd, f.sf, !flags)}, ${reg(f.rn, f.sf)}, ${hex(m)}`;
    },
  },
  {
    pattern: "sf:1 opc:2 100101 hw:2 imm16:16 rd:5",
    name: "MOVE_wide",
    cls: "dp_imm",
    pure: true,
    valid: (f) => f.opc !== 1 && (f.sf === 1 || f.hw < 2),
    emit: (f) => {
      const sh = 16 * f.hw;
      const v = BigInt(f.imm16) << BigInt(sh);
      if (f.opc === 3) {
        // MOVK: replace one halfword.
        const keep = ~(0xffff << (sh & 31));
        const part = (f.imm16 << (sh & 31)) | 0;
        if (f.rd === 31) return "";
        if (!f.sf) return `r[${2 * f.rd}]=(r[${2 * f.rd}]&${keep})|${part};r[${2 * f.rd + 1}]=0;`;
        return sh < 32
          ? `r[${2 * f.rd}]=(r[${2 * f.rd}]&${keep})|${part};`
          : `r[${2 * f.rd + 1}]=(r[${2 * f.rd + 1}]&${keep})|${part};`;
      }
      const val = f.opc === 0 ? BigInt.asUintN(64, ~v) : v;
      const [l, h] = split64(val);
      return f.sf ? setX(f.rd, String(l), String(h)) : setW(f.rd, String(l));
    },
    disasm: (f) => {
      const sh = 16 * f.hw;
      const d = reg(f.rd, f.sf);
      if (f.opc === 3) return `movk\t${d}, ${imm(f.imm16)}${sh ? `, lsl #${sh}` : ""}`;
      let v = BigInt(f.imm16) << BigInt(sh);
      const isMovz = f.opc === 2;
      if (!isMovz) v = BigInt.asUintN(f.sf ? 64 : 32, ~v);
      // objdump shows the alias "mov" unless the value is ambiguous (imm16 zero with shift).
      if (isMovz && !(f.imm16 === 0 && sh !== 0)) return `mov\t${d}, ${hex(v)}`;
      if (!isMovz && !(f.imm16 === 0 && sh !== 0) && !(f.sf === 0 && f.imm16 === 0xffff)) {
        return `mov\t${d}, ${hex(v)}`;
      }
      return `${isMovz ? "movz" : "movn"}\t${d}, ${imm(f.imm16)}${sh ? `, lsl #${sh}` : ""}`;
    },
  },
  {
    pattern: "sf:1 opc:2 100110 N:1 immr:6 imms:6 rn:5 rd:5",
    name: "BITFIELD",
    cls: "dp_imm",
    pure: true,
    valid: (f) =>
      f.opc !== 3 && f.N === f.sf && (f.sf === 1 || (f.immr < 32 && f.imms < 32)) &&
      decodeBitMasks(f.N, f.imms, f.immr, false, f.sf ? 64 : 32) !== undefined,
    emit: emitBitfield,
    disasm: disasmBitfield,
  },
  {
    pattern: "sf:1 00 100111 N:1 0 rm:5 imms:6 rn:5 rd:5",
    name: "EXTR",
    cls: "dp_imm",
    pure: true,
    valid: (f) => f.N === f.sf && (f.sf === 1 || f.imms < 32),
    emit: (f) => {
      const lsb = f.imms;
      if (!f.sf) {
        const v = lsb === 0 ? xl(f.rm) : `(${xl(f.rm)}>>>${lsb})|(${xl(f.rn)}<<${32 - lsb})`;
        return `const v=${v};${setW(f.rd, "v")}`;
      }
      // (Rn:Rm) >> lsb, a 128-bit funnel shift.
      const mL = xl(f.rm), mH = xh(f.rm), nL = xl(f.rn), nH = xh(f.rn);
      let code: string;
      if (lsb === 0) code = `const oL=${mL},oH=${mH};`;
      else if (lsb < 32) {
        code = `const oL=(${mL}>>>${lsb})|(${mH}<<${32 - lsb}),oH=(${mH}>>>${lsb})|(${nL}<<${
          32 - lsb
        });`;
      } else if (lsb === 32) code = `const oL=${mH},oH=${nL};`;
      else {code = `const oL=(${mH}>>>${lsb - 32})|(${nL}<<${64 - lsb}),oH=(${nL}>>>${
          lsb - 32
        })|(${nH}<<${64 - lsb});`;}
      return code + setX(f.rd, "oL", "oH");
    },
    disasm: (f) => {
      const op = f.rn === f.rm ? "ror" : "extr";
      return op === "ror"
        ? `ror\t${reg(f.rd, f.sf)}, ${reg(f.rn, f.sf)}, #${f.imms}`
        : `extr\t${reg(f.rd, f.sf)}, ${reg(f.rn, f.sf)}, ${reg(f.rm, f.sf)}, #${f.imms}`;
    },
  },
];
