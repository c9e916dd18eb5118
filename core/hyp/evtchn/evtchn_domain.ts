/**
 * What event channels need from a domain: its guest memory, its shared_info page, each vcpu's
 * vcpu_info and a way to raise the event-channel interrupt. The lead's domain implements
 * EvtchnDomain; markEventsPending is Xen's vcpu_mark_events_pending for ARM.
 *
 * @module
 */
import { abiField } from "../abi/layout.ts";
import { vcpu_info } from "../abi/shared_info.ts";
import type { GuestPhys } from "../guest_phys.ts";

/** Where one vcpu's vcpu_info lives: a live view of its page and the byte offset in it. */
export interface VcpuInfoRef {
  /** The machine page holding the vcpu_info (a live view). */
  readonly page: DataView;
  /** Byte offset of the vcpu_info in `page`. */
  readonly offset: number;
}

/** The domain side of event channels. */
export interface EvtchnDomain {
  /** Domain id. */
  readonly id: number;
  /** The domain's guest-physical memory (FIFO control blocks and event arrays). */
  readonly phys: GuestPhys;
  /** Number of vcpus (vcpu ids are 0 .. vcpuCount - 1). */
  readonly vcpuCount: number;
  /** The domain's shared_info page (a live view of its machine page; Xen allocates it at creation). */
  sharedInfo(): DataView;
  /**
   * The vcpu_info of `vcpu`: the registered one (VCPUOP_register_vcpu_info) or, for vcpu 0, the
   * slot in shared_info; null while a vcpu beyond the legacy slots has registered none (events
   * then set no selector bits and raise no upcall; registration marks everything pending).
   */
  vcpuInfo(vcpu: number): VcpuInfoRef | null;
  /** Assert the event-channel PPI (GUEST_EVTCHN_PPI, 31) on `vcpu`. */
  raiseUpcall(vcpu: number): void;
}

const UPCALL_PENDING = abiField(vcpu_info, "evtchn_upcall_pending").offset;
/** Offset of evtchn_pending_sel within vcpu_info. */
export const PENDING_SEL = abiField(vcpu_info, "evtchn_pending_sel").offset;

/**
 * Sets evtchn_upcall_pending of `vcpu` and raises the upcall when it was clear (Xen's
 * vcpu_mark_events_pending on ARM: the PPI is injected only on the 0 -> 1 transition).
 */
export function markEventsPending(d: EvtchnDomain, vcpu: number): void {
  const vi = d.vcpuInfo(vcpu);
  if (vi === null) return;
  const at = vi.offset + UPCALL_PENDING;
  const old = vi.page.getUint8(at);
  if (old & 1) return;
  vi.page.setUint8(at, old | 1);
  d.raiseUpcall(vcpu);
}
