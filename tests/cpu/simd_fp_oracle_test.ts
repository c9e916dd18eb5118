/**
 * Advanced SIMD floating point against qemu-aarch64: random valid encodings of every SIMD_FP row,
 * with lanes biased towards ±0, denormals, infinities, NaNs with payloads, ties and integer
 * edges, under random FPCR (rounding mode, FZ, DN, AHP) and FPSR. Set SIMD_FP_CASES (per row)
 * and SIMD_FP_SEED for longer runs.
 */
import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import type { Fields } from "../../core/cpu/decode/pattern.ts";
import { SIMD_FP } from "../../core/cpu/insn/simd_fp.ts";
import { type LaneKind, randFpcr, randFpsr, randomWords, randReg, Rng } from "./simd_fp_gen.ts";
import { type OracleCase, runOracle } from "./simd_fp_oracle.ts";

const PER_ROW = Number(Deno.env.get("SIMD_FP_CASES") ?? "40");
const SEED = Number(Deno.env.get("SIMD_FP_SEED") ?? "20261121");
const BATCH = 10000;

/** The lane kind an operand of this row naturally holds. */
function laneKind(row: string, f: Fields): LaneKind {
  const wide = /_fixed_[vs]64$/.test(row) || (!/_fixed_/.test(row) && f.sz === 1);
  if (/^[SU]CVTF_/.test(row)) return wide ? "i64" : "i32";
  if (row === "URECPE_v" || row === "URSQRTE_v") return "i32";
  if (row === "FCVTL_v") return f.sz ? "f32" : "f16";
  return wide ? "f64" : "f32";
}

const KINDS: LaneKind[] = ["f16", "f32", "f64", "i32", "i64"];

Deno.test("simd_fp: random encodings and lane values match qemu-aarch64", async () => {
  const g = new Rng(SEED);
  const dec = new Decoder(SIMD_FP);
  const words = randomWords(g, PER_ROW);
  const cases: (OracleCase & { row: string })[] = words.map(({ row, word }) => {
    const f = dec.decode(word)!.fields;
    const regs = new Map<number, bigint>();
    const rm = f.M !== undefined ? (f.M << 4) | f.rm : f.rm;
    for (const r of [f.rd, f.rn, rm]) {
      if (r === undefined) continue;
      const k = g.below(8) === 0 ? g.pick(KINDS) : laneKind(row, f);
      regs.set(r, randReg(g, k));
    }
    return { row, word, regs, fpcr: randFpcr(g), fpsr: randFpsr(g) };
  });
  // Batches keep QEMU's log and the program's literal distances small.
  const perRow = new Map<string, number>();
  const bad: string[] = [];
  let compared = 0;
  for (let at = 0; at < cases.length; at += BATCH) {
    const batch = cases.slice(at, at + BATCH);
    const res = await runOracle(batch, "simd_fp_oracle");
    for (const c of batch.slice(0, res.compared)) perRow.set(c.row, (perRow.get(c.row) ?? 0) + 1);
    for (const m of res.mismatches) {
      bad.push(`${batch[m.index].row} ${m.word.toString(16)}: ${m.text}`);
    }
    compared += res.compared;
  }
  if (Deno.env.get("SIMD_FP_VERBOSE")) {
    console.log([...perRow].map(([r, n]) => `${r}=${n}`).join(" "));
  }
  assert.deepEqual(bad.slice(0, 20), []);
  assert.equal(compared, cases.length);
});
