/**
 * Random initial states for differential tests, biased toward the values where implementations
 * differ: zero, all ones, sign and carry boundaries, and IEEE specials (NaNs, infinities,
 * denormals, exact integers at conversion limits) in every lane width.
 */
import type { Prng } from "./prng.ts";
import { IN } from "./test_record.ts";

// 64-bit boundary values as [lo, hi] u32 pairs.
const INT64_SPECIALS: readonly [number, number][] = [
  [0, 0],
  [0xffffffff, 0xffffffff],
  [1, 0],
  [0x7fffffff, 0],
  [0x80000000, 0],
  [0xffffffff, 0],
  [0, 1],
  [0xffffffff, 0x7fffffff],
  [0, 0x80000000],
  [0x80000000, 0xffffffff],
];

// IEEE double specials (hi, lo): ±0, ±inf, qNaN, sNaN, denormals, min/max normal, 1, 2^31, 2^32,
// 2^63, 2^64, 0.5, -1.5.
const F64_SPECIALS: readonly [number, number][] = [
  [0, 0],
  [0x80000000, 0],
  [0x7ff00000, 0],
  [0xfff00000, 0],
  [0x7ff80000, 0],
  [0x7ff40000, 1],
  [0xfff80000, 0x1234],
  [0, 1],
  [0x000fffff, 0xffffffff],
  [0x00100000, 0],
  [0x7fefffff, 0xffffffff],
  [0x3ff00000, 0],
  [0x41e00000, 0],
  [0x41f00000, 0],
  [0x43e00000, 0],
  [0x43f00000, 0],
  [0x3fe00000, 0],
  [0xbff80000, 0],
];

// IEEE single specials, same kinds.
const F32_SPECIALS: readonly number[] = [
  0,
  0x80000000,
  0x7f800000,
  0xff800000,
  0x7fc00000,
  0x7fa00001,
  0xffc01234,
  1,
  0x007fffff,
  0x00800000,
  0x7f7fffff,
  0x3f800000,
  0x4f000000,
  0x4f800000,
  0x5f000000,
  0x3f000000,
  0xbfc00000,
];

// IEEE half specials, paired into 32-bit words by the caller.
const F16_SPECIALS: readonly number[] = [
  0,
  0x8000,
  0x7c00,
  0xfc00,
  0x7e00,
  0x7d01,
  1,
  0x03ff,
  0x0400,
  0x7bff,
  0x3c00,
  0x3800,
  0xbe00,
];

/** Writes a random biased 64-bit integer into `w[i]`, `w[i+1]` (lo, hi). */
export function randomInt64(r: Prng, w: Uint32Array, i: number): void {
  const k = r.below(16);
  if (k < 5) {
    const [lo, hi] = r.pick(INT64_SPECIALS);
    w[i] = lo;
    w[i + 1] = hi;
  } else if (k < 7) {
    const small = r.range(-40, 40);
    w[i] = small;
    w[i + 1] = small < 0 ? 0xffffffff : 0;
  } else if (k < 8) {
    w[i] = r.u32();
    w[i + 1] = r.below(2) ? 0 : 0xffffffff;
  } else {
    w[i] = r.u32();
    w[i + 1] = r.u32();
  }
}

/** Writes 64 random bits shaped as one double, two singles, four halves or raw bits. */
function randomFp64(r: Prng, w: Uint32Array, i: number): void {
  switch (r.below(5)) {
    case 0: {
      const [hi, lo] = r.pick(F64_SPECIALS);
      w[i] = lo;
      w[i + 1] = hi;
      break;
    }
    case 1: {
      // A normal double with a moderate exponent, so arithmetic stays in range most of the time.
      w[i] = r.u32();
      w[i + 1] = ((r.below(2) << 31) | ((0x3c0 + r.below(0x80)) << 20) | r.below(1 << 20)) >>> 0;
      break;
    }
    case 2:
      for (const j of [i, i + 1]) {
        w[j] = r.below(2)
          ? r.pick(F32_SPECIALS)
          : ((r.below(2) << 31) | ((0x70 + r.below(0x20)) << 23) | r.below(1 << 23)) >>> 0;
      }
      break;
    case 3:
      for (const j of [i, i + 1]) {
        w[j] = (r.pick(F16_SPECIALS) | (r.pick(F16_SPECIALS) << 16)) >>> 0;
      }
      break;
    default:
      randomInt64(r, w, i);
  }
}

/**
 * Fills the input record at word index `base` of `w` with a random state: X0-X30, SP, NZCV, FPCR
 * (random rounding mode, FZ, DN, AHP), FPSR (random cumulative flags) and V0-V31. The PC is left
 * for the caller.
 */
export function randomState(r: Prng, w: Uint32Array, base: number): void {
  for (let i = 0; i < 32; i++) randomInt64(r, w, base + IN.x / 4 + 2 * i); // X0-X30 and SP
  w[base + IN.pstate / 4] = (r.below(16) << 28) >>> 0;
  w[base + IN.pstate / 4 + 1] = 0;
  w[base + IN.fpcr / 4] = r.below(2)
    ? 0
    : ((r.below(4) << 22) | (r.below(4) === 0 ? 1 << 24 : 0) | (r.below(2) << 25) |
      (r.below(4) === 0 ? 1 << 26 : 0)) >>> 0;
  w[base + IN.fpsr / 4] = r.below(2) ? 0 : (r.u32() & 0x0800009f) >>> 0;
  for (let i = 0; i < 64; i++) randomFp64(r, w, base + IN.v / 4 + 2 * i);
}
