/**
 * A user-mode process in the manner of qemu-aarch64: a static AArch64 ELF runs at EL0 on a flat
 * address space (stage 1 off), and its system calls come back to TypeScript through a vector
 * table of HVC stubs. Only write, exit and exit_group are provided; every other system call
 * returns -ENOSYS and is counted in `unsupportedSyscalls`.
 */
import { Cpu } from "../cpu/cpu.ts";
import { a64Decoder } from "../cpu/decode/table.ts";
import type { Decoder } from "../cpu/decode/decoder.ts";
import { ExcClass } from "../cpu/exceptions.ts";
import { PAGE_SIZE, PhysMemory } from "../mem/phys_memory.ts";
import { parseElf } from "./elf.ts";

const VECTOR_BASE = 0x1000;
const HVC_1 = 0xd4000022; // hvc #1
const ENOSYS = 38;

/** Why a process stopped. */
export type ProcessEnd =
  | { kind: "exit"; code: number }
  | {
    kind: "signal";
    signal: "SIGILL" | "SIGSEGV" | "SIGBUS" | "SIGTRAP" | "SIGFPE";
    esr: number;
    pc: bigint;
    far: bigint;
  }
  | { kind: "limit" };

/** Options for a process. */
export interface UserProcessOptions {
  /** Top of the stack (exclusive) and its size. */
  stackTop?: number;
  stackSize?: number;
  /** Extra zeroed RAM regions [base, size] the program expects (scratch buffers). */
  extraRam?: [number, number][];
  /** Decoder to run with (tests inject altered tables); default the shared A64 decoder. */
  decoder?: Decoder;
}

/** One process. */
export class UserProcess {
  readonly mem: PhysMemory = new PhysMemory();
  readonly cpu: Cpu;
  readonly stdout: number[] = [];
  readonly unsupportedSyscalls: Map<number, number> = new Map();

  constructor(elfBytes: Uint8Array, opts: UserProcessOptions = {}) {
    const elf = parseElf(elfBytes);
    const ranges: [number, number][] = [];
    for (const s of elf.segments) {
      const lo = Math.floor(Number(s.vaddr) / PAGE_SIZE) * PAGE_SIZE;
      const hi = Math.ceil((Number(s.vaddr) + Number(s.memsz)) / PAGE_SIZE) * PAGE_SIZE;
      ranges.push([lo, hi]);
    }
    const stackTop = opts.stackTop ?? 0x7f0000000000;
    const stackSize = opts.stackSize ?? 1 << 20;
    ranges.push([stackTop - stackSize, stackTop]);
    ranges.push([VECTOR_BASE, VECTOR_BASE + PAGE_SIZE]);
    for (const [b, sz] of opts.extraRam ?? []) ranges.push([b, b + sz]);
    // Merge overlapping/adjacent page ranges before declaring RAM.
    ranges.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const r of ranges) {
      const last = merged[merged.length - 1];
      if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    merged.forEach(([lo, hi], i) => this.mem.addRam(`r${i}`, lo, hi - lo));
    for (const s of elf.segments) this.mem.write(Number(s.vaddr), s.data);
    const vec = new Uint8Array(0x800);
    const dv = new DataView(vec.buffer);
    for (let off = 0; off < 0x800; off += 0x80) dv.setUint32(off, HVC_1, true);
    this.mem.write(VECTOR_BASE, vec);

    this.cpu = new Cpu({
      mem: this.mem,
      io: () => ({ offset: 0, size: 4, write: false, value: 0, valueHi: 0, outcome: "unhandled" }),
      counter: () => Math.floor(this.cpu.retired / 16),
    }, opts.decoder ?? a64Decoder());
    const c = this.cpu;
    c.sysregs.set("VBAR_EL1", BigInt(VECTOR_BASE));
    c.sysregs.set("CPACR_EL1", 3n << 20n);
    // As Linux: EL0 may use DC ZVA, CTR_EL0, WFI/WFE, cache maintenance (UCI, UCT, DZE, nTWI, nTWE).
    c.sysregs.set(
      "SCTLR_EL1",
      c.sysregs.get("SCTLR_EL1") | (1n << 26n) | (1n << 15n) | (1n << 14n) | (1n << 16n) |
        (1n << 18n),
    );
    c.sysregs.set("CNTKCTL_EL1", 3n);
    c.setMode(0, 0);
    c.daif = 0;
    c.setX(31, BigInt(this.#initialStack(stackTop)));
    c.pc = elf.entry;
  }

  /**
   * Builds the stack a Linux process starts with, as qemu-aarch64 does: argc, argv ("hvlab"),
   * an empty environment and an auxiliary vector (AT_PAGESZ, AT_RANDOM with fixed bytes, so
   * runs are deterministic). Returns the initial SP (pointing at argc, 16-byte aligned).
   */
  #initialStack(top: number): number {
    const strAt = top - 64;
    const randomAt = top - 32;
    this.mem.write(strAt, new TextEncoder().encode("hvlab\0"));
    this.mem.write(randomAt, Uint8Array.from({ length: 16 }, (_, i) => 0x5a ^ (i * 17)));
    const AT_NULL = 0n, AT_PAGESZ = 6n, AT_RANDOM = 25n;
    const words = [
      1n,
      BigInt(strAt),
      0n,
      0n,
      AT_PAGESZ,
      4096n,
      AT_RANDOM,
      BigInt(randomAt),
      AT_NULL,
      0n,
    ];
    const sp = Math.floor((top - 64 - words.length * 8) / 16) * 16;
    const buf = new DataView(new ArrayBuffer(words.length * 8));
    words.forEach((w, i) => buf.setBigUint64(i * 8, w, true));
    this.mem.write(sp, new Uint8Array(buf.buffer));
    return sp;
  }

  /** Runs until exit, a fatal signal, or `maxInstructions` retired. */
  run(maxInstructions = 1e9): ProcessEnd {
    const c = this.cpu;
    const stopAt = c.retired + maxInstructions;
    for (;;) {
      const left = stopAt - c.retired;
      if (left <= 0) return { kind: "limit" };
      const x = c.run(left);
      // No interrupts reach a lone user thread: WFI/WFE return at once, as in qemu-aarch64.
      if (x.kind === "budget" || x.kind === "wfi" || x.kind === "wfe") continue;
      if (x.kind !== "hvc" || x.imm !== 1) {
        throw new Error(`user process: unexpected exit ${x.kind}`);
      }
      const esr = Number(c.sysregs.get("ESR_EL1"));
      const ec = esr >>> 26;
      if (ec !== ExcClass.SVC64) return this.#signal(ec, esr);
      const end = this.#syscall();
      if (end) return end;
      c.eret();
    }
  }

  #signal(ec: number, esr: number): ProcessEnd {
    const c = this.cpu;
    const pc = c.sysregs.get("ELR_EL1");
    const far = c.sysregs.get("FAR_EL1");
    // As Linux: trapped system-register accesses and WFx traps at EL0 are SIGILL too.
    const signal = ec === ExcClass.UNKNOWN || ec === ExcClass.ILLEGAL_STATE ||
        ec === ExcClass.SYSREG || ec === ExcClass.WFX
      ? "SIGILL"
      : ec === ExcClass.PC_ALIGN || ec === ExcClass.SP_ALIGN ||
          ((ec === ExcClass.DABT_LOWER || ec === ExcClass.DABT_SAME) && (esr & 0x3f) === 0x21)
      ? "SIGBUS"
      : ec === ExcClass.BRK64
      ? "SIGTRAP"
      : ec === ExcClass.FP_EXC64
      ? "SIGFPE"
      : "SIGSEGV";
    return { kind: "signal", signal, esr, pc, far };
  }

  #syscall(): ProcessEnd | undefined {
    const c = this.cpu;
    const nr = Number(c.getX(8));
    switch (nr) {
      case 64: { // write(fd, buf, len)
        const buf = Number(c.getX(1));
        const len = Number(c.getX(2));
        try {
          for (const b of this.mem.read(buf, len)) this.stdout.push(b);
          c.setX(0, BigInt(len));
        } catch {
          c.setX(0, BigInt.asUintN(64, -14n)); // -EFAULT
        }
        return undefined;
      }
      case 93:
      case 94:
        return { kind: "exit", code: Number(c.getX(0) & 0xffn) };
      default:
        this.unsupportedSyscalls.set(nr, (this.unsupportedSyscalls.get(nr) ?? 0) + 1);
        c.setX(0, BigInt.asUintN(64, BigInt(-ENOSYS)));
        return undefined;
    }
  }

  /** Everything written to fd 1 and 2 so far, as bytes. */
  output(): Uint8Array {
    return Uint8Array.from(this.stdout);
  }
}
