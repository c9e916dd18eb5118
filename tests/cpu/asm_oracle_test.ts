import assert from "node:assert/strict";
import { runAsm } from "../support/asm_oracle.ts";
import { diffStates } from "../../core/cpu/testgen/arch_state.ts";

Deno.test("asm oracle: both engines agree on a data-processing snippet", () => {
  const r = runAsm("movz x0, #5\n add x1, x0, #3\n adrp x2, buf\n add x2, x2, :lo12:buf\n");
  assert.deepEqual(r.diff, []);
  assert.equal(r.qemu.signal, "SIGTRAP");
  assert.equal(r.hvlab.state.x[1], 8n);
  assert.equal(r.qemu.state.x[2], r.hvlab.state.x[2]);
});

Deno.test("asm oracle: an undefined encoding is SIGILL on both, at the same PC", () => {
  const r = runAsm("movz x3, #7\n .inst 0x00000000\n");
  assert.deepEqual(r.diff, []);
  assert.equal(r.qemu.signal, "SIGILL");
  assert.equal(r.qemu.state.x[3], 7n);
});

Deno.test("asm oracle: differing states are reported field by field", () => {
  const r = runAsm("movz x0, #1\n");
  const other = { ...r.hvlab.state, x: [...r.hvlab.state.x], nzcv: 0x20000000 };
  other.x[0] = 2n;
  assert.deepEqual(diffStates(r.qemu.state, other), [
    "x0: 0x0000000000000001 != 0x0000000000000002",
    "nzcv: 0x0 != 0x2",
  ]);
});
