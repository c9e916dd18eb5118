/**
 * The shared_info page and vcpu_info (xen/include/public/xen.h, arch-arm.h) as ARM lays them out:
 * xen_ulong_t is 64-bit, XEN_LEGACY_MAX_VCPUS is 1 (vcpus beyond 0 must register their vcpu_info
 * with VCPUOP_register_vcpu_info), arch_vcpu_info and arch_shared_info are empty, and ARM has no
 * evtchn_upcall_mask (the GIC masks the event-channel PPI instead). The 2-level event ABI lives in
 * evtchn_pending/evtchn_mask and each vcpu_info's evtchn_pending_sel.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** vcpu_info slots inside shared_info on ARM. */
export const XEN_LEGACY_MAX_VCPUS = 1;
/** vcpu_time_info.flags: the time source is stable across vcpus. */
export const XEN_PVCLOCK_TSC_STABLE_BIT = 1;
/** vcpu_time_info.flags: the guest was paused (watchdogs may ignore the gap). */
export const XEN_PVCLOCK_GUEST_STOPPED = 2;

/** Per-vcpu system time (odd version = update in progress). */
export const vcpu_time_info: AbiStruct = {
  name: "vcpu_time_info",
  size: 32,
  fields: [
    { name: "version", offset: 0, size: 4 },
    { name: "pad0", offset: 4, size: 4 },
    { name: "tsc_timestamp", offset: 8, size: 8 },
    { name: "system_time", offset: 16, size: 8 },
    { name: "tsc_to_system_mul", offset: 24, size: 4 },
    { name: "tsc_shift", offset: 28, size: 1, signed: true },
    { name: "flags", offset: 29, size: 1 },
    { name: "pad1", offset: 30, size: 2, count: 2 },
  ],
};

/** ARM's arch part of vcpu_info: empty. */
export const arch_vcpu_info: AbiStruct = {
  name: "arch_vcpu_info",
  size: 0,
  fields: [],
};

/** ARM's arch part of shared_info: empty. */
export const arch_shared_info: AbiStruct = {
  name: "arch_shared_info",
  size: 0,
  fields: [],
};

/** Per-vcpu event and time state (in shared_info for vcpu 0, or wherever the guest registered it). */
export const vcpu_info: AbiStruct = {
  name: "vcpu_info",
  size: 48,
  fields: [
    { name: "evtchn_upcall_pending", offset: 0, size: 1 },
    { name: "pad0", offset: 1, size: 1 },
    { name: "evtchn_pending_sel", offset: 8, size: 8 },
    { name: "arch", offset: 16, size: 0 },
    { name: "time", offset: 16, size: 32 },
    { name: "time.version", offset: 16, size: 4 },
    { name: "time.system_time", offset: 32, size: 8 },
  ],
};

/** The shared_info page (first 1088 bytes of the frame mapped with XENMAPSPACE_shared_info). */
export const shared_info: AbiStruct = {
  name: "shared_info",
  size: 1088,
  fields: [
    { name: "vcpu_info", offset: 0, size: 48, count: 1 },
    { name: "vcpu_info[0].evtchn_upcall_pending", offset: 0, size: 1 },
    { name: "vcpu_info[0].evtchn_pending_sel", offset: 8, size: 8 },
    { name: "evtchn_pending", offset: 48, size: 512, count: 64 },
    { name: "evtchn_mask", offset: 560, size: 512, count: 64 },
    { name: "wc_version", offset: 1072, size: 4 },
    { name: "wc_sec", offset: 1076, size: 4 },
    { name: "wc_nsec", offset: 1080, size: 4 },
    { name: "wc_sec_hi", offset: 1084, size: 4 },
    { name: "arch", offset: 1088, size: 0 },
  ],
};
