import assert from "node:assert/strict";
import { BRANCH } from "../../core/cpu/insn/branch.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";
import { runAsm } from "../support/asm_oracle.ts";
import {
  checkDisasmAgainstObjdump,
  checkRowsAgainstQemu,
  type Rng,
  type RowCheckOptions,
} from "../support/insn_batch_oracle.ts";

/** Landing slots on each side of the branch under test. */
const SLED = 8;

/** Offset field (lsb, width) of each PC-relative row. */
function offsetField(def: InsnDef): [number, number] | undefined {
  const f = parsePattern(def.pattern).fields.find((x) => x.name.startsWith("imm"));
  return f && [f.lsb, f.width];
}

/** A random offset in [-SLED, SLED] \ {0} instructions (0 would loop forever when taken). */
function sledOffset(rng: Rng): number {
  const j = 1 + rng.below(SLED);
  return rng.below(2) ? j : -j;
}

const REG_BRANCHES = new Set(["BR", "BLR", "RET"]);

// ERET is UNDEFINED at EL0 (qemu-aarch64 would stop with SIGILL), so it is left out here.
const ROWS = BRANCH.filter((d) => d.name !== "ERET");

/** Options shared by the runs: offsets inside the sled, register targets on sled slots. */
const BRANCH_OPTS: Omit<RowCheckOptions, "perRow" | "seed"> = {
  sled: SLED,
  tweak: (def, w, rng) => {
    const f = offsetField(def);
    if (f) {
      const [lsb, width] = f;
      const mask = ((2 ** width - 1) * 2 ** lsb) >>> 0;
      return ((w & ~mask) | ((sledOffset(rng) << lsb) & mask)) >>> 0;
    }
    // BR/BLR/RET through XZR would jump to 0; pick a real register instead.
    if (REG_BRANCHES.has(def.name) && ((w >>> 5) & 31) === 31) {
      return (w & ~(31 << 5)) | (rng.below(31) << 5);
    }
    return w;
  },
  slotRegs: (def, w, rng) => REG_BRANCHES.has(def.name) ? [[(w >>> 5) & 31, sledOffset(rng)]] : [],
  adjust: (def, w, init, rng) => {
    // CBZ/CBNZ: a zero register half of the time, in the half the instruction tests.
    if (def.name === "CBZ" && (w & 31) !== 31 && rng.below(2)) {
      init.x[w & 31] = w >>> 31 ? 0n : init.x[w & 31] & 0xffffffff00000000n;
    }
  },
};

Deno.test("BRANCH rows agree with qemu-aarch64 (targets, links, conditions)", () => {
  const opts = { ...BRANCH_OPTS, perRow: 600, seed: 0xb4a0001 };
  assert.deepEqual(checkRowsAgainstQemu(ROWS, opts).reports, []);
});

Deno.test("BRANCH rows agree with qemu-aarch64 where PC + offset carries across 4 GiB", () => {
  // About 64 KiB of cases linked just below 4 GiB: later ones sit above it.
  const opts = { ...BRANCH_OPTS, perRow: 80, seed: 0xb4a0003, textAddr: 0xffff8000 };
  assert.deepEqual(checkRowsAgainstQemu(ROWS, opts).reports, []);
});

Deno.test("BRANCH disassembly agrees with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(BRANCH, 2000, 0xb4a0002), []);
});

/** Encodings next to the branch rows that ARMv8.0 leaves unallocated (or that are EL0-UNDEFINED). */
const UNDEFINED_AT_EL0: [number, string][] = [
  [0xd69f03e0, "eret at EL0"],
  [0x54000030, "b.cond with o0 = 1 (BC.cond is ARMv8.8)"],
  [0x55000020, "b.cond with o1 = 1"],
  [0xd61f083f, "braaz x1 (pointer authentication, absent)"],
  [0xd71f0820, "braa x1, x0 (pointer authentication, absent)"],
  [0xd61f0821, "br with op3 = 000010, op4 = 00001"],
  [0xd65f0bff, "retaa (pointer authentication, absent)"],
  [0xd61f0001, "br with op4 != 0"],
  [0xd63f0400, "blr with op3 != 0"],
];

Deno.test("unallocated branch encodings raise SIGILL on hvlab as on qemu (cortex-a57)", () => {
  for (const [w, why] of UNDEFINED_AT_EL0) {
    const r = runAsm(`.inst 0x${w.toString(16)}`);
    assert.equal(r.qemu.signal, "SIGILL", `qemu on 0x${w.toString(16)} (${why})`);
    assert.equal(r.hvlab.signal, "SIGILL", `hvlab on 0x${w.toString(16)} (${why})`);
  }
});

Deno.test("register branches to a misaligned target fault as on qemu (SIGBUS, PC = target)", () => {
  for (const op of ["br x1", "blr x1", "ret x1"]) {
    const r = runAsm(`adr x1, 1f\nadd x1, x1, #2\n${op}\nnop\n1: nop`);
    assert.equal(r.qemu.signal, "SIGBUS", op);
    assert.deepEqual(r.diff, [], op);
  }
});
