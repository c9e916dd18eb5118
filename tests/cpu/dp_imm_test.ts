import assert from "node:assert/strict";
import { DP_IMM } from "../../core/cpu/insn/dp_imm.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { runAsm } from "../support/asm_oracle.ts";
import {
  checkDisasmAgainstObjdump,
  checkRowsAgainstQemu,
  checkSpaceAgainstObjdump,
} from "../support/insn_batch_oracle.ts";

Deno.test("DP_IMM rows agree with qemu-aarch64 on random encodings and states", () => {
  const { reports } = checkRowsAgainstQemu(DP_IMM, { perRow: 1000, seed: 0x1a4e0001 });
  assert.deepEqual(reports, []);
});

Deno.test("DP_IMM disassembly and unallocated encodings agree with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(DP_IMM, 2000, 0x1a4e0002), []);
});

/** Unallocated neighbours of the DP_IMM rows: [word, what makes it unallocated]. */
const UNALLOCATED: [number, string][] = [
  [0x52c00000, "movz w0 with hw = 2"],
  [0x32800000, "move wide with opc = 01"],
  [0x33c00000, "bfm w0 with N = 1"],
  [0x13410000, "sbfm w0 with N = 1"],
  [0x73000000, "bitfield with opc = 11"],
  [0x93800000, "extr x0 with N = 0"],
  [0x13a00000, "extr with op21 = 01"],
  [0x13208000, "extr w0 with imms >= 32"],
  [0x32400000, "orr w0 (immediate) with N = 1"],
  [0x91800000, "addg (memory tagging, absent)"],
];

Deno.test("unallocated DP_IMM encodings raise SIGILL on hvlab as on qemu (cortex-a57)", () => {
  const dec = a64Decoder();
  for (const [w, why] of UNALLOCATED) {
    assert.equal(dec.decode(w), undefined, `hvlab decodes 0x${w.toString(16)} (${why})`);
    const r = runAsm(`.inst 0x${w.toString(16)}`);
    assert.equal(r.qemu.signal, "SIGILL", `qemu on 0x${w.toString(16)} (${why})`);
    assert.equal(r.hvlab.signal, "SIGILL", `hvlab on 0x${w.toString(16)} (${why})`);
  }
});

Deno.test("ADR/ADRP agree with qemu-aarch64 where PC-relative sums carry across 4 GiB", () => {
  const adr = DP_IMM.filter((d) => d.name === "ADR");
  const opts = { perRow: 400, seed: 0x1a4e0003, textAddr: 0xffffc000 };
  assert.deepEqual(checkRowsAgainstQemu(adr, opts).reports, []);
});

Deno.test("the whole data-processing (immediate) space decodes exactly where objdump has v8.0", () => {
  // op1 = 100x (bits 28:26 = 100).
  assert.deepEqual(checkSpaceAgainstObjdump(0x1c000000, 0x10000000, 50000, 0x1a4e0004), []);
});
