/**
 * Random inputs for the Advanced SIMD FP tests (a seeded PRNG, lane values biased towards the
 * interesting IEEE cases, FPCR/FPSR values) and objdump as the disassembly oracle.
 */
import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import { SIMD_FP } from "../../core/cpu/insn/simd_fp.ts";

async function exec(cmd: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr)}`);
  }
  return new TextDecoder().decode(out.stdout);
}

/** Deterministic PRNG (xorshift32) so a failing seed reproduces. */
export class Rng {
  #s: number;
  constructor(seed: number) {
    this.#s = seed >>> 0 || 1;
  }
  /** Uniform 32-bit unsigned. */
  u32(): number {
    let s = this.#s;
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    this.#s = s >>> 0;
    return this.#s;
  }
  /** Uniform integer in [0, n). */
  below(n: number): number {
    return this.u32() % n;
  }
  /** One element of `xs`. */
  pick<T>(xs: readonly T[]): T {
    return xs[this.below(xs.length)];
  }
}

const F32_SPECIAL = [
  0x00000000,
  0x80000000,
  0x00000001,
  0x807fffff,
  0x00400000,
  0x00800000,
  0x80800000,
  0x3f800000,
  0xbf800000,
  0x3fc00000,
  0x40000000,
  0x3f000000,
  0xbf000000,
  0x40200000,
  0x40400000,
  0x7f7fffff,
  0xff7fffff,
  0x7f800000,
  0xff800000,
  0x7fc00000,
  0xffc00001,
  0x7fa00001,
  0xff800123,
  0x4f000000,
  0xcf000000,
  0x4f800000,
  0x5f000000,
  0xdf000000,
  0x5f800000,
  0x4b000001,
  0x4b400000,
  0x3effffff,
  0x33800000,
  0x7e800000,
  0x00c00000,
];

const F64_SPECIAL = [
  0x0000000000000000n,
  0x8000000000000000n,
  0x0000000000000001n,
  0x800fffffffffffffn,
  0x0010000000000000n,
  0x8010000000000000n,
  0x3ff0000000000000n,
  0xbff0000000000000n,
  0x3ff8000000000000n,
  0x4000000000000000n,
  0x3fe0000000000000n,
  0xc004000000000000n,
  0x7fefffffffffffffn,
  0x7ff0000000000000n,
  0xfff0000000000000n,
  0x7ff8000000000000n,
  0xfff8000000000001n,
  0x7ff4000000000001n,
  0xfff0000000000123n,
  0x41e0000000000000n,
  0xc1e0000000000000n,
  0x41f0000000000000n,
  0x43e0000000000000n,
  0xc3e0000000000000n,
  0x43f0000000000000n,
  0x4330000000000001n,
  0x3810000000000000n,
  0x36a0000000000000n,
  0x47efffffe0000000n,
  0x47efffff00000000n,
  0x380fffffe0000000n,
  0x3690000000000000n,
  0x4338000000000000n,
];

const INT_SPECIAL = [
  0n,
  1n,
  2n,
  3n,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  0x1000001n,
  0x40000000n,
];

/** A random 32-bit float pattern biased towards special values. */
export function randF32(g: Rng): number {
  switch (g.below(5)) {
    case 0:
      return g.u32();
    case 1: { // a small-exponent-range value so operands interact (ties, cancellations)
      const e = 120 + g.below(16);
      return ((g.below(2) << 31) | (e << 23) | (g.u32() & 0x7fffff & -(1 << g.below(24)))) >>> 0;
    }
    case 2: { // short mantissa near underflow or overflow: exact and inexact tiny/huge results
      const e = g.below(2) ? g.below(40) : 215 + g.below(40);
      return ((g.below(2) << 31) | (e << 23) | (g.u32() & 0x7fffff & -(1 << g.below(24)))) >>> 0;
    }
    default:
      return g.pick(F32_SPECIAL) ^ (g.below(8) === 0 ? 0x80000000 : 0);
  }
}

/** A random 64-bit float pattern biased towards special values. */
export function randF64(g: Rng): bigint {
  switch (g.below(5)) {
    case 0:
      return (BigInt(g.u32()) << 32n) | BigInt(g.u32());
    case 1:
    case 2: {
      const e = BigInt(
        g.below(2) ? 1016 + g.below(16) : g.below(2) ? g.below(60) : 1987 + g.below(60),
      );
      const m = ((BigInt(g.u32() & 0xfffff) << 32n) | BigInt(g.u32())) &
        ~((1n << BigInt(g.below(53))) - 1n);
      return (BigInt(g.below(2)) << 63n) | (e << 52n) | m;
    }
    default:
      return g.pick(F64_SPECIAL) ^ (g.below(8) === 0 ? 1n << 63n : 0n);
  }
}

/** A random 16-bit half-precision pattern biased towards special values. */
export function randF16(g: Rng): number {
  const sp = [0, 0x8000, 1, 0x3ff, 0x400, 0x3c00, 0x7bff, 0x7c00, 0xfc00, 0x7e00, 0x7d01, 0xfe55];
  return g.below(2) ? g.u32() & 0xffff : g.pick(sp);
}

/** A random integer lane of `bits` bits biased towards edges. */
export function randInt(g: Rng, bits: 32 | 64): bigint {
  const mask = (1n << BigInt(bits)) - 1n;
  switch (g.below(4)) {
    case 0:
      return ((BigInt(g.u32()) << 32n) | BigInt(g.u32())) & mask;
    case 1:
      return (BigInt(g.u32()) >> BigInt(g.below(32))) & mask;
    case 2:
      return (-(BigInt(g.u32()) >> BigInt(g.below(32)))) & mask;
    default: {
      const v = g.pick(INT_SPECIAL) << BigInt(g.below(2) ? 0 : bits === 64 ? g.below(33) : 0);
      return (g.below(2) ? v : -v) & mask;
    }
  }
}

/** Lane kinds a register value can be filled with. */
export type LaneKind = "f16" | "f32" | "f64" | "i32" | "i64";

/** A random 128-bit register filled with lanes of `kind`. */
export function randReg(g: Rng, kind: LaneKind): bigint {
  let v = 0n;
  for (let i = 0; i < 128;) {
    switch (kind) {
      case "f16":
        v |= BigInt(randF16(g)) << BigInt(i);
        i += 16;
        break;
      case "f32":
        v |= BigInt(randF32(g)) << BigInt(i);
        i += 32;
        break;
      case "i32":
        v |= randInt(g, 32) << BigInt(i);
        i += 32;
        break;
      case "f64":
        v |= randF64(g) << BigInt(i);
        i += 64;
        break;
      default:
        v |= randInt(g, 64) << BigInt(i);
        i += 64;
    }
  }
  return v;
}

/** A random FPCR: rounding mode, FZ, DN and AHP. */
export function randFpcr(g: Rng): number {
  // Half the time RMode = nearest and FZ = 0 (only DN/AHP vary): the runtime's fast paths.
  return g.below(2) ? (g.below(4) << 25) >>> 0 : (g.below(32) << 22) >>> 0;
}

/** A random initial FPSR: mostly clear so that new flags show, sometimes sticky bits set. */
export function randFpsr(g: Rng): number {
  return g.below(4) === 0 ? (g.u32() & 0x0800009f) >>> 0 : 0;
}

/** objdump's text for each word (tab-separated mnemonic and operands), in order. */
export async function objdump(words: number[], tag: string): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_simd_fp_dis_" });
  const base = `${dir}/${tag}`;
  await Deno.writeTextFile(
    `${base}.s`,
    ".text\n" + words.map((w) => `.inst 0x${(w >>> 0).toString(16)}\n`).join(""),
  );
  await exec("aarch64-linux-gnu-as", [`${base}.s`, "-o", `${base}.o`]);
  const text = await exec("aarch64-linux-gnu-objdump", ["-d", `${base}.o`]);
  const out: string[] = [];
  for (const line of text.split("\n")) {
    const m = /^\s*[0-9a-f]+:\t[0-9a-f]{8} \t(.*)$/.exec(line);
    if (m) out.push(m[1].replace(/\s+\/\/.*$/, "").trimEnd());
  }
  return out;
}

/** `perRow` random words per row that decode to that row. */
export function randomWords(g: Rng, perRow: number): { row: string; word: number }[] {
  const dec = new Decoder(SIMD_FP);
  const out: { row: string; word: number }[] = [];
  for (const def of SIMD_FP) {
    const p = parsePattern(def.pattern);
    let found = 0;
    for (let tries = 0; found < perRow && tries < perRow * 50; tries++) {
      const w = ((g.u32() & ~p.mask) | p.value) >>> 0;
      if (dec.decode(w)?.row.def === def) {
        out.push({ row: def.name, word: w });
        found++;
      }
    }
    assert.ok(found > 0, `no valid encoding found for ${def.name}`);
  }
  return out;
}
