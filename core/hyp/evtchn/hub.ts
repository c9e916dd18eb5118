/**
 * The registry of every domain's event channels by domid, so an interdomain bind or send can
 * reach the peer's port table (Xen finds peers through its domain list).
 *
 * @module
 */
import type { EventChannels } from "./event_channels.ts";

/** All domains' port tables, by domid. */
export class EvtchnHub {
  readonly #byId = new Map<number, EventChannels>();

  /** Registers `ec` under its domain's id; a second table for the same domid is a bug. */
  add(ec: EventChannels): void {
    if (this.#byId.has(ec.domid)) throw new Error(`domain ${ec.domid} already has event channels`);
    this.#byId.set(ec.domid, ec);
  }

  /** Forgets domain `domid` (its table was destroyed). */
  remove(domid: number): void {
    this.#byId.delete(domid);
  }

  /** The table of domain `domid`, if it exists. */
  get(domid: number): EventChannels | undefined {
    return this.#byId.get(domid);
  }
}
