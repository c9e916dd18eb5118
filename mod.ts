/**
 * hvlab: a scriptable laboratory for Xen-on-ARM hypervisor designs.
 *
 * @example
 * ```ts
 * import { Cpu, a64Decoder, PhysMemory } from "./mod.ts";
 * const mem = new PhysMemory();
 * mem.addRam("ram", 0x40000000, 1 << 20);
 * ```
 * @module
 */
export { Cpu, type CpuEnv } from "./core/cpu/cpu.ts";
export { a64Decoder } from "./core/cpu/decode/table.ts";
export { PhysMemory } from "./core/mem/phys_memory.ts";
export { MmioBus } from "./core/mem/mmio_bus.ts";
