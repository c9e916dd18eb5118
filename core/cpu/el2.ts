/**
 * What the TypeScript hypervisor (our EL2) configures on a PE: trap controls modelled on
 * HCR_EL2, FP trapping as CPTR_EL2.TFP, the virtual counter offset, and stage-2 translation
 * supplied as a lookup (the hypervisor's p2m), tagged with a VMID.
 */

/** HCR_EL2 bits hvlab models (same bit positions as the architecture). */
export const HCR = {
  VM: 1n << 0n,
  FMO: 1n << 3n,
  IMO: 1n << 4n,
  AMO: 1n << 5n,
  TWI: 1n << 13n,
  TWE: 1n << 14n,
  TID0: 1n << 15n,
  TID1: 1n << 16n,
  TID2: 1n << 17n,
  TID3: 1n << 18n,
  TSC: 1n << 19n,
  TIDCP: 1n << 20n,
  TACR: 1n << 21n,
  TSW: 1n << 22n,
  TPC: 1n << 23n,
  TPU: 1n << 24n,
  TTLB: 1n << 25n,
  TVM: 1n << 26n,
  TDZ: 1n << 28n,
  TRVM: 1n << 30n,
} as const;

/** Stage-2 permissions of a page. */
export const S2_R = 1;
export const S2_W = 2;
export const S2_X = 4;

/** One stage-2 translation result. */
export interface Stage2Entry {
  /** Physical page number backing the IPA page. */
  pfn: number;
  /** S2_R | S2_W | S2_X. */
  perms: number;
}

/** Stage-2 translation supplied by the hypervisor (a p2m). */
export interface Stage2 {
  readonly vmid: number;
  /** Translation of IPA page `ipfn`; undefined when unmapped (a stage-2 translation fault). */
  lookup(ipfn: number): Stage2Entry | undefined;
}

/** The EL2 controls of one PE. */
export interface El2Controls {
  hcr: bigint;
  /** CPTR_EL2.TFP: FP/SIMD at EL0/EL1 traps to EL2. */
  tfp: boolean;
  /** CNTVOFF_EL2 in counter ticks. */
  cntvoff: number;
  /**
   * CNTHCTL_EL2: bit 0 EL1PCTEN (EL0/EL1 may read CNTPCT_EL0), bit 1 EL1PCEN (may use the
   * physical timer); a clear bit traps the access to EL2. Absent means both set.
   */
  cnthctl?: number;
  /** Stage-2 translation, used when HCR.VM is set. */
  stage2: Stage2 | null;
  /** VMPIDR_EL2 / VPIDR_EL2: what EL1 reads as MPIDR_EL1 / MIDR_EL1. */
  vmpidr: bigint;
  vpidr: bigint;
}
