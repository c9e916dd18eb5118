/**
 * guests/gic_v3.c on hvlab's VirtBoard with `gic: "v3"` and on qemu-system-aarch64
 * -M virt,gic-version=3,its=off -cpu cortex-a57 (the oracle): the consoles must be identical.
 * The guest is not in scripts/build_guests.ts's list because it needs the GICv3 machine on both
 * sides; it is built here the same way (docs/decisions/0003-guests-built-at-test-time.md).
 */
import assert from "node:assert/strict";
import { compileGuest } from "../../scripts/build_guests.ts";
import { runOnQemu } from "../../scripts/qemu_system.ts";
import { VirtBoard } from "../../core/machine/virt_board.ts";

const path = await compileGuest({
  name: "gic_v3",
  sources: ["gic_v3.c", "exceptions_vectors.S"],
});

Deno.test("guest gic_v3: hvlab output equals qemu-system-aarch64's (gic-version=3)", async () => {
  const qemu = await runOnQemu(path, 30_000, ["-M", "virt,gic-version=3,its=off"]);
  assert.equal(qemu.code, 0, `qemu exited with ${qemu.code}`);
  assert.ok(qemu.output.includes("gic_v3 done"), `qemu run did not finish:\n${qemu.output}`);

  const board = new VirtBoard({ gic: "v3" });
  board.loadElf(await Deno.readFile(path));
  const r = board.run({ maxInstructions: 20_000_000 });
  const detail = `stop: ${r.reason} after ${r.instructions} instructions; UNDEFINED: ${
    [...board.cpu.stats.undefined.keys()].join(" ")
  }; log: ${board.log.map((l) => l.msg).join("; ")}`;
  const a = board.console.split("\n"), b = qemu.output.split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  assert.equal(
    board.console,
    qemu.output,
    `first difference at line ${i + 1}\n  hvlab: ${JSON.stringify(a[i])}\n  qemu:  ${
      JSON.stringify(b[i])
    }\n${detail}`,
  );
  assert.equal(r.reason, "system-off", detail);
  assert.equal(board.cpu.stats.undefined.size, 0, detail);
});
