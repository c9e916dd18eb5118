/**
 * Event channels under the 2-level ABI against real guest memory: every EVTCHNOP's success and
 * error paths with Xen 4.17's codes, the shared_info / vcpu_info bits a send sets, VIRQ rules,
 * host channels, and junk arguments never escaping as anything but XenError.
 */
import assert from "node:assert/strict";
import {
  XEN_EEXIST,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSPC,
  XEN_ENOSYS,
  XEN_EOPNOTSUPP,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  evtchn_status,
  EVTCHNSTAT_closed,
  EVTCHNSTAT_interdomain,
  EVTCHNSTAT_ipi,
  EVTCHNSTAT_unbound,
  EVTCHNSTAT_virq,
  VIRQ_ARGO,
  VIRQ_CONSOLE,
  VIRQ_DEBUG,
  VIRQ_DOM_EXC,
  VIRQ_TIMER,
  VIRQ_XENPMU,
} from "../../core/hyp/abi/event_channel.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import { abiField, readAbiField } from "../../core/hyp/abi/layout.ts";
import { EventChannels } from "../../core/hyp/evtchn/event_channels.ts";
import { writeEvtchnStatus } from "../../core/hyp/evtchn/status.ts";
import { XenError } from "../../core/hyp/xen_error.ts";
import { makeWorld, RAM_GFN, throwsXen } from "./evtchn_fixture.ts";

Deno.test("evtchn: port 0 is reserved; ports are handed out lowest first", () => {
  const { ecs: [a] } = makeWorld(1);
  assert.deepEqual(a.status(DOMID_SELF, 0), { status: EVTCHNSTAT_closed, vcpu: 0 });
  throwsXen(() => a.close(0), XEN_EINVAL);
  throwsXen(() => a.send(0), XEN_EINVAL);
  a.unmask(0); // valid port, nothing bound: success, no effect
  throwsXen(() => a.unmask(64), XEN_EINVAL);
  throwsXen(() => a.unmask(-1), XEN_EINVAL);
  assert.equal(a.bindIpi(0), 1);
  assert.equal(a.bindIpi(1), 2);
  a.close(1);
  assert.equal(a.bindIpi(0), 1);
  // Ports of the first bucket are valid (closed); beyond it they are not.
  assert.equal(a.status(DOMID_SELF, 63).status, EVTCHNSTAT_closed);
  throwsXen(() => a.status(DOMID_SELF, 64), XEN_EINVAL);
});

Deno.test("evtchn: interdomain send sets the peer's pending, selector and upcall once", () => {
  const { doms: [da, db], ecs: [a, b] } = makeWorld();
  const pb = b.allocUnbound(DOMID_SELF, 1);
  assert.deepEqual(b.status(DOMID_SELF, pb), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
  const pa = a.bindInterdomain(2, pb);
  assert.deepEqual(a.status(DOMID_SELF, pa), {
    status: EVTCHNSTAT_interdomain,
    vcpu: 0,
    dom: 2,
    port: pb,
  });
  assert.deepEqual(b.status(DOMID_SELF, pb), {
    status: EVTCHNSTAT_interdomain,
    vcpu: 0,
    dom: 1,
    port: pa,
  });
  // Xen raises the binder's own port at bind time (events lost while unbound).
  assert.ok(da.pendingBit(pa));
  assert.deepEqual(da.upcalls, [0]);
  assert.deepEqual(db.upcalls, []);

  a.send(pa);
  assert.ok(db.pendingBit(pb));
  assert.equal(db.sel(0), 1n << BigInt(pb >> 6));
  assert.equal(db.upcallPending(0), 1);
  assert.deepEqual(db.upcalls, [0]);
  a.send(pa); // already pending: nothing more
  assert.deepEqual(db.upcalls, [0]);
  assert.ok(b.isPending(pb));

  // Guest handles it; the next send raises again.
  db.ack(0);
  db.clearPending(pb);
  a.send(pa);
  assert.deepEqual(db.upcalls, [0, 0]);

  // And back the other way.
  da.ack(0);
  da.clearPending(pa);
  b.send(pb);
  assert.ok(da.pendingBit(pa));
  assert.deepEqual(da.upcalls, [0, 0]);
});

Deno.test("evtchn: a masked port does not raise; unmask re-raises once", () => {
  const { doms: [, db], ecs: [a, b] } = makeWorld();
  const pb = b.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(2, pb);
  db.setMask(pb, true);
  assert.ok(b.isMasked(pb));
  a.send(pa);
  assert.ok(db.pendingBit(pb));
  assert.equal(db.sel(0), 0n);
  assert.deepEqual(db.upcalls, []);
  b.unmask(pb);
  assert.ok(!db.maskBit(pb));
  assert.equal(db.sel(0), 1n << BigInt(pb >> 6));
  assert.deepEqual(db.upcalls, [0]);
  // Unmasking an unmasked port does nothing more, even while pending.
  db.ack(0);
  b.unmask(pb);
  assert.deepEqual(db.upcalls, [0]);
  assert.equal(db.sel(0), 0n);
  // Unmasking a masked port that is not pending raises nothing.
  db.clearPending(pb);
  db.setMask(pb, true);
  b.unmask(pb);
  assert.deepEqual(db.upcalls, [0]);
});

Deno.test("evtchn: upcall_pending already set means no second PPI; selector per 64 ports", () => {
  const { doms: [d], ecs: [a] } = makeWorld(1, 1, { maxPort: 200 });
  const ports = Array.from({ length: 70 }, () => a.bindIpi(0));
  a.send(ports[0]);
  a.send(ports[68]); // port 69: second selector word
  assert.deepEqual(d.upcalls, [0]);
  assert.equal(d.sel(0), 0b11n);
});

Deno.test("evtchn: notify vcpu selects the vcpu_info; no vcpu_info means no upcall", () => {
  const { doms: [da, db], ecs: [a, b] } = makeWorld();
  const pb = b.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(2, pb);
  b.bindVcpu(pb, 1);
  assert.equal(b.status(DOMID_SELF, pb).vcpu, 1);
  a.send(pa);
  assert.ok(db.pendingBit(pb)); // pending is recorded...
  assert.deepEqual(db.upcalls, []); // ...but vcpu 1 has no vcpu_info yet
  db.clearPending(pb);
  db.register(1, 3, 64);
  a.send(pa);
  assert.deepEqual(db.upcalls, [1]);
  assert.equal(db.upcallPending(1), 1);
  assert.equal(db.upcallPending(0), 0);
  assert.equal(db.sel(1), 1n);
  // An IPI notifies its own vcpu.
  da.register(1, 5, 0);
  const ipi = a.bindIpi(1);
  a.send(ipi);
  assert.deepEqual(da.upcalls, [0, 1]);
});

Deno.test("evtchn: close makes the interdomain peer unbound again; rebind works", () => {
  const { doms: [da, db], ecs: [a, b] } = makeWorld();
  const pb = b.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(2, pb);
  a.close(pa);
  assert.equal(a.status(DOMID_SELF, pa).status, EVTCHNSTAT_closed);
  assert.ok(!da.pendingBit(pa), "close clears the pending bit");
  assert.deepEqual(b.status(DOMID_SELF, pb), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
  b.send(pb); // unbound: silently dropped
  throwsXen(() => a.send(pa), XEN_EINVAL);
  throwsXen(() => a.close(pa), XEN_EINVAL);
  const pa2 = a.bindInterdomain(2, pb);
  assert.equal(pa2, pa);
  db.clearPending(pb);
  a.send(pa2);
  assert.ok(db.pendingBit(pb));
  // Closing the other end leaves ours unbound, offered to the closer.
  b.close(pb);
  assert.deepEqual(a.status(DOMID_SELF, pa2), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 2 });
  // Closing frees the notify vcpu too.
  const ipi = a.bindIpi(1);
  a.close(ipi);
  assert.equal(a.status(DOMID_SELF, ipi).vcpu, 0);
});

Deno.test("evtchn: loopback interdomain within one domain", () => {
  const { doms: [d], ecs: [a] } = makeWorld(1);
  const p1 = a.allocUnbound(DOMID_SELF, DOMID_SELF);
  assert.equal(a.status(DOMID_SELF, p1).dom, 1);
  const p2 = a.bindInterdomain(DOMID_SELF, p1);
  d.clearPending(p2);
  a.send(p2);
  assert.ok(d.pendingBit(p1));
  assert.ok(!d.pendingBit(p2));
});

Deno.test("evtchn: bind_interdomain errors", () => {
  const { ecs: [a, b] } = makeWorld(3);
  throwsXen(() => a.bindInterdomain(9, 1), XEN_ESRCH);
  throwsXen(() => a.bindInterdomain(2, 1), XEN_EINVAL); // free port
  throwsXen(() => a.bindInterdomain(2, 0), XEN_EINVAL); // reserved
  throwsXen(() => a.bindInterdomain(2, 5000), XEN_EINVAL); // not valid
  const forThree = b.allocUnbound(DOMID_SELF, 3);
  throwsXen(() => a.bindInterdomain(2, forThree), XEN_EINVAL); // offered to another domain
  const pb = b.allocUnbound(DOMID_SELF, 1);
  a.bindInterdomain(2, pb);
  throwsXen(() => a.bindInterdomain(2, pb), XEN_EINVAL); // already bound
  const v = b.bindVirq(VIRQ_TIMER, 0);
  throwsXen(() => a.bindInterdomain(2, v), XEN_EINVAL);
});

Deno.test("evtchn: alloc_unbound for another domain needs privilege", () => {
  const { ecs: [a, b] } = makeWorld();
  throwsXen(() => a.allocUnbound(2, 1), XEN_EPERM);
  throwsXen(() => a.allocUnbound(7, 1), XEN_ESRCH);
  assert.equal(a.allocUnbound(1, 2), 1); // own id works like DOMID_SELF
  const { ecs: [p, q] } = makeWorld(2, 1, { privileged: true });
  const port = p.allocUnbound(2, 1);
  assert.deepEqual(q.status(DOMID_SELF, port), { status: EVTCHNSTAT_unbound, vcpu: 0, dom: 1 });
  assert.equal(p.status(2, port).status, EVTCHNSTAT_unbound);
  throwsXen(() => b.status(1, 1), XEN_EPERM);
  throwsXen(() => b.status(5, 1), XEN_ESRCH);
  throwsXen(() => b.status(1, 999), XEN_EINVAL); // bad port before privilege, as Xen checks
});

Deno.test("evtchn: VIRQ rules", () => {
  const { doms: [d], ecs: [a] } = makeWorld(1, 2);
  const t0 = a.bindVirq(VIRQ_TIMER, 0);
  const t1 = a.bindVirq(VIRQ_TIMER, 1);
  assert.notEqual(t0, t1);
  throwsXen(() => a.bindVirq(VIRQ_TIMER, 1), XEN_EEXIST);
  throwsXen(() => a.bindVirq(VIRQ_TIMER, 2), XEN_ENOENT);
  throwsXen(() => a.bindVirq(VIRQ_CONSOLE, 1), XEN_EINVAL);
  throwsXen(() => a.bindVirq(VIRQ_DOM_EXC, 1), XEN_EINVAL);
  throwsXen(() => a.bindVirq(VIRQ_ARGO, 1), XEN_EINVAL); // global in Xen 4.17
  throwsXen(() => a.bindVirq(24, 0), XEN_EINVAL);
  throwsXen(() => a.bindVirq(-1, 0), XEN_EINVAL);
  // Global checked before the vcpu exists.
  throwsXen(() => a.bindVirq(VIRQ_CONSOLE, 5), XEN_EINVAL);
  a.bindVirq(VIRQ_DEBUG, 1); // per-vcpu
  a.bindVirq(VIRQ_XENPMU, 1); // per-vcpu
  const con = a.bindVirq(VIRQ_CONSOLE, 0);
  throwsXen(() => a.bindVirq(VIRQ_CONSOLE, 0), XEN_EEXIST);
  assert.deepEqual(a.status(DOMID_SELF, con), {
    status: EVTCHNSTAT_virq,
    vcpu: 0,
    virq: VIRQ_CONSOLE,
  });
  assert.equal(a.status(DOMID_SELF, t1).vcpu, 1);

  // bind_vcpu: global VIRQs move, per-vcpu ones and IPIs do not.
  throwsXen(() => a.bindVcpu(t0, 1), XEN_EINVAL);
  const ipi = a.bindIpi(0);
  throwsXen(() => a.bindVcpu(ipi, 1), XEN_EINVAL);
  throwsXen(() => a.bindVcpu(ipi, 9), XEN_ENOENT);
  throwsXen(() => a.bindVcpu(4000, 1), XEN_EINVAL);
  throwsXen(() => a.bindVcpu(40, 1), XEN_EINVAL); // valid but free
  a.bindVcpu(con, 1);
  assert.equal(a.status(DOMID_SELF, con).vcpu, 1);

  // Raising: per-vcpu on its vcpu, global where it is routed.
  d.register(1, 2, 0);
  assert.ok(a.sendVirq(VIRQ_TIMER, 1));
  assert.ok(d.pendingBit(t1) && !d.pendingBit(t0));
  assert.deepEqual(d.upcalls, [1]);
  assert.ok(a.sendVirq(VIRQ_CONSOLE));
  assert.ok(d.pendingBit(con));
  assert.ok(!a.sendVirq(VIRQ_DOM_EXC));
  assert.ok(!a.sendVirq(99));
  assert.equal(a.virqPort(VIRQ_CONSOLE, 1), con); // global: the vcpu argument is ignored

  // A guest cannot send on a VIRQ port; closing unbinds it, rebinding works.
  throwsXen(() => a.send(t0), XEN_EINVAL);
  a.close(con);
  assert.equal(a.virqPort(VIRQ_CONSOLE), 0);
  assert.ok(!a.sendVirq(VIRQ_CONSOLE));
  assert.equal(a.bindVirq(VIRQ_CONSOLE, 0), con);
  a.close(t1);
  assert.equal(a.bindVirq(VIRQ_TIMER, 1), t1);
});

Deno.test("evtchn: bind_ipi and bind_vcpu errors", () => {
  const { ecs: [a, b] } = makeWorld(2, 2);
  throwsXen(() => a.bindIpi(2), XEN_ENOENT);
  throwsXen(() => a.bindIpi(-1), XEN_ENOENT);
  const u = a.allocUnbound(DOMID_SELF, 2);
  a.bindVcpu(u, 1);
  const pb = b.bindInterdomain(1, u);
  assert.equal(a.status(DOMID_SELF, u).vcpu, 1, "bind keeps the unbound port's vcpu");
  b.bindVcpu(pb, 1);
  throwsXen(() => a.bindVcpu(0, 1), XEN_EINVAL);
});

Deno.test("evtchn: set_priority and expand_array under the 2-level ABI", () => {
  const { ecs: [a] } = makeWorld(1);
  const p = a.bindIpi(0);
  throwsXen(() => a.setPriority(p, 3), XEN_ENOSYS);
  throwsXen(() => a.setPriority(999, 3), XEN_EINVAL);
  throwsXen(() => a.expandArray(0x40000), XEN_EOPNOTSUPP);
  assert.equal(a.abiKind, "2l");
});

Deno.test("evtchn: the 2-level ABI ends at 4096 ports; max_evtchn_port caps lower", () => {
  const { ecs: [a] } = makeWorld(1, 1, { maxPort: 0x1ffff });
  for (let i = 1; i < 4096; i++) assert.equal(a.bindIpi(0), i);
  throwsXen(() => a.bindIpi(0), XEN_ENOSPC);
  throwsXen(() => a.allocUnbound(DOMID_SELF, 0), XEN_ENOSPC);
  const { ecs: [c] } = makeWorld(1, 1, { maxPort: 5 });
  const offer = c.allocUnbound(DOMID_SELF, DOMID_SELF);
  for (let i = 2; i <= 5; i++) c.bindIpi(0);
  throwsXen(() => c.bindVirq(VIRQ_TIMER, 0), XEN_ENOSPC);
  throwsXen(() => c.bindInterdomain(DOMID_SELF, offer), XEN_ENOSPC);
  throwsXen(() => c.bindHost(0, 0, { send: () => {} }), XEN_ENOSPC);
});

Deno.test("evtchn: reset closes everything, peers become unbound", () => {
  const { doms: [da], ecs: [a, b] } = makeWorld(2);
  const pb = b.allocUnbound(DOMID_SELF, 1);
  const pa = a.bindInterdomain(2, pb);
  a.bindVirq(VIRQ_TIMER, 0);
  a.bindIpi(1);
  a.reset(DOMID_SELF);
  for (let p = 1; p < 64; p++) assert.equal(a.status(DOMID_SELF, p).status, EVTCHNSTAT_closed);
  assert.ok(!da.pendingBit(pa));
  assert.equal(b.status(DOMID_SELF, pb).status, EVTCHNSTAT_unbound);
  assert.equal(a.virqPort(VIRQ_TIMER), 0);
  assert.equal(a.bindVirq(VIRQ_TIMER, 0), 1);
  throwsXen(() => a.reset(2), XEN_EPERM);
  throwsXen(() => a.reset(42), XEN_ESRCH);
  const { ecs: [p] } = makeWorld(2, 1, { privileged: true });
  throwsXen(() => p.reset(2), XEN_EINVAL); // not paused
});

Deno.test("evtchn: destroy closes ports, peers become unbound, the domain disappears", () => {
  const { hub, ecs: [a, b] } = makeWorld(2);
  const pb = b.allocUnbound(DOMID_SELF, 1);
  a.bindInterdomain(2, pb);
  a.destroy();
  assert.equal(hub.get(1), undefined);
  assert.equal(b.status(DOMID_SELF, pb).status, EVTCHNSTAT_unbound);
  throwsXen(() => b.bindInterdomain(1, 1), XEN_ESRCH);
  throwsXen(() => a.bindIpi(0), XEN_EINVAL); // dying
});

Deno.test("evtchn: host channels reach the in-hypervisor back end", () => {
  const { doms: [d], ecs: [a] } = makeWorld(1);
  const sent: number[] = [], closed: number[] = [];
  const port = a.bindHost(0, 0, { send: (p) => sent.push(p), closed: (p) => closed.push(p) });
  assert.deepEqual(a.status(DOMID_SELF, port), {
    status: EVTCHNSTAT_interdomain,
    vcpu: 0,
    dom: 0,
    port: 0,
  });
  assert.ok(!d.pendingBit(port));
  a.send(port);
  a.send(port);
  assert.deepEqual(sent, [port, port]);
  assert.ok(a.notifyHost(port));
  assert.ok(d.pendingBit(port));
  assert.deepEqual(d.upcalls, [0]);
  // Masked host ports do not raise until unmasked.
  d.ack(0);
  d.clearPending(port);
  d.setMask(port, true);
  a.notifyHost(port);
  assert.deepEqual(d.upcalls, [0]);
  a.unmask(port);
  assert.deepEqual(d.upcalls, [0, 0]);
  // The guest may move it and close it; the back end hears of the close.
  a.bindVcpu(port, 1);
  a.close(port);
  assert.deepEqual(closed, [port]);
  assert.ok(!a.notifyHost(port));
  assert.ok(!a.closeHost(port));
  // Closed from the hypervisor side: no callback, the port is free again.
  const p2 = a.bindHost(0, 0, { send: () => {}, closed: (p) => closed.push(p) });
  assert.ok(a.closeHost(p2));
  assert.deepEqual(closed, [port]);
  assert.equal(a.status(DOMID_SELF, p2).status, EVTCHNSTAT_closed);
  // Reset tells the back end.
  const p3 = a.bindHost(0, 0, { send: () => {}, closed: (p) => closed.push(p) });
  a.reset(DOMID_SELF);
  assert.deepEqual(closed, [port, p3]);
  throwsXen(() => a.bindHost(0, 7, { send: () => {} }), XEN_ENOENT);
  // Another domain cannot bind to a host port.
  const { ecs: [x, y] } = makeWorld(2);
  const hp = y.bindHost(1, 0, { send: () => {} });
  throwsXen(() => x.bindInterdomain(2, hp), XEN_EINVAL);
});

Deno.test("evtchn: writeEvtchnStatus writes the selected union member", () => {
  const dv = new DataView(new ArrayBuffer(evtchn_status.size));
  const f = (n: string) => Number(readAbiField(dv, 0, abiField(evtchn_status, n)));
  writeEvtchnStatus(dv, 0, { status: EVTCHNSTAT_interdomain, vcpu: 3, dom: 5, port: 77 });
  assert.deepEqual([f("status"), f("vcpu"), f("u.interdomain.dom"), f("u.interdomain.port")], [
    EVTCHNSTAT_interdomain,
    3,
    5,
    77,
  ]);
  writeEvtchnStatus(dv, 0, { status: EVTCHNSTAT_virq, vcpu: 0, virq: 2 });
  assert.equal(f("u.virq"), 2);
  writeEvtchnStatus(dv, 0, { status: EVTCHNSTAT_unbound, vcpu: 1, dom: 9 });
  assert.equal(f("u.unbound.dom"), 9);
  assert.equal(f("u.interdomain.port"), 77, "other union bytes untouched");
  writeEvtchnStatus(dv, 0, { status: EVTCHNSTAT_ipi, vcpu: 1 });
  assert.equal(f("status"), EVTCHNSTAT_ipi);
});

Deno.test("evtchn: junk arguments only ever raise XenError", () => {
  const { ecs } = makeWorld(3, 2);
  const [a] = ecs;
  // One domain starts under FIFO so both ABIs see the junk.
  ecs[2].initControl(RAM_GFN + 1, 0, 0);
  ecs[2].expandArray(RAM_GFN + 2);
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const junk = [
    0,
    1,
    2,
    3,
    7,
    15,
    16,
    63,
    64,
    1023,
    1024,
    4095,
    4096,
    0x7ff0,
    0xffff,
    0x10000,
    0x1ffff,
    0x20000,
    2 ** 31,
    2 ** 32 - 1,
    2 ** 32,
    2 ** 53,
    -1,
    -0,
    0.5,
    NaN,
    Infinity,
    -Infinity,
    Number.MAX_VALUE,
  ];
  const pick = () => rnd() < 0.5 ? junk[Math.floor(rnd() * junk.length)] : Math.floor(rnd() * 80);
  const bigs = [0n, -1n, 2n ** 64n - 1n, 2n ** 60n, 0x40000n, 0x40001n];
  const gfn = () => rnd() < 0.3 ? bigs[Math.floor(rnd() * bigs.length)] : pick();
  const ops: ((e: EventChannels) => unknown)[] = [
    (e) => e.allocUnbound(pick(), pick()),
    (e) => e.bindInterdomain(pick(), pick()),
    (e) => e.bindVirq(pick(), pick()),
    (e) => e.bindIpi(pick()),
    (e) => e.bindVcpu(pick(), pick()),
    (e) => e.send(pick()),
    (e) => e.close(pick()),
    (e) => e.status(pick(), pick()),
    (e) => e.unmask(pick()),
    (e) => e.reset(pick()),
    (e) => e.initControl(gfn(), pick(), pick()),
    (e) => e.expandArray(gfn()),
    (e) => e.setPriority(pick(), pick()),
    (e) => e.sendVirq(pick(), pick()),
    (e) => e.notifyHost(pick()),
    (e) => e.closeHost(pick()),
  ];
  let ok = 0, failed = 0, onFifo = 0;
  for (let i = 0; i < 20000; i++) {
    const e = ecs[Math.floor(rnd() * ecs.length)];
    const op = ops[Math.floor(rnd() * ops.length)];
    if (e.abiKind === "fifo") onFifo++;
    try {
      op(e);
      ok++;
    } catch (err) {
      if (!(err instanceof XenError)) {
        throw new Error(`op ${ops.indexOf(op)} threw ${err}`);
      }
      failed++;
    }
  }
  assert.ok(ok > 1000 && failed > 1000, `ok ${ok} failed ${failed}`);
  assert.equal(a.domid, 1);
  assert.ok(onFifo > 100, `only ${onFifo} ops ran under FIFO`);
});
