/**
 * Why `Cpu.run()` returned: the KVM_RUN-style boundary between the CPU and the hypervisor (or a
 * bare-metal board). Syndromes are what a real EL2 would receive in ESR_EL2, FAR_EL2, HPFAR_EL2.
 */

/** Exit reasons. */
export type ExitKind =
  /** The instruction budget ran out (or the run was asked to stop). */
  | "budget"
  /** HVC from EL1 (imm16 in `imm`); PC already points after the HVC. */
  | "hvc"
  /** SMC trapped to EL2 (HCR_EL2.TSC) or, with no EL2/EL3, given to the board; PC after it. */
  | "smc"
  /** WFI/WFE: trapped to EL2 (HCR_EL2.TWI/TWE) or, without traps, the PE idles until an event. */
  | "wfi"
  | "wfe"
  /** Stage-2 data or instruction abort; PC at the faulting instruction. */
  | "dabt"
  | "iabt"
  /** System register or instruction access trapped to EL2 (EC 0x18 and friends). */
  | "sysreg"
  /** A debugger breakpoint or watchpoint was hit, or a single step completed. */
  | "breakpoint"
  | "watchpoint"
  | "step";

/** A CPU exit. One object per Cpu, reused across runs. */
export interface Exit {
  kind: ExitKind;
  /** ESR_EL2 value for trap exits (EC, IL, ISS). */
  esr: number;
  /** Faulting virtual address (FAR_EL2) for aborts and watchpoints. */
  far: bigint;
  /** Faulting IPA for stage-2 aborts (the full IPA; HPFAR_EL2 = ipa >> 8 masked to page). */
  ipa: bigint;
  /** The immediate of HVC/SMC. */
  imm: number;
}

/** A fresh exit record. */
export function newExit(): Exit {
  return { kind: "budget", esr: 0, far: 0n, ipa: 0n, imm: 0 };
}
