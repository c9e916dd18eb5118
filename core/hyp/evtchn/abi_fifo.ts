/**
 * The FIFO event ABI (Xen's event_fifo.c). Each port has a 32-bit event word in guest pages the
 * guest hands over with EVTCHNOP_expand_array (PENDING, MASKED, LINKED, BUSY bits and a 17-bit
 * LINK to the next port). Each vcpu registers a control block (EVTCHNOP_init_control) holding a
 * READY bitmap and one queue HEAD per priority; the hypervisor keeps each queue's tail. Raising
 * an unmasked port links it at the tail of its vcpu's queue for its priority; when the queue was
 * empty (or the guest already consumed the old tail) the port becomes the head, the priority's
 * READY bit is set and the vcpu gets an upcall.
 *
 * @module
 */
import { XEN_EINVAL, XEN_ENOSPC } from "../abi/errno.ts";
import {
  EVTCHN_FIFO_BUSY,
  evtchn_fifo_control_block,
  EVTCHN_FIFO_LINK_MASK,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_MAX_QUEUES,
  EVTCHN_FIFO_NR_CHANNELS,
  EVTCHN_FIFO_PENDING,
  EVTCHN_FIFO_PRIORITY_DEFAULT,
  EVTCHN_FIFO_PRIORITY_MIN,
} from "../abi/event_channel.ts";
import { abiField } from "../abi/layout.ts";
import { P2M_TYPE } from "../p2m.ts";
import { StateError } from "../state_check.ts";
import { hex, XenError } from "../xen_error.ts";
import { type Channel, isBound } from "./channel.ts";
import { type EvtchnDomain, markEventsPending } from "./evtchn_domain.ts";
import type { PortAbi } from "./port_abi.ts";

const PAGE_SIZE = 4096;
/** Event words per event-array page. */
const WORDS_PER_PAGE = PAGE_SIZE / 4;
/** Event-array pages needed for every FIFO port (the most a domain may add). */
export const FIFO_MAX_ARRAY_PAGES = EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE;
const READY = abiField(evtchn_fifo_control_block, "ready").offset;
const HEAD = abiField(evtchn_fifo_control_block, "head").offset;
/** Largest control-block offset that keeps the block inside its page. */
export const FIFO_MAX_CONTROL_OFFSET = PAGE_SIZE - evtchn_fifo_control_block.size;

const P = 1 << EVTCHN_FIFO_PENDING;
const M = 1 << EVTCHN_FIFO_MASKED;
const L = 1 << EVTCHN_FIFO_LINKED;
const B = 1 << EVTCHN_FIFO_BUSY;

/** One vcpu's FIFO state as plain data: its control block's place and its queues' tails. */
export interface FifoVcpuState {
  /** Guest frame of the control block, -1 until init_control. */
  controlGfn: number;
  /** Byte offset of the control block in that frame. */
  controlOffset: number;
  /** Last port linked on each priority's queue (0 = none: the queue is empty). */
  tails: number[];
}

/** The FIFO ABI's hypervisor-side state of a domain (the event words are guest memory). */
export interface FifoState {
  /** Guest frames of the event-array pages, in port order. */
  arrayGfns: number[];
  /** Per vcpu: control block place and queue tails. */
  vcpus: FifoVcpuState[];
}

/** An event word: the page holding it and its byte offset. */
interface WordRef {
  dv: DataView;
  at: number;
}

/**
 * The FIFO ABI of one domain. `channel(port)` finds an allocated port of the domain (undefined
 * when the port number is not valid) so re-raising and queue linking can reach other ports.
 */
export class FifoAbi implements PortAbi {
  readonly kind = "fifo";
  readonly maxPorts = EVTCHN_FIFO_NR_CHANNELS;
  /** Guest frames of the event-array pages, in port order. */
  readonly arrayGfns: number[] = [];
  /** Per-vcpu state. */
  readonly vcpus: FifoVcpuState[];
  readonly #d: EvtchnDomain;
  readonly #channel: (port: number) => Channel | undefined;
  // Live views of the pages above, kept while mapped (Xen holds a page reference likewise).
  readonly #arrayPages: DataView[] = [];
  readonly #controls: (DataView | null)[];

  constructor(d: EvtchnDomain, channel: (port: number) => Channel | undefined) {
    this.#d = d;
    this.#channel = channel;
    this.vcpus = Array.from({ length: d.vcpuCount }, () => ({
      controlGfn: -1,
      controlOffset: 0,
      tails: new Array<number>(EVTCHN_FIFO_MAX_QUEUES).fill(0),
    }));
    this.#controls = new Array<DataView | null>(d.vcpuCount).fill(null);
  }

  /** Ports that currently have an event word. */
  get wordCount(): number {
    return this.#arrayPages.length * WORDS_PER_PAGE;
  }

  /**
   * Registers `vcpu`'s control block at `gfn` + `offset` (the caller checked vcpu and offset).
   * EINVAL when the vcpu already has one or the frame is not the domain's memory.
   */
  mapControlBlock(vcpu: number, gfn: number | bigint, offset: number): void {
    const st = this.vcpus[vcpu];
    if (this.#controls[vcpu] !== null) {
      throw new XenError(XEN_EINVAL, `vcpu ${vcpu} already has a FIFO control block`);
    }
    const { gfn: g, page } = this.#mapGuestPage(gfn);
    st.controlGfn = g;
    st.controlOffset = offset;
    this.#controls[vcpu] = page;
  }

  /**
   * Adds one event-array page at guest frame `gfn` (EVTCHNOP_expand_array) and raises the ports
   * it covers that became pending while they had no event word. ENOSPC once every port has a
   * word, EINVAL for a frame that is not the domain's memory.
   */
  addArrayPage(gfn: number | bigint): void {
    if (this.#arrayPages.length >= FIFO_MAX_ARRAY_PAGES) {
      throw new XenError(XEN_ENOSPC, `event array already covers all ${this.maxPorts} ports`);
    }
    const first = this.wordCount;
    const { gfn: g, page } = this.#mapGuestPage(gfn);
    this.arrayGfns.push(g);
    this.#arrayPages.push(page);
    for (let port = first; port < this.wordCount; port++) {
      const ch = this.#channel(port);
      if (ch === undefined) break;
      if (!ch.pending) continue;
      ch.pending = false;
      if (isBound(ch)) this.setPending(ch.notifyVcpu, ch);
    }
  }

  init(ch: Channel): void {
    ch.priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
  }

  setPending(vcpu: number, ch: Channel): void {
    const w = this.#word(ch.port);
    if (w === null) {
      ch.pending = true;
      return;
    }
    const cb = this.#controls[vcpu];
    // Without a control block the guest cannot have unmasked anything yet: drop the event.
    if (cb === null) return;
    const st = this.vcpus[vcpu];
    const { controlOffset: base } = st;
    const word = w.dv.getUint32(w.at, true);
    w.dv.setUint32(w.at, (word | P) >>> 0, true);
    if (word & M || word & L) return;
    w.dv.setUint32(w.at, (word | P | L) >>> 0, true);
    const prio = ch.priority;
    // The port was the tail of the queue it last sat on: that queue is empty now.
    const oldTails = this.vcpus[ch.lastVcpu].tails;
    if (oldTails[ch.lastPriority] === ch.port) oldTails[ch.lastPriority] = 0;
    ch.lastVcpu = vcpu;
    ch.lastPriority = prio;
    const tail = st.tails[prio];
    const linked = tail !== 0 && this.#setLink(tail, ch.port);
    if (!linked) cb.setUint32(base + HEAD + 4 * prio, ch.port, true);
    st.tails[prio] = ch.port;
    if (linked) return;
    const ready = cb.getUint32(base + READY, true);
    if (ready & (1 << prio)) return;
    cb.setUint32(base + READY, (ready | (1 << prio)) >>> 0, true);
    markEventsPending(this.#d, vcpu);
  }

  clearPending(ch: Channel): void {
    // Only P: the guest unlinks non-pending events itself.
    const w = this.#word(ch.port);
    if (w !== null) w.dv.setUint32(w.at, (w.dv.getUint32(w.at, true) & ~P) >>> 0, true);
  }

  unmask(ch: Channel): void {
    const w = this.#word(ch.port);
    if (w === null) return;
    const word = w.dv.getUint32(w.at, true) & ~M;
    w.dv.setUint32(w.at, word >>> 0, true);
    if (word & P) this.setPending(ch.notifyVcpu, ch);
  }

  isPending(ch: Channel): boolean {
    const w = this.#word(ch.port);
    return w !== null && (w.dv.getUint32(w.at, true) & P) !== 0;
  }

  isMasked(ch: Channel): boolean {
    const w = this.#word(ch.port);
    return w === null || (w.dv.getUint32(w.at, true) & M) !== 0;
  }

  isBusy(ch: Channel): boolean {
    const w = this.#word(ch.port);
    return w !== null && (w.dv.getUint32(w.at, true) & L) !== 0;
  }

  setPriority(ch: Channel, priority: number): void {
    if (!Number.isInteger(priority) || priority < 0 || priority > EVTCHN_FIFO_PRIORITY_MIN) {
      throw new XenError(XEN_EINVAL, `priority ${priority} is not 0..${EVTCHN_FIFO_PRIORITY_MIN}`);
    }
    // Only future events use the new queue; a linked event stays where it is.
    ch.priority = priority;
  }

  /** A plain-data copy of the state (the pages are re-derived from their gfns on restore). */
  save(): FifoState {
    return {
      arrayGfns: [...this.arrayGfns],
      vcpus: this.vcpus.map((v) => ({ ...v, tails: [...v.tails] })),
    };
  }

  /**
   * A FIFO ABI holding `s` (already checked for shape and ranges by the caller), its pages looked
   * up again through the domain's p2m without touching guest memory. Throws StateError naming
   * the frame when one is no longer the domain's memory.
   */
  static fromState(
    d: EvtchnDomain,
    channel: (port: number) => Channel | undefined,
    s: FifoState,
  ): FifoAbi {
    const f = new FifoAbi(d, channel);
    const map = (gfn: number, field: string) => {
      try {
        return f.#mapGuestPage(gfn).page;
      } catch (e) {
        if (e instanceof XenError) throw new StateError(`${field}: ${e.message}`);
        throw e;
      }
    };
    s.vcpus.forEach((v, i) => {
      f.vcpus[i] = {
        controlGfn: v.controlGfn,
        controlOffset: v.controlOffset,
        tails: [...v.tails],
      };
      if (v.controlGfn >= 0) f.#controls[i] = map(v.controlGfn, `fifo.vcpus[${i}].controlGfn`);
    });
    s.arrayGfns.forEach((g, i) => {
      f.#arrayPages.push(map(g, `fifo.arrayGfns[${i}]`));
      f.arrayGfns.push(g);
    });
    return f;
  }

  /** The live control-block page of `vcpu`, or null before init_control (for the REPL/tests). */
  controlBlock(vcpu: number): { page: DataView; offset: number } | null {
    const page = this.#controls[vcpu];
    return page === null ? null : { page, offset: this.vcpus[vcpu].controlOffset };
  }

  /**
   * Points the LINK of `tail`'s word at `port` if the guest has not consumed it yet (its LINKED
   * is still set); false when it has, so the new port must become the head.
   */
  #setLink(tail: number, port: number): boolean {
    const w = this.#word(tail);
    if (w === null) return false;
    const word = w.dv.getUint32(w.at, true);
    if (!(word & L)) return false;
    w.dv.setUint32(w.at, ((word & ~(B | EVTCHN_FIFO_LINK_MASK)) | port) >>> 0, true);
    return true;
  }

  #word(port: number): WordRef | null {
    if (port >= this.wordCount) return null;
    return {
      dv: this.#arrayPages[Math.floor(port / WORDS_PER_PAGE)],
      at: (port % WORDS_PER_PAGE) * 4,
    };
  }

  /** Xen's map_guest_page: the domain's own memory (RAM, its Xen pages, foreign maps) or EINVAL. */
  #mapGuestPage(gfn: number | bigint): { gfn: number; page: DataView } {
    const g = typeof gfn === "bigint" && gfn <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(gfn) : gfn;
    const m = typeof g === "number" && Number.isSafeInteger(g) && g >= 0
      ? this.#d.phys.p2m.get(g)
      : undefined;
    if (
      m === undefined ||
      (m.type !== P2M_TYPE.ram && m.type !== P2M_TYPE.xen && m.type !== P2M_TYPE.foreign)
    ) {
      throw new XenError(XEN_EINVAL, `guest frame ${hex(gfn)} is not the domain's memory`);
    }
    const page = this.#d.phys.mem.page(m.mfn);
    if (page === undefined) {
      throw new XenError(XEN_EINVAL, `guest frame ${hex(gfn)} is backed by non-RAM`);
    }
    return { gfn: g as number, page };
  }
}
