/**
 * Exceptions the hypervisor injects into a guest, as Xen's inject_undef64_exception and
 * inject_abt64_exception do: taken to the guest's EL1 at the trapping instruction, with the
 * syndrome Xen writes (EC by the EL the guest was at, IL set, ISS 0 for aborts).
 */
import type { Cpu } from "../cpu/cpu.ts";
import { ExcClass } from "../cpu/exceptions.ts";

/** UNDEFINED at the current PC (an HVC/SMC/sysreg access the hypervisor refuses). */
export function injectUndef(cpu: Cpu): void {
  cpu.enterException(0, ExcClass.UNKNOWN, 0, 0, 0, false, cpu.pcLo, cpu.pcHi);
}

/** A synchronous data (or, with `prefetch`, instruction) abort at `va`, PC at the access. */
export function injectAbort(cpu: Cpu, va: bigint, prefetch: boolean): void {
  const lower = cpu.el === 0;
  const ec = prefetch
    ? (lower ? ExcClass.IABT_LOWER : ExcClass.IABT_SAME)
    : (lower ? ExcClass.DABT_LOWER : ExcClass.DABT_SAME);
  const v = BigInt.asUintN(64, va);
  cpu.enterException(
    0,
    ec,
    0,
    Number(v & 0xffffffffn) | 0,
    Number(v >> 32n) | 0,
    true,
    cpu.pcLo,
    cpu.pcHi,
  );
}

/** Moves the PC past the trapped 4-byte instruction (Xen's advance_pc). */
export function advancePc(cpu: Cpu): void {
  const lo = (cpu.pcLo >>> 0) + 4;
  cpu.pcLo = lo | 0;
  if (lo >= 2 ** 32) cpu.pcHi = (cpu.pcHi + 1) | 0;
}
