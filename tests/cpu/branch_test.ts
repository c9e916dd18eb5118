import assert from "node:assert/strict";
import { BRANCH } from "../../core/cpu/insn/branch.ts";
import { parsePattern } from "../../core/cpu/decode/pattern.ts";
import type { InsnDef } from "../../core/cpu/insn/types.ts";
import {
  checkDisasmAgainstObjdump,
  checkRowsAgainstQemu,
  type Rng,
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

Deno.test("BRANCH rows agree with qemu-aarch64 (targets, links, conditions)", () => {
  const { reports } = checkRowsAgainstQemu(ROWS, {
    perRow: 1000,
    seed: 0xb4a0001,
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
    slotRegs: (def, w, rng) =>
      REG_BRANCHES.has(def.name) ? [[(w >>> 5) & 31, sledOffset(rng)]] : [],
    adjust: (def, w, init, rng) => {
      // CBZ/CBNZ: a zero register half of the time, in the half the instruction tests.
      if (def.name === "CBZ" && (w & 31) !== 31 && rng.below(2)) {
        init.x[w & 31] = w >>> 31 ? 0n : init.x[w & 31] & 0xffffffff00000000n;
      }
    },
  });
  assert.deepEqual(reports, []);
});

Deno.test("BRANCH disassembly agrees with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(BRANCH, 2000, 0xb4a0002), []);
});
