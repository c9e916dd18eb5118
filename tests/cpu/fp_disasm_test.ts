/** Disassembly of the scalar FP rows matches `aarch64-linux-gnu-objdump -d` on random encodings. */
import assert from "node:assert/strict";
import { FP_SCALAR } from "../../core/cpu/insn/fp_scalar.ts";
import { extractFields, parsePattern } from "../../core/cpu/decode/pattern.ts";
import { randomWords, Rng } from "./fp_gen.ts";

/** objdump's text for each word (raw binary, so no symbols interfere). */
async function objdump(words: number[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_fpdis_" });
  const bytes = new Uint8Array(new Uint32Array(words).buffer);
  await Deno.writeFile(`${dir}/code.bin`, bytes);
  const out = await new Deno.Command("aarch64-linux-gnu-objdump", {
    args: ["-D", "-b", "binary", "-m", "aarch64", `${dir}/code.bin`],
    stdout: "piped",
  }).output();
  await Deno.remove(dir, { recursive: true });
  const text = new TextDecoder().decode(out.stdout);
  const lines = [...text.matchAll(/^\s*[0-9a-f]+:\t[0-9a-f]{8} \t(.*)$/gm)].map((m) =>
    m[1].replace(/\s*\/\/.*$/, "").trimEnd()
  );
  assert.equal(lines.length, words.length, "objdump output has one line per word");
  return lines;
}

Deno.test("scalar FP disassembly matches objdump", async () => {
  const rng = new Rng(777);
  const items: { word: number; text: string }[] = [];
  for (const row of FP_SCALAR) {
    const p = parsePattern(row.pattern);
    for (const w of randomWords(row, 300, rng)) {
      items.push({ word: w, text: row.disasm(extractFields(p, w), 0n) });
    }
  }
  const want = await objdump(items.map((i) => i.word));
  const bad = items.map((it, k) => ({ ...it, want: want[k] })).filter((x) => x.text !== x.want);
  assert.equal(
    bad.length,
    0,
    bad.slice(0, 15).map((b) => `${b.word.toString(16)}: ours "${b.text}" objdump "${b.want}"`)
      .join("\n"),
  );
});
