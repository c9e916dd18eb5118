/** Disassembly of the Advanced SIMD FP rows against aarch64-linux-gnu-objdump, and table sanity. */
import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { SIMD_FP } from "../../core/cpu/insn/simd_fp.ts";
import { objdump, randomWords, Rng } from "./simd_fp_gen.ts";

Deno.test("simd_fp: rows do not overlap", () => {
  assert.deepEqual(new Decoder(SIMD_FP).overlaps(), []);
});

Deno.test("simd_fp: disassembly matches objdump", async () => {
  const ws = randomWords(new Rng(0x5eed), 12);
  const ref = await objdump(ws.map((w) => w.word), "disasm");
  assert.equal(ref.length, ws.length);
  const dec = new Decoder(SIMD_FP);
  const bad: string[] = [];
  ws.forEach((w, i) => {
    const d = dec.decode(w.word)!;
    const got = d.row.def.disasm(d.fields, 0n);
    if (got !== ref[i]) bad.push(`${w.row} ${w.word.toString(16)}: "${got}" != "${ref[i]}"`);
  });
  assert.deepEqual(bad, []);
});
