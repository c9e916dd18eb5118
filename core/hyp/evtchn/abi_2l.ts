/**
 * The 2-level event ABI (Xen's event_2l.c): a port's pending and mask bits live in shared_info's
 * evtchn_pending / evtchn_mask bitmaps; a vcpu learns which 64-port word to scan from its
 * vcpu_info.evtchn_pending_sel and that anything is pending from evtchn_upcall_pending.
 *
 * @module
 */
import { XEN_ENOSYS } from "../abi/errno.ts";
import { EVTCHN_2L_NR_CHANNELS } from "../abi/event_channel.ts";
import { abiField } from "../abi/layout.ts";
import { shared_info } from "../abi/shared_info.ts";
import { XenError } from "../xen_error.ts";
import { testAndClearBit, testAndSetBit, testBit } from "./bitmap.ts";
import type { Channel } from "./channel.ts";
import { type EvtchnDomain, markEventsPending, PENDING_SEL } from "./evtchn_domain.ts";
import type { PortAbi } from "./port_abi.ts";

const PENDING = abiField(shared_info, "evtchn_pending").offset;
const MASK = abiField(shared_info, "evtchn_mask").offset;
/** Ports per selector bit (xen_ulong_t is 64 bits on ARM). */
const WORD_BITS = 64;

/** The 2-level ABI of one domain. */
export class TwoLevelAbi implements PortAbi {
  readonly kind = "2l";
  readonly maxPorts = EVTCHN_2L_NR_CHANNELS;
  readonly #d: EvtchnDomain;

  constructor(d: EvtchnDomain) {
    this.#d = d;
  }

  init(_ch: Channel): void {
    // Nothing per port: the bitmaps are the guest's.
  }

  setPending(vcpu: number, ch: Channel): void {
    const si = this.#d.sharedInfo();
    if (testAndSetBit(si, PENDING, ch.port)) return;
    if (!testBit(si, MASK, ch.port)) this.#select(vcpu, ch.port);
  }

  clearPending(ch: Channel): void {
    testAndClearBit(this.#d.sharedInfo(), PENDING, ch.port);
  }

  unmask(ch: Channel): void {
    const si = this.#d.sharedInfo();
    // Only a port that was masked and is pending needs its selector bit re-raised.
    if (testAndClearBit(si, MASK, ch.port) && testBit(si, PENDING, ch.port)) {
      this.#select(ch.notifyVcpu, ch.port);
    }
  }

  isPending(ch: Channel): boolean {
    return testBit(this.#d.sharedInfo(), PENDING, ch.port);
  }

  isMasked(ch: Channel): boolean {
    return testBit(this.#d.sharedInfo(), MASK, ch.port);
  }

  isBusy(_ch: Channel): boolean {
    return false;
  }

  setPriority(ch: Channel, _priority: number): void {
    throw new XenError(XEN_ENOSYS, `port ${ch.port}: the 2-level ABI has no priorities`);
  }

  /** Sets the port's selector bit on `vcpu` and marks events pending if the bit was clear. */
  #select(vcpu: number, port: number): void {
    const vi = this.#d.vcpuInfo(vcpu);
    if (vi === null) return;
    if (!testAndSetBit(vi.page, vi.offset + PENDING_SEL, Math.floor(port / WORD_BITS))) {
      markEventsPending(this.#d, vcpu);
    }
  }
}
