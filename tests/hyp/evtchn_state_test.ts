/**
 * Event-channel snapshots: two domains (one FIFO with control blocks, an event array and linked
 * queues, one 2-level) with interdomain, VIRQ, IPI and host ports are saved, restored into a
 * fresh machine holding a copy of guest memory, and both machines then run the same operations
 * and must agree on everything (ports, pending/masked, upcalls, guest memory, host calls).
 * Corrupted states are refused with the field named and the table left as it was.
 */
import assert from "node:assert/strict";
import { VIRQ_CONSOLE, VIRQ_TIMER } from "../../core/hyp/abi/event_channel.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import type { EventChannels } from "../../core/hyp/evtchn/event_channels.ts";
import type { EventChannelsState } from "../../core/hyp/evtchn/evtchn_state.ts";
import type { EvtchnHub } from "../../core/hyp/evtchn/hub.ts";
import type { HostEndpoint } from "../../core/hyp/evtchn/host_endpoint.ts";
import type { PhysMemory } from "../../core/mem/phys_memory.ts";
import { StateError } from "../../core/hyp/state_check.ts";
import { makeWorld, MMIO_GFN, RAM_GFN, type TestDomain } from "./evtchn_fixture.ts";

const RAM_BASE_PFN = 0x4000_0000 / 4096;
const RAM_PFNS = (16 << 20) / 4096;

function copyMemory(from: PhysMemory, to: PhysMemory): void {
  for (let pfn = RAM_BASE_PFN; pfn < RAM_BASE_PFN + RAM_PFNS; pfn++) {
    const a = from.page(pfn)!, b = to.page(pfn)!;
    new Uint8Array(b.buffer, b.byteOffset, 4096).set(
      new Uint8Array(a.buffer, a.byteOffset, 4096),
    );
  }
}

function memoryDigest(mem: PhysMemory): number[] {
  const out: number[] = [];
  for (let pfn = RAM_BASE_PFN; pfn < RAM_BASE_PFN + RAM_PFNS; pfn++) {
    const p = mem.page(pfn)!;
    let h = 0;
    for (let i = 0; i < 4096; i += 4) h = (Math.imul(h, 31) + p.getUint32(i, true)) | 0;
    out.push(h);
  }
  return out;
}

/** A host back end that records what it was told. */
function recorder(log: string[], name: string): HostEndpoint {
  return {
    send: (p) => log.push(`${name} send ${p}`),
    closed: (p) => log.push(`${name} closed ${p}`),
  };
}

interface World {
  hub: EvtchnHub;
  ecs: EventChannels[];
  doms: TestDomain[];
  mem: PhysMemory;
  log: string[];
}

function world(): World {
  const w = makeWorld(2, 2);
  return { ...w, log: [] };
}

/** What happens before the snapshot; returns the ports later steps use. */
function setup(w: World): { unbound: number; remote: number; ipi: number; host: number } {
  const [a, b] = w.ecs;
  a.initControl(RAM_GFN + 1, 0, 0);
  a.initControl(RAM_GFN + 2, 128, 1);
  a.expandArray(RAM_GFN + 3);
  const unbound = a.allocUnbound(DOMID_SELF, 2);
  const remote = b.bindInterdomain(1, unbound);
  a.bindVirq(VIRQ_TIMER, 1);
  a.bindVirq(VIRQ_CONSOLE, 0);
  const ipi = a.bindIpi(1);
  a.setPriority(ipi, 3);
  const host = a.bindHost(0, 0, recorder(w.log, "console"), "console");
  b.bindHost(0, 1, recorder(w.log, "store"), "xenstore");
  b.bindVirq(VIRQ_TIMER, 0);
  b.send(remote);
  a.send(ipi);
  a.sendVirq(VIRQ_TIMER, 1);
  b.sendVirq(VIRQ_TIMER, 0);
  return { unbound, remote, ipi, host };
}

/** What happens after it, on both machines. */
function continueRun(w: World, p: ReturnType<typeof setup>): void {
  const [a, b] = w.ecs;
  b.send(p.remote);
  a.send(p.unbound);
  a.send(p.ipi);
  a.send(p.host);
  a.notifyHost(p.host);
  a.sendVirq(VIRQ_CONSOLE);
  a.sendVirq(VIRQ_TIMER, 1);
  a.setPriority(p.unbound, 0);
  b.send(p.remote);
  a.unmask(p.ipi);
  a.bindIpi(0);
  a.close(p.host);
  b.close(p.remote);
  a.expandArray(RAM_GFN + 4);
  a.bindVcpu(p.unbound, 1);
  b.sendVirq(VIRQ_TIMER, 0);
  b.allocUnbound(DOMID_SELF, 1);
  b.resetPorts();
}

function observe(w: World): unknown {
  return {
    saved: w.ecs.map((e) => e.save()),
    ports: w.ecs.map((e) =>
      Array.from({ length: 128 }, (_, i) => [e.channel(i), e.isPending(i), e.isMasked(i)])
    ),
    mem: memoryDigest(w.mem),
  };
}

Deno.test("evtchn state: a restored machine continues exactly like the original", () => {
  const a = world();
  const ports = setup(a);
  const saved = structuredClone(a.ecs.map((e) => e.save()));
  assert.equal(saved[0].abi, "fifo");
  assert.equal(saved[1].abi, "2l");
  assert.deepEqual(saved[0].hosts, [{ port: ports.host, kind: "console" }]);

  const b = world();
  copyMemory(a.mem, b.mem);
  const kinds: string[] = [];
  b.ecs.forEach((e, i) =>
    e.restore(saved[i], (kind, port) => {
      kinds.push(`${kind}@${port}`);
      return recorder(b.log, kind === "console" ? "console" : "store");
    })
  );
  assert.deepEqual(kinds, [`console@${ports.host}`, `xenstore@${ports.remote + 1}`]);
  assert.deepEqual(b.ecs.map((e) => e.save()), saved);
  b.hub.checkPeers();

  const upA = a.doms.map((d) => d.upcalls.length);
  const logA = a.log.length;
  continueRun(a, ports);
  continueRun(b, ports);
  assert.deepEqual(observe(b), observe(a));
  assert.deepEqual(b.doms.map((d) => d.upcalls), a.doms.map((d, i) => d.upcalls.slice(upA[i])));
  assert.deepEqual(b.log, a.log.slice(logA));
  assert.ok(b.log.includes(`console send ${ports.host}`));
});

Deno.test("evtchn state: corrupted states are refused and change nothing", () => {
  const a = world();
  setup(a);
  const good = a.ecs[0].save();
  const b = world();
  copyMemory(a.mem, b.mem);
  b.ecs[0].bindIpi(0);
  const before = b.ecs[0].save();
  const resolve = () => recorder(b.log, "x");
  const cases: [string, (s: EventChannelsState) => void, RegExp][] = [
    ["domid", (s) => s.domid = 2, /evtchn\.domid/],
    ["not an object", (s) => (s as unknown as { ports: unknown }).ports = 7, /evtchn\.ports/],
    ["bucket", (s) => s.ports.pop(), /whole number of buckets/],
    ["port number", (s) => (s.ports[5] as { port: number }).port = 6, /ports\[5\]\.port/],
    ["state", (s) => (s.ports[3] as { state: string }).state = "bogus", /ports\[3\]\.state/],
    ["reserved", (s) => s.ports[0].state = "free", /ports\[0\]\.state/],
    ["vcpu", (s) => s.ports[2].notifyVcpu = 2, /ports\[2\]\.notifyVcpu/],
    ["priority", (s) => s.ports[2].priority = 16, /ports\[2\]\.priority/],
    ["pending", (s) => (s.ports[2] as { pending: unknown }).pending = 1, /ports\[2\]\.pending/],
    ["virq twice", (s) => {
      const v = s.ports.find((c) => c.state === "virq" && c.virq === VIRQ_TIMER)!;
      Object.assign(s.ports[40], { ...v, port: 40 });
    }, /VIRQ 0 already bound/],
    ["host without kind", (s) => s.hosts = [], /evtchn\.hosts/],
    ["kind empty", (s) => s.hosts[0].kind = "", /hosts\[0\]\.kind/],
    ["host not host", (s) => s.hosts[0].port = 1, /hosts\[0\]\.port/],
    ["abi", (s) => (s as { abi: string }).abi = "3l", /evtchn\.abi/],
    ["fifo under 2l", (s) => s.abi = "2l", /evtchn\.fifo/],
    ["tails", (s) => s.fifo!.vcpus[0].tails.push(0), /tails/],
    ["tail range", (s) => s.fifo!.vcpus[1].tails[3] = -1, /vcpus\[1\]\.tails\[3\]/],
    ["offset", (s) => s.fifo!.vcpus[1].controlOffset = 12, /controlOffset/],
    ["control frame", (s) => s.fifo!.vcpus[0].controlGfn = MMIO_GFN, /controlGfn.*not the domain/],
    ["array frame", (s) => s.fifo!.arrayGfns.push(0x12345), /arrayGfns\[1\]/],
    ["maxPort", (s) => s.maxPort = 3, /ports\[4\]: .* beyond the port limit 3/],
  ];
  for (const [name, mutate, re] of cases) {
    const s = structuredClone(good);
    mutate(s);
    assert.throws(() => b.ecs[0].restore(s, resolve), (e: Error) => {
      assert.ok(e instanceof StateError, `${name}: ${e}`);
      assert.match(e.message, re, name);
      return true;
    }, name);
    assert.deepEqual(b.ecs[0].save(), before, name);
  }
  // A resolver that fails leaves the table alone too.
  assert.throws(() =>
    b.ecs[0].restore(structuredClone(good), () => {
      throw new Error("no such back end");
    }), /no such back end/);
  assert.throws(
    () => b.ecs[0].restore(structuredClone(good), () => ({}) as HostEndpoint),
    /no endpoint for kind console/,
  );
  assert.deepEqual(b.ecs[0].save(), before);
  // And the good state still restores.
  b.ecs[0].restore(good, resolve);
  assert.deepEqual(b.ecs[0].save(), good);
});

Deno.test("evtchn state: a host port bound without a kind cannot be saved", () => {
  const w = world();
  const port = w.ecs[0].bindHost(0, 0, recorder(w.log, "x"));
  assert.throws(() => w.ecs[0].save(), new RegExp(`host port ${port} was bound without a kind`));
  w.ecs[0].closeHost(port);
  assert.equal(w.ecs[0].save().hosts.length, 0);
});

Deno.test("evtchn state: the hub finds interdomain ports whose peer does not point back", () => {
  const a = world();
  const ports = setup(a);
  const good = a.ecs.map((e) => e.save());
  const b = world();
  copyMemory(a.mem, b.mem);
  const resolve = () => recorder(b.log, "x");
  const bad = structuredClone(good[1]);
  bad.ports[ports.remote].remotePort = ports.ipi;
  b.ecs[0].restore(good[0], resolve);
  b.ecs[1].restore(bad, resolve);
  assert.throws(
    () => b.hub.checkPeers(),
    (e: Error) =>
      e instanceof StateError && /port 1 of domain 1 names port 1 of domain 2/.test(e.message),
  );
  b.ecs[1].restore(good[1], resolve);
  b.hub.checkPeers();
});
