/**
 * The registry of every domain's event channels by domid, so an interdomain bind or send can
 * reach the peer's port table (Xen finds peers through its domain list).
 *
 * @module
 */
import { StateError } from "../state_check.ts";
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

  /**
   * Snapshots: checks that every interdomain port's peer exists and points back at it. A table
   * restored alone cannot see its peers (they may not be restored yet), so the owner calls this
   * once every domain's table is restored. Throws StateError naming the port.
   */
  checkPeers(): void {
    for (const [domid, ec] of this.#byId) {
      for (let port = 0, ch = ec.channel(0); ch !== undefined; ch = ec.channel(++port)) {
        if (ch.state !== "interdomain") continue;
        const peer = this.#byId.get(ch.remoteDom)?.channel(ch.remotePort);
        if (
          peer?.state !== "interdomain" || peer.remoteDom !== domid || peer.remotePort !== port
        ) {
          throw new StateError(
            `evtchn: port ${port} of domain ${domid} names port ${ch.remotePort} of domain ` +
              `${ch.remoteDom}, which does not point back`,
          );
        }
      }
    }
  }

  /** The table of domain `domid`, if it exists. */
  get(domid: number): EventChannels | undefined {
    return this.#byId.get(domid);
  }
}
