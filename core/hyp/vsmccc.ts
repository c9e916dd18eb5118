/**
 * SMCCC 1.1 and PSCI 1.1 as Xen 4.17 offers them to guests (xen/arch/arm/vsmc.c, vpsci.c): the
 * conduit is HVC #0 (the device tree says method "hvc"), SMC traps the same way. PSCI brings
 * vcpus up and down and shuts the domain down; SMCCC reports version 1.1 and no firmware
 * workarounds (the QEMU-hosted Xen the oracle runs on has none to offer either).
 */
import * as P from "./abi/psci.ts";
import type { Domain } from "./domain.ts";
import { Vcpu } from "./vcpu.ts";

/** Xen's hypervisor-service calls (SMCCC owner 6, xen/include/public/arch-arm/smccc.h). */
const XEN_SMCCC = { CALL_COUNT: 0x8600_ff00, UID: 0x8600_ff01, REVISION: 0x8600_ff03 } as const;
/** PSCI 0.1 function ids Xen advertises in the psci node. */
const PSCI_0_1_CPU_OFF = 1, PSCI_0_1_CPU_ON = 2;
/** Xen's SMCCC UID (xen/include/public/arch-arm/smccc.h), as the four 32-bit words returned. */
const XEN_UID_WORDS = [0x0a55_6cca, 0x4bd4_0efb, 0x48b4_f8a1, 0x7e91_a0ce];

/** What the PSCI/SMCCC layer needs from the hypervisor. */
export interface VsmcccHost {
  /** Powers `vcpu` on at `entry` with x0 = `context` (EL1h, MMU off, DAIF masked). */
  cpuOn(vcpu: Vcpu, entry: bigint, context: bigint): void;
  /** Powers the calling vcpu off. */
  cpuOff(vcpu: Vcpu): void;
  systemOff(domain: Domain): void;
  systemReset(domain: Domain): void;
  /** Suspends until an event (CPU_SUSPEND is a WFI for a guest). */
  suspend(vcpu: Vcpu): void;
}

const FEATURES = new Set<number>([
  P.PSCI_0_2_FN_PSCI_VERSION,
  P.PSCI_0_2_FN_CPU_SUSPEND,
  P.PSCI_0_2_FN64_CPU_SUSPEND,
  P.PSCI_0_2_FN_CPU_OFF,
  P.PSCI_0_2_FN_CPU_ON,
  P.PSCI_0_2_FN64_CPU_ON,
  P.PSCI_0_2_FN_AFFINITY_INFO,
  P.PSCI_0_2_FN64_AFFINITY_INFO,
  P.PSCI_0_2_FN_MIGRATE_INFO_TYPE,
  P.PSCI_0_2_FN_SYSTEM_OFF,
  P.PSCI_0_2_FN_SYSTEM_RESET,
  P.PSCI_1_0_FN_PSCI_FEATURES,
  P.ARM_SMCCC_VERSION_FID,
]);

/** The vcpu with virtual MPIDR affinity `mpidr` (Xen's vaffinity_to_vcpuid), or undefined. */
function vcpuByAffinity(d: Domain, mpidr: bigint): Vcpu | undefined {
  const aff = mpidr & 0xff_00ff_ffffn;
  if ((aff >> 16n) & 0xffn || (aff >> 32n) !== 0n) return undefined;
  const aff0 = Number(aff & 0xffn), aff1 = Number((aff >> 8n) & 0xffn);
  if (aff0 > 15) return undefined;
  return d.vcpus[aff1 * 16 + aff0];
}

/**
 * Handles the SMCCC call in `v`'s registers (w0 = function id): results go to x0 (x0-x3 for the
 * UID); CPU_OFF, SYSTEM_OFF and SYSTEM_RESET go to the host and return nothing.
 */
export function smcccCall(host: VsmcccHost, d: Domain, v: Vcpu): void {
  const c = v.cpu;
  const fid = Number(c.getX(0) & 0xffff_ffffn);
  Vcpu.bump(v.smccc, `0x${fid.toString(16).padStart(8, "0")}`);
  const is32 = (fid & 0x4000_0000) === 0;
  const arg = (n: number) => is32 ? c.getX(n) & 0xffff_ffffn : c.getX(n);
  const ret = (x: number | bigint) => c.setX(0, BigInt.asUintN(64, BigInt(x)));
  switch (fid) {
    case P.ARM_SMCCC_VERSION_FID:
      return ret(P.ARM_SMCCC_VERSION_1_1);
    case P.ARM_SMCCC_ARCH_FEATURES_FID:
      // No firmware mitigation is offered (no ARCH_WORKAROUND_n), like Xen on QEMU.
      return ret(P.ARM_SMCCC_NOT_SUPPORTED);
    case XEN_SMCCC.CALL_COUNT:
      return ret(3);
    case XEN_SMCCC.UID:
      XEN_UID_WORDS.forEach((w, i) => c.setX(i, BigInt(w)));
      return;
    case XEN_SMCCC.REVISION:
      c.setX(1, 1n);
      return ret(0);
    case P.PSCI_0_2_FN_PSCI_VERSION:
      return ret(0x1_0001);
    case P.PSCI_1_0_FN_PSCI_FEATURES:
      return ret(FEATURES.has(Number(arg(1) & 0xffff_ffffn)) ? 0 : P.PSCI_RET_NOT_SUPPORTED);
    case P.PSCI_0_2_FN_MIGRATE_INFO_TYPE:
      return ret(P.PSCI_0_2_TOS_MP);
    case P.PSCI_0_2_FN_CPU_SUSPEND:
    case P.PSCI_0_2_FN64_CPU_SUSPEND:
      ret(P.PSCI_RET_SUCCESS);
      host.suspend(v);
      return;
    case PSCI_0_1_CPU_OFF:
    case P.PSCI_0_2_FN_CPU_OFF:
      host.cpuOff(v);
      return;
    case PSCI_0_1_CPU_ON:
    case P.PSCI_0_2_FN_CPU_ON:
    case P.PSCI_0_2_FN64_CPU_ON: {
      const t = vcpuByAffinity(d, arg(1));
      if (t === undefined) return ret(P.PSCI_RET_INVALID_PARAMS);
      if (t.online) return ret(P.PSCI_RET_ALREADY_ON);
      host.cpuOn(t, arg(2), arg(3));
      return ret(P.PSCI_RET_SUCCESS);
    }
    case P.PSCI_0_2_FN_AFFINITY_INFO:
    case P.PSCI_0_2_FN64_AFFINITY_INFO: {
      const level = Number(arg(2) & 0xffff_ffffn);
      if (level > 3) return ret(P.PSCI_RET_INVALID_PARAMS);
      // Affinity fields below `level` are ignored: any matching vcpu that is on counts.
      const mask = [0xff_00ff_ffffn, 0xff_00ff_ff00n, 0xff_00ff_0000n, 0xff_0000_0000n][level];
      const want = arg(1) & mask;
      let any = false, on = false;
      for (const t of d.vcpus) {
        const aff = (BigInt(t.id >> 4) << 8n) | BigInt(t.id & 15);
        if ((aff & mask) !== want) continue;
        any = true;
        on ||= t.online;
      }
      if (!any) return ret(P.PSCI_RET_INVALID_PARAMS);
      return ret(on ? P.PSCI_0_2_AFFINITY_LEVEL_ON : P.PSCI_0_2_AFFINITY_LEVEL_OFF);
    }
    case P.PSCI_0_2_FN_SYSTEM_OFF:
      host.systemOff(d);
      return;
    case P.PSCI_0_2_FN_SYSTEM_RESET:
      host.systemReset(d);
      return;
    default:
      return ret(P.ARM_SMCCC_NOT_SUPPORTED);
  }
}
