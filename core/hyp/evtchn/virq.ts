/**
 * Which VIRQs are global (one binding per domain, on vcpu 0, re-routable with bind_vcpu) and which
 * are per-vcpu (Xen 4.17's virq_is_global; ARM counts its arch VIRQs as global).
 *
 * @module
 */
import {
  NR_VIRQS,
  VIRQ_DEBUG,
  VIRQ_TIMER,
  VIRQ_XENOPROF,
  VIRQ_XENPMU,
} from "../abi/event_channel.ts";

/** True when `virq` (0 .. NR_VIRQS - 1) is a global VIRQ. */
export function virqIsGlobal(virq: number): boolean {
  return virq !== VIRQ_TIMER && virq !== VIRQ_DEBUG && virq !== VIRQ_XENOPROF &&
    virq !== VIRQ_XENPMU;
}

/** True when `virq` names a VIRQ at all. */
export function isVirq(virq: number): boolean {
  return Number.isInteger(virq) && virq >= 0 && virq < NR_VIRQS;
}
