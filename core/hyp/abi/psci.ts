/**
 * PSCI 1.1 (Arm DEN0022) and SMCCC 1.1 (Arm DEN0028) function IDs and return codes, the
 * firmware interface a Xen guest calls with HVC #0 (the DT's psci node says method = "hvc").
 * PSCI names are Linux's uapi <linux/psci.h>; SMCCC names are Xen 4.17's
 * (xen/arch/arm/include/asm/smccc.h). Function IDs are 32-bit; results go back in x0
 * (negative codes are sign-extended).
 *
 * @module
 */

/** PSCI_VERSION: returns (major << 16) | minor. */
export const PSCI_0_2_FN_PSCI_VERSION = 0x84000000;
/** CPU_SUSPEND (SMC32). */
export const PSCI_0_2_FN_CPU_SUSPEND = 0x84000001;
/** CPU_OFF: power the calling cpu down. */
export const PSCI_0_2_FN_CPU_OFF = 0x84000002;
/** CPU_ON (SMC32): target MPIDR, entry point, context id. */
export const PSCI_0_2_FN_CPU_ON = 0x84000003;
/** AFFINITY_INFO (SMC32). */
export const PSCI_0_2_FN_AFFINITY_INFO = 0x84000004;
/** MIGRATE (SMC32). */
export const PSCI_0_2_FN_MIGRATE = 0x84000005;
/** MIGRATE_INFO_TYPE: where a trusted OS runs (PSCI_0_2_TOS_*). */
export const PSCI_0_2_FN_MIGRATE_INFO_TYPE = 0x84000006;
/** MIGRATE_INFO_UP_CPU (SMC32). */
export const PSCI_0_2_FN_MIGRATE_INFO_UP_CPU = 0x84000007;
/** SYSTEM_OFF: power the system down. */
export const PSCI_0_2_FN_SYSTEM_OFF = 0x84000008;
/** SYSTEM_RESET: reset the system. */
export const PSCI_0_2_FN_SYSTEM_RESET = 0x84000009;
/** PSCI_FEATURES: is a function ID implemented (0 or feature flags) or NOT_SUPPORTED. */
export const PSCI_1_0_FN_PSCI_FEATURES = 0x8400000a;
/** CPU_FREEZE. */
export const PSCI_1_0_FN_CPU_FREEZE = 0x8400000b;
/** CPU_DEFAULT_SUSPEND (SMC32). */
export const PSCI_1_0_FN_CPU_DEFAULT_SUSPEND = 0x8400000c;
/** NODE_HW_STATE (SMC32). */
export const PSCI_1_0_FN_NODE_HW_STATE = 0x8400000d;
/** SYSTEM_SUSPEND (SMC32). */
export const PSCI_1_0_FN_SYSTEM_SUSPEND = 0x8400000e;
/** PSCI_SET_SUSPEND_MODE. */
export const PSCI_1_0_FN_SET_SUSPEND_MODE = 0x8400000f;
/** PSCI_STAT_RESIDENCY (SMC32). */
export const PSCI_1_0_FN_STAT_RESIDENCY = 0x84000010;
/** PSCI_STAT_COUNT (SMC32). */
export const PSCI_1_0_FN_STAT_COUNT = 0x84000011;
/** SYSTEM_RESET2 (SMC32). */
export const PSCI_1_1_FN_SYSTEM_RESET2 = 0x84000012;
/** MEM_PROTECT. */
export const PSCI_1_1_FN_MEM_PROTECT = 0x84000013;
/** CPU_SUSPEND (SMC64). */
export const PSCI_0_2_FN64_CPU_SUSPEND = 0xc4000001;
/** CPU_ON (SMC64): the form arm64 Linux uses. */
export const PSCI_0_2_FN64_CPU_ON = 0xc4000003;
/** AFFINITY_INFO (SMC64). */
export const PSCI_0_2_FN64_AFFINITY_INFO = 0xc4000004;
/** MIGRATE (SMC64). */
export const PSCI_0_2_FN64_MIGRATE = 0xc4000005;
/** MIGRATE_INFO_UP_CPU (SMC64). */
export const PSCI_0_2_FN64_MIGRATE_INFO_UP_CPU = 0xc4000007;
/** CPU_DEFAULT_SUSPEND (SMC64). */
export const PSCI_1_0_FN64_CPU_DEFAULT_SUSPEND = 0xc400000c;
/** NODE_HW_STATE (SMC64). */
export const PSCI_1_0_FN64_NODE_HW_STATE = 0xc400000d;
/** SYSTEM_SUSPEND (SMC64). */
export const PSCI_1_0_FN64_SYSTEM_SUSPEND = 0xc400000e;
/** PSCI_STAT_RESIDENCY (SMC64). */
export const PSCI_1_0_FN64_STAT_RESIDENCY = 0xc4000010;
/** PSCI_STAT_COUNT (SMC64). */
export const PSCI_1_0_FN64_STAT_COUNT = 0xc4000011;
/** SYSTEM_RESET2 (SMC64). */
export const PSCI_1_1_FN64_SYSTEM_RESET2 = 0xc4000012;
/** AFFINITY_INFO result: on. */
export const PSCI_0_2_AFFINITY_LEVEL_ON = 0;
/** AFFINITY_INFO result: off. */
export const PSCI_0_2_AFFINITY_LEVEL_OFF = 1;
/** AFFINITY_INFO result: being powered on. */
export const PSCI_0_2_AFFINITY_LEVEL_ON_PENDING = 2;
/** MIGRATE_INFO_TYPE: uniprocessor trusted OS, migratable. */
export const PSCI_0_2_TOS_UP_MIGRATE = 0;
/** MIGRATE_INFO_TYPE: uniprocessor trusted OS, not migratable. */
export const PSCI_0_2_TOS_UP_NO_MIGRATE = 1;
/** MIGRATE_INFO_TYPE: no trusted OS needing migration (what Xen returns). */
export const PSCI_0_2_TOS_MP = 2;
/** SYSTEM_RESET2 type: warm reset. */
export const PSCI_1_1_RESET_TYPE_SYSTEM_WARM_RESET = 0;
/** SYSTEM_RESET2 type: first vendor-specific type. */
export const PSCI_1_1_RESET_TYPE_VENDOR_START = 0x80000000;
/** PSCI_VERSION result: major in bits 31:16. */
export const PSCI_VERSION_MAJOR_SHIFT = 16;
/** Return code: success. */
export const PSCI_RET_SUCCESS = 0;
/** Return code: not supported. */
export const PSCI_RET_NOT_SUPPORTED = -1;
/** Return code: invalid parameters. */
export const PSCI_RET_INVALID_PARAMS = -2;
/** Return code: denied. */
export const PSCI_RET_DENIED = -3;
/** Return code: CPU_ON of a cpu that is on. */
export const PSCI_RET_ALREADY_ON = -4;
/** Return code: CPU_ON already in progress. */
export const PSCI_RET_ON_PENDING = -5;
/** Return code: internal failure. */
export const PSCI_RET_INTERNAL_FAILURE = -6;
/** Return code: not present. */
export const PSCI_RET_NOT_PRESENT = -7;
/** Return code: disabled. */
export const PSCI_RET_DISABLED = -8;
/** Return code: invalid address. */
export const PSCI_RET_INVALID_ADDRESS = -9;
/** SMCCC_VERSION: returns the SMCCC version (Xen 4.17: 1.1). */
export const ARM_SMCCC_VERSION_FID = 0x80000000;
/** SMCCC_ARCH_FEATURES: is an SMCCC function implemented. */
export const ARM_SMCCC_ARCH_FEATURES_FID = 0x80000001;
/** SMCCC_ARCH_WORKAROUND_1 (Spectre v2 branch predictor invalidation). */
export const ARM_SMCCC_ARCH_WORKAROUND_1_FID = 0x80008000;
/** SMCCC_ARCH_WORKAROUND_2 (Spectre v4 SSBD). */
export const ARM_SMCCC_ARCH_WORKAROUND_2_FID = 0x80007fff;
/** SMCCC_ARCH_WORKAROUND_3 (Spectre-BHB). */
export const ARM_SMCCC_ARCH_WORKAROUND_3_FID = 0x80003fff;
/** SMCCC version 1.0 as SMCCC_VERSION reports it. */
export const ARM_SMCCC_VERSION_1_0 = 0x10000;
/** SMCCC version 1.1 as SMCCC_VERSION reports it. */
export const ARM_SMCCC_VERSION_1_1 = 0x10001;
/** SMCCC return: success. */
export const ARM_SMCCC_SUCCESS = 0;
/** SMCCC return: not supported. */
export const ARM_SMCCC_NOT_SUPPORTED = -1;
/** SMCCC return: workaround not required on this system. */
export const ARM_SMCCC_NOT_REQUIRED = -2;

/** The PSCI_VERSION encoding of major.minor (PSCI 1.1 = 0x10001). */
export function psciVersion(major: number, minor: number): number {
  if (!Number.isInteger(major) || major < 0 || major > 0x7fff) {
    throw new Error(`PSCI major version out of range: ${major}`);
  }
  if (!Number.isInteger(minor) || minor < 0 || minor > 0xffff) {
    throw new Error(`PSCI minor version out of range: ${minor}`);
  }
  return (major << PSCI_VERSION_MAJOR_SHIFT) | minor;
}
