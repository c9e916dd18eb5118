/**
 * EVTCHNOP_status's answer as plain values, and its encoding into a guest's evtchn_status (only
 * the union member that the status selects is written, as Xen does).
 *
 * @module
 */
import { evtchn_status } from "../abi/event_channel.ts";
import { abiField, writeAbiField } from "../abi/layout.ts";

/** A port's status (evtchn_status without the dom/port inputs). */
export interface EvtchnStatusInfo {
  /** EVTCHNSTAT_*. */
  status: number;
  /** The vcpu notified. */
  vcpu: number;
  /** EVTCHNSTAT_unbound: domain allowed to bind; EVTCHNSTAT_interdomain: the peer domain. */
  dom?: number;
  /** EVTCHNSTAT_interdomain: the peer's port. */
  port?: number;
  /** EVTCHNSTAT_virq: the VIRQ. */
  virq?: number;
}

/** Writes `info` into the evtchn_status structure at `base` of `dv` (status, vcpu, its union). */
export function writeEvtchnStatus(dv: DataView, base: number, info: EvtchnStatusInfo): void {
  const put = (name: string, v: number) =>
    writeAbiField(dv, base, abiField(evtchn_status, name), v);
  put("status", info.status);
  put("vcpu", info.vcpu);
  if (info.virq !== undefined) put("u.virq", info.virq);
  else if (info.port !== undefined) {
    put("u.interdomain.dom", info.dom ?? 0);
    put("u.interdomain.port", info.port);
  } else if (info.dom !== undefined) put("u.unbound.dom", info.dom);
}
