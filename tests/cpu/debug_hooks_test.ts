/** Debugger hooks of the PE: breakpoints, watchpoints, single step and the trace hook. */
import assert from "node:assert/strict";
import { Cpu } from "../../core/cpu/cpu.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

const BASE = 0x40000000;
// mov x0, #0x40100000; mov x1, #5; str x1, [x0]; ldr x2, [x0]; add x3, x2, #1; b .
const PROG = [0xd2a80200, 0xd28000a1, 0xf9000001, 0xf9400002, 0x91000443, 0x14000000];

function machine(): Cpu {
  const mem = new PhysMemory();
  mem.addRam("ram", BASE, 2 << 20);
  mem.write(BASE, new Uint8Array(new Uint32Array(PROG).buffer));
  const cpu = new Cpu({
    mem,
    io: () => {
      throw new Error("no devices");
    },
    counter: () => 0,
  }, a64Decoder());
  cpu.pc = BigInt(BASE);
  return cpu;
}

Deno.test("write watchpoint stops before the store; resuming performs it", () => {
  const cpu = machine();
  cpu.addWatchpoint(0x40100000n, 8, "write");
  const x = cpu.run(100);
  assert.equal(x.kind, "watchpoint");
  assert.equal(x.far, 0x40100000n);
  assert.equal(cpu.pc, BigInt(BASE + 8), "PC at the STR");
  assert.equal(cpu.retired, 2);
  assert.equal(cpu.env.mem.read(0x40100000, 8)[0], 0, "store not yet done");
  const y = cpu.run(100);
  assert.equal(y.kind, "budget");
  assert.equal(cpu.getX(3), 6n);
  assert.equal(cpu.env.mem.read(0x40100000, 8)[0], 5);
});

Deno.test("read watchpoint ignores writes and stops at the load", () => {
  const cpu = machine();
  const w = cpu.addWatchpoint(0x40100004n, 4, "read");
  const x = cpu.run(100);
  assert.equal(x.kind, "watchpoint");
  assert.equal(cpu.pc, BigInt(BASE + 12), "PC at the LDR (the STR is not a read)");
  cpu.removeWatchpoint(w);
  assert.equal(cpu.run(100).kind, "budget");
  assert.equal(cpu.getX(2), 5n);
});

Deno.test("breakpoint stops before the instruction, once per arrival", () => {
  const cpu = machine();
  cpu.breakpoints.add(BigInt(BASE + 16));
  assert.equal(cpu.run(100).kind, "breakpoint");
  assert.equal(cpu.pc, BigInt(BASE + 16));
  assert.equal(cpu.getX(3), 0n);
  assert.equal(cpu.run(100).kind, "budget");
  assert.equal(cpu.getX(3), 6n);
});

Deno.test("step executes one instruction; the trace hook sees every PC", () => {
  const cpu = machine();
  cpu.step();
  assert.equal(cpu.pc, BigInt(BASE + 4));
  assert.equal(cpu.retired, 1);
  const pcs: bigint[] = [];
  cpu.traceHook = (c) => void pcs.push(c.pc);
  cpu.run(4);
  assert.deepEqual(pcs, [4, 8, 12, 16].map((o) => BigInt(BASE + o)));
});
