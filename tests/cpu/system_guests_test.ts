/**
 * System guests of the CPU (guests/mmu_walk.c, hwdebug.c, sysregs.c): the same binary on
 * hvlab's VirtBoard and on qemu-system-aarch64 -M virt -cpu cortex-a57 must print the same text.
 */
import assert from "node:assert/strict";
import { compileGuest } from "../../scripts/build_guests.ts";
import { runOnQemu } from "../../scripts/qemu_system.ts";
import { VirtBoard } from "../../core/machine/virt_board.ts";

/** Runs guest `name` on both and compares the consoles line by line. */
async function compare(name: string, sources: string[]): Promise<void> {
  const path = await compileGuest({ name, sources });
  const qemu = await runOnQemu(path, 30_000);
  assert.ok(qemu.output.includes(`${name} done`), `qemu run did not finish:\n${qemu.output}`);
  const board = new VirtBoard();
  board.loadElf(await Deno.readFile(path));
  const r = board.run({ maxInstructions: 50_000_000 });
  const a = board.console.split("\n"), b = qemu.output.split("\n");
  const bad: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      bad.push(`line ${i + 1}: hvlab ${JSON.stringify(a[i])} qemu ${JSON.stringify(b[i])}`);
    }
  }
  assert.deepEqual(bad, [], `stop: ${r.reason}`);
  assert.equal(r.reason, "system-off");
}

Deno.test("mmu guest: 48-bit walks, permissions, faults, AT, TLBI match qemu-system", async () => {
  await compare("mmu_walk", ["mmu_walk.c", "exceptions_vectors.S"]);
});

Deno.test("hwdebug guest: breakpoints, watchpoints and software step match qemu-system", async () => {
  await compare("hwdebug", ["hwdebug.c", "exceptions_vectors.S"]);
});

Deno.test("sysregs guest: writable bits and ID values match qemu-system", async () => {
  await compare("sysregs", ["sysregs.c"]);
});
