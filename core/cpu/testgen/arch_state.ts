/**
 * A user-visible AArch64 register state (X0-X30, SP, PC, NZCV, FPCR, FPSR, V0-V31) as plain
 * data, read either from an hvlab PE stopped in an EL0 exception or from the signal frame a Linux
 * (or qemu-aarch64) signal handler receives, so the two can be compared field by field.
 */
import type { Cpu } from "../cpu.ts";

/** Final (or initial) user state of one run. */
export interface ArchState {
  /** X0..X30. */
  x: bigint[];
  sp: bigint;
  pc: bigint;
  /** NZCV in bits 31..28. */
  nzcv: number;
  fpcr: number;
  fpsr: number;
  /** V0..V31 as 128-bit values. */
  v: bigint[];
}

/** Offsets inside Linux's arm64 `struct sigcontext` (uc_mcontext) and the fpsimd record after it. */
export const SIGCONTEXT = {
  /** Offset of uc_mcontext inside the ucontext. */
  inUcontext: 176,
  faultAddress: 0,
  regs: 8,
  sp: 256,
  pc: 264,
  pstate: 272,
  /** First record of __reserved: struct fpsimd_context. */
  fpsimd: 288,
  fpsimdMagic: 0x46508001,
  /** Bytes from uc_mcontext to the end of the fpsimd record. */
  size: 288 + 528,
} as const;

/** Parses a sigcontext (starting at uc_mcontext) into a state; throws if the fpsimd record is missing. */
export function stateFromSigcontext(b: Uint8Array): ArchState {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const s = SIGCONTEXT;
  const magic = dv.getUint32(s.fpsimd, true);
  if (magic !== s.fpsimdMagic) {
    throw new Error(`sigcontext: first record magic 0x${magic.toString(16)} is not FPSIMD`);
  }
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(dv.getBigUint64(s.regs + 8 * i, true));
  const v: bigint[] = [];
  for (let i = 0; i < 32; i++) {
    const o = s.fpsimd + 16 + 16 * i;
    v.push((dv.getBigUint64(o + 8, true) << 64n) | dv.getBigUint64(o, true));
  }
  return {
    x,
    sp: dv.getBigUint64(s.sp, true),
    pc: dv.getBigUint64(s.pc, true),
    nzcv: Number(dv.getBigUint64(s.pstate, true) & 0xf0000000n),
    fpsr: dv.getUint32(s.fpsimd + 8, true),
    fpcr: dv.getUint32(s.fpsimd + 12, true),
    v,
  };
}

/** The live state of a PE (as at a breakpoint): PC, NZCV and SP as they are now. */
export function stateFromCpu(c: Cpu): ArchState {
  const x: bigint[] = [];
  for (let i = 0; i < 31; i++) x.push(c.getX(i));
  const v: bigint[] = [];
  for (let i = 0; i < 32; i++) v.push(c.getQ(i));
  return { x, sp: c.getX(31), pc: c.pc, nzcv: c.nzcv, fpcr: c.fpcr >>> 0, fpsr: c.fpsr >>> 0, v };
}

/**
 * The EL0 state of a PE that has just taken an exception from EL0 to EL1 (what a signal handler
 * would see): PC and NZCV from ELR_EL1/SPSR_EL1, SP from the banked SP_EL0.
 */
export function stateFromTrappedCpu(c: Cpu): ArchState {
  return {
    ...stateFromCpu(c),
    sp: (BigInt(c.spBank[1] >>> 0) << 32n) | BigInt(c.spBank[0] >>> 0),
    pc: c.sysregs.get("ELR_EL1"),
    nzcv: Number(c.sysregs.get("SPSR_EL1") & 0xf0000000n),
  };
}

const hex = (v: bigint | number, w: number) => "0x" + v.toString(16).padStart(w, "0");

/** Lines naming every field where `a` and `b` differ ("x3: 0x... != 0x..."); empty when equal. */
export function diffStates(a: ArchState, b: ArchState): string[] {
  const out: string[] = [];
  for (let i = 0; i < 31; i++) {
    if (a.x[i] !== b.x[i]) out.push(`x${i}: ${hex(a.x[i], 16)} != ${hex(b.x[i], 16)}`);
  }
  if (a.sp !== b.sp) out.push(`sp: ${hex(a.sp, 16)} != ${hex(b.sp, 16)}`);
  if (a.pc !== b.pc) out.push(`pc: ${hex(a.pc, 16)} != ${hex(b.pc, 16)}`);
  if (a.nzcv !== b.nzcv) out.push(`nzcv: ${hex(a.nzcv >>> 28, 1)} != ${hex(b.nzcv >>> 28, 1)}`);
  if (a.fpcr !== b.fpcr) out.push(`fpcr: ${hex(a.fpcr, 8)} != ${hex(b.fpcr, 8)}`);
  if (a.fpsr !== b.fpsr) out.push(`fpsr: ${hex(a.fpsr, 8)} != ${hex(b.fpsr, 8)}`);
  for (let i = 0; i < 32; i++) {
    if (a.v[i] !== b.v[i]) out.push(`v${i}: ${hex(a.v[i], 32)} != ${hex(b.v[i], 32)}`);
  }
  return out;
}

/** Lines naming differing bytes of two memory images ("mem+0x10: 0x01 != 0x02"), at most `max`. */
export function diffBytes(a: Uint8Array, b: Uint8Array, max = 16): string[] {
  const out: string[] = [];
  if (a.length !== b.length) out.push(`mem size: ${a.length} != ${b.length}`);
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n && out.length < max; i++) {
    if (a[i] !== b[i]) out.push(`mem+${hex(i, 1)}: ${hex(a[i], 2)} != ${hex(b[i], 2)}`);
  }
  return out;
}
