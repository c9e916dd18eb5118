/**
 * PSCI 1.1 function identifiers and return codes (Arm DEN 0022), as a bare board with one PE
 * answers them through the HVC conduit (QEMU virt's conduit for an EL1-only guest).
 */

/** PSCI function IDs (SMC32 / SMC64 calling convention). */
export const PSCI_FN = {
  VERSION: 0x8400_0000,
  CPU_SUSPEND: 0x8400_0001,
  CPU_OFF: 0x8400_0002,
  CPU_ON: 0x8400_0003,
  CPU_ON_64: 0xc400_0003,
  AFFINITY_INFO: 0x8400_0004,
  AFFINITY_INFO_64: 0xc400_0004,
  MIGRATE_INFO_TYPE: 0x8400_0006,
  SYSTEM_OFF: 0x8400_0008,
  SYSTEM_RESET: 0x8400_0009,
  FEATURES: 0x8400_000a,
} as const;

/** PSCI return codes. */
export const PSCI_RET = {
  SUCCESS: 0,
  NOT_SUPPORTED: -1,
  INVALID_PARAMETERS: -2,
  ALREADY_ON: -4,
} as const;

/** What a PSCI call asks of the board. */
export type PsciOutcome =
  | { kind: "return"; value: number }
  | { kind: "system-off" }
  | { kind: "system-reset" }
  | { kind: "cpu-off" };

const IMPLEMENTED: ReadonlySet<number> = new Set([
  PSCI_FN.VERSION,
  PSCI_FN.CPU_OFF,
  PSCI_FN.CPU_ON,
  PSCI_FN.CPU_ON_64,
  PSCI_FN.AFFINITY_INFO,
  PSCI_FN.AFFINITY_INFO_64,
  PSCI_FN.MIGRATE_INFO_TYPE,
  PSCI_FN.SYSTEM_OFF,
  PSCI_FN.SYSTEM_RESET,
  PSCI_FN.FEATURES,
]);

/**
 * Handles PSCI call `fn` (W0) with first argument `arg1` (X1) on a board whose only PE has
 * MPIDR affinity `selfAffinity`.
 */
export function psciCall(fn: number, arg1: bigint, selfAffinity: bigint): PsciOutcome {
  const ret = (value: number): PsciOutcome => ({ kind: "return", value });
  switch (fn >>> 0) {
    case PSCI_FN.VERSION:
      return ret(0x1_0001);
    case PSCI_FN.CPU_OFF:
      return { kind: "cpu-off" };
    case PSCI_FN.CPU_ON:
    case PSCI_FN.CPU_ON_64:
      return ret(arg1 === selfAffinity ? PSCI_RET.ALREADY_ON : PSCI_RET.INVALID_PARAMETERS);
    case PSCI_FN.AFFINITY_INFO:
    case PSCI_FN.AFFINITY_INFO_64:
      return ret(arg1 === selfAffinity ? 0 : PSCI_RET.INVALID_PARAMETERS);
    case PSCI_FN.MIGRATE_INFO_TYPE:
      return ret(2); // no Trusted OS that would need migrating
    case PSCI_FN.SYSTEM_OFF:
      return { kind: "system-off" };
    case PSCI_FN.SYSTEM_RESET:
      return { kind: "system-reset" };
    case PSCI_FN.FEATURES:
      return ret(IMPLEMENTED.has(Number(arg1 & 0xffff_ffffn)) ? 0 : PSCI_RET.NOT_SUPPORTED);
    default:
      return ret(PSCI_RET.NOT_SUPPORTED);
  }
}
