/**
 * sched_op (hypercall 29, xen/include/public/sched.h): SCHEDOP_* sub-ops, shutdown reasons
 * and the argument structures.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Give up the pcpu; stay runnable. */
export const SCHEDOP_yield = 0;
/** Block until an event is pending (clears the vcpu's upcall mask on x86). */
export const SCHEDOP_block = 1;
/** Shut the domain down (struct sched_shutdown). */
export const SCHEDOP_shutdown = 2;
/** Block until one of the listed ports is pending or the timeout passes (struct sched_poll). */
export const SCHEDOP_poll = 3;
/** Shut another domain down (privileged; struct sched_remote_shutdown). */
export const SCHEDOP_remote_shutdown = 4;
/** Record a shutdown reason without shutting down (struct sched_shutdown). */
export const SCHEDOP_shutdown_code = 5;
/** Arm, disarm or create a domain watchdog (struct sched_watchdog). */
export const SCHEDOP_watchdog = 6;
/** Temporarily pin the vcpu to a pcpu (hardware domain; struct sched_pin_override). */
export const SCHEDOP_pin_override = 7;
/** Shutdown reason: power off. */
export const SHUTDOWN_poweroff = 0;
/** Shutdown reason: reboot (xl restarts the domain). */
export const SHUTDOWN_reboot = 1;
/** Shutdown reason: suspend (save) the domain. */
export const SHUTDOWN_suspend = 2;
/** Shutdown reason: the guest crashed. */
export const SHUTDOWN_crash = 3;
/** Shutdown reason: the watchdog fired. */
export const SHUTDOWN_watchdog = 4;
/** Shutdown reason: soft reset (kexec). */
export const SHUTDOWN_soft_reset = 5;
/** Highest valid shutdown reason. */
export const SHUTDOWN_MAX = 5;

/** SCHEDOP_shutdown / SCHEDOP_shutdown_code argument. */
export const sched_shutdown: AbiStruct = {
  name: "sched_shutdown",
  size: 4,
  fields: [
    { name: "reason", offset: 0, size: 4 },
  ],
};

/** SCHEDOP_poll argument (ports: guest array of evtchn_port_t; timeout: absolute ns, 0 = none). */
export const sched_poll: AbiStruct = {
  name: "sched_poll",
  size: 24,
  fields: [
    { name: "ports", offset: 0, size: 8, handle: true },
    { name: "nr_ports", offset: 8, size: 4 },
    { name: "timeout", offset: 16, size: 8 },
  ],
};

/** SCHEDOP_remote_shutdown argument. */
export const sched_remote_shutdown: AbiStruct = {
  name: "sched_remote_shutdown",
  size: 8,
  fields: [
    { name: "domain_id", offset: 0, size: 2 },
    { name: "reason", offset: 4, size: 4 },
  ],
};

/** SCHEDOP_watchdog argument. */
export const sched_watchdog: AbiStruct = {
  name: "sched_watchdog",
  size: 8,
  fields: [
    { name: "id", offset: 0, size: 4 },
    { name: "timeout", offset: 4, size: 4 },
  ],
};

/** SCHEDOP_pin_override argument. */
export const sched_pin_override: AbiStruct = {
  name: "sched_pin_override",
  size: 4,
  fields: [
    { name: "pcpu", offset: 0, size: 4, signed: true },
  ],
};
