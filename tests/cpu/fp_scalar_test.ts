/**
 * Scalar FP rows against qemu-aarch64: random valid encodings of every FP_SCALAR row with operand
 * values biased to IEEE corner cases, under random FPCR (rounding modes, FZ, DN, AHP), FPSR and
 * NZCV. Compares X0-X30, NZCV, FPSR and Q0-Q31 after each instruction.
 * FP_ORACLE_SEED / FP_ORACLE_SCALE (environment) pick other seeds or more cases.
 */
import assert from "node:assert/strict";
import { FP_SCALAR } from "../../core/cpu/insn/fp_scalar.ts";
import { extractFields, parsePattern } from "../../core/cpu/decode/pattern.ts";
import { type FpCase, runFpOracle } from "./fp_oracle.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";
import { makeCase, randomWords, Rng } from "./fp_gen.ts";

const PER_ROW: Record<string, number> = {
  FP_2SRC: 900,
  FP_3SRC: 600,
  FP_1SRC: 300,
  FRINT: 700,
  FCMP: 400,
  FCCMP: 300,
  FCSEL: 150,
  FMOV_imm: 100,
  FCVT_prec: 600,
  FP_INT: 1500,
  FP_FIXED: 600,
};

const seed = Number(Deno.env.get("FP_ORACLE_SEED") ?? "12345");
const scale = Number(Deno.env.get("FP_ORACLE_SCALE") ?? "1");

Deno.test("scalar FP rows agree with qemu-aarch64 (results, NZCV, FPSR)", async () => {
  const rng = new Rng(seed);
  const cases: { row: InsnDef; c: FpCase }[] = [];
  for (const row of FP_SCALAR) {
    const n = Math.round((PER_ROW[row.name] ?? 200) * scale);
    for (const w of randomWords(row, n, rng)) cases.push({ row, c: makeCase(row, w, rng) });
  }
  const bad = await runFpOracle(cases.map((k) => k.c), `scalar_${seed}`);
  const counts = new Map<string, number>();
  for (const { row, c } of cases) {
    // Mnemonic and operand kinds, e.g. "fcvtzs w, d, #" or "fmov v.d[], x".
    const m = row.disasm(extractFields(parsePattern(row.pattern), c.word), 0n)
      .replace(/#[^,]*/g, "#").replace(/\d+/g, "").replace("\t", " ");
    counts.set(m, (counts.get(m) ?? 0) + 1);
  }
  if (Deno.env.get("FP_ORACLE_VERBOSE")) console.log(JSON.stringify(Object.fromEntries(counts)));
  const text = bad.slice(0, 12).map((m) =>
    `#${m.index} ${(m.word >>> 0).toString(16).padStart(8, "0")} ${
      cases[m.index].row.disasm(extractFields(parsePattern(cases[m.index].row.pattern), m.word), 0n)
    }: ${m.text}`
  );
  assert.equal(bad.length, 0, `seed ${seed}: ${bad.length} mismatches\n${text.join("\n")}`);
});
