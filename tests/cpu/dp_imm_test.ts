import assert from "node:assert/strict";
import { DP_IMM } from "../../core/cpu/insn/dp_imm.ts";
import { checkDisasmAgainstObjdump, checkRowsAgainstQemu } from "../support/insn_batch_oracle.ts";

Deno.test("DP_IMM rows agree with qemu-aarch64 on random encodings and states", () => {
  const { reports } = checkRowsAgainstQemu(DP_IMM, { perRow: 1000, seed: 0x1a4e0001 });
  assert.deepEqual(reports, []);
});

Deno.test("DP_IMM disassembly and unallocated encodings agree with objdump", () => {
  assert.deepEqual(checkDisasmAgainstObjdump(DP_IMM, 2000, 0x1a4e0002), []);
});
