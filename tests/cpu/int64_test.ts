/** The int32-pair 64-bit helpers agree with BigInt arithmetic on random and edge operands. */
import assert from "node:assert/strict";
import { H, T } from "../../core/cpu/runtime/helpers.ts";

const M64 = 0xffffffffffffffffn;
let seed = 12345n;
const rnd = () => (seed = (seed * 6364136223846793005n + 1442695040888963407n) & M64);
const EDGES = [
  0n,
  1n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x100000000n,
  1n << 63n,
  M64,
  M64 - 1n,
];
const split = (v: bigint): [number, number] => [Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0];
const out = () => (BigInt(T[1] >>> 0) << 32n) | BigInt(T[0] >>> 0);
const s64 = (v: bigint) => BigInt.asIntN(64, v);

function operands(): [bigint, bigint][] {
  const pairs: [bigint, bigint][] = [];
  for (const a of EDGES) for (const b of EDGES) pairs.push([a, b]);
  for (let i = 0; i < 50_000; i++) {
    pairs.push([rnd(), i % 5 === 0 ? rnd() >> BigInt(i % 64) : rnd()]);
  }
  return pairs;
}

Deno.test("mul64, umulh, smulh, udiv64, sdiv64 match BigInt", () => {
  for (const [a, b] of operands()) {
    const [aL, aH] = split(a), [bL, bH] = split(b);
    H.mul64(aL, aH, bL, bH);
    assert.equal(out(), (a * b) & M64, `mul64 ${a} ${b}`);
    H.umulh(aL, aH, bL, bH);
    assert.equal(out(), (a * b) >> 64n, `umulh ${a} ${b}`);
    H.smulh(aL, aH, bL, bH);
    assert.equal(out(), BigInt.asUintN(64, (s64(a) * s64(b)) >> 64n), `smulh ${a} ${b}`);
    H.udiv64(aL, aH, bL, bH);
    assert.equal(out(), b === 0n ? 0n : a / b, `udiv64 ${a} ${b}`);
    H.sdiv64(aL, aH, bL, bH);
    assert.equal(out(), b === 0n ? 0n : BigInt.asUintN(64, s64(a) / s64(b)), `sdiv64 ${a} ${b}`);
  }
});
