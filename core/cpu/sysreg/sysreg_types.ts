/**
 * System registers as data: one row per register with its encoding, who may access it, and
 * either a storage slot or read/write functions. MRS/MSR decode through this table; the REPL
 * lists it; snapshots save the slots.
 */
import type { Cpu } from "../cpu.ts";

/** The fields of an MRS/MSR encoding. */
export interface SysRegEncoding {
  op0: number;
  op1: number;
  crn: number;
  crm: number;
  op2: number;
}

/** Packs an encoding into a table key (the layout of Linux's sys_reg(), shifted down by 5). */
export function sysRegKey(op0: number, op1: number, crn: number, crm: number, op2: number): number {
  return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
}

/**
 * Access at EL0: none or read-only/read-write (other accesses are UNDEFINED), or a rule evaluated
 * at run time (e.g. CNTKCTL_EL1, SCTLR_EL1.UCT): true allows, false traps to EL1 with EC 0x18,
 * "undef" is UNDEFINED.
 */
export type El0Access =
  | "none"
  | "r"
  | "rw"
  | ((c: Cpu, write: boolean) => boolean | "undef");

/** One system register. */
export interface SysRegDef {
  readonly name: string;
  readonly enc: SysRegEncoding;
  /** Access from EL0 (EL1 always may, subject to `ro`). Default "none". */
  readonly el0?: El0Access;
  /** Read-only at every EL (writes are UNDEFINED). */
  readonly ro?: boolean;
  /** Write-only (reads are UNDEFINED), e.g. none in v8.0 but kept for completeness. */
  readonly wo?: boolean;
  /** Value at reset (stored registers only). */
  readonly reset?: bigint;
  /** Bits that writes may change (others keep their value); default all. */
  readonly writeMask?: bigint;
  /** Computed read (ID registers derived from config, counters...). */
  read?(c: Cpu): bigint;
  /** Side-effecting write (after storage, when the register is stored). */
  write?(c: Cpu, v: bigint): void;
  /** True when a write changes translation (flush TLBs and the translator's mode). */
  readonly affectsTranslation?: boolean;
  /**
   * EL2 trap group that sends this access to the hypervisor: "tvm" (HCR_EL2.TVM for writes,
   * TRVM for reads), "tid1".."tid3", "tacr", "el1pcten"/"el1pcen" (CNTHCTL_EL2 bits clear), or
   * for the GICv3 ICC registers "imo" / "fmo" / "imofmo" (HCR_EL2.IMO, FMO, either).
   */
  readonly el2Trap?: string;
  /**
   * False when the PE lacks the register in its current configuration (ICC_* without a GICv3
   * CPU interface): the access is UNDEFINED as for an unallocated encoding. Default: present.
   */
  present?(c: Cpu): boolean;
}
