/** The SIMD integer runtime's number paths against exact bigint arithmetic. */
import { equal } from "node:assert/strict";
import { T } from "../../core/cpu/runtime/scratch.ts";
import {
  v64neg,
  v64qadd,
  v64qdmlal,
  v64shl,
  vsat,
  vshl,
  vsqdmulh32,
} from "../../core/cpu/runtime/simd.ts";
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

const U64 = (1n << 64n) - 1n;

function clamp(v: bigint, signed: boolean): [bigint, number] {
  const max = signed ? (1n << 63n) - 1n : U64, min = signed ? -(1n << 63n) : 0n;
  return v > max ? [max, 1] : v < min ? [min, 1] : [v, 0];
}

function pair(rng: Rng): [number, number] {
  const pick = [0, -1, 0x7fffffff, -0x80000000, 1];
  const w = () => rng.below(3) ? rng.u32() | 0 : pick[rng.below(pick.length)];
  return [w(), w()];
}

const asU = (lo: number, hi: number) => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

function gotT(): bigint {
  return asU(T[0], T[1]);
}

Deno.test("simd_int runtime: 64-bit saturating add/sub/neg/doubling multiply match bigint", () => {
  const rng = new Rng(23);
  for (let i = 0; i < 20000; i++) {
    const [aL, aH] = pair(rng), [bL, bH] = pair(rng);
    const ua = asU(aL, aH), ub = asU(bL, bH);
    const sa = BigInt.asIntN(64, ua), sb = BigInt.asIntN(64, ub);
    const op = rng.below(6);
    const [a, b, signed] = [
      [sa, sb, true],
      [ua, ub, false],
      [sa, -sb, true],
      [ua, -ub, false],
      [sa, ub, true],
      [ua, sb, false],
    ][op] as [bigint, bigint, boolean];
    const [want, sat] = clamp(a + b, signed);
    T[7] = 0;
    v64qadd(aL, aH, bL, bH, op);
    equal(gotT(), BigInt.asUintN(64, want), `v64qadd op ${op}: ${ua} ${ub}`);
    equal(T[7], sat, `v64qadd op ${op} QC: ${ua} ${ub}`);

    const nop = 2 + rng.below(2);
    const [nw, ns] = clamp(nop === 2 && sa >= 0n ? sa : -sa, true);
    T[7] = 0;
    v64neg(aL, aH, nop);
    equal(gotT(), BigInt.asUintN(64, nw), `v64neg ${nop} ${sa}`);
    equal(T[7], ns);

    const sign = rng.below(3) - 1;
    const [p, ps] = clamp(2n * BigInt(bL) * BigInt(bH), true);
    const [qw, qs] = sign === 0 ? [p, ps] : clamp(sa + BigInt(sign) * p, true);
    T[7] = 0;
    v64qdmlal(bL, bH, aL, aH, sign);
    equal(gotT(), BigInt.asUintN(64, qw), `v64qdmlal ${bL} ${bH} ${sa} ${sign}`);
    equal(T[7], ps | qs);
  }
});

Deno.test("simd_int runtime: 64-bit saturating shifts match bigint", () => {
  const rng = new Rng(31);
  for (let i = 0; i < 20000; i++) {
    const [lo, hi] = pair(rng);
    const mode = [4, 5, 6, 7, 13][rng.below(5)];
    const sh = mode === 13 ? rng.below(64) : ((rng.u32() << 24) >> 24) >> rng.below(3);
    const u = asU(lo, hi);
    const v = mode & 1 ? BigInt.asIntN(64, u) : u;
    const r = sh >= 0
      ? v << BigInt(sh)
      : ((mode & 2 ? v + (1n << BigInt(-sh - 1)) : v) >> BigInt(-sh));
    const [want, sat] = clamp(r, (mode & 9) === 1);
    T[7] = 0;
    v64shl(lo, hi, sh, mode);
    equal(gotT(), BigInt.asUintN(64, want), `v64shl(${u}, ${sh}, ${mode})`);
    equal(T[7], sat, `v64shl QC (${u}, ${sh}, ${mode})`);
  }
});
