/**
 * The byte layouts shared by the differential tester's two engines. An input record is one test's
 * initial user state; an output record is the state at the first signal after it, plus the data
 * buffer. Layouts follow Linux's arm64 sigcontext so the QEMU-side driver can copy them with
 * plain memcpy loops.
 *
 * Input record (IN_SIZE bytes): x0..x30, sp, pc, pstate (NZCV), fpsr:u32, fpcr:u32, v0..v31.
 * Output record (OUT_SIZE bytes): signal:u64, fault address, then the input layout, then the
 * data buffer (BUF_SIZE bytes).
 */
import { type ArchState } from "./arch_state.ts";

/** Offsets in an input record. */
export const IN = { x: 0, sp: 248, pc: 256, pstate: 264, fpsr: 272, fpcr: 276, v: 280 } as const;
/** Size of an input record. */
export const IN_SIZE = 792;

/** Where the test code lives: one SLOT_SIZE slot per test, the instruction at SLOT_INSN. */
export const CODE_BASE = 0x10000000;
export const SLOT_SIZE = 64;
export const SLOT_INSN = 32;
/** Marker filling the rest of a slot: `brk #0`, ends the test wherever control lands. */
export const MARKER = 0xd4200000;

/** The data buffer memory accesses are steered into (one page is mapped, BUF_SIZE compared). */
export const BUF_BASE = 0x20000000;
export const BUF_SIZE = 1024;
export const BUF_PAGE = 4096;

/** Offsets in an output record: signal and fault address, then an input record, then memory. */
export const OUT = { signal: 0, fault: 8, state: 16, mem: 16 + IN_SIZE } as const;
export const OUT_SIZE = 16 + IN_SIZE + BUF_SIZE;

/** Linux signal numbers used. */
export const SIG = { ILL: 4, TRAP: 5, BUS: 7, FPE: 8, SEGV: 11 } as const;
/** Pseudo-signal recorded when hvlab itself threw (a bug or an unexpected exit). */
export const SIG_HVLAB_ERROR = 0xdead;

/** Address of test `i`'s instruction. */
export function insnAddress(i: number): number {
  return CODE_BASE + i * SLOT_SIZE + SLOT_INSN;
}

/** Decodes the state part of a record (at `off` in `b`) into an ArchState. */
export function recordState(b: Uint8Array, off = 0): ArchState {
  const dv = new DataView(b.buffer, b.byteOffset + off, IN_SIZE);
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(dv.getBigUint64(IN.x + 8 * i, true));
  const v: bigint[] = [];
  for (let i = 0; i < 32; i++) {
    const o = IN.v + 16 * i;
    v.push((dv.getBigUint64(o + 8, true) << 64n) | dv.getBigUint64(o, true));
  }
  return {
    x,
    sp: dv.getBigUint64(IN.sp, true),
    pc: dv.getBigUint64(IN.pc, true),
    nzcv: Number(dv.getBigUint64(IN.pstate, true) & 0xf0000000n),
    fpsr: dv.getUint32(IN.fpsr, true),
    fpcr: dv.getUint32(IN.fpcr, true),
    v,
  };
}
