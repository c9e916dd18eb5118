/**
 * Event channels (xen/include/public/event_channel.h, VIRQs from xen.h): EVTCHNOP_* sub-ops of
 * event_channel_op (hypercall 32), their argument structures, the 2-level limits and the FIFO ABI
 * (control block, event word bits, priorities). Values are AArch64's.
 *
 * @module
 */

import type { AbiStruct } from "./layout.ts";

/** Connect a local port to a remote domain's unbound port. */
export const EVTCHNOP_bind_interdomain = 0;
/** Bind a VIRQ on a vcpu to a new port. */
export const EVTCHNOP_bind_virq = 1;
/** Bind a physical IRQ (x86/PV; hvlab answers -ENOSYS as Xen on ARM does). */
export const EVTCHNOP_bind_pirq = 2;
/** Close a port. */
export const EVTCHNOP_close = 3;
/** Send an event on a port. */
export const EVTCHNOP_send = 4;
/** Query a port's state. */
export const EVTCHNOP_status = 5;
/** Allocate a port that a given remote domain may bind to. */
export const EVTCHNOP_alloc_unbound = 6;
/** Allocate an inter-vcpu (IPI) port. */
export const EVTCHNOP_bind_ipi = 7;
/** Route a port's notifications to another vcpu. */
export const EVTCHNOP_bind_vcpu = 8;
/** Unmask a port (re-raising the upcall if it is pending). */
export const EVTCHNOP_unmask = 9;
/** Close all of a domain's ports and return to the 2-level ABI. */
export const EVTCHNOP_reset = 10;
/** Switch the calling domain to the FIFO ABI (registers a vcpu's control block). */
export const EVTCHNOP_init_control = 11;
/** Add one page of FIFO event words. */
export const EVTCHNOP_expand_array = 12;
/** Set a port's FIFO priority. */
export const EVTCHNOP_set_priority = 13;

/** Flag of evtchn_bind_pirq.flags. */
export const BIND_PIRQ__WILL_SHARE = 1;

/** evtchn_status.status: port not in use. */
export const EVTCHNSTAT_closed = 0;
/** evtchn_status.status: allocated, waiting for a remote domain. */
export const EVTCHNSTAT_unbound = 1;
/** evtchn_status.status: connected to a remote port. */
export const EVTCHNSTAT_interdomain = 2;
/** evtchn_status.status: bound to a physical IRQ. */
export const EVTCHNSTAT_pirq = 3;
/** evtchn_status.status: bound to a VIRQ. */
export const EVTCHNSTAT_virq = 4;
/** evtchn_status.status: an IPI port. */
export const EVTCHNSTAT_ipi = 5;

// VIRQs (xen.h): per-vcpu or global virtual interrupts a guest binds with EVTCHNOP_bind_virq.
/** Per-vcpu timer (set_singleshot_timer / periodic). */
export const VIRQ_TIMER = 0;
/** Request guest to dump debug info (global). */
export const VIRQ_DEBUG = 1;
/** Bytes received on the emergency console (global, dom0/hardware domain). */
export const VIRQ_CONSOLE = 2;
/** A domain exited (global, dom0). */
export const VIRQ_DOM_EXC = 3;
/** Trace buffer has records (global). */
export const VIRQ_TBUF = 4;
/** A domain hit a debugger trap (global). */
export const VIRQ_DEBUGGER = 6;
/** Xenoprofile interrupt. */
export const VIRQ_XENOPROF = 7;
/** Xen's console ring has new data (global). */
export const VIRQ_CON_RING = 8;
/** Physical CPU state changed (global). */
export const VIRQ_PCPU_STATE = 9;
/** Memory event (global). */
export const VIRQ_MEM_EVENT = 10;
/** Argo interdomain message (per-vcpu). */
export const VIRQ_ARGO = 11;
/** Xen is low on memory (global). */
export const VIRQ_ENOMEM = 12;
/** PMC interrupt. */
export const VIRQ_XENPMU = 13;
/** Number of VIRQs. */
export const NR_VIRQS = 24;

/** 2-level ABI: channels addressable by shared_info's bitmaps (64 * 64 with 64-bit xen_ulong_t). */
export const EVTCHN_2L_NR_CHANNELS = 4096;

/** FIFO: highest priority. */
export const EVTCHN_FIFO_PRIORITY_MAX = 0;
/** FIFO: priority a newly bound port gets. */
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
/** FIFO: lowest priority. */
export const EVTCHN_FIFO_PRIORITY_MIN = 15;
/** FIFO: one queue per priority. */
export const EVTCHN_FIFO_MAX_QUEUES = 16;
/** Event word bit: the event is pending. */
export const EVTCHN_FIFO_PENDING = 31;
/** Event word bit: the event is masked. */
export const EVTCHN_FIFO_MASKED = 30;
/** Event word bit: the event is on a queue. */
export const EVTCHN_FIFO_LINKED = 29;
/** Event word bit: Xen is changing the word's link (guest must not unlink it). */
export const EVTCHN_FIFO_BUSY = 28;
/** Width of the LINK field (next port in the queue) in an event word. */
export const EVTCHN_FIFO_LINK_BITS = 17;
/** Mask of the LINK field. */
export const EVTCHN_FIFO_LINK_MASK = 0x1ffff;
/** Number of ports the FIFO ABI can address. */
export const EVTCHN_FIFO_NR_CHANNELS = 0x20000;

/** EVTCHNOP_alloc_unbound argument. */
export const evtchn_alloc_unbound: AbiStruct = {
  name: "evtchn_alloc_unbound",
  size: 8,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "remote_dom", offset: 2, size: 2 },
    { name: "port", offset: 4, size: 4 },
  ],
};

/** EVTCHNOP_bind_interdomain argument. */
export const evtchn_bind_interdomain: AbiStruct = {
  name: "evtchn_bind_interdomain",
  size: 12,
  fields: [
    { name: "remote_dom", offset: 0, size: 2 },
    { name: "remote_port", offset: 4, size: 4 },
    { name: "local_port", offset: 8, size: 4 },
  ],
};

/** EVTCHNOP_bind_virq argument. */
export const evtchn_bind_virq: AbiStruct = {
  name: "evtchn_bind_virq",
  size: 12,
  fields: [
    { name: "virq", offset: 0, size: 4 },
    { name: "vcpu", offset: 4, size: 4 },
    { name: "port", offset: 8, size: 4 },
  ],
};

/** EVTCHNOP_bind_pirq argument. */
export const evtchn_bind_pirq: AbiStruct = {
  name: "evtchn_bind_pirq",
  size: 12,
  fields: [
    { name: "pirq", offset: 0, size: 4 },
    { name: "flags", offset: 4, size: 4 },
    { name: "port", offset: 8, size: 4 },
  ],
};

/** EVTCHNOP_bind_ipi argument. */
export const evtchn_bind_ipi: AbiStruct = {
  name: "evtchn_bind_ipi",
  size: 8,
  fields: [
    { name: "vcpu", offset: 0, size: 4 },
    { name: "port", offset: 4, size: 4 },
  ],
};

/** EVTCHNOP_close argument. */
export const evtchn_close: AbiStruct = {
  name: "evtchn_close",
  size: 4,
  fields: [{ name: "port", offset: 0, size: 4 }],
};

/** EVTCHNOP_send argument. */
export const evtchn_send: AbiStruct = {
  name: "evtchn_send",
  size: 4,
  fields: [{ name: "port", offset: 0, size: 4 }],
};

/** EVTCHNOP_status argument (u is selected by status). */
export const evtchn_status: AbiStruct = {
  name: "evtchn_status",
  size: 24,
  fields: [
    { name: "dom", offset: 0, size: 2 },
    { name: "port", offset: 4, size: 4 },
    { name: "status", offset: 8, size: 4 },
    { name: "vcpu", offset: 12, size: 4 },
    { name: "u.unbound.dom", offset: 16, size: 2 },
    { name: "u.interdomain.dom", offset: 16, size: 2 },
    { name: "u.interdomain.port", offset: 20, size: 4 },
    { name: "u.pirq", offset: 16, size: 4 },
    { name: "u.virq", offset: 16, size: 4 },
  ],
};

/** EVTCHNOP_bind_vcpu argument. */
export const evtchn_bind_vcpu: AbiStruct = {
  name: "evtchn_bind_vcpu",
  size: 8,
  fields: [
    { name: "port", offset: 0, size: 4 },
    { name: "vcpu", offset: 4, size: 4 },
  ],
};

/** EVTCHNOP_unmask argument. */
export const evtchn_unmask: AbiStruct = {
  name: "evtchn_unmask",
  size: 4,
  fields: [{ name: "port", offset: 0, size: 4 }],
};

/** EVTCHNOP_reset argument. */
export const evtchn_reset: AbiStruct = {
  name: "evtchn_reset",
  size: 2,
  fields: [{ name: "dom", offset: 0, size: 2 }],
};

/** EVTCHNOP_init_control argument; link_bits is an output (EVTCHN_FIFO_LINK_BITS). */
export const evtchn_init_control: AbiStruct = {
  name: "evtchn_init_control",
  size: 24,
  fields: [
    { name: "control_gfn", offset: 0, size: 8 },
    { name: "offset", offset: 8, size: 4 },
    { name: "vcpu", offset: 12, size: 4 },
    { name: "link_bits", offset: 16, size: 1 },
    { name: "_pad", offset: 17, size: 7, count: 7 },
  ],
};

/** EVTCHNOP_expand_array argument. */
export const evtchn_expand_array: AbiStruct = {
  name: "evtchn_expand_array",
  size: 8,
  fields: [{ name: "array_gfn", offset: 0, size: 8 }],
};

/** EVTCHNOP_set_priority argument. */
export const evtchn_set_priority: AbiStruct = {
  name: "evtchn_set_priority",
  size: 8,
  fields: [
    { name: "port", offset: 0, size: 4 },
    { name: "priority", offset: 4, size: 4 },
  ],
};

/** The FIFO control block a vcpu registers with init_control (inside a guest page at `offset`). */
export const evtchn_fifo_control_block: AbiStruct = {
  name: "evtchn_fifo_control_block",
  size: 72,
  fields: [
    { name: "ready", offset: 0, size: 4 },
    { name: "_rsvd", offset: 4, size: 4 },
    { name: "head", offset: 8, size: 64, count: 16 },
  ],
};
