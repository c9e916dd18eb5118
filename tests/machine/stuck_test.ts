/** A PE that faults at its own exception handler is reported, not spun on forever. */
import assert from "node:assert/strict";
import { VirtBoard } from "../../core/machine/virt_board.ts";

Deno.test("recurring fault with unmapped vectors stops the board as stuck", () => {
  const b = new VirtBoard();
  // msr vbar_el1, xzr; .inst 0 (UNDEFINED): the vector at 0 is not RAM, so every fetch faults.
  b.loadRaw(new Uint8Array(new Uint32Array([0xd518c01f, 0x00000000]).buffer));
  const r = b.run({ maxInstructions: 1e9 });
  assert.equal(r.reason, "stuck");
  assert.equal(r.instructions, 1);
  assert.ok(
    b.cpu.stats.exceptions < 100_000,
    `${b.cpu.stats.exceptions} exceptions before giving up`,
  );
});
