/**
 * The fast paths of runtime/fp.ts (JS double arithmetic plus error-free transforms) agree bit for
 * bit, FPSR included, with the exact bigint reference of runtime/fp_soft.ts (itself checked
 * against qemu by fp_scalar_test.ts) on many random operands, biased to corner cases and ties.
 */
import assert from "node:assert/strict";
import * as F from "../../core/cpu/runtime/fp.ts";
import * as S from "../../core/cpu/runtime/fp_soft.ts";
import { T } from "../../core/cpu/runtime/scratch.ts";
import { fpValue, intValue, Rng } from "./fp_gen.ts";

const N = Number(Deno.env.get("FP_RUNTIME_N") ?? "20000");
const rng = new Rng(Number(Deno.env.get("FP_RUNTIME_SEED") ?? "99"));
type Env = { fpcr: number; fpsr: number };

/** Mostly the fast-path FPCR (nearest, no FZ), with DN/AHP that must not matter there. */
const fpcr = () => [0, 0, 0, S.FPCR_DN, S.FPCR_AHP][rng.below(5)];

const s32 = () => Number(fpValue(rng, 0)) | 0;
const d64 = () => fpValue(rng, 1);
const lo = (v: bigint) => Number(v & 0xffffffffn) | 0;
const hi = (v: bigint) => Number(v >> 32n) | 0;
const tBig = () => (BigInt(T[1] >>> 0) << 32n) | BigInt(T[0] >>> 0);

/** Runs fast and reference on the same inputs and FPCR; returns a mismatch text or "". */
function check(
  name: string,
  fast: (c: Env) => bigint,
  ref: (c: Env) => bigint,
  args: bigint[],
): string {
  const cr = fpcr();
  const a: Env = { fpcr: cr, fpsr: 0 }, b: Env = { fpcr: cr, fpsr: 0 };
  const x = fast(a), y = ref(b);
  if (x === y && a.fpsr === b.fpsr) return "";
  return `${name}(${args.map((v) => v.toString(16)).join(", ")}) fpcr=${cr.toString(16)}: fast ${
    x.toString(16)
  }/${a.fpsr.toString(16)} ref ${y.toString(16)}/${b.fpsr.toString(16)}`;
}

const u32 = (v: number) => BigInt(v >>> 0);

function run(name: string, one: () => string): void {
  Deno.test(`fp fast path: ${name}`, () => {
    const bad: string[] = [];
    for (let i = 0; i < N && bad.length < 10; i++) {
      const m = one();
      if (m) bad.push(m);
    }
    assert.deepEqual(bad, []);
  });
}

const OPS32: [
  string,
  (c: Env, a: number, b: number) => number,
  (c: Env, a: bigint, b: bigint) => bigint,
][] = [
  ["fadd32", F.fadd32, (c, a, b) => S.add(S.F32, a, b, c, false)],
  ["fsub32", F.fsub32, (c, a, b) => S.add(S.F32, a, b, c, true)],
  ["fmul32", F.fmul32, (c, a, b) => S.mul(S.F32, a, b, c)],
  ["fdiv32", F.fdiv32, (c, a, b) => S.div(S.F32, a, b, c)],
  ["fmax32", F.fmax32, (c, a, b) => S.maxMin(S.F32, a, b, c, true, false)],
  ["fminnm32", F.fminnm32, (c, a, b) => S.maxMin(S.F32, a, b, c, false, true)],
];
for (const [name, fast, ref] of OPS32) {
  run(name, () => {
    const a = s32(), b = s32();
    return check(name, (c) => u32(fast(c, a, b)), (c) => ref(c, u32(a), u32(b)), [u32(a), u32(b)]);
  });
}

const OPS64: [
  string,
  (c: Env, aL: number, aH: number, bL: number, bH: number) => void,
  (c: Env, a: bigint, b: bigint) => bigint,
][] = [
  ["fadd64", F.fadd64, (c, a, b) => S.add(S.F64, a, b, c, false)],
  ["fsub64", F.fsub64, (c, a, b) => S.add(S.F64, a, b, c, true)],
  ["fmul64", F.fmul64, (c, a, b) => S.mul(S.F64, a, b, c)],
  ["fdiv64", F.fdiv64, (c, a, b) => S.div(S.F64, a, b, c)],
  ["fmin64", F.fmin64, (c, a, b) => S.maxMin(S.F64, a, b, c, false, false)],
  ["fmaxnm64", F.fmaxnm64, (c, a, b) => S.maxMin(S.F64, a, b, c, true, true)],
];
for (const [name, fast, ref] of OPS64) {
  run(name, () => {
    const a = d64(), b = d64();
    return check(
      name,
      (c) => {
        fast(c, lo(a), hi(a), lo(b), hi(b));
        return tBig();
      },
      (c) => ref(c, a, b),
      [a, b],
    );
  });
}

run("fsqrt32", () => {
  const a = s32() & 0x7fffffff;
  return check("fsqrt32", (c) => u32(F.fsqrt32(c, a)), (c) => S.sqrt(S.F32, u32(a), c), [u32(a)]);
});

run("fsqrt64", () => {
  const a = d64() & ((1n << 63n) - 1n);
  return check(
    "fsqrt64",
    (c) => {
      F.fsqrt64(c, lo(a), hi(a));
      return tBig();
    },
    (c) => S.sqrt(S.F64, a, c),
    [a],
  );
});

run("fmla32", () => {
  const a = s32(), n = s32(), m = s32();
  return check(
    "fmla32",
    (c) => u32(F.fmla32(c, a, n, m)),
    (c) => S.mulAdd(S.F32, u32(a), u32(n), u32(m), c),
    [u32(a), u32(n), u32(m)],
  );
});

run("fmla64", () => {
  const a = d64(), n = d64(), m = d64();
  return check(
    "fmla64",
    (c) => {
      F.fmla64(c, lo(a), hi(a), lo(n), hi(n), lo(m), hi(m));
      return tBig();
    },
    (c) => S.mulAdd(S.F64, a, n, m, c),
    [a, n, m],
  );
});

run("fcmp32/64", () => {
  const a = s32(), b = s32(), x = d64(), y = d64(), e = rng.below(2);
  return check(
    "fcmp",
    (c) => BigInt(F.fcmp32(c, a, b, e) * 16 + F.fcmp64(c, lo(x), hi(x), lo(y), hi(y), e)),
    (c) =>
      BigInt(
        S.compare(S.F32, u32(a), u32(b), c, e === 1) * 16 +
          S.compare(S.F64, x, y, c, e === 1),
      ),
    [u32(a), u32(b), x, y],
  );
});

run("frint32/64", () => {
  const a = s32(), x = d64(), rm = rng.below(5), ex = rng.below(2);
  return check(
    "frint",
    (c) => {
      const r = F.frint32(c, a, rm, ex);
      F.frint64(c, lo(x), hi(x), rm, ex);
      return (u32(r) << 64n) | tBig();
    },
    (c) =>
      (S.roundInt(S.F32, u32(a), c, rm, ex === 1) << 64n) | S.roundInt(S.F64, x, c, rm, ex === 1),
    [
      u32(a),
      x,
      BigInt(rm),
    ],
  );
});

run("fcvt s<->d", () => {
  const a = s32(), x = d64();
  return check("fcvt", (c) => {
    const r = F.f64to32(c, lo(x), hi(x));
    F.f32to64(c, a);
    return (u32(r) << 64n) | tBig();
  }, (c) => {
    const r = S.convert(S.F64, S.F32, x, c, 0);
    return (r << 64n) | S.convert(S.F32, S.F64, u32(a), c, 0);
  }, [u32(a), x]);
});

run("float to int", () => {
  const a = s32(), x = d64(), rm = rng.below(5), u = rng.below(2);
  const fb = rng.below(3) === 0 ? rng.below(65) : 0, fb32 = Math.min(fb, 32);
  return check("toInt", (c) => {
    const r1 = F.f32toI32(c, a, rm, fb32, u), r2 = F.f64toI32(c, lo(x), hi(x), rm, fb32, u);
    F.f32toI64(c, a, rm, fb, u);
    const r3 = tBig();
    F.f64toI64(c, lo(x), hi(x), rm, fb, u);
    return (u32(r1) << 192n) | (u32(r2) << 128n) | (r3 << 64n) | tBig();
  }, (c) => {
    const r1 = S.toFixed(S.F32, u32(a), c, fb32, u === 1, 32, rm);
    const r2 = S.toFixed(S.F64, x, c, fb32, u === 1, 32, rm);
    const r3 = S.toFixed(S.F32, u32(a), c, fb, u === 1, 64, rm);
    return (r1 << 192n) | (r2 << 128n) | (r3 << 64n) | S.toFixed(S.F64, x, c, fb, u === 1, 64, rm);
  }, [u32(a), x, BigInt(rm), BigInt(u), BigInt(fb)]);
});

run("int to float", () => {
  const v = intValue(rng), u = rng.below(2), fb = rng.below(3) === 0 ? rng.below(65) : 0;
  const fb32 = Math.min(fb, 32);
  const s64 = u ? v : BigInt.asIntN(64, v), s32v = u ? v & 0xffffffffn : BigInt.asIntN(32, v);
  return check("fromInt", (c) => {
    const r1 = F.i32toF32(c, lo(v), u, fb32), r2 = F.i64toF32(c, lo(v), hi(v), u, fb);
    F.i32toF64(c, lo(v), u, fb32);
    const r3 = tBig();
    F.i64toF64(c, lo(v), hi(v), u, fb);
    return (u32(r1) << 192n) | (u32(r2) << 128n) | (r3 << 64n) | tBig();
  }, (c) => {
    const r1 = S.fromFixed(S.F32, s32v, fb32, c, 0), r2 = S.fromFixed(S.F32, s64, fb, c, 0);
    const r3 = S.fromFixed(S.F64, s32v, fb32, c, 0);
    return (r1 << 192n) | (r2 << 128n) | (r3 << 64n) | S.fromFixed(S.F64, s64, fb, c, 0);
  }, [v, BigInt(u), BigInt(fb)]);
});

/** An ordinary double: exponent within 2^±100, a full or short random significand. */
function ordinary64(): bigint {
  const nb = [52, 52, 30, 8][rng.below(4)];
  const frac = (rng.bits(nb) << BigInt(52 - nb)) & ((1n << 52n) - 1n);
  return (BigInt(rng.below(2)) << 63n) | (BigInt(1023 + rng.below(200) - 100) << 52n) | frac;
}

run("fmla64 ordinary operands (round-to-odd emulation)", () => {
  const a = ordinary64(), n = ordinary64(), m = ordinary64();
  return check(
    "fmla64",
    (c) => {
      F.fmla64(c, lo(a), hi(a), lo(n), hi(n), lo(m), hi(m));
      return tBig();
    },
    (c) => S.mulAdd(S.F64, a, n, m, c),
    [a, n, m],
  );
});
