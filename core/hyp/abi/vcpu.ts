/**
 * vcpu_op (hypercall 24, xen/include/public/vcpu.h): VCPUOP_* sub-ops (second argument: the
 * vcpu id), the runstate area and vcpu_info registration structures, RUNSTATE_* states.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Set a vcpu's initial context (ARM: struct vcpu_guest_context). */
export const VCPUOP_initialise = 0;
/** Bring an initialised vcpu online. */
export const VCPUOP_up = 1;
/** Take a vcpu offline. */
export const VCPUOP_down = 2;
/** Returns 1 if the vcpu is online, else 0. */
export const VCPUOP_is_up = 3;
/** Copy the vcpu's struct vcpu_runstate_info. */
export const VCPUOP_get_runstate_info = 4;
/** Register a guest address Xen keeps a vcpu_runstate_info at. */
export const VCPUOP_register_runstate_memory_area = 5;
/** Periodic VIRQ_TIMER (struct vcpu_set_periodic_timer). */
export const VCPUOP_set_periodic_timer = 6;
/** Stop the periodic timer. */
export const VCPUOP_stop_periodic_timer = 7;
/** One-shot VIRQ_TIMER (struct vcpu_set_singleshot_timer). */
export const VCPUOP_set_singleshot_timer = 8;
/** Stop the one-shot timer. */
export const VCPUOP_stop_singleshot_timer = 9;
/** Move the vcpu's vcpu_info into a guest page (struct vcpu_register_vcpu_info). */
export const VCPUOP_register_vcpu_info = 10;
/** Send an NMI to the vcpu (x86). */
export const VCPUOP_send_nmi = 11;
/** Physical id of a pcpu (privileged). */
export const VCPUOP_get_physid = 12;
/** Register a guest address for a vcpu_time_info copy. */
export const VCPUOP_register_vcpu_time_memory_area = 13;
/** Runstate: running on a pcpu. */
export const RUNSTATE_running = 0;
/** Runstate: runnable, waiting for a pcpu. */
export const RUNSTATE_runnable = 1;
/** Runstate: blocked (waiting for an event). */
export const RUNSTATE_blocked = 2;
/** Runstate: not runnable for another reason (down, paused). */
export const RUNSTATE_offline = 3;
/** Bit number of VCPU_SSHOTTMR_future. */
export const _VCPU_SSHOTTMR_future = 0;
/** Fail with -ETIME if the one-shot timeout is already in the past. */
export const VCPU_SSHOTTMR_future = 1;
/** Set in vcpu_runstate_info.state_entry_time while Xen updates the area (bit 63). */
export const XEN_RUNSTATE_UPDATE = 1n << 63n;

/** Time (ns) spent in each RUNSTATE_* and the current state. */
export const vcpu_runstate_info: AbiStruct = {
  name: "vcpu_runstate_info",
  size: 48,
  fields: [
    { name: "state", offset: 0, size: 4, signed: true },
    { name: "state_entry_time", offset: 8, size: 8 },
    { name: "time", offset: 16, size: 32, count: 4 },
  ],
};

/** VCPUOP_register_runstate_memory_area argument (a guest virtual address on ARM). */
export const vcpu_register_runstate_memory_area: AbiStruct = {
  name: "vcpu_register_runstate_memory_area",
  size: 8,
  fields: [
    { name: "addr.p", offset: 0, size: 8 },
  ],
};

/** VCPUOP_set_periodic_timer argument. */
export const vcpu_set_periodic_timer: AbiStruct = {
  name: "vcpu_set_periodic_timer",
  size: 8,
  fields: [
    { name: "period_ns", offset: 0, size: 8 },
  ],
};

/** VCPUOP_set_singleshot_timer argument (absolute system time). */
export const vcpu_set_singleshot_timer: AbiStruct = {
  name: "vcpu_set_singleshot_timer",
  size: 16,
  fields: [
    { name: "timeout_abs_ns", offset: 0, size: 8 },
    { name: "flags", offset: 8, size: 4 },
  ],
};

/** VCPUOP_register_vcpu_info argument: the gfn and offset of the new vcpu_info. */
export const vcpu_register_vcpu_info: AbiStruct = {
  name: "vcpu_register_vcpu_info",
  size: 16,
  fields: [
    { name: "mfn", offset: 0, size: 8 },
    { name: "offset", offset: 8, size: 4 },
    { name: "rsvd", offset: 12, size: 4 },
  ],
};

/** VCPUOP_register_vcpu_time_memory_area argument. */
export const vcpu_register_time_memory_area: AbiStruct = {
  name: "vcpu_register_time_memory_area",
  size: 8,
  fields: [
    { name: "addr.p", offset: 0, size: 8 },
  ],
};
