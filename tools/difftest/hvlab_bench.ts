/**
 * The hvlab side of the differential tester: one EL0 user process whose code region holds a
 * batch of test slots, running one test at a time from a given input record and producing the
 * output record the QEMU driver would (signal, fault address, state, data buffer).
 */
import { UserProcess } from "../../core/machine/user_process.ts";
import type { Decoder } from "../../core/cpu/decode/decoder.ts";
import { PAGE_SIZE } from "../../core/mem/phys_memory.ts";
import {
  BUF_BASE,
  BUF_PAGE,
  BUF_SIZE,
  CODE_BASE,
  IN,
  MARKER,
  OUT,
  SIG,
  SIG_HVLAB_ERROR,
  SLOT_INSN,
  SLOT_SIZE,
} from "../../core/cpu/testgen/test_record.ts";

const SIGNAL_NUMBER: Record<string, number> = {
  SIGILL: SIG.ILL,
  SIGTRAP: SIG.TRAP,
  SIGBUS: SIG.BUS,
  SIGFPE: SIG.FPE,
  SIGSEGV: SIG.SEGV,
};

/** Budget of a block-mode run: enough for the block, small enough to stop a self-loop soon. */
const BLOCK_BUDGET = 100;

/** A minimal ELF64 executable with one loadable segment `data` at `vaddr` (entry = vaddr). */
export function minimalElf(vaddr: number, data: Uint8Array): Uint8Array {
  const hdr = 64 + 56;
  const b = new Uint8Array(hdr + data.length);
  const dv = new DataView(b.buffer);
  b.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  dv.setUint16(16, 2, true); // ET_EXEC
  dv.setUint16(18, 183, true); // EM_AARCH64
  dv.setUint32(20, 1, true);
  dv.setBigUint64(24, BigInt(vaddr), true);
  dv.setBigUint64(32, 64n, true);
  dv.setUint16(52, 64, true);
  dv.setUint16(54, 56, true);
  dv.setUint16(56, 1, true);
  dv.setUint32(64, 1, true); // PT_LOAD
  dv.setUint32(68, 5, true); // R+X
  dv.setBigUint64(72, BigInt(hdr), true);
  dv.setBigUint64(80, BigInt(vaddr), true);
  dv.setBigUint64(88, BigInt(vaddr), true);
  dv.setBigUint64(96, BigInt(data.length), true);
  dv.setBigUint64(104, BigInt(data.length), true);
  b.set(data, hdr);
  return b;
}

/** One batch's process. Tests must be run with their slot's code already written. */
export class HvlabBench {
  readonly process: UserProcess;
  readonly #memInit: Uint8Array;
  readonly #buf: Uint8Array;
  /** Message of the last hvlab exception, for SIG_HVLAB_ERROR results. */
  lastError = "";

  constructor(code: Uint8Array, memInit: Uint8Array, decoder?: Decoder) {
    this.process = new UserProcess(minimalElf(CODE_BASE, code), {
      extraRam: [[BUF_BASE, BUF_PAGE]],
      decoder,
    });
    this.#memInit = memInit;
    const page = this.process.mem.page(BUF_BASE / PAGE_SIZE)!;
    this.#buf = new Uint8Array(page.buffer, page.byteOffset, BUF_SIZE);
  }

  /** Puts `words` at slot `i`'s instruction and markers after them, dropping translations. */
  setInsns(i: number, words: readonly number[], code: Uint8Array): void {
    const off = i * SLOT_SIZE + SLOT_INSN;
    const dv = new DataView(code.buffer, code.byteOffset);
    for (let k = 0; off + 4 * k < (i + 1) * SLOT_SIZE; k++) {
      dv.setUint32(off + 4 * k, k < words.length ? words[k] : MARKER, true);
    }
    const pa = CODE_BASE + off;
    this.process.mem.write(pa, code.subarray(off, (i + 1) * SLOT_SIZE));
    this.process.cpu.code.invalidatePage(Math.floor(pa / PAGE_SIZE));
  }

  /**
   * Runs one test from the input record at `inp[inOff..]` (int32 view, word offset) and writes
   * the output record to `out[outOff..]` (int32 view, word offset, memory as bytes). With
   * `block`, the instructions run in a translated block together with the `brk` marker after
   * them (the engine's block mode, ending in SIGTRAP as on QEMU); otherwise `steps` instructions
   * are single-stepped.
   */
  run(
    inp: Int32Array,
    inOff: number,
    out: Int32Array,
    outOff: number,
    block = false,
    steps = 1,
  ): void {
    const p = this.process;
    const c = p.cpu;
    c.setMode(0, 0);
    c.daif = 0;
    c.exAddr = -1;
    c.x.set(inp.subarray(inOff, inOff + 64));
    c.pcLo = inp[inOff + IN.pc / 4];
    c.pcHi = inp[inOff + IN.pc / 4 + 1];
    c.nzcv = inp[inOff + IN.pstate / 4];
    c.fpsr = inp[inOff + IN.fpsr / 4];
    c.fpcr = inp[inOff + IN.fpcr / 4];
    c.vw.set(inp.subarray(inOff + IN.v / 4, inOff + IN.v / 4 + 128));
    this.#buf.set(this.#memInit);
    let sig: number;
    let fault = 0n;
    try {
      let end = p.run(block ? BLOCK_BUDGET : steps);
      // A branch to a misaligned target faults on the next fetch, as QEMU reports it.
      if (!block && end.kind === "limit" && (c.pcLo & 3) !== 0) end = p.run(1);
      if (end.kind === "limit") sig = SIG.TRAP;
      else if (end.kind === "signal") {
        sig = SIGNAL_NUMBER[end.signal];
        if (sig === SIG.SEGV || sig === SIG.BUS) fault = end.far;
      } else {
        sig = SIG_HVLAB_ERROR;
        this.lastError = `process ended: ${end.kind}`;
      }
    } catch (e) {
      sig = SIG_HVLAB_ERROR;
      this.lastError = String(e);
    }
    const s = outOff + OUT.state / 4;
    out[outOff] = sig;
    out[outOff + 1] = 0;
    out[outOff + 2] = Number(fault & 0xffffffffn) | 0;
    out[outOff + 3] = Number(fault >> 32n) | 0;
    out.set(c.x.subarray(0, 62), s);
    if (c.el === 0) {
      out[s + 62] = c.x[62];
      out[s + 63] = c.x[63];
      out[s + 64] = c.pcLo;
      out[s + 65] = c.pcHi;
      out[s + 66] = c.nzcv;
    } else {
      // The exception went to EL1: the interrupted EL0 state is in SP_EL0, ELR_EL1, SPSR_EL1.
      out[s + 62] = c.spBank[0];
      out[s + 63] = c.spBank[1];
      const elr = c.sysregs.get("ELR_EL1");
      out[s + 64] = Number(elr & 0xffffffffn) | 0;
      out[s + 65] = Number(elr >> 32n) | 0;
      out[s + 66] = Number(c.sysregs.get("SPSR_EL1") & 0xf0000000n) | 0;
    }
    out[s + 67] = 0;
    out[s + IN.fpsr / 4] = c.fpsr;
    out[s + IN.fpcr / 4] = c.fpcr;
    out.set(c.vw, s + IN.v / 4);
    new Uint8Array(out.buffer, out.byteOffset + 4 * outOff + OUT.mem, BUF_SIZE).set(this.#buf);
  }
}
