/** ISR_EL1 shows interrupts pending at the PE, masked or not. */
import assert from "node:assert/strict";
import { Cpu } from "../../core/cpu/cpu.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

Deno.test("MRS ISR_EL1 reflects the IRQ/FIQ/SError lines while DAIF masks them", () => {
  const mem = new PhysMemory();
  mem.addRam("ram", 0x40000000, 1 << 16);
  // mrs x0, isr_el1; mrs x1, isr_el1
  mem.write(0x40000000, new Uint8Array(new Uint32Array([0xd538c100, 0xd538c101]).buffer));
  const cpu = new Cpu({
    mem,
    io: () => {
      throw new Error("no devices");
    },
    counter: () => 0,
  }, a64Decoder());
  cpu.pc = 0x40000000n;
  cpu.run(1);
  assert.equal(cpu.getX(0), 0n);
  cpu.irqLine = true;
  cpu.fiqLine = true; // masked (DAIF = 0xf after reset), so no exception is taken
  cpu.run(1);
  assert.equal(cpu.getX(1), 0xc0n);
  assert.equal(cpu.pc, 0x40000008n);
});
