/**
 * Emission helpers shared by the Advanced SIMD integer rows: lane reads and writes on the
 * vb/vh/vw views, whole-vector maps, saturation bookkeeping, and operand text for disassembly.
 *
 * Lanes of 8, 16 and 32 bits are read as exact JS numbers (signed or unsigned) and written
 * through the typed arrays, whose stores wrap modulo the lane size. 64-bit lanes are int32
 * lo/hi pairs. Every map computes all results into locals before the first store, so a
 * destination that is also a source is read intact.
 */

/** Unsigned value of lane `i` (es 8, 16 or 32) of V`reg`. */
export function ue(reg: number, es: number, i: number): string {
  if (es === 8) return `vb[${reg * 16 + i}]`;
  if (es === 16) return `vh[${reg * 8 + i}]`;
  return `(vw[${reg * 4 + i}]>>>0)`;
}

/** Signed value of lane `i` (es 8, 16 or 32) of V`reg`. */
export function se(reg: number, es: number, i: number): string {
  if (es === 8) return `(vb[${reg * 16 + i}]<<24>>24)`;
  if (es === 16) return `(vh[${reg * 8 + i}]<<16>>16)`;
  return `vw[${reg * 4 + i}]`;
}

/** Lane value, signed when `signed`. */
export function el(reg: number, es: number, i: number, signed: boolean | number): string {
  return signed ? se(reg, es, i) : ue(reg, es, i);
}

/** Low and high int32 halves of 64-bit lane `i` of V`reg`. */
export function l64(reg: number, i: number): [string, string] {
  return [`vw[${reg * 4 + 2 * i}]`, `vw[${reg * 4 + 2 * i + 1}]`];
}

/** Statement storing `v` (an exact integer, wrapped to the lane) into lane `i`. */
export function put(reg: number, es: number, i: number, v: string): string {
  if (es === 8) return `vb[${reg * 16 + i}]=${v};`;
  if (es === 16) return `vh[${reg * 8 + i}]=${v};`;
  if (es === 32) return `vw[${reg * 4 + i}]=${v};`;
  // A 64-bit lane from an exact double (|v| < 2^53): low word wraps, high word is the quotient.
  return `vw[${reg * 4 + 2 * i}]=${v};vw[${reg * 4 + 2 * i + 1}]=Math.floor(${v}/4294967296);`;
}

/** Statements zeroing bytes [from, 16) of V`reg` (from is 4, 8 or 16). */
export function zeroFrom(reg: number, from: number): string {
  let s = "";
  for (let w = from / 4; w < 4; w++) s += `vw[${reg * 4 + w}]=0;`;
  return s;
}

/**
 * Writes lanes 0..n-1 of V`d` from `lane(i)` (exact-number expressions), then zeroes the bytes
 * above `bytes` (8 for 64-bit vectors, es/8 for scalars, 16 for none).
 */
export function map(
  d: number,
  es: number,
  n: number,
  bytes: number,
  lane: (i: number) => string,
): string {
  let s = "";
  for (let i = 0; i < n; i++) s += `const t${i}=${lane(i)};`;
  for (let i = 0; i < n; i++) s += put(d, es, i, `t${i}`);
  return s + (bytes < 16 ? zeroFrom(d, Math.max(4, bytes)) + smallZero(d, es, bytes) : "");
}

/** For 8- and 16-bit scalars: zero the rest of the first word after the lane. */
function smallZero(d: number, es: number, bytes: number): string {
  if (bytes >= 4) return "";
  return es === 8 ? `vb[${d * 16 + 1}]=0;vh[${d * 8 + 1}]=0;` : `vh[${d * 8 + 1}]=0;`;
}

/**
 * Writes 64-bit lanes 0..n-1 of V`d`: `lane(i, o)` emits statements declaring `${o}L` and
 * `${o}H`. Zeroes the upper half when n is 1.
 */
export function map64(d: number, n: number, lane: (i: number, o: string) => string): string {
  let s = "";
  for (let i = 0; i < n; i++) s += lane(i, `t${i}`);
  for (let i = 0; i < n; i++) {
    s += `vw[${d * 4 + 2 * i}]=t${i}L;vw[${d * 4 + 2 * i + 1}]=t${i}H;`;
  }
  return n === 1 ? s + zeroFrom(d, 8) : s;
}

/** Wraps code that may call saturating helpers so that saturation sets FPSR.QC. */
export function withQc(code: string): string {
  return `T[7]=0;${code}if(T[7]!==0)c.fpsr|=134217728;`;
}

/** Arrangement suffix ("8b", "16b", ... "2d") for element size `es` and Q. */
export function arr(es: number, q: number): string {
  const n = (q ? 128 : 64) / es;
  return `${n}${"bhsd"[Math.log2(es) - 3]}`;
}

/** `v<n>.<arrangement>` operand text. */
export function vr(n: number, es: number, q: number): string {
  return `v${n}.${arr(es, q)}`;
}

/** Scalar register text (b/h/s/d/q by element size). */
export function sr(n: number, es: number): string {
  return `${"bhsdq"[Math.log2(es) - 3]}${n}`;
}

/** Element size name letter for `v1.s[2]`-style operands. */
export function ename(es: number): string {
  return "bhsd"[Math.log2(es) - 3];
}

/** Comparison kinds shared by the register and compare-with-zero forms. */
export type CmpKind = "eq" | "gt" | "ge" | "hi" | "hs" | "tst";

/** Boolean expression comparing 64-bit pairs a and b (int32 halves). */
export function cmp64(k: CmpKind, aL: string, aH: string, bL: string, bH: string): string {
  const ul = `(${aL}>>>0)`, vl = `(${bL}>>>0)`;
  switch (k) {
    case "eq":
      return `(${aL}===${bL}&&${aH}===${bH})`;
    case "tst":
      return `((${aL}&${bL})|(${aH}&${bH}))!==0`;
    case "gt":
      return `(${aH}>${bH}||(${aH}===${bH}&&${ul}>${vl}))`;
    case "ge":
      return `(${aH}>${bH}||(${aH}===${bH}&&${ul}>=${vl}))`;
    case "hi":
      return `((${aH}>>>0)>(${bH}>>>0)||(${aH}===${bH}&&${ul}>${vl}))`;
    default:
      return `((${aH}>>>0)>(${bH}>>>0)||(${aH}===${bH}&&${ul}>=${vl}))`;
  }
}

/** Boolean expression comparing exact numbers a and b. */
export function cmpNum(k: CmpKind, a: string, b: string): string {
  switch (k) {
    case "eq":
      return `${a}===${b}`;
    case "tst":
      return `(${a}&${b})!==0`;
    case "gt":
    case "hi":
      return `${a}>${b}`;
    default:
      return `${a}>=${b}`;
  }
}
