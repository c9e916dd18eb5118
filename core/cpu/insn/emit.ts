/**
 * Helpers that instruction rows use to emit JavaScript. Generated code runs in the scope set up
 * by engine/translator.ts:
 *
 *   c  the Cpu (flags c.n c.z c.c c.v, memory c.ld8..c.st64, exceptions, sysregs)
 *   r  Int32Array of X0..X30 and SP as lo/hi pairs (see state.ts)
 *   vb vh vw vs vd  byte/u16/i32/f32/f64 views of V0..V31
 *   H  runtime helpers (runtime/*.ts), T  Int32Array scratch for helpers' 64-bit results
 *   tR pR tW pW  the current EL's read/write TLB tags and pages (memLoad/memStore use them)
 *
 * 64-bit values travel as two int32 expressions (lo, hi). Expressions passed in must be free of
 * side effects; helpers may evaluate them more than once.
 */

import { TLB_SIZE } from "../engine/tlb.ts";

const GETTERS = {
  1: "getUint8(_o)",
  2: "getUint16(_o,true)",
  4: "getInt32(_o,true)",
  8: "getInt32(_o,true)",
};
const SETTERS = { 1: "setUint8", 2: "setUint16", 4: "setInt32", 8: "setInt32" };

/**
 * Statements declaring `${o}` = a `size`-byte load at (l, h) (unsigned for 1 and 2 bytes,
 * int32 otherwise) and, for 8 bytes, `${o}H`. The TLB hit path is inline (a call per access
 * exhausted V8's inlining budget in memory-heavy blocks); misses, page crossings, devices,
 * watchpoints and faults go through `c.loadSlow`. (l, h) must be simple expressions.
 */
export function memLoad(o: string, size: 1 | 2 | 4 | 8, l: string, h: string): string {
  const hiDecl = size === 8 ? `,${o}H` : "";
  const hiFast = size === 8 ? `${o}H=_p.getInt32(_o+4,true);` : "";
  const hiSlow = size === 8 ? `${o}H=c.hi;` : "";
  return `let ${o}${hiDecl};{const _i=(${l}>>>12)&${TLB_SIZE - 1},_o=${l}&4095;` +
    `if(tR[_i]===(${h}>>>0)*1048576+(${l}>>>12)&&_o<=${4096 - size}){const _p=pR[_i];` +
    `${o}=_p.${GETTERS[size]};${hiFast}}else{${o}=c.loadSlow(${l},${h},${size},false);${hiSlow}}}`;
}

/**
 * Statement storing the low `size` bytes of (vl, vh) at (l, h), with the TLB hit path inline
 * (see memLoad); `vh` is used for 8 bytes only. Operands must be simple expressions.
 */
export function memStore(size: 1 | 2 | 4 | 8, l: string, h: string, vl: string, vh = "0"): string {
  const le = size === 1 ? "" : ",true";
  const hiFast = size === 8 ? `_p.setInt32(_o+4,${vh},true);` : "";
  return `{const _i=(${l}>>>12)&${TLB_SIZE - 1},_o=${l}&4095;` +
    `if(tW[_i]===(${h}>>>0)*1048576+(${l}>>>12)&&_o<=${4096 - size}){const _p=pW[_i];` +
    `_p.${SETTERS[size]}(_o,${vl}${le});${hiFast}}else c.storeSlow(${l},${h},${size},${vl},${
      size === 8 ? vh : "0"
    },false);}`;
}

/** Expression for the low 32 bits (int32) of X[n]; n = 31 reads as zero unless `sp`. */
export function xl(n: number, sp = false): string {
  return n === 31 && !sp ? "0" : `r[${2 * n}]`;
}

/** Expression for the high 32 bits (int32) of X[n]; n = 31 reads as zero unless `sp`. */
export function xh(n: number, sp = false): string {
  return n === 31 && !sp ? "0" : `r[${2 * n + 1}]`;
}

/** Statements writing X[d] = (lo, hi); both are evaluated before either half is written. */
export function setX(d: number, lo: string, hi: string, sp = false): string {
  if (d === 31 && !sp) return "";
  return `{const _l=${lo},_h=${hi};r[${2 * d}]=_l;r[${2 * d + 1}]=_h;}`;
}

/** Statements writing W[d] = lo and clearing the upper half. */
export function setW(d: number, lo: string, sp = false): string {
  if (d === 31 && !sp) return "";
  return `r[${2 * d}]=${lo};r[${2 * d + 1}]=0;`;
}

/** Statements setting NZCV from constants or expressions. */
export function setFlags(n: string, z: string, c: string, v: string): string {
  return `c.n=${n};c.z=${z};c.c=${c};c.v=${v};`;
}

/**
 * Declares `${o}` (int32) = a + b + cin for 32-bit operands; with `flags`, sets NZCV as ADDS.
 * For subtraction pass `~b` and cin "1". Operands must be simple (locals or r[i]).
 */
export function add32(o: string, a: string, b: string, cin: string, flags: boolean): string {
  let s = `const ${o}u=(${a}>>>0)+(${b}>>>0)+${cin};const ${o}=${o}u|0;`;
  if (flags) {
    s +=
      `c.n=${o}>>>31;c.z=${o}===0?1:0;c.c=${o}u>4294967295?1:0;c.v=((${a}^${o})&(${b}^${o}))>>>31;`;
  }
  return s;
}

/**
 * Declares `${o}L`, `${o}H` = a + b + cin over 64 bits; with `flags`, sets NZCV as ADDS.
 * Operand expressions must be simple (locals or r[i]); for subtraction pass `~bL`, `~bH`, "1".
 */
export function add64(
  o: string,
  aL: string,
  aH: string,
  bL: string,
  bH: string,
  cin: string,
  flags: boolean,
): string {
  let s = `const ${o}a=(${aL}>>>0)+(${bL}>>>0)+${cin};const ${o}L=${o}a|0;` +
    `const ${o}b=(${aH}>>>0)+(${bH}>>>0)+(${o}a>4294967295?1:0);const ${o}H=${o}b|0;`;
  if (flags) {
    s += `c.n=${o}H>>>31;c.z=(${o}L|${o}H)===0?1:0;c.c=${o}b>4294967295?1:0;` +
      `c.v=((${aH}^${o}H)&(${bH}^${o}H))>>>31;`;
  }
  return s;
}

/** Sets N and Z (C = V = 0) from a 32-bit int32 local, as the logical S-forms. */
export function nz32(o: string): string {
  return `c.n=${o}>>>31;c.z=${o}===0?1:0;c.c=0;c.v=0;`;
}

/** Sets N and Z (C = V = 0) from a 64-bit local pair, as the logical S-forms. */
export function nz64(lo: string, hi: string): string {
  return `c.n=${hi}>>>31;c.z=(${lo}|${hi})===0?1:0;c.c=0;c.v=0;`;
}

/**
 * Declares `${o}L`, `${o}H` = (lo, hi) shifted by the constant `amount` (0..63).
 * `type`: 0 LSL, 1 LSR, 2 ASR, 3 ROR.
 */
export function shift64(o: string, lo: string, hi: string, type: number, amount: number): string {
  const s = amount & 63;
  if (s === 0) return `const ${o}L=${lo},${o}H=${hi};`;
  switch (type) {
    case 0:
      return s < 32
        ? `const ${o}L=${lo}<<${s},${o}H=(${hi}<<${s})|(${lo}>>>${32 - s});`
        : `const ${o}L=0,${o}H=${lo}<<${s - 32};`;
    case 1:
      return s < 32
        ? `const ${o}L=(${lo}>>>${s})|(${hi}<<${32 - s}),${o}H=${hi}>>>${s};`
        : `const ${o}L=${hi}>>>${s - 32},${o}H=0;`;
    case 2:
      return s < 32
        ? `const ${o}L=(${lo}>>>${s})|(${hi}<<${32 - s}),${o}H=${hi}>>${s};`
        : `const ${o}L=${hi}>>${s - 32},${o}H=${hi}>>31;`;
    default:
      if (s === 32) return `const ${o}L=${hi},${o}H=${lo};`;
      return s < 32
        ? `const ${o}L=(${lo}>>>${s})|(${hi}<<${32 - s}),${o}H=(${hi}>>>${s})|(${lo}<<${32 - s});`
        : `const ${o}L=(${hi}>>>${s - 32})|(${lo}<<${64 - s}),${o}H=(${lo}>>>${s - 32})|(${hi}<<${
          64 - s
        });`;
  }
}

/** Expression: a 32-bit value shifted by the constant `amount` (0..31), type as shift64. */
export function shift32(v: string, type: number, amount: number): string {
  const s = amount & 31;
  if (s === 0) return `(${v}|0)`;
  switch (type) {
    case 0:
      return `(${v}<<${s})`;
    case 1:
      return `((${v}>>>${s})|0)`;
    case 2:
      return `(${v}>>${s})`;
    default:
      return `((${v}>>>${s})|(${v}<<${32 - s}))`;
  }
}

/** Hex text of an int32 pair as the literal JS expects (for constants in generated code). */
export function i32(v: number): string {
  return String(v | 0);
}

/** Splits a bigint into int32 halves [lo, hi]. */
export function split64(v: bigint): [number, number] {
  return [Number(v & 0xffffffffn) | 0, Number((v >> 32n) & 0xffffffffn) | 0];
}

/** Condition code `cond` (0..15) as a JS boolean expression over c.n c.z c.c c.v. */
export function condExpr(cond: number): string {
  let e: string;
  switch (cond >> 1) {
    case 0:
      e = "c.z===1";
      break;
    case 1:
      e = "c.c===1";
      break;
    case 2:
      e = "c.n===1";
      break;
    case 3:
      e = "c.v===1";
      break;
    case 4:
      e = "(c.c===1&&c.z===0)";
      break;
    case 5:
      e = "c.n===c.v";
      break;
    case 6:
      e = "(c.n===c.v&&c.z===0)";
      break;
    default:
      return "true";
  }
  return cond & 1 ? `!(${e})` : e;
}
