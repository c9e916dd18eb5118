/**
 * The port ABI: how a domain's pending and masked state is kept in guest memory and how an event
 * reaches a vcpu. Xen's evtchn_port_ops; one implementation per ABI (2-level in abi_2l.ts, FIFO
 * in abi_fifo.ts). Callers pass only bound ports (Xen's evtchn_usable check is theirs).
 *
 * @module
 */
import type { Channel } from "./channel.ts";

/** One event-channel ABI of a domain. */
export interface PortAbi {
  /** "2l" or "fifo". */
  readonly kind: "2l" | "fifo";
  /** Ports the ABI can address (Xen's max_evtchns). */
  readonly maxPorts: number;
  /** A port was just bound. */
  init(ch: Channel): void;
  /** Marks `ch` pending towards `vcpu`, raising the upcall when the event becomes visible. */
  setPending(vcpu: number, ch: Channel): void;
  /** Clears `ch`'s pending bit (the port is being freed). */
  clearPending(ch: Channel): void;
  /** Unmasks `ch`, re-raising it when pending. */
  unmask(ch: Channel): void;
  /** True when `ch` is pending. */
  isPending(ch: Channel): boolean;
  /** True when `ch` is masked. */
  isMasked(ch: Channel): boolean;
  /** True when a freed port is still in use by the ABI (FIFO: still linked on a queue). */
  isBusy(ch: Channel): boolean;
  /** Sets `ch`'s priority; XenError when the ABI has none (ENOSYS) or it is out of range. */
  setPriority(ch: Channel, priority: number): void;
}
