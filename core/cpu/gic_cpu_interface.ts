/**
 * The boundary between the PE and a GICv3 CPU interface: the ICC_* system registers the PE
 * forwards (core/cpu/sysreg/gic_cpuif_regs.ts) to whatever implements `GicCpuInterface` (the
 * GICv3 model in core/devices, later a hypervisor's virtual interface). Defined here so that
 * core/cpu never imports from core/devices. A PE without one (a GICv2 system) has no ICC_*
 * registers: they are UNDEFINED and ID_AA64PFR0_EL1.GIC reads 0.
 */

/** The EL1 ICC registers hvlab's PE has, named without the ICC_ prefix and _EL1 suffix. */
export type IccRegister =
  | "PMR"
  | "IAR0"
  | "EOIR0"
  | "HPPIR0"
  | "BPR0"
  | "AP0R0"
  | "AP1R0"
  | "DIR"
  | "RPR"
  | "SGI1R"
  | "ASGI1R"
  | "SGI0R"
  | "IAR1"
  | "EOIR1"
  | "HPPIR1"
  | "BPR1"
  | "CTLR"
  | "SRE"
  | "IGRPEN0"
  | "IGRPEN1";

/**
 * A GICv3 CPU interface as one PE sees it. The PE has already applied the access checks (EL0,
 * read-only/write-only, EL2 traps) when it calls these: reads may have side effects (IAR
 * acknowledges), so only MRS calls `read`.
 */
export interface GicCpuInterface {
  read(reg: IccRegister): bigint;
  write(reg: IccRegister, value: bigint): void;
}
