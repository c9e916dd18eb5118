/**
 * Grant-table snapshots: two domains grant, map, unmap and grow their tables; the tables (with
 * the p2ms, the frame allocator and a copy of machine memory) are restored into a fresh machine
 * built the same way, and both machines then run the same grant operations with the same
 * results. Corrupted states are refused with the field named and the table left as it was.
 */
import assert from "node:assert/strict";
import { GUEST_GNTTAB_BASE } from "../../core/hyp/abi/arm_memory_map.ts";
import {
  GNTCOPY_source_gref,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_okay,
  GTF_permit_access,
  GTF_readonly,
} from "../../core/hyp/abi/grant_table.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import type { GrantDomainPort } from "../../core/hyp/grant/grant_domain.ts";
import { GrantOps } from "../../core/hyp/grant/grant_ops.ts";
import { GrantTable, type GrantTableState } from "../../core/hyp/grant/grant_table.ts";
import { GuestPhys } from "../../core/hyp/guest_phys.ts";
import { MachineFrames } from "../../core/hyp/machine_frames.ts";
import { P2m, P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";
import { StateError } from "../../core/hyp/state_check.ts";
import { PhysMemory } from "../../core/mem/phys_memory.ts";

const RAM_GFN = 0x40000;
const RAM_PAGES = 64;
const GNTTAB_GFN = GUEST_GNTTAB_BASE / 4096;
const HOLE_GFN = 0x50000;
const MEM_BASE = 0x4000_0000, MEM_SIZE = 4 << 20;

interface World {
  mem: PhysMemory;
  frames: MachineFrames;
  ops: GrantOps;
  d1: GrantDomainPort;
  d2: GrantDomainPort;
}

function world(): World {
  const mem = new PhysMemory();
  mem.addRam("m", MEM_BASE, MEM_SIZE);
  const frames = new MachineFrames(mem, MEM_BASE, MEM_SIZE);
  const doms = new Map<number, GrantDomainPort>();
  const add = (id: number) => {
    const p2m = new P2m(id);
    p2m.map(RAM_GFN, frames.allocRange(RAM_PAGES), RAM_PAGES, P2M_RWX, P2M_TYPE.ram);
    const phys = new GuestPhys(p2m, mem);
    const d = { id, privileged: false, phys, grants: new GrantTable({ frames, phys }) };
    d.grants.addToPhysmap(0, GNTTAB_GFN);
    doms.set(id, d);
    return d;
  };
  const d1 = add(1), d2 = add(2);
  return { mem, frames, ops: new GrantOps((id) => doms.get(id)), d1, d2 };
}

const at = (gfn: number) => BigInt(gfn) << 12n;

function setup(w: World): number[] {
  const { d1, d2, ops } = w;
  d1.grants.setEntry(5, GTF_permit_access, 2, RAM_GFN + 1);
  d1.grants.setEntry(6, GTF_permit_access | GTF_readonly, 2, RAM_GFN + 2);
  d1.grants.addToPhysmap(2, GNTTAB_GFN + 2);
  d1.grants.setEntry(1100, GTF_permit_access, 2, RAM_GFN + 3);
  d1.phys.write((RAM_GFN + 1) * 4096, new TextEncoder().encode("hello from d1"));
  const h = [
    ops.mapGrantRef(d2, { host_addr: at(HOLE_GFN), flags: GNTMAP_host_map, ref: 5, dom: 1 }),
    ops.mapGrantRef(d2, {
      host_addr: at(HOLE_GFN + 1),
      flags: GNTMAP_host_map | GNTMAP_readonly,
      ref: 6,
      dom: 1,
    }),
    ops.mapGrantRef(d2, { host_addr: at(HOLE_GFN + 2), flags: GNTMAP_host_map, ref: 1100, dom: 1 }),
    ops.mapGrantRef(d2, { host_addr: at(HOLE_GFN + 3), flags: GNTMAP_host_map, ref: 5, dom: 1 }),
  ].map((r) => r.handle!);
  ops.unmapGrantRef(d2, { host_addr: at(HOLE_GFN + 2), dev_bus_addr: 0n, handle: h[2] });
  return h;
}

function continueRun(w: World, h: number[]): unknown[] {
  const { d1, d2, ops } = w;
  const out: unknown[] = [];
  out.push(ops.unmapGrantRef(d2, { host_addr: at(HOLE_GFN), dev_bus_addr: 0n, handle: h[0] }));
  for (let i = 0; i < 3; i++) {
    out.push(ops.mapGrantRef(d2, {
      host_addr: at(HOLE_GFN + 8 + i),
      flags: GNTMAP_host_map,
      ref: 1100,
      dom: 1,
    }));
  }
  out.push(ops.copy(d2, {
    source: { u: 5n, domid: 1, offset: 0 },
    dest: { u: BigInt(RAM_GFN + 7), domid: DOMID_SELF, offset: 100 },
    len: 20,
    flags: GNTCOPY_source_gref,
  }));
  out.push(ops.unmapGrantRef(d2, { host_addr: at(HOLE_GFN + 3), dev_bus_addr: 0n, handle: h[3] }));
  out.push(ops.unmapGrantRef(d2, { host_addr: at(HOLE_GFN + 1), dev_bus_addr: 0n, handle: h[1] }));
  out.push(d1.grants.frameMfn(3), d1.grants.entry(5), d1.grants.entry(6));
  out.push([...d2.grants.maptrack.entries()], d1.grants.active.list());
  out.push(d2.phys.read((RAM_GFN + 7) * 4096 + 100, 20));
  out.push(d1.grants.save(), d2.grants.save(), [...d2.phys.p2m.entries()]);
  return out;
}

function copyMemory(from: PhysMemory, to: PhysMemory): void {
  for (let pfn = MEM_BASE / 4096; pfn < (MEM_BASE + MEM_SIZE) / 4096; pfn++) {
    const a = from.page(pfn)!, b = to.page(pfn)!;
    new Uint8Array(b.buffer, b.byteOffset, 4096).set(
      new Uint8Array(a.buffer, a.byteOffset, 4096),
    );
  }
}

Deno.test("grant state: a restored machine maps, unmaps and copies like the original", () => {
  const a = world();
  const handles = setup(a);
  const snap = structuredClone({
    g1: a.d1.grants.save(),
    g2: a.d2.grants.save(),
    p1: a.d1.phys.p2m.save(),
    p2: a.d2.phys.p2m.save(),
    frames: a.frames.save(),
  });
  assert.equal(snap.g1.mfns.length, 3);
  assert.equal(snap.g1.active.length, 2);
  assert.equal([...a.d2.grants.maptrack.entries()].length, 3);

  const b = world();
  b.d1.phys.p2m.restore(snap.p1);
  b.d2.phys.p2m.restore(snap.p2);
  b.d1.grants.restore(snap.g1);
  b.d2.grants.restore(snap.g2);
  b.frames.restore(snap.frames);
  copyMemory(a.mem, b.mem);
  assert.deepEqual(b.d1.grants.save(), snap.g1);
  assert.equal(b.d1.grants.frameGfn(2), GNTTAB_GFN + 2);
  const ra = continueRun(a, handles);
  assert.deepEqual(continueRun(b, handles), ra);
  // The operations after the snapshot did real work.
  assert.equal(ra[0], GNTST_okay);
  assert.equal((ra[1] as { status: number }).status, GNTST_okay);
  assert.equal(ra[4], GNTST_okay);
  assert.equal(new TextDecoder().decode(ra[12] as Uint8Array).slice(0, 13), "hello from d1");
});

Deno.test("grant state: corrupted states are refused and change nothing", () => {
  const a = world();
  setup(a);
  const good = a.d2.grants.save();
  const g1 = a.d1.grants.save();
  const b = world();
  const before = b.d2.grants.save();
  const cases: [string, GrantTableState, (s: GrantTableState) => void, RegExp][] = [
    ["version", good, (s) => s.version = 2, /grants\.version/],
    ["maxFrames", good, (s) => s.maxFrames = 0, /grants\.maxFrames/],
    ["maxFrames fraction", good, (s) => s.maxFrames = 0.5, /grants\.maxFrames/],
    ["gfns", good, (s) => s.gfns.push(-1), /1 mfns and 2 gfns/],
    ["mfn not RAM", good, (s) => s.mfns[0] = 0x1000, /grants\.mfns\[0\].*not a distinct RAM/],
    ["mfn twice", g1, (s) => s.mfns[1] = s.mfns[0], /grants\.mfns\[1\]/],
    ["gfn", good, (s) => s.gfns[0] = -2, /grants\.gfns\[0\]/],
    ["active ref", g1, (s) => s.active[0].ref = 3 * 512, /grants\.active\[0\]\.ref/],
    ["active twice", g1, (s) => s.active[1].ref = s.active[0].ref, /listed twice/],
    ["pin", g1, (s) => s.active[0].pin = 0, /grants\.active\[0\]\.pin/],
    ["maptrack plain", good, (s) => {
      (s.maptrack as { ref: unknown }).ref = [...s.maptrack.ref];
    }, /maptrack\.ref/],
    ["maptrack lengths", good, (s) => {
      s.maptrack.flags = s.maptrack.flags.slice(1);
    }, /maptrack: 256 refs, 255 flags/],
    ["maptrack head", good, (s) => s.maptrack.head = 256, /maptrack\.head/],
    ["in-use record on the free list", good, (s) => {
      s.maptrack.head = 0;
    }, /free list broken at handle 0/],
    ["free list loop", good, (s) => {
      s.maptrack.ref[s.maptrack.tail] = s.maptrack.head;
    }, /free list broken/],
    ["tail", good, (s) => s.maptrack.tail = 7, /maptrack\.tail: 7/],
  ];
  for (const [name, base, mutate, re] of cases) {
    const s = structuredClone(base);
    mutate(s);
    assert.throws(
      () => b.d2.grants.restore(s),
      (e: Error) => e instanceof StateError && re.test(e.message),
      name,
    );
    assert.deepEqual(b.d2.grants.save(), before, name);
  }
});
