/**
 * The compiled bare-metal guests (guests/) run on hvlab's VirtBoard and on qemu-system-aarch64
 * -M virt -cpu cortex-a57 (the oracle); their console outputs must be identical. Guests are
 * built here from source (docs/decisions/0003-guests-built-at-test-time.md).
 */
import assert from "node:assert/strict";
import { buildGuests, compileGuest, GUESTS } from "../scripts/build_guests.ts";
import { runOnQemu } from "../scripts/qemu_system.ts";
import { VirtBoard } from "../core/machine/virt_board.ts";

const NAMES = GUESTS.map((g) => g.name).filter((n) => n !== "bench");
const INPUT = new Map(GUESTS.map((g) => [g.name, g.input ?? ""]));
const built = await buildGuests(NAMES);
// The benchmark guest, with few rounds: bench:cpu relies on both giving the same checksum.
NAMES.push("bench");
built.set(
  "bench",
  await compileGuest({
    name: "bench_test",
    sources: ["bench.c"],
    cflags: ["-fno-tree-vectorize", "-DROUNDS=3"],
  }),
);

/** Runs a guest on hvlab; returns the console text and why the board stopped. */
function runOnHvlab(
  elf: Uint8Array,
  input: string,
): { output: string; reason: string; detail: string } {
  const board = new VirtBoard();
  board.loadElf(elf);
  board.input(input);
  const r = board.run({ maxInstructions: 200_000_000 });
  const undef = [...board.cpu.stats.undefined].map(([w, u]) => `${w}(${u.cls})x${u.count}`);
  const detail = [
    `stop: ${r.reason}${r.exit ? ` (${r.exit})` : ""} after ${r.instructions} instructions`,
    undef.length ? `UNDEFINED: ${undef.slice(0, 12).join(" ")}` : "",
    board.log.length ? `log: ${board.log.slice(0, 5).map((l) => l.msg).join("; ")}` : "",
  ].filter((s) => s).join("\n");
  return { output: board.console, reason: r.reason, detail };
}

for (const name of NAMES) {
  Deno.test(`guest ${name}: hvlab output equals qemu-system-aarch64's`, async () => {
    const path = built.get(name)!;
    const qemu = await runOnQemu(path, 30_000, [], INPUT.get(name));
    assert.equal(qemu.code, 0, `qemu exited with ${qemu.code}`);
    assert.ok(
      qemu.output.includes(`${name} done`),
      `qemu run of ${name} did not finish:\n${qemu.output}`,
    );
    const hv = runOnHvlab(await Deno.readFile(path), INPUT.get(name) ?? "");
    if (hv.output !== qemu.output) {
      const a = hv.output.split("\n"), b = qemu.output.split("\n");
      let i = 0;
      while (i < a.length && i < b.length && a[i] === b[i]) i++;
      assert.fail(
        `${name}: first difference at line ${i + 1}\n  hvlab: ${JSON.stringify(a[i])}\n  qemu:  ${
          JSON.stringify(b[i])
        }\n${hv.detail}`,
      );
    }
    assert.equal(hv.reason, "system-off", hv.detail);
  });
}
