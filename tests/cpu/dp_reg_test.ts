import assert from "node:assert/strict";
import { Decoder } from "../../core/cpu/decode/decoder.ts";
import { A64_TABLE } from "../../core/cpu/decode/table.ts";
import { DP_REG } from "../../core/cpu/insn/dp_reg.ts";
import { DP_IMM } from "../../core/cpu/insn/dp_imm.ts";
import * as int64 from "../../core/cpu/runtime/int64.ts";
import { T } from "../../core/cpu/runtime/scratch.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { assembleSnippet, runAsm, runOnQemu } from "../support/asm_oracle.ts";
import { diffStates, stateFromCpu } from "../../core/cpu/testgen/arch_state.ts";
import { parseElf } from "../../core/machine/elf.ts";
import { UserProcess } from "../../core/machine/user_process.ts";
import {
  checkDisasmAgainstObjdump,
  checkRowsAgainstQemu,
  checkSpaceAgainstObjdump,
  randomEncoding,
  Rng,
} from "../support/insn_batch_oracle.ts";

Deno.test("decode table has no unintended overlaps", () => {
  assert.deepEqual(new Decoder(A64_TABLE).overlaps(), []);
});

Deno.test("DP_REG rows agree with qemu-aarch64 on random encodings and states", () => {
  const { reports } = checkRowsAgainstQemu(DP_REG, { perRow: 800, seed: 0x5eed0001 });
  assert.deepEqual(reports, []);
});

Deno.test("DP_REG disassembly and unallocated encodings agree with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(DP_REG, 2000, 0x5eed0002), []);
});

Deno.test("int64 helpers match BigInt arithmetic on edge-biased random operands", () => {
  const rng = new Rng(0x5eed0003);
  const s = (v: bigint) => BigInt.asIntN(64, v);
  const got = () => (BigInt(T[1] >>> 0) << 32n) | BigInt(T[0] >>> 0);
  const halves = (
    v: bigint,
  ): [number, number] => [Number(v & 0xffffffffn) | 0, Number(v >> 32n) | 0];
  for (let i = 0; i < 50000; i++) {
    const a = rng.value64(), b = rng.value64();
    const [aL, aH] = halves(a), [bL, bH] = halves(b);
    const m = 0xffffffffffffffffn;
    const check = (name: string, want: bigint) =>
      assert.equal(got(), want & m, `${name}(0x${a.toString(16)}, 0x${b.toString(16)})`);
    int64.mul64(aL, aH, bL, bH);
    check("mul64", a * b);
    int64.umulh(aL, aH, bL, bH);
    check("umulh", (a * b) >> 64n);
    int64.smulh(aL, aH, bL, bH);
    check("smulh", (s(a) * s(b)) >> 64n);
    int64.udiv64(aL, aH, bL, bH);
    check("udiv64", b === 0n ? 0n : a / b);
    int64.sdiv64(aL, aH, bL, bH);
    check("sdiv64", b === 0n ? 0n : BigInt.asUintN(64, s(a) / s(b)));
  }
});

/** Unallocated neighbours of the DP_REG rows: [word, what makes it unallocated]. */
const NEIGHBOURS: [number, string][] = [
  [0x8b6a6020, "add (extended) with opt = 01"],
  [0x8bea6020, "add (extended) with opt = 11"],
  [0x9a420024, "ccmn with S = 0"],
  [0xfa420424, "ccmp with o2 = 1"],
  [0xfa420034, "ccmp with o3 = 1"],
  [0xba820820, "csel with S = 1"],
  [0x9a820820, "csel with op2<1> = 1"],
  [0xbac00020, "rbit with S = 1"],
  [0x3ac20820, "udiv with S = 1"],
  [0xbb020c20, "madd with op54 = 01"],
];

Deno.test("unallocated DP_REG encodings raise SIGILL on hvlab as on qemu (cortex-a57)", () => {
  const rng = new Rng(0x5eed0004);
  const dec = a64Decoder();
  const words = [...NEIGHBOURS];
  for (const def of DP_REG) {
    if (!def.valid) continue;
    const p = parsePattern(def.pattern);
    for (let found = 0, tries = 0; found < 2 && tries < 10000; tries++) {
      const w = ((rng.u32() & ~p.mask) | p.value) >>> 0;
      if (!dec.decode(w)) {
        words.push([w, `${def.name} rejected by valid()`]);
        found++;
      }
    }
  }
  for (const [w, why] of words) {
    assert.equal(dec.decode(w), undefined, `hvlab decodes 0x${w.toString(16)} (${why})`);
    const r = runAsm(`.inst 0x${w.toString(16)}`);
    assert.equal(r.qemu.signal, "SIGILL", `qemu on 0x${w.toString(16)} (${why})`);
    assert.equal(r.hvlab.signal, "SIGILL", `hvlab on 0x${w.toString(16)} (${why})`);
  }
});

Deno.test("straight-line blocks of random DP_REG/DP_IMM instructions agree with qemu", () => {
  const rng = new Rng(0x5eed0005);
  const rows = [...DP_REG, ...DP_IMM];
  for (let run = 0; run < 10; run++) {
    let src = "";
    let n = 0;
    for (let i = 0; i < 31; i++) {
      const v = rng.value64();
      src += `movz x${i}, #${v & 0xffffn}\n`;
      for (let h = 1n; h < 4n; h++) {
        src += `movk x${i}, #${(v >> (16n * h)) & 0xffffn}, lsl #${16n * h}\n`;
      }
      n += 4;
    }
    src += "adds x0, x0, x1\n";
    n++;
    for (let i = 0; i < 60; i++, n++) {
      src += `.inst 0x${randomEncoding(rows[rng.below(rows.length)], rng).toString(16)}\n`;
    }
    const elf = assembleSnippet(src);
    const qemu = runOnQemu(elf);
    // hvlab in block mode (no breakpoints, no trace hook): exactly n instructions from the start.
    const sym = parseElf(elf).symbols;
    const p = new UserProcess(elf);
    p.cpu.setX(31, sym.get("__oracle_stack_top")!);
    p.cpu.pc = sym.get("__oracle_start")!;
    assert.deepEqual(p.run(n), { kind: "limit" });
    assert.deepEqual(diffStates(qemu.state, stateFromCpu(p.cpu)), [], `run ${run}:\n${src}`);
  }
});

Deno.test("the whole data-processing (register) space decodes exactly where objdump has v8.0", () => {
  // op1 = x101 (bits 27:25 = 101).
  assert.deepEqual(checkSpaceAgainstObjdump(0x0e000000, 0x0a000000, 50000, 0x5eed0006), []);
});
