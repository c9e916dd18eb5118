/**
 * UNDEFINED encodings of the Advanced SIMD integer space: unallocated field values inside the
 * rows' patterns agree with qemu (Cortex-A53), and features that are not advertised (64-bit
 * PMULL, RDM, dot product, SHA/AES/SM3/SM4) decode as UNDEFINED.
 */
import { equal } from "node:assert/strict";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import { A64_TABLE } from "../../core/cpu/decode/table.ts";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { SIMD_INT } from "../../core/cpu/insn/simd_int.ts";
import { checkUndefined, Rng } from "./simd_int_oracle.ts";

Deno.test("simd_int: reserved encodings inside the rows agree with qemu", async () => {
  const rng = new Rng(0x0dd);
  const dec = new Decoder(SIMD_INT);
  const words: number[] = [];
  for (const def of SIMD_INT) {
    const p = parsePattern(def.pattern);
    let got = 0;
    for (let t = 0; t < 3000 && got < 6; t++) {
      const w = ((rng.u32() & ~p.mask) | p.value) >>> 0;
      // 64-bit PMULL is the Crypto extension, which the A53 model has and hvlab does not.
      if ((w & 0xbf20fc00) === 0x0e20e000 && ((w >>> 22) & 3) === 3) continue;
      if (!dec.decode(w)) {
        words.push(w);
        got++;
      } else if (rng.below(20) === 0) words.push(w);
    }
  }
  const undef = await checkUndefined(words, rng);
  equal(undef > 100, true, `only ${undef} reserved encodings sampled`);
});

/** Encodings of features hvlab does not advertise: [description, pattern]. */
const ABSENT: [string, string][] = [
  ["PMULL 1Q", "0 q:1 0 01110 11 1 rm:5 1110 00 rn:5 rd:5"],
  ["SQRDMLAH/SDOT/FCMLA (three-same extra)", "0 q:1 u:1 01110 size:2 0 rm:5 1 op:4 1 rn:5 rd:5"],
  ["scalar SQRDMLAH (three-same extra)", "01 1 11110 size:2 0 rm:5 1 000 x 1 rn:5 rd:5"],
  ["SDOT/UDOT by element", "0 q:1 u:1 01111 size:2 l:1 m:1 rm:4 1110 h:1 0 rn:5 rd:5"],
  ["SQRDMLAH/SQRDMLSH by element", "0 q:1 1 01111 size:2 l:1 m:1 rm:4 11 x 1 h:1 0 rn:5 rd:5"],
  ["AES", "01001110 00 10100 xxxxx 10 rn:5 rd:5"],
  ["SHA three-register", "01011110 00 0 rm:5 0 xxx 00 rn:5 rd:5"],
  ["SHA two-register", "01011110 00 10100 xxxxx 10 rn:5 rd:5"],
  ["SHA512/SM3/SM4/EOR3/RAX1/XAR/BCAX", "1100 111 xxxxxxxxxxxxxxxxxxxxxxxxx"],
];

Deno.test("simd_int: features that are not advertised decode as UNDEFINED", () => {
  const dec = new Decoder(A64_TABLE);
  const rng = new Rng(0xabc);
  for (const [what, pat] of ABSENT) {
    const p = parsePattern(pat);
    for (let i = 0; i < 500; i++) {
      const w = ((rng.u32() & ~p.mask) | p.value) >>> 0;
      const d = dec.decode(w);
      equal(d, undefined, `${what}: 0x${w.toString(16)} decodes as ${d?.row.def.name}`);
    }
  }
});
