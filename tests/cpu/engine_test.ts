/**
 * One semantics, two engines: the block translator (blocks of up to 64 instructions) and the
 * single-step engine (blocks of one instruction, used for stepping and tracing) must give the
 * same run. Compared on compiled guests: console output, retired count, final registers.
 */
import assert from "node:assert/strict";
import { buildGuests } from "../../scripts/build_guests.ts";
import { VirtBoard } from "../../core/machine/virt_board.ts";

const NAMES = ["integer", "fp", "simd", "exceptions"];
const built = await buildGuests(NAMES);

function finalState(board: VirtBoard): string {
  const c = board.cpu;
  const regs = [...Array(32).keys()].map((n) => c.getX(n).toString(16));
  const vregs = [...Array(32).keys()].map((n) => c.getQ(n).toString(16));
  return JSON.stringify({ pc: c.pc.toString(16), nzcv: c.nzcv, fpsr: c.fpsr, regs, vregs });
}

function run(elf: Uint8Array, single: boolean) {
  const board = new VirtBoard();
  board.loadElf(elf);
  let steps = 0;
  if (single) board.cpu.traceHook = () => void steps++;
  const r = board.run({ maxInstructions: 50_000_000 });
  return { r, console: board.console, retired: board.cpu.retired, state: finalState(board), steps };
}

for (const name of NAMES) {
  Deno.test(`engines agree on guest ${name}`, async () => {
    const elf = await Deno.readFile(built.get(name)!);
    const blocks = run(elf, false);
    const single = run(elf, true);
    assert.equal(blocks.r.reason, "system-off", `${name} did not finish: ${blocks.r.reason}`);
    assert.equal(single.console, blocks.console);
    assert.equal(single.retired, blocks.retired);
    assert.equal(single.state, blocks.state);
    // The single-step engine really stepped: one trace call per instruction or exception.
    assert.ok(
      single.steps >= single.retired,
      `${single.steps} steps for ${single.retired} instructions`,
    );
  });
}
