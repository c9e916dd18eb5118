/**
 * One event channel port as plain data (Xen's struct evtchn): its state, the vcpu notified, what
 * it is bound to, and the FIFO bookkeeping. Kept free of functions and views so a domain's port
 * table can be snapshotted as it is.
 *
 * @module
 */

/**
 * A port's state (Xen's ECS_*). "reserved" is port 0, never allocated. "host" is hvlab's own: the
 * guest's end of a channel whose other end is a back end running inside the hypervisor
 * (xenstored, the PV console), reached through a HostEndpoint rather than another domain's port.
 */
export type ChannelState =
  | "free"
  | "reserved"
  | "unbound"
  | "interdomain"
  | "virq"
  | "ipi"
  | "host";

/** One port of a domain's table. */
export interface Channel {
  /** Port number. */
  readonly port: number;
  /** Current state. */
  state: ChannelState;
  /** Vcpu whose vcpu_info / FIFO queues receive this port's events. */
  notifyVcpu: number;
  /** unbound: domain allowed to bind; interdomain: peer domain; host: nominal back-end domain. */
  remoteDom: number;
  /** interdomain: the peer's port. */
  remotePort: number;
  /** virq: the VIRQ number. */
  virq: number;
  /** FIFO priority (0 highest .. 15 lowest). */
  priority: number;
  /** FIFO: raised while its event-array page did not exist yet; raised again once it does. */
  pending: boolean;
  /** FIFO: vcpu of the queue the port was last linked on (Xen's fifo_lastq). */
  lastVcpu: number;
  /** FIFO: priority of the queue the port was last linked on. */
  lastPriority: number;
}

/** A fresh, free port `port`. */
export function freeChannel(port: number): Channel {
  return {
    port,
    state: "free",
    notifyVcpu: 0,
    remoteDom: 0,
    remotePort: 0,
    virq: 0,
    priority: 0,
    pending: false,
    lastVcpu: 0,
    lastPriority: 0,
  };
}

/** True when the port is bound to something (Xen's evtchn_usable: past free and reserved). */
export function isBound(ch: Channel): boolean {
  return ch.state !== "free" && ch.state !== "reserved";
}
