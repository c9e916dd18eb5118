/** Grant tables v1: two domains with real memory grant, map, unmap and copy pages. */

import assert from "node:assert/strict";
import { PhysMemory } from "../../core/mem/phys_memory.ts";
import {
  XEN_EBUSY,
  XEN_EINVAL,
  XEN_ENOSYS,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  GNTCOPY_dest_gref,
  GNTCOPY_source_gref,
  GNTMAP_device_map,
  GNTMAP_host_map,
  GNTMAP_readonly,
  GNTST_bad_copy_arg,
  GNTST_bad_domain,
  GNTST_bad_gntref,
  GNTST_bad_handle,
  GNTST_bad_page,
  GNTST_general_error,
  GNTST_no_space,
  GNTST_okay,
  GNTST_permission_denied,
  GTF_permit_access,
  GTF_reading,
  GTF_readonly,
  GTF_sub_page,
  GTF_writing,
} from "../../core/hyp/abi/grant_table.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import { GUEST_GNTTAB_BASE } from "../../core/hyp/abi/arm_memory_map.ts";
import { GuestPhys } from "../../core/hyp/guest_phys.ts";
import { MachineFrames } from "../../core/hyp/machine_frames.ts";
import { P2m, P2M_RO, P2M_RW, P2M_RWX, P2M_TYPE } from "../../core/hyp/p2m.ts";
import { XenError } from "../../core/hyp/xen_error.ts";
import { GNTPIN_hstr_inc, GNTPIN_hstw_inc } from "../../core/hyp/grant/active_grants.ts";
import type { GrantDomainPort } from "../../core/hyp/grant/grant_domain.ts";
import { GrantOps } from "../../core/hyp/grant/grant_ops.ts";
import {
  DEFAULT_MAX_GRANT_FRAMES,
  GrantTable,
  INVALID_GFN,
} from "../../core/hyp/grant/grant_table.ts";

const RAM_GFN = 0x40000;
const RAM_PAGES = 256;
const GNTTAB_GFN = GUEST_GNTTAB_BASE / 4096;
/** A hole in every domain's space where grants get mapped (Linux uses ballooned pages). */
const HOLE_GFN = 0x50000;

interface World {
  mem: PhysMemory;
  frames: MachineFrames;
  ops: GrantOps;
  doms: Map<number, GrantDomainPort>;
  add(id: number, opts?: { privileged?: boolean; maxMaptrackFrames?: number }): GrantDomainPort;
}

function world(): World {
  const mem = new PhysMemory();
  mem.addRam("m", 0x4000_0000, 64 << 20);
  const frames = new MachineFrames(mem, 0x4000_0000, 64 << 20);
  const doms = new Map<number, GrantDomainPort>();
  const ops = new GrantOps((id) => doms.get(id));
  return {
    mem,
    frames,
    ops,
    doms,
    add(id, opts = {}) {
      const p2m = new P2m(id);
      p2m.map(RAM_GFN, frames.allocRange(RAM_PAGES), RAM_PAGES, P2M_RWX, P2M_TYPE.ram);
      const phys = new GuestPhys(p2m, mem);
      const grants = new GrantTable({
        frames,
        phys,
        maxMaptrackFrames: opts.maxMaptrackFrames,
      });
      // The guest maps its first grant frame where Linux on ARM puts it.
      grants.addToPhysmap(0, GNTTAB_GFN);
      const d = { id, privileged: opts.privileged ?? false, phys, grants };
      doms.set(id, d);
      return d;
    },
  };
}

/** The granter's guest writes entry `ref` through its own mapping of grant frame 0. */
function grant(d: GrantDomainPort, ref: number, flags: number, domid: number, frame: number) {
  const gpa = GNTTAB_GFN * 4096 + ref * 8;
  d.phys.setU32(gpa + 4, frame);
  d.phys.setU32(gpa, (flags & 0xffff) | (domid << 16));
}

/** Flags of entry `ref` as the granter's guest reads them. */
function flagsOf(d: GrantDomainPort, ref: number): number {
  return d.phys.u32(GNTTAB_GFN * 4096 + ref * 8) & 0xffff;
}

function hostAddr(gfn: number): bigint {
  return BigInt(gfn) << 12n;
}

function setup() {
  const w = world();
  const a = w.add(1), b = w.add(2);
  return { w, a, b };
}

Deno.test("map_grant_ref: B maps A's granted page into its p2m and both see the same bytes", () => {
  const { w, a, b } = setup();
  const gfn = RAM_GFN + 0x10;
  grant(a, 10, GTF_permit_access, b.id, gfn);
  const r = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
    ref: 10,
    dom: a.id,
  });
  assert.equal(r.status, GNTST_okay);
  assert.equal(r.handle, 0);
  const aMfn = a.phys.mfnOf(gfn)!;
  assert.equal(r.dev_bus_addr, BigInt(aMfn) << 12n);
  assert.deepEqual(b.phys.p2m.get(HOLE_GFN), {
    gfn: HOLE_GFN,
    mfn: aMfn,
    perms: P2M_RW,
    type: P2M_TYPE.grant,
  });
  assert.equal(flagsOf(a, 10), GTF_permit_access | GTF_reading | GTF_writing);
  b.phys.write(HOLE_GFN * 4096 + 100, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...a.phys.read(gfn * 4096 + 100, 3)], [1, 2, 3]);
  a.phys.setU32(gfn * 4096, 0xdeadbeef);
  assert.equal(b.phys.u32(HOLE_GFN * 4096), 0xdeadbeef);
  assert.deepEqual([...b.grants.maptrack.entries()], [
    { handle: 0, domid: a.id, ref: 10, flags: GNTMAP_host_map },
  ]);
  assert.deepEqual(a.grants.active.list(), [
    { ref: 10, pin: GNTPIN_hstw_inc, domid: b.id, mfn: aMfn, gfn },
  ]);
  assert.deepEqual([...a.grants.entries()], [
    { ref: 10, flags: GTF_permit_access | GTF_reading | GTF_writing, domid: b.id, frame: gfn },
  ]);
});

Deno.test("two maps of one grant count separately; GTF bits go with the last map of each kind", () => {
  const { w, a, b } = setup();
  const gfn = RAM_GFN + 3;
  grant(a, 20, GTF_permit_access, b.id, gfn);
  const rw = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
    ref: 20,
    dom: a.id,
  });
  const ro = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN + 1),
    flags: GNTMAP_host_map | GNTMAP_readonly,
    ref: 20,
    dom: a.id,
  });
  assert.equal(rw.status, GNTST_okay);
  assert.equal(ro.status, GNTST_okay);
  assert.equal(ro.handle, 1);
  assert.equal(a.grants.active.pin(20), GNTPIN_hstw_inc + GNTPIN_hstr_inc);
  assert.equal(b.phys.p2m.get(HOLE_GFN + 1)?.perms, P2M_RO);
  assert.throws(() => b.phys.write((HOLE_GFN + 1) * 4096, new Uint8Array(1)), /read-only/);

  const st = w.ops.unmapGrantRefs(b, [{
    host_addr: hostAddr(HOLE_GFN),
    dev_bus_addr: 0n,
    handle: rw.handle!,
  }]);
  assert.deepEqual(st, [GNTST_okay]);
  assert.equal(b.phys.p2m.get(HOLE_GFN), undefined);
  assert.equal(flagsOf(a, 20), GTF_permit_access | GTF_reading, "writing goes, reading stays");
  assert.equal(a.grants.active.pin(20), GNTPIN_hstr_inc);
  // A second unmap of the same handle: it is free now.
  assert.equal(
    w.ops.unmapGrantRef(b, { host_addr: hostAddr(HOLE_GFN), dev_bus_addr: 0n, handle: 0 }),
    GNTST_bad_handle,
  );
  assert.equal(
    w.ops.unmapGrantRef(b, { host_addr: hostAddr(HOLE_GFN + 1), dev_bus_addr: 0n, handle: 1 }),
    GNTST_okay,
  );
  assert.equal(flagsOf(a, 20), GTF_permit_access);
  assert.equal(a.grants.active.pin(20), 0);
  assert.deepEqual([...b.grants.maptrack.entries()], []);
  assert.equal(b.phys.p2m.get(HOLE_GFN + 1), undefined);
});

Deno.test("read-only grants refuse writable maps, also as an upgrade of a read-only map", () => {
  const { w, a, b } = setup();
  grant(a, 5, GTF_permit_access | GTF_readonly, b.id, RAM_GFN + 7);
  const base = { ref: 5, dom: a.id };
  const w1 = w.ops.mapGrantRef(b, {
    ...base,
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
  });
  assert.deepEqual(w1, { status: GNTST_general_error });
  assert.equal(flagsOf(a, 5), GTF_permit_access | GTF_readonly, "no bit left behind");
  assert.equal(b.phys.p2m.get(HOLE_GFN), undefined);
  const r = w.ops.mapGrantRef(b, {
    ...base,
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map | GNTMAP_readonly,
  });
  assert.equal(r.status, GNTST_okay);
  // The failed map gave handle 0 back to the tail of the free list; the next comes from the head.
  assert.equal(r.handle, 1);
  assert.equal(b.phys.p2m.get(HOLE_GFN)?.perms, P2M_RO);
  const w2 = w.ops.mapGrantRef(b, {
    ...base,
    host_addr: hostAddr(HOLE_GFN + 1),
    flags: GNTMAP_host_map,
  });
  assert.equal(w2.status, GNTST_general_error);
  assert.equal(flagsOf(a, 5), GTF_permit_access | GTF_readonly | GTF_reading);
});

Deno.test("map_grant_ref refusals carry Xen's GNTST codes and leave the entry as it was", () => {
  const { w, a, b } = setup();
  const c = w.add(3);
  grant(a, 8, GTF_permit_access, c.id, RAM_GFN);
  const at = hostAddr(HOLE_GFN);
  const map = (flags: number, ref: number, dom: number) =>
    w.ops.mapGrantRef(b, { host_addr: at, flags, ref, dom }).status;
  // Granted to another domain: Xen's _set_status_v1 says general_error, not permission_denied.
  assert.equal(map(GNTMAP_host_map, 8, a.id), GNTST_general_error);
  assert.equal(flagsOf(a, 8), GTF_permit_access);
  assert.equal(map(GNTMAP_host_map, 9, a.id), GNTST_general_error, "GTF_invalid entry");
  assert.equal(map(GNTMAP_host_map, 512, a.id), GNTST_bad_gntref, "beyond one frame");
  assert.equal(map(GNTMAP_host_map, 0xffffffff, a.id), GNTST_bad_gntref);
  assert.equal(map(GNTMAP_readonly, 8, a.id), GNTST_bad_gntref, "neither host nor device map");
  assert.equal(map(GNTMAP_host_map | GNTMAP_device_map, 8, a.id), GNTST_general_error);
  assert.equal(map(GNTMAP_host_map, 8, 77), GNTST_bad_domain);
  assert.equal(map(GNTMAP_host_map, 8, DOMID_SELF), GNTST_bad_domain, "map looks up by id");
  // Extra flag bits pass the pin and fail in create_grant_host_mapping; the pin is undone.
  grant(a, 11, GTF_permit_access, b.id, RAM_GFN);
  assert.equal(map(GNTMAP_host_map | 0x10000, 11, a.id), GNTST_general_error);
  assert.equal(flagsOf(a, 11), GTF_permit_access);
  assert.equal(a.grants.active.pin(11), 0);
  // A v1 entry with GTF_sub_page cannot be mapped.
  grant(a, 12, GTF_permit_access | GTF_sub_page, b.id, RAM_GFN);
  assert.equal(map(GNTMAP_host_map, 12, a.id), GNTST_general_error);
  // A granted gfn that is not A's memory.
  grant(a, 13, GTF_permit_access, b.id, 0x7777);
  assert.equal(map(GNTMAP_host_map, 13, a.id), GNTST_bad_page);
  assert.equal(flagsOf(a, 13), GTF_permit_access);
  // host_addr beyond the p2m's reach.
  assert.equal(
    w.ops.mapGrantRef(b, { host_addr: 1n << 63n, flags: GNTMAP_host_map, ref: 11, dom: a.id })
      .status,
    GNTST_general_error,
  );
  assert.equal(b.phys.p2m.get(HOLE_GFN), undefined);
  assert.deepEqual([...b.grants.maptrack.entries()], []);
  assert.deepEqual(a.grants.active.list(), []);
});

Deno.test("unmap_grant_ref: bad handles, host_addr 0 keeps the map, a foreign gfn is refused", () => {
  const { w, a, b } = setup();
  grant(a, 30, GTF_permit_access, b.id, RAM_GFN + 1);
  const r = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
    ref: 30,
    dom: a.id,
  });
  const h = r.handle!;
  const unmap = (host_addr: bigint, handle: number) =>
    w.ops.unmapGrantRef(b, { host_addr, dev_bus_addr: 0n, handle });
  assert.equal(unmap(hostAddr(HOLE_GFN), 1), GNTST_bad_handle, "free record");
  assert.equal(unmap(hostAddr(HOLE_GFN), 256), GNTST_bad_handle, "beyond the maptrack");
  assert.equal(unmap(hostAddr(HOLE_GFN), -1), GNTST_bad_handle);
  assert.equal(unmap(hostAddr(HOLE_GFN), 1.5), GNTST_bad_handle);
  assert.equal(unmap(0n, h), GNTST_okay, "host_addr 0: nothing to remove");
  assert.ok(b.phys.p2m.get(HOLE_GFN), "still mapped");
  assert.equal(unmap(hostAddr(RAM_GFN), h), GNTST_general_error, "B's own RAM is not the grant");
  assert.equal(b.phys.p2m.get(RAM_GFN)?.type, P2M_TYPE.ram);
  let invalidations = 0;
  b.phys.p2m.onInvalidate.push(() => invalidations++);
  assert.equal(unmap(hostAddr(HOLE_GFN), h), GNTST_okay);
  assert.equal(invalidations, 1, "B's cached translations of the page are dropped");
  assert.equal(flagsOf(a, 30), GTF_permit_access);
  assert.equal(unmap(hostAddr(HOLE_GFN), h), GNTST_bad_handle);
  // Unmapping at an empty gfn succeeds (nothing to remove) and frees the handle, as in Xen.
  const r2 = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
    ref: 30,
    dom: a.id,
  });
  assert.equal(unmap(hostAddr(HOLE_GFN + 5), r2.handle!), GNTST_okay);
  assert.equal(a.grants.active.pin(30), 0);
});

Deno.test("maptrack: handles in Xen's order, no_space when the table is full", () => {
  const w = world();
  const a = w.add(1), b = w.add(2, { maxMaptrackFrames: 1 });
  for (let ref = 0; ref < 256; ref++) grant(a, ref, GTF_permit_access, b.id, RAM_GFN + ref);
  const handles: number[] = [];
  for (let ref = 0; ref < 255; ref++) {
    const r = w.ops.mapGrantRef(b, {
      host_addr: hostAddr(HOLE_GFN + ref),
      flags: GNTMAP_host_map,
      ref,
      dom: a.id,
    });
    assert.equal(r.status, GNTST_okay);
    handles.push(r.handle!);
  }
  assert.deepEqual(handles, [...Array(255).keys()]);
  // The last record of the page is the free list's sentinel.
  const full = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN + 255),
    flags: GNTMAP_host_map,
    ref: 255,
    dom: a.id,
  });
  assert.deepEqual(full, { status: GNTST_no_space });
  assert.equal(flagsOf(a, 255), GTF_permit_access);
  assert.equal(
    w.ops.unmapGrantRef(b, { host_addr: hostAddr(HOLE_GFN + 7), dev_bus_addr: 0n, handle: 7 }),
    GNTST_okay,
  );
  // Freed handles join the tail: the sentinel goes first, then 7.
  const next = [255, 254].map((ref) =>
    w.ops.mapGrantRef(b, {
      host_addr: hostAddr(HOLE_GFN + 300 + ref),
      flags: GNTMAP_host_map | GNTMAP_readonly,
      ref,
      dom: a.id,
    })
  );
  assert.deepEqual(next.map((r) => r.handle), [255, undefined]);
  assert.equal(next[1].status, GNTST_no_space);
});

Deno.test("pin counters refuse a 129th map of one entry instead of overflowing", () => {
  const { w, a, b } = setup();
  grant(a, 40, GTF_permit_access, b.id, RAM_GFN);
  for (let i = 0; i < 128; i++) {
    const r = w.ops.mapGrantRef(b, {
      host_addr: hostAddr(HOLE_GFN + i),
      flags: GNTMAP_host_map,
      ref: 40,
      dom: a.id,
    });
    assert.equal(r.status, GNTST_okay);
  }
  const r = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN + 200),
    flags: GNTMAP_host_map,
    ref: 40,
    dom: a.id,
  });
  assert.equal(r.status, GNTST_general_error);
  assert.equal(a.grants.active.pin(40), 128 * GNTPIN_hstw_inc);
  // A read-only map counts in its own counter.
  const ro = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN + 200),
    flags: GNTMAP_host_map | GNTMAP_readonly,
    ref: 40,
    dom: a.id,
  });
  assert.equal(ro.status, GNTST_okay);
});

Deno.test("copy: granted source to own frame and own frame to granted destination", () => {
  const { w, a, b } = setup();
  const srcGfn = RAM_GFN + 20, dstGfn = RAM_GFN + 21;
  a.phys.write(srcGfn * 4096 + 10, new TextEncoder().encode("hello grant"));
  grant(a, 50, GTF_permit_access | GTF_readonly, b.id, srcGfn);
  grant(a, 51, GTF_permit_access, b.id, dstGfn);
  const st = w.ops.copies(b, [
    {
      source: { u: 50n, domid: a.id, offset: 10 },
      dest: { u: BigInt(RAM_GFN + 5), domid: DOMID_SELF, offset: 4000 },
      len: 11,
      flags: GNTCOPY_source_gref,
    },
    {
      source: { u: BigInt(RAM_GFN + 5), domid: DOMID_SELF, offset: 4000 },
      dest: { u: 51n, domid: a.id, offset: 4085 },
      len: 11,
      flags: GNTCOPY_dest_gref,
    },
  ]);
  assert.deepEqual(st, [GNTST_okay, GNTST_okay]);
  const dec = (d: GrantDomainPort, gpa: number) => new TextDecoder().decode(d.phys.read(gpa, 11));
  assert.equal(dec(b, (RAM_GFN + 5) * 4096 + 4000), "hello grant");
  assert.equal(dec(a, dstGfn * 4096 + 4085), "hello grant");
  // Nothing stays pinned after a copy.
  assert.equal(flagsOf(a, 50), GTF_permit_access | GTF_readonly);
  assert.equal(flagsOf(a, 51), GTF_permit_access);
  assert.deepEqual(a.grants.active.list(), []);
  // Gref to gref, both A's, within one frame's bounds.
  assert.equal(
    w.ops.copy(b, {
      source: { u: 50n, domid: a.id, offset: 10 },
      dest: { u: 51n, domid: a.id, offset: 0 },
      len: 5,
      flags: GNTCOPY_source_gref | GNTCOPY_dest_gref,
    }),
    GNTST_okay,
  );
  assert.equal(new TextDecoder().decode(a.phys.read(dstGfn * 4096, 5)), "hello");
});

Deno.test("copy keeps the GTF bits of a mapped grant and clears only what it set", () => {
  const { w, a, b } = setup();
  grant(a, 60, GTF_permit_access, b.id, RAM_GFN + 30);
  const m = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map | GNTMAP_readonly,
    ref: 60,
    dom: a.id,
  });
  assert.equal(m.status, GNTST_okay);
  assert.equal(
    w.ops.copy(b, {
      source: { u: BigInt(RAM_GFN), domid: DOMID_SELF, offset: 0 },
      dest: { u: 60n, domid: a.id, offset: 0 },
      len: 16,
      flags: GNTCOPY_dest_gref,
    }),
    GNTST_okay,
  );
  assert.equal(flagsOf(a, 60), GTF_permit_access | GTF_reading, "the read-only map remains");
  assert.equal(a.grants.active.pin(60), GNTPIN_hstr_inc);
});

Deno.test("copy refusals: bounds, frames of other domains, read-only and bad grants", () => {
  const { w, a, b } = setup();
  grant(a, 70, GTF_permit_access | GTF_readonly, b.id, RAM_GFN + 40);
  grant(a, 71, GTF_permit_access, b.id, RAM_GFN + 41);
  const own = (gfn: number, offset = 0) => ({ u: BigInt(gfn), domid: DOMID_SELF, offset });
  const ref = (r: number, offset = 0, domid = a.id) => ({ u: BigInt(r), domid, offset });
  const copy = (
    source: { u: bigint; domid: number; offset: number },
    dest: { u: bigint; domid: number; offset: number },
    len: number,
    flags: number,
  ) => w.ops.copy(b, { source, dest, len, flags });
  assert.equal(copy(ref(71, 4000), own(RAM_GFN), 97, GNTCOPY_source_gref), GNTST_bad_copy_arg);
  assert.equal(copy(ref(71), own(RAM_GFN, 4095), 2, GNTCOPY_source_gref), GNTST_bad_copy_arg);
  assert.equal(copy(ref(71, 4000), own(RAM_GFN), 96, GNTCOPY_source_gref), GNTST_okay);
  assert.equal(
    copy(own(RAM_GFN), ref(70), 8, GNTCOPY_dest_gref),
    GNTST_general_error,
    "read-only",
  );
  assert.equal(
    copy({ u: BigInt(RAM_GFN), domid: a.id, offset: 0 }, own(RAM_GFN), 8, 0),
    GNTST_permission_denied,
    "only DOMID_SELF by frame",
  );
  assert.equal(copy(ref(71, 0, 99), own(RAM_GFN), 8, GNTCOPY_source_gref), GNTST_bad_domain);
  assert.equal(copy(ref(4096), own(RAM_GFN), 8, GNTCOPY_source_gref), GNTST_bad_gntref);
  assert.equal(copy(ref(71), own(0x9999), 8, GNTCOPY_source_gref), GNTST_bad_page);
  assert.equal(copy(ref(71), own(2 ** 60), 8, GNTCOPY_source_gref), GNTST_bad_page);
  // The destination fails after the source was pinned: the source is unpinned again.
  assert.equal(
    copy(ref(71), ref(70), 8, GNTCOPY_source_gref | GNTCOPY_dest_gref),
    GNTST_general_error,
  );
  assert.equal(flagsOf(a, 71), GTF_permit_access);
  assert.equal(flagsOf(a, 70), GTF_permit_access | GTF_readonly);
  // Bounds are checked after both sides: a bad ref wins over a bad length.
  assert.equal(copy(ref(4096), own(RAM_GFN), 5000, GNTCOPY_source_gref), GNTST_bad_gntref);
  assert.deepEqual(a.grants.active.list(), []);
});

Deno.test("the table grows on demand up to 64 frames; add_to_physmap and setup_table see it", () => {
  const { w, a, b } = setup();
  assert.deepEqual(w.ops.querySize(a, { dom: DOMID_SELF }), {
    status: GNTST_okay,
    nr_frames: 1,
    max_nr_frames: DEFAULT_MAX_GRANT_FRAMES,
  });
  assert.equal(DEFAULT_MAX_GRANT_FRAMES, 64);
  a.grants.addToPhysmap(3, GNTTAB_GFN + 3);
  assert.equal(a.grants.nrFrames, 4);
  const mfn3 = a.grants.frameMfn(3);
  assert.equal(a.phys.p2m.get(GNTTAB_GFN + 3)?.mfn, mfn3);
  assert.equal(a.phys.p2m.get(GNTTAB_GFN + 3)?.type, P2M_TYPE.xen);
  // A grant in frame 3 is usable now (refs 1536..2047).
  grant(a, 3 * 512 + 1, GTF_permit_access, b.id, RAM_GFN);
  assert.equal(
    w.ops.mapGrantRef(b, {
      host_addr: hostAddr(HOLE_GFN),
      flags: GNTMAP_host_map,
      ref: 3 * 512 + 1,
      dom: a.id,
    }).status,
    GNTST_okay,
  );
  assert.deepEqual(w.ops.setupTable(a, { dom: DOMID_SELF, nr_frames: 4 }), {
    status: GNTST_okay,
    frame_list: [BigInt(GNTTAB_GFN), INVALID_GFN, INVALID_GFN, BigInt(GNTTAB_GFN + 3)],
  });
  assert.throws(
    () => a.grants.addToPhysmap(3, GNTTAB_GFN + 9),
    (e) => e instanceof XenError && e.errno === XEN_EBUSY,
  );
  a.phys.p2m.unmap(GNTTAB_GFN + 3);
  a.grants.addToPhysmap(3, GNTTAB_GFN + 9);
  assert.equal(a.grants.frameGfn(3), GNTTAB_GFN + 9);
  assert.equal(a.grants.frameMfn(3), mfn3, "same frame, new place");
  a.grants.frameMfn(63);
  assert.equal(a.grants.nrFrames, 64);
  for (const idx of [64, -1, 2 ** 53, 0.5, 0x80000000]) {
    assert.throws(
      () => a.grants.addToPhysmap(idx, GNTTAB_GFN + 20),
      (e) => e instanceof XenError && e.errno === XEN_EINVAL,
      `idx ${idx}`,
    );
  }
  assert.throws(
    () => a.grants.addToPhysmap(10, 2 ** 40),
    (e) => e instanceof XenError && e.errno === XEN_EINVAL,
  );
  assert.equal(w.ops.setupTable(a, { dom: DOMID_SELF, nr_frames: 65 }).status, GNTST_general_error);
  assert.equal(w.ops.setupTable(b, { dom: DOMID_SELF, nr_frames: 0 }).status, GNTST_okay);
  assert.equal(w.ops.setupTable(b, { dom: DOMID_SELF, nr_frames: 2 }).frame_list.length, 2);
  assert.equal(b.grants.nrFrames, 2, "setup_table grows too");
});

Deno.test("a table that cannot grow for lack of machine memory keeps its size", () => {
  const mem = new PhysMemory();
  mem.addRam("m", 0x4000_0000, 4 * 4096);
  const frames = new MachineFrames(mem, 0x4000_0000, 4 * 4096);
  const p2m = new P2m(1);
  const gt = new GrantTable({ frames, phys: new GuestPhys(p2m, mem) });
  assert.equal(gt.grow(8), false);
  assert.equal(gt.nrFrames, 1);
  assert.equal(frames.available, 3, "frames of the failed growth were given back");
  assert.throws(() => gt.frameMfn(5), (e) => e instanceof XenError && e.errno === XEN_EINVAL);
  assert.equal(gt.frameMfn(3), gt.frameMfns()[3]);
});

Deno.test("setEntry seeds an entry as the toolstack does for the reserved refs", () => {
  const { w, a, b } = setup();
  a.grants.setEntry(1, GTF_permit_access, b.id, RAM_GFN + 2);
  assert.deepEqual(a.grants.entry(1), {
    ref: 1,
    flags: GTF_permit_access,
    domid: b.id,
    frame: RAM_GFN + 2,
  });
  assert.equal(a.phys.u32(GNTTAB_GFN * 4096 + 8), GTF_permit_access | (b.id << 16));
  const r = w.ops.mapGrantRef(b, {
    host_addr: hostAddr(HOLE_GFN),
    flags: GNTMAP_host_map,
    ref: 1,
    dom: a.id,
  });
  assert.equal(r.status, GNTST_okay);
  assert.throws(() => a.grants.setEntry(512, GTF_permit_access, 0, 0), RangeError);
});

Deno.test("query_size, setup_table, get_version: other domains only for the privileged", () => {
  const w = world();
  const dom0 = w.add(0, { privileged: true }), a = w.add(1), b = w.add(2);
  assert.equal(w.ops.querySize(b, { dom: a.id }).status, GNTST_permission_denied);
  assert.equal(w.ops.querySize(b, { dom: 42 }).status, GNTST_bad_domain);
  assert.equal(w.ops.querySize(dom0, { dom: a.id }).nr_frames, 1);
  assert.equal(w.ops.setupTable(b, { dom: a.id, nr_frames: 1 }).status, GNTST_permission_denied);
  assert.equal(w.ops.setupTable(b, { dom: 0x7ff1, nr_frames: 1 }).status, GNTST_bad_domain);
  assert.equal(w.ops.setupTable(dom0, { dom: a.id, nr_frames: 1 }).status, GNTST_okay);
  assert.equal(w.ops.getStatusFrames(a, { dom: DOMID_SELF, nr_frames: 0 }), GNTST_okay);
  assert.equal(w.ops.getStatusFrames(a, { dom: DOMID_SELF, nr_frames: 1 }), GNTST_general_error);
  assert.equal(w.ops.getStatusFrames(a, { dom: b.id, nr_frames: 0 }), GNTST_permission_denied);
  assert.equal(w.ops.getVersion(a, { dom: DOMID_SELF }), 1);
  assert.equal(w.ops.getVersion(dom0, { dom: b.id }), 1);
  assert.throws(
    () => w.ops.getVersion(a, { dom: b.id }),
    (e) => e instanceof XenError && e.errno === XEN_EPERM,
  );
  assert.throws(
    () => w.ops.getVersion(a, { dom: 5 }),
    (e) => e instanceof XenError && e.errno === XEN_ESRCH,
  );
});

Deno.test("set_version: ARM has only v1, so 2 is -ENOSYS and the version stays 1", () => {
  const { w, a } = setup();
  assert.deepEqual(w.ops.setVersion(a, 2), { rc: -XEN_ENOSYS, version: 1 });
  assert.deepEqual(w.ops.setVersion(a, 1), { rc: 0, version: 1 });
  assert.deepEqual(w.ops.setVersion(a, 0), { rc: -XEN_EINVAL, version: 1 });
  assert.deepEqual(w.ops.setVersion(a, 3), { rc: -XEN_EINVAL, version: 1 });
  assert.deepEqual(w.ops.setVersion(a, 2 ** 32 + 1), { rc: 0, version: 1 }, "u32 wraps to 1");
  assert.equal(a.grants.version, 1);
});

/** Small deterministic PRNG (xorshift32) for the junk loop. */
function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

Deno.test("junk arguments produce GNTST codes or XenError, never another exception", () => {
  const w = world();
  const doms = [w.add(0, { privileged: true }), w.add(1), w.add(2)];
  const r = rng(0x5eed);
  const pick = <T>(xs: readonly T[]): T => xs[r() % xs.length];
  const small = () => pick([0, 1, 2, 3, 7, 511, 512, 0x7ff0, 0x7ff4, 0xffff, 0xffffffff]);
  const num = () => pick([small(), r(), r() % 600, -1, 0.5, 2 ** 53, NaN]);
  const fit = () => pick([r() % 8, r() % 8, r() % 4096, num()]);
  const big = () =>
    pick([0n, BigInt(r()) << 12n, hostAddr(HOLE_GFN + (r() % 8)), (1n << 64n) - 1n, -5n]);
  const domid = () => pick([0, 1, 2, 0, 1, 2, 3, DOMID_SELF, 0x7ff2, r() & 0xffff, num()]);
  // Guests may write any flags; GTF_reading/GTF_writing are left out so that the final check
  // can tell Xen's bits apart.
  const gnt = [GTF_permit_access, GTF_readonly, GTF_sub_page, 3, 2, 0x8000];
  const statuses = new Set<number>();
  for (let i = 0; i < 4000; i++) {
    const me = pick(doms);
    // Guests grant their first refs plausibly, and scribble over their entries too.
    if (r() % 3 === 0) {
      const junk = r() % 4 === 0;
      const flags = junk
        ? gnt.filter(() => r() % 2 === 0).reduce((x, y) => x | y, 0)
        : GTF_permit_access | (r() % 2 === 0 ? GTF_readonly : 0);
      const ref = junk ? r() % 512 : r() % 8;
      grant(me, ref, flags, junk ? r() & 0xffff : r() % 3, junk ? r() : RAM_GFN + (r() % 4));
    }
    try {
      switch (r() % 8) {
        case 0: {
          const res = w.ops.mapGrantRef(me, {
            host_addr: big(),
            flags: pick([GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, num()]),
            ref: fit(),
            dom: domid(),
          });
          statuses.add(res.status);
          break;
        }
        case 1:
          statuses.add(
            w.ops.unmapGrantRef(me, {
              host_addr: big(),
              dev_bus_addr: big(),
              handle: pick([r() % 8, num()]),
            }),
          );
          break;
        case 2:
          statuses.add(
            w.ops.copy(me, {
              source: { u: pick([BigInt(r() % 512), big()]), domid: domid(), offset: num() },
              dest: {
                u: pick([BigInt(RAM_GFN + (r() % 4)), big()]),
                domid: domid(),
                offset: num(),
              },
              len: num(),
              flags: num(),
            }),
          );
          break;
        case 3:
          statuses.add(w.ops.setupTable(me, { dom: domid(), nr_frames: num() }).status);
          break;
        case 4:
          statuses.add(w.ops.querySize(me, { dom: domid() }).status);
          break;
        case 5:
          w.ops.setVersion(me, num());
          w.ops.getVersion(me, { dom: domid() });
          break;
        case 6:
          statuses.add(w.ops.getStatusFrames(me, { dom: domid(), nr_frames: num() }));
          break;
        default:
          me.grants.addToPhysmap(num(), pick([GNTTAB_GFN + (r() % 70), num()]));
      }
    } catch (e) {
      if (!(e instanceof XenError)) throw e;
    }
  }
  for (const s of statuses) assert.ok(Number.isInteger(s) && s <= 0 && s >= -13, `status ${s}`);
  for (
    const s of [GNTST_okay, GNTST_bad_handle, GNTST_bad_gntref, GNTST_bad_domain, GNTST_bad_page]
  ) {
    assert.ok(statuses.has(s), `the loop reached status ${s}`);
  }
  // Whatever the junk did, unmapping every handle leaves no pin and no GTF bit behind.
  for (const d of doms) {
    for (const m of [...d.grants.maptrack.entries()]) {
      const gfn = [...d.phys.p2m.entries()].find((e) =>
        e.type === P2M_TYPE.grant && e.mfn === w.doms.get(m.domid)!.grants.active.get(m.ref)?.mfn
      )?.gfn;
      const st = w.ops.unmapGrantRef(d, {
        // host_addr 0 would mean "no host mapping": name gfn 0 by an address inside it.
        host_addr: gfn === undefined ? hostAddr(HOLE_GFN + 100) : hostAddr(gfn) | 1n,
        dev_bus_addr: 0n,
        handle: m.handle,
      });
      assert.equal(st, GNTST_okay);
    }
  }
  for (const d of doms) {
    assert.deepEqual(d.grants.active.list(), []);
    for (const e of d.grants.entries()) assert.equal(e.flags & (GTF_reading | GTF_writing), 0);
  }
});
