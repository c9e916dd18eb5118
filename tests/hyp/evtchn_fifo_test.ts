/**
 * Event channels under the FIFO ABI against real guest memory: init_control / expand_array /
 * set_priority with Xen 4.17's errors, queue linking (heads, LINK fields, READY bits, one upcall)
 * checked by a guest-side consumer written after Linux's, masking, re-raising, moves between
 * queues, ports raised before their event word existed, and the switch back on reset.
 */
import assert from "node:assert/strict";
import {
  XEN_EACCES,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSPC,
  XEN_EOPNOTSUPP,
} from "../../core/hyp/abi/errno.ts";
import {
  EVTCHN_FIFO_LINK_BITS,
  EVTCHN_FIFO_LINK_MASK,
  EVTCHN_FIFO_LINKED,
  EVTCHN_FIFO_MASKED,
  EVTCHN_FIFO_PENDING,
  EVTCHNSTAT_closed,
} from "../../core/hyp/abi/event_channel.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import type { EventChannels } from "../../core/hyp/evtchn/event_channels.ts";
import {
  makeWorld,
  MMIO_GFN,
  RAM_GFN,
  RO_GFN,
  SHINFO_GFN,
  type TestDomain,
  throwsXen,
} from "./evtchn_fixture.ts";

const P = 1 << EVTCHN_FIFO_PENDING, M = 1 << EVTCHN_FIFO_MASKED, L = 1 << EVTCHN_FIFO_LINKED;
/** Guest RAM page (index) of each vcpu's control block; offsets 0 (vcpu 0) and 128 (vcpu 1). */
const CB_PAGE = 1;
/** Guest RAM pages (index) of the event array. */
const ARRAY_PAGE = 8;

/** The guest side of the FIFO ABI, as Linux's events_fifo.c drives it. */
class FifoGuest {
  readonly heads: number[][] = [];
  constructor(readonly d: TestDomain, readonly ec: EventChannels) {}

  cbOffset(vcpu: number): number {
    return vcpu * 128;
  }

  init(vcpu: number): number {
    this.heads[vcpu] = new Array(16).fill(0);
    return this.ec.initControl(RAM_GFN + CB_PAGE, this.cbOffset(vcpu), vcpu);
  }

  /** Adds event-array page `n` (0-based) with every word masked, as Linux prepares it. */
  expand(n: number): void {
    const page = this.d.phys.page(RAM_GFN + ARRAY_PAGE + n, true);
    for (let i = 0; i < 1024; i++) page.setUint32(i * 4, M, true);
    this.ec.expandArray(BigInt(RAM_GFN + ARRAY_PAGE + n));
  }

  /** Event word of `port`, as a signed 32-bit value (to compare with `P | L` and the like). */
  word(port: number): number {
    return this.d.phys.u32((RAM_GFN + ARRAY_PAGE + (port >> 10)) * 4096 + (port & 1023) * 4) | 0;
  }

  setWord(port: number, v: number): void {
    this.d.phys.setU32((RAM_GFN + ARRAY_PAGE + (port >> 10)) * 4096 + (port & 1023) * 4, v);
  }

  /** Guest-side unmask: clear MASKED, and ask Xen if the port is pending. */
  unmask(port: number): void {
    const w = this.word(port);
    this.setWord(port, w & ~M);
    if (w & P) this.ec.unmask(port);
  }

  mask(port: number): void {
    this.setWord(port, this.word(port) | M);
  }

  ready(vcpu: number): number {
    return this.d.phys.u32((RAM_GFN + CB_PAGE) * 4096 + this.cbOffset(vcpu));
  }

  head(vcpu: number, prio: number): number {
    return this.d.phys.u32((RAM_GFN + CB_PAGE) * 4096 + this.cbOffset(vcpu) + 8 + 4 * prio);
  }

  /** Consumes every ready event of `vcpu` (upcall handler); returns the ports handled, in order. */
  drain(vcpu: number): number[] {
    const out: number[] = [];
    const cb = (RAM_GFN + CB_PAGE) * 4096 + this.cbOffset(vcpu);
    this.d.ack(vcpu);
    for (;;) {
      const ready = this.d.phys.u32(cb);
      if (ready === 0) return out;
      const q = 31 - Math.clz32(ready & -ready);
      let port = this.heads[vcpu][q];
      if (port === 0) port = this.head(vcpu, q);
      const w = this.word(port);
      // Clear LINKED and LINK together; what LINK held is the next head.
      this.setWord(port, w & ~(L | EVTCHN_FIFO_LINK_MASK));
      const next = w & EVTCHN_FIFO_LINK_MASK;
      if (next === 0) this.d.phys.setU32(cb, this.d.phys.u32(cb) & ~(1 << q));
      if ((w & P) && !(w & M)) {
        this.setWord(port, this.word(port) & ~P);
        out.push(port);
      }
      this.heads[vcpu][q] = next;
    }
  }
}

function fifoWorld(vcpus = 2, maxPort = 0x1ffff) {
  const { doms, ecs } = makeWorld(2, vcpus, { maxPort });
  return { doms, ecs, ga: new FifoGuest(doms[0], ecs[0]), gb: new FifoGuest(doms[1], ecs[1]) };
}

Deno.test("fifo: init_control errors and the switch from 2-level", () => {
  const { ecs: [a], ga } = fifoWorld();
  throwsXen(() => a.initControl(RAM_GFN + 1, 0, 2), XEN_ENOENT);
  throwsXen(() => a.initControl(RAM_GFN + 1, 4096 - 72 + 8, 0), XEN_EINVAL); // crosses the page
  throwsXen(() => a.initControl(RAM_GFN + 1, 4, 0), XEN_EINVAL); // not 8-byte aligned
  throwsXen(() => a.initControl(RAM_GFN + 1, 2 ** 32 - 8, 0), XEN_EINVAL);
  throwsXen(() => a.initControl(0x12345, 0, 0), XEN_EINVAL); // not mapped
  throwsXen(() => a.initControl(MMIO_GFN, 0, 0), XEN_EINVAL); // a device
  throwsXen(() => a.initControl(2n ** 64n - 1n, 0, 0), XEN_EINVAL);
  assert.equal(a.abiKind, "2l", "a failed init_control leaves the 2-level ABI");
  assert.equal(a.initControl(RAM_GFN + 1, 4096 - 72, 0), EVTCHN_FIFO_LINK_BITS);
  assert.equal(a.abiKind, "fifo");
  throwsXen(() => a.initControl(RAM_GFN + 1, 0, 0), XEN_EINVAL); // vcpu 0 again
  throwsXen(() => a.initControl(0x12345, 0, 1), XEN_EINVAL);
  assert.equal(a.initControl(SHINFO_GFN, 2048, 1), EVTCHN_FIFO_LINK_BITS); // Xen page is fine
  assert.equal(ga.ec.fifo?.vcpus[1].controlGfn, SHINFO_GFN);
});

Deno.test("fifo: expand_array errors and the 2^17-port limit", () => {
  const { ecs: [a, b], ga } = fifoWorld(1);
  ga.init(0);
  throwsXen(() => a.expandArray(0x12345), XEN_EINVAL);
  throwsXen(() => a.expandArray(MMIO_GFN), XEN_EINVAL);
  throwsXen(() => a.expandArray(-1), XEN_EINVAL);
  a.expandArray(RO_GFN); // read-only RAM: Xen on ARM accepts any page the domain owns
  for (let i = 1; i < 128; i++) a.expandArray(RAM_GFN + ARRAY_PAGE);
  assert.equal(a.fifo?.wordCount, 0x20000);
  throwsXen(() => a.expandArray(RAM_GFN + ARRAY_PAGE), XEN_ENOSPC);
  // Ports beyond 4095 exist under FIFO.
  for (let i = 1; i < 4200; i++) assert.equal(a.bindIpi(0), i);
  assert.equal(a.status(DOMID_SELF, 4199).status, 5);
  throwsXen(() => b.expandArray(RAM_GFN), XEN_EOPNOTSUPP);
});

Deno.test("fifo: queues link in send order per priority, READY per priority, one upcall", () => {
  const { doms: [da], ecs: [a], ga } = fifoWorld();
  ga.init(0);
  ga.expand(0);
  const ports = [a.bindIpi(0), a.bindIpi(0), a.bindIpi(0), a.bindIpi(0)];
  for (const p of ports) ga.unmask(p);
  a.setPriority(ports[3], 3);
  a.send(ports[1]);
  assert.equal(ga.head(0, 7), ports[1]);
  assert.equal(ga.ready(0), 1 << 7);
  assert.deepEqual(da.upcalls, [0]);
  assert.equal(ga.word(ports[1]), P | L);
  a.send(ports[0]);
  a.send(ports[2]);
  assert.equal(ga.word(ports[1]), P | L | ports[0], "tail LINK points at the next port");
  assert.equal(ga.word(ports[0]), P | L | ports[2]);
  assert.equal(ga.head(0, 7), ports[1], "the head only changes for an empty queue");
  a.send(ports[3]);
  assert.equal(ga.head(0, 3), ports[3]);
  assert.equal(ga.ready(0), (1 << 7) | (1 << 3));
  assert.deepEqual(da.upcalls, [0], "upcall_pending still set: no second PPI");
  a.send(ports[0]); // already linked and pending: nothing changes
  assert.equal(ga.word(ports[0]), P | L | ports[2]);

  assert.deepEqual(ga.drain(0), [ports[3], ports[1], ports[0], ports[2]]);
  assert.equal(ga.ready(0), 0);
  // The old tail is unlinked now, so the next event starts a fresh queue.
  a.send(ports[2]);
  assert.equal(ga.head(0, 7), ports[2]);
  assert.deepEqual(da.upcalls, [0, 0]);
  assert.deepEqual(ga.drain(0), [ports[2]]);
});

Deno.test("fifo: interdomain send reaches the peer's queue; masked ports wait for unmask", () => {
  const { doms: [, db], ecs: [a, b], gb } = fifoWorld();
  gb.init(0);
  gb.expand(0);
  const pb = b.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(2, pb);
  a.send(pa);
  assert.equal(gb.word(pb), M | P, "masked: pending but not linked");
  assert.equal(gb.ready(0), 0);
  assert.deepEqual(db.upcalls, []);
  assert.ok(b.isPending(pb) && b.isMasked(pb));
  gb.unmask(pb); // pending: the guest asks Xen, which links it
  assert.equal(gb.word(pb), P | L);
  assert.equal(gb.head(0, 7), pb);
  assert.deepEqual(db.upcalls, [0]);
  assert.deepEqual(gb.drain(0), [pb]);
  a.send(pa);
  assert.deepEqual(gb.drain(0), [pb]);
  assert.deepEqual(db.upcalls, [0, 0]);
  // Unmask of a port that is not pending links nothing.
  gb.mask(pb);
  b.unmask(pb);
  assert.equal(gb.word(pb), 0);
  assert.equal(gb.ready(0), 0);
});

Deno.test("fifo: set_priority errors; a new priority applies to the next link only", () => {
  const { ecs: [a], ga } = fifoWorld();
  ga.init(0);
  ga.expand(0);
  const p = a.bindIpi(0), r = a.bindIpi(0);
  ga.unmask(p);
  ga.unmask(r);
  throwsXen(() => a.setPriority(p, 16), XEN_EINVAL);
  throwsXen(() => a.setPriority(p, -1), XEN_EINVAL);
  throwsXen(() => a.setPriority(40, 3), XEN_EACCES); // valid, not bound
  throwsXen(() => a.setPriority(0, 3), XEN_EACCES); // reserved
  throwsXen(() => a.setPriority(5000, 3), XEN_EINVAL);
  a.send(p);
  a.setPriority(p, 2);
  assert.equal(ga.head(0, 7), p, "already linked: stays on its old queue");
  assert.deepEqual(ga.drain(0), [p]);
  a.send(p); // now onto queue 2; queue 7's stale tail (p) must be forgotten
  a.send(r);
  assert.equal(ga.head(0, 2), p);
  assert.equal(ga.head(0, 7), r, "r starts queue 7 instead of linking behind p");
  assert.equal(ga.word(p), P | L, "p's LINK untouched");
  assert.deepEqual(ga.drain(0), [p, r]);
  // Rebinding resets the priority to the default.
  a.close(p);
  const p2 = a.bindIpi(0);
  assert.equal(p2, p);
  assert.equal(a.channel(p2)?.priority, 7);
});

Deno.test("fifo: bind_vcpu moves future events to the other vcpu's queues", () => {
  const { doms: [da], ecs: [a], ga } = fifoWorld();
  ga.init(0);
  ga.expand(0);
  da.register(1, 4, 0);
  const pb = a.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(DOMID_SELF, pb);
  ga.unmask(pa);
  ga.unmask(pb);
  ga.drain(0);
  a.bindVcpu(pb, 1);
  // vcpu 1 has no control block yet: Xen drops the event without marking it pending.
  a.send(pa);
  assert.equal(ga.word(pb), 0);
  assert.deepEqual(da.upcalls, [0]);
  ga.init(1);
  a.send(pa);
  assert.equal(ga.head(1, 7), pb);
  assert.equal(ga.ready(1), 1 << 7);
  assert.deepEqual(da.upcalls, [0, 1]);
  assert.deepEqual(ga.drain(1), [pb]);
  assert.equal(ga.ready(0), 0);
});

Deno.test("fifo: events before their event word are kept and raised by expand_array", () => {
  const { doms: [da], ecs: [a], ga } = fifoWorld(1);
  // Pending under 2-level before the switch.
  const early = a.bindIpi(0);
  a.send(early);
  assert.ok(da.pendingBit(early));
  ga.init(0);
  assert.ok(!a.isPending(early), "no event word yet");
  // Ports 1024+ have no word until a second page is added.
  for (let i = 2; i < 1030; i++) a.bindIpi(0);
  a.send(1029);
  assert.equal(a.channel(1029)?.pending, true);
  const page = da.phys.page(RAM_GFN + ARRAY_PAGE, true);
  for (let i = 0; i < 1024; i++) page.setUint32(i * 4, 0, true); // unmasked words
  a.expandArray(RAM_GFN + ARRAY_PAGE);
  assert.equal(ga.word(early), P | L);
  assert.equal(ga.head(0, 7), early);
  assert.ok(!a.isPending(1029));
  const page2 = da.phys.page(RAM_GFN + ARRAY_PAGE + 1, true);
  for (let i = 0; i < 1024; i++) page2.setUint32(i * 4, 0, true);
  a.expandArray(RAM_GFN + ARRAY_PAGE + 1);
  assert.equal(a.channel(1029)?.pending, false);
  assert.equal(ga.word(early), P | L | 1029);
  assert.deepEqual(ga.drain(0), [early, 1029]);
});

Deno.test("fifo: close clears P; a closed port still linked is not reused until unlinked", () => {
  const { ecs: [a], ga } = fifoWorld(1);
  ga.init(0);
  ga.expand(0);
  const p = a.bindIpi(0);
  ga.unmask(p);
  a.send(p);
  a.close(p);
  assert.equal(ga.word(p), L, "pending cleared, still linked");
  assert.equal(a.status(DOMID_SELF, p).status, EVTCHNSTAT_closed);
  const q = a.bindIpi(0);
  assert.notEqual(q, p, "busy port skipped");
  assert.deepEqual(ga.drain(0), [], "the guest skips the non-pending event");
  assert.equal(a.bindIpi(0), p);
});

Deno.test("fifo: reset returns to the 2-level ABI", () => {
  const { doms: [da], ecs: [a], ga } = fifoWorld(1);
  ga.init(0);
  ga.expand(0);
  const p = a.bindIpi(0);
  a.reset(DOMID_SELF);
  assert.equal(a.abiKind, "2l");
  assert.equal(a.fifo, null);
  assert.equal(a.status(DOMID_SELF, p).status, EVTCHNSTAT_closed);
  throwsXen(() => a.expandArray(RAM_GFN + ARRAY_PAGE), XEN_EOPNOTSUPP);
  const q = a.bindIpi(0);
  a.send(q);
  assert.ok(da.pendingBit(q));
  assert.equal(ga.init(0), EVTCHN_FIFO_LINK_BITS, "init_control works again");
  assert.equal(a.abiKind, "fifo");
});
