/** The SIMD integer runtime's number paths against exact bigint arithmetic. */
import { equal } from "node:assert/strict";
import { T } from "../../core/cpu/runtime/scratch.ts";
import { v64shl, vsat, vshl, vsqdmulh32 } from "../../core/cpu/runtime/simd.ts";
import { Rng } from "./simd_int_oracle.ts";

const EDGE = [0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x40000000, -0x40000000, 0xffff, 0x10000];

function refDmulh(a: number, b: number, round: number): [number, number] {
  const p = (2n * BigInt(a) * BigInt(b) + (round ? 1n << 31n : 0n)) >> 32n;
  const max = (1n << 31n) - 1n;
  return p > max ? [Number(max), 1] : [Number(p), 0];
}

Deno.test("simd_int runtime: SQDMULH/SQRDMULH 32-bit without bigint", () => {
  const rng = new Rng(99);
  const vals = [...EDGE];
  for (let i = 0; i < 3000; i++) vals.push(rng.u32() | 0);
  for (let i = 0; i < vals.length; i++) {
    for (const b of [vals[(i * 7) % vals.length], ...EDGE]) {
      for (const r of [0, 1]) {
        T[7] = 0;
        const got = vsqdmulh32(vals[i], b, r);
        const [want, sat] = refDmulh(vals[i], b, r);
        equal(got, want, `sqdmulh ${vals[i]} * ${b} round ${r}`);
        equal(T[7], sat);
      }
    }
  }
});

Deno.test("simd_int runtime: vshl and vsat on exact lanes", () => {
  const rng = new Rng(5);
  for (let i = 0; i < 5000; i++) {
    const v = (rng.u32() | 0) >> rng.below(32);
    const sh = (rng.u32() << 24) >> 24;
    const round = rng.below(2);
    const big = BigInt(v);
    const want = sh >= 0
      ? big << BigInt(sh)
      : ((round ? big + (1n << BigInt(-sh - 1)) : big) >> BigInt(-sh));
    const got = vshl(v, sh, round);
    // Left shifts past 2^1023 cannot occur (|v| < 2^31, sh < 128); compare exactly.
    equal(BigInt(got), want, `vshl(${v}, ${sh}, ${round})`);
  }
  T[7] = 0;
  equal(vsat(128, 8, 1), 127);
  equal(T[7], 1);
  T[7] = 0;
  equal(vsat(-1, 16, 0), 0);
  equal(vsat(65535, 16, 0), 65535);
  equal(T[7], 1);
});

Deno.test("simd_int runtime: 64-bit lane shifts without saturation match bigint", () => {
  const rng = new Rng(17);
  for (let i = 0; i < 20000; i++) {
    const lo = rng.u32() | 0, hi = rng.below(4) ? rng.u32() | 0 : rng.below(2) ? -1 : 0;
    const sh = (rng.u32() << 24) >> 24;
    const mode = rng.below(4);
    const u = (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
    const v = mode & 1 ? BigInt.asIntN(64, u) : u;
    const want = BigInt.asUintN(
      64,
      sh >= 0 ? v << BigInt(sh) : ((mode & 2 ? v + (1n << BigInt(-sh - 1)) : v) >> BigInt(-sh)),
    );
    v64shl(lo, hi, sh, mode);
    const got = (BigInt(T[1] >>> 0) << 32n) | BigInt(T[0] >>> 0);
    equal(got, want, `v64shl(${lo}, ${hi}, ${sh}, ${mode})`);
  }
});
