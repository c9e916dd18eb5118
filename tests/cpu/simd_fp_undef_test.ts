/**
 * UNDEFINED boundaries of the Advanced SIMD FP rows against qemu-aarch64 -cpu cortex-a57 (ARMv8.0,
 * no FP16): words inside our patterns that valid() rejects, the FP16 twins of our encodings and
 * random words of the AdvSIMD FP encoding spaces must raise SIGILL there exactly when hvlab's
 * whole table has no row for them.
 */
import assert from "node:assert/strict";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import { SIMD_FP } from "../../core/cpu/insn/simd_fp.ts";
import { Rng } from "./simd_fp_gen.ts";

const MARKER = 0xdeadbeef;

/** A static program whose first instruction is MARKER, then exit(0). */
async function template(dir: string): Promise<[Uint8Array, number]> {
  const src = `.global _start\n_start:\n .inst 0x${
    MARKER.toString(16)
  }\n mov x0, #0\n mov x8, #93\n svc #0\n`;
  await Deno.writeTextFile(`${dir}/t.s`, src);
  for (
    const [cmd, args] of [
      ["aarch64-linux-gnu-as", [`${dir}/t.s`, "-o", `${dir}/t.o`]],
      ["aarch64-linux-gnu-ld", ["-static", `${dir}/t.o`, "-o", `${dir}/t`]],
    ] as const
  ) {
    const r = await new Deno.Command(cmd, { args: [...args] }).output();
    assert.ok(r.success, `${cmd} failed`);
  }
  const elf = await Deno.readFile(`${dir}/t`);
  const dv = new DataView(elf.buffer);
  for (let i = 0; i + 4 <= elf.length; i += 4) {
    if (dv.getUint32(i, true) === MARKER) return [elf, i];
  }
  throw new Error("marker not found in the template ELF");
}

/** True when qemu executes `word` without SIGILL. */
async function qemuDefined(dir: string, elf: Uint8Array, off: number, word: number, k: number) {
  const copy = elf.slice();
  new DataView(copy.buffer).setUint32(off, word >>> 0, true);
  const path = `${dir}/w${k}`;
  await Deno.writeFile(path, copy, { mode: 0o755 });
  const r = await new Deno.Command("qemu-aarch64", {
    args: ["-cpu", "cortex-a57", path],
    stdout: "null",
    stderr: "null",
  }).output();
  return r.success;
}

/**
 * Encoding spaces holding the AdvSIMD FP groups (three-same, two-reg misc with the FP opcodes,
 * across lanes/pairwise, by element, shift by immediate with the conversion opcodes; vector and
 * scalar), as patterns with don't-care bits. Probing them also finds rows missing from the table.
 */
const SPACES = [
  "0 x x 01110 x x 1 xxxxx 11 xxx 1 xxxxx xxxxx",
  "01 x 11110 x x 1 xxxxx 11 xxx 1 xxxxx xxxxx",
  "0 x x 01110 x x 10000 1 xxxx 10 xxxxx xxxxx",
  "0 x x 01110 x x 10000 011 xx 10 xxxxx xxxxx",
  "01 x 11110 x x 10000 1 xxxx 10 xxxxx xxxxx",
  "01 x 11110 x x 10000 011 xx 10 xxxxx xxxxx",
  "0 x x 01110 x x 11000 xxxxx 10 xxxxx xxxxx",
  "01 x 11110 x x 11000 xxxxx 10 xxxxx xxxxx",
  "0 x x 01111 x x x x xxxx xxxx x 0 xxxxx xxxxx",
  "01 x 11111 x x x x xxxx xxxx x 0 xxxxx xxxxx",
  "0 x x 011110 xxxx xxx 111 xx 1 xxxxx xxxxx",
  "01 x 111110 xxxx xxx 111 xx 1 xxxxx xxxxx",
];

/** Words to probe: rejected words of every row, FP16 forms of our operations, the FP spaces. */
function candidates(g: Rng): number[] {
  const dec = new Decoder(SIMD_FP);
  const out: number[] = [];
  const rnd = (fixedMask: number, value: number) => ((g.u32() & ~fixedMask) | value) >>> 0;
  for (const def of SIMD_FP) {
    const p = parsePattern(def.pattern);
    let found = 0;
    for (let t = 0; t < 400 && found < 2; t++) {
      const w = rnd(p.mask, p.value);
      if (!dec.decode(w)) {
        out.push(w);
        found++;
      }
    }
  }
  for (let i = 0; i < 15; i++) {
    out.push(rnd(0x9fe0c400, 0x0e400400)); // three-same FP16: 0 q u 01110 a 10 rm 00 opc 1
    out.push(rnd(0x9f7e0c00, 0x0e780800)); // two-reg misc FP16: 0 q u 01110 a 1111 00 opc 10
    out.push(rnd(0xdf7e0c00, 0x5e780800)); // scalar two-reg misc FP16
    out.push(rnd(0xdfe0c400, 0x5e400400)); // scalar three-same FP16
    out.push(rnd(0x9fc00400, 0x0f000000)); // by element, size 00 (FP16 FMLA/FMUL...)
    out.push(rnd(0x9ff00400, 0x0f100400)); // shift by immediate, immh 001x (FP16 fixed point)
  }
  for (const sp of SPACES) {
    const p = parsePattern(sp);
    for (let i = 0; i < 20; i++) out.push(rnd(p.mask, p.value));
  }
  return out;
}

Deno.test("simd_fp: UNDEFINED encodings agree with qemu-aarch64 (cortex-a57)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "hvlab_simd_fp_undef_" });
  const [elf, off] = await template(dir);
  const words = candidates(new Rng(0x0bad));
  const dec = a64Decoder();
  const bad: string[] = [];
  for (let i = 0; i < words.length; i += 16) {
    const batch = words.slice(i, i + 16);
    const q = await Promise.all(batch.map((w, j) => qemuDefined(dir, elf, off, w, i + j)));
    batch.forEach((w, j) => {
      const d = dec.decode(w);
      if ((d !== undefined) !== q[j]) {
        bad.push(
          `${w.toString(16)}: hvlab ${d ? d.row.def.name : "UNDEFINED"}, qemu ${
            q[j] ? "defined" : "SIGILL"
          }`,
        );
      }
    });
  }
  await Deno.remove(dir, { recursive: true });
  assert.deepEqual(bad, []);
});
