/**
 * A bare PE for EL1/EL2-level tests of system behaviour: RAM at 0x40000000, a vector table
 * whose every slot is `hvc #(0x100 + slot)` (so any exception comes back as an exit naming the
 * slot, with ESR_EL1/FAR_EL1/ELR_EL1 set), and code assembled from a snippet at CODE.
 */
import { Cpu } from "../../core/cpu/cpu.ts";
import { a64Decoder } from "../../core/cpu/decode/table.ts";
import type { Exit } from "../../core/cpu/exit.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

/** Where the vector table, the code and free RAM for tables/data live. */
export const VECTORS = 0x40000000;
export const CODE = 0x40010000;
export const DATA = 0x40100000;

/** Assembles `src` (GNU as syntax) into raw A64 words. */
export function assemble(src: string): Uint8Array {
  const dir = Deno.makeTempDirSync({ prefix: "hvlab_sys_" });
  try {
    Deno.writeTextFileSync(`${dir}/a.s`, `.text\n${src}\n`);
    const as = new Deno.Command("aarch64-linux-gnu-as", {
      args: ["-march=armv8-a", `${dir}/a.s`, "-o", `${dir}/a.o`],
    }).outputSync();
    if (!as.success) throw new Error(new TextDecoder().decode(as.stderr));
    const oc = new Deno.Command("aarch64-linux-gnu-objcopy", {
      args: ["-O", "binary", "-j", ".text", `${dir}/a.o`, `${dir}/a.bin`],
    }).outputSync();
    if (!oc.success) throw new Error(new TextDecoder().decode(oc.stderr));
    return Deno.readFileSync(`${dir}/a.bin`);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** A PE at EL1h (MMU off) ready to run `src` from CODE. */
export class BarePe {
  readonly mem = new PhysMemory();
  readonly cpu: Cpu;
  /** The counter the PE sees (tests move it). */
  count = 0;
  /** TLBI broadcasts the PE asked the board to pass on ("all" or "hi:lo" of the VA). */
  readonly broadcasts: string[] = [];

  constructor(src: string) {
    this.mem.addRam("ram", VECTORS, 16 << 20);
    this.cpu = new Cpu({
      mem: this.mem,
      io: () => ({ offset: 0, size: 4, write: false, value: 0, valueHi: 0, outcome: "unhandled" }),
      counter: () => this.count,
      broadcastTlbi: (all, lo, hi) => this.broadcasts.push(all ? "all" : `${hi >>> 0}:${lo >>> 0}`),
    }, a64Decoder());
    const vec = new Uint8Array(0x800);
    const dv = new DataView(vec.buffer);
    for (let slot = 0; slot < 16; slot++) {
      dv.setUint32(slot * 0x80, 0xd4000002 | ((0x100 + slot) << 5), true);
    }
    this.mem.write(VECTORS, vec);
    this.mem.write(CODE, assemble(src));
    this.cpu.sysregs.set("VBAR_EL1", BigInt(VECTORS));
    this.cpu.pc = BigInt(CODE);
  }

  /** Writes a 64-bit little-endian value to physical memory. */
  write64(pa: number, v: bigint): void {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, v, true);
    this.mem.write(pa, b);
  }

  /**
   * Runs until an exit other than the budget, or `budget` instructions (a run the PE ends early,
   * e.g. after arming debug, is resumed as a board would).
   */
  run(budget = 100_000): Exit {
    const end = this.cpu.retired + budget;
    for (;;) {
      const x = this.cpu.run(Math.max(1, end - this.cpu.retired));
      if (x.kind !== "budget" || this.cpu.retired >= end) return x;
    }
  }

  /** ESR_EL1, FAR_EL1 and ELR_EL1 of the last exception taken to EL1. */
  get el1(): { ec: number; iss: number; far: bigint; elr: bigint } {
    const s = this.cpu.sysregs;
    const esr = Number(s.get("ESR_EL1"));
    return { ec: esr >>> 26, iss: esr & 0x1ffffff, far: s.get("FAR_EL1"), elr: s.get("ELR_EL1") };
  }
}
