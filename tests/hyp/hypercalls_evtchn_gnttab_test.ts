/**
 * Hypercalls through the real dispatcher, part 4: event_channel_op and grant_table_op end to end
 * between two real domUs (argument structures in guest RAM, results read back from it).
 */
import assert from "node:assert/strict";
import {
  XEN_EEXIST,
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSYS,
  XEN_EOPNOTSUPP,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  __HYPERVISOR_event_channel_op,
  __HYPERVISOR_grant_table_op,
  __HYPERVISOR_memory_op,
  DOMID_SELF,
} from "../../core/hyp/abi/hypercalls.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import * as G from "../../core/hyp/abi/grant_table.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import { abiField, type AbiStruct } from "../../core/hyp/abi/layout.ts";
import { shared_info } from "../../core/hyp/abi/shared_info.ts";
import { GUEST_GNTTAB_BASE } from "../../core/hyp/abi/arm_memory_map.ts";
import type { Domain } from "../../core/hyp/domain.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { P2M_TYPE } from "../../core/hyp/p2m.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";
import { call, getField, hypLab, putStruct, rc, SCRATCH } from "../../tools/lab/hyp_lab.ts";

const EVT = __HYPERVISOR_event_channel_op;
const GNT = __HYPERVISOR_grant_table_op;
const UNMAPPED = 0x10_0000n;
const GNTTAB_GFN = GUEST_GNTTAB_BASE / 4096;
const EVTCHN_PENDING = abiField(shared_info, "evtchn_pending").offset;

function two() {
  const { hv, doms } = hypLab({ domains: 2 });
  const [a, b] = doms.map((x) => x.domain);
  return { hv, a, b, va: a.vcpus[0], vb: b.vcpus[0] };
}

/** Runs one EVTCHNOP_* with `fields`; the result and a reader of the structure's fields. */
function evt(
  hv: Hypervisor,
  v: Vcpu,
  cmd: number,
  s: AbiStruct,
  fields: Record<string, number | bigint>,
) {
  putStruct(v, SCRATCH, s, fields);
  const r = rc(call(hv, v, EVT, cmd, SCRATCH));
  return { r, get: (name: string) => Number(getField(v, SCRATCH, s, name)) };
}

/** The 2-level pending bit of `port` in `d`'s shared_info. */
function sharedPending(d: Domain, port: number): boolean {
  const byte = d.sharedInfo().getUint8(EVTCHN_PENDING + (port >> 3));
  return ((byte >> (port & 7)) & 1) === 1;
}

Deno.test("event_channel_op: alloc_unbound in A for B, bind_interdomain from B, send both ways", () => {
  const { hv, a, b, va, vb } = two();
  const alloc = evt(hv, va, E.EVTCHNOP_alloc_unbound, E.evtchn_alloc_unbound, {
    dom: DOMID_SELF,
    remote_dom: b.id,
  });
  assert.equal(alloc.r, 0);
  const pa = alloc.get("port");
  assert.ok(pa > 0);
  let st = evt(hv, va, E.EVTCHNOP_status, E.evtchn_status, { dom: DOMID_SELF, port: pa });
  assert.equal(st.r, 0);
  assert.equal(st.get("status"), E.EVTCHNSTAT_unbound);
  assert.equal(st.get("u.unbound.dom"), b.id);
  const bind = evt(hv, vb, E.EVTCHNOP_bind_interdomain, E.evtchn_bind_interdomain, {
    remote_dom: a.id,
    remote_port: pa,
  });
  assert.equal(bind.r, 0);
  const pb = bind.get("local_port");
  st = evt(hv, va, E.EVTCHNOP_status, E.evtchn_status, { dom: a.id, port: pa });
  assert.equal(st.get("status"), E.EVTCHNSTAT_interdomain);
  assert.equal(st.get("u.interdomain.dom"), b.id);
  assert.equal(st.get("u.interdomain.port"), pb);
  assert.equal(st.get("vcpu"), 0);
  // Binding marks the new local port pending (notifications to the unbound port may have been
  // lost), as Xen does; A's end is untouched.
  assert.equal(sharedPending(b, pb), true);
  assert.equal(sharedPending(a, pa), false);
  // B sends: pending in A (in A's shared_info).
  assert.equal(evt(hv, vb, E.EVTCHNOP_send, E.evtchn_send, { port: pb }).r, 0);
  assert.equal(a.evtchn.isPending(pa), true);
  assert.equal(sharedPending(a, pa), true);
  assert.equal(evt(hv, va, E.EVTCHNOP_send, E.evtchn_send, { port: pa }).r, 0);
  assert.equal(sharedPending(b, pb), true);
  assert.equal(vb.hypercalls.get("event_channel_op/send"), 1);
  // B closes: A's end is unbound again (for B), and sending into it goes nowhere.
  assert.equal(evt(hv, vb, E.EVTCHNOP_close, E.evtchn_close, { port: pb }).r, 0);
  st = evt(hv, va, E.EVTCHNOP_status, E.evtchn_status, { dom: DOMID_SELF, port: pa });
  assert.equal(st.get("status"), E.EVTCHNSTAT_unbound);
  assert.equal(st.get("u.unbound.dom"), b.id);
  st = evt(hv, vb, E.EVTCHNOP_status, E.evtchn_status, { dom: DOMID_SELF, port: pb });
  assert.equal(st.get("status"), E.EVTCHNSTAT_closed);
  assert.equal(evt(hv, vb, E.EVTCHNOP_send, E.evtchn_send, { port: pb }).r, -XEN_EINVAL);
});

Deno.test("event_channel_op: interdomain errors (EPERM, ESRCH, EINVAL, EFAULT)", () => {
  const { hv, a, b, va, vb } = two();
  const S = E.evtchn_alloc_unbound;
  // alloc_unbound in another domain needs privilege; for a domain that is not there: ESRCH.
  assert.equal(
    evt(hv, va, E.EVTCHNOP_alloc_unbound, S, { dom: b.id, remote_dom: a.id }).r,
    -XEN_EPERM,
  );
  assert.equal(
    evt(hv, va, E.EVTCHNOP_alloc_unbound, S, { dom: 0x4321, remote_dom: a.id }).r,
    -XEN_ESRCH,
  );
  // A port unbound for A itself cannot be bound by B.
  const own = evt(hv, va, E.EVTCHNOP_alloc_unbound, S, { dom: DOMID_SELF, remote_dom: DOMID_SELF });
  assert.equal(own.r, 0);
  const B = E.evtchn_bind_interdomain;
  assert.equal(
    evt(hv, vb, E.EVTCHNOP_bind_interdomain, B, { remote_dom: a.id, remote_port: own.get("port") })
      .r,
    -XEN_EINVAL,
  );
  assert.equal(
    evt(hv, vb, E.EVTCHNOP_bind_interdomain, B, { remote_dom: a.id, remote_port: 5000 }).r,
    -XEN_EINVAL,
  );
  assert.equal(
    evt(hv, vb, E.EVTCHNOP_bind_interdomain, B, { remote_dom: 0x4321, remote_port: 1 }).r,
    -XEN_ESRCH,
  );
  // Status of another domain's port: EPERM; of no domain: ESRCH; of a bad port: EINVAL.
  const St = E.evtchn_status;
  assert.equal(evt(hv, vb, E.EVTCHNOP_status, St, { dom: a.id, port: 1 }).r, -XEN_EPERM);
  assert.equal(evt(hv, vb, E.EVTCHNOP_status, St, { dom: 0x4321, port: 1 }).r, -XEN_ESRCH);
  assert.equal(
    evt(hv, vb, E.EVTCHNOP_status, St, { dom: DOMID_SELF, port: 1 << 20 }).r,
    -XEN_EINVAL,
  );
  // Bad ports.
  for (const port of [0x10000, 0xffff_ffff]) {
    assert.equal(evt(hv, va, E.EVTCHNOP_send, E.evtchn_send, { port }).r, -XEN_EINVAL);
    assert.equal(evt(hv, va, E.EVTCHNOP_close, E.evtchn_close, { port }).r, -XEN_EINVAL);
    assert.equal(evt(hv, va, E.EVTCHNOP_unmask, E.evtchn_unmask, { port }).r, -XEN_EINVAL);
  }
  // Reset of another domain: EPERM.
  assert.equal(evt(hv, va, E.EVTCHNOP_reset, E.evtchn_reset, { dom: b.id }).r, -XEN_EPERM);
  // Every sub-op with an argument pointer that does not translate: EFAULT.
  for (const cmd of [0, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]) {
    assert.equal(rc(call(hv, va, EVT, cmd, UNMAPPED)), -XEN_EFAULT, `cmd ${cmd}`);
    assert.equal(rc(call(hv, va, EVT, cmd, 0xffff_ffff_ffff_fffcn)), -XEN_EFAULT, `cmd ${cmd}`);
  }
  // No pirqs on ARM; unknown commands.
  assert.equal(rc(call(hv, va, EVT, E.EVTCHNOP_bind_pirq, SCRATCH)), -XEN_ENOSYS);
  assert.equal(rc(call(hv, va, EVT, 14, SCRATCH)), -XEN_ENOSYS);
  assert.equal(rc(call(hv, va, EVT, 0xffff_ffff, SCRATCH)), -XEN_ENOSYS);
});

Deno.test("event_channel_op: bind_virq, bind_ipi, bind_vcpu, unmask", () => {
  const { hv, a, va } = two();
  const virq = evt(hv, va, E.EVTCHNOP_bind_virq, E.evtchn_bind_virq, {
    virq: E.VIRQ_TIMER,
    vcpu: 0,
  });
  assert.equal(virq.r, 0);
  const pv = virq.get("port");
  let st = evt(hv, va, E.EVTCHNOP_status, E.evtchn_status, { dom: DOMID_SELF, port: pv });
  assert.equal(st.get("status"), E.EVTCHNSTAT_virq);
  assert.equal(st.get("u.virq"), E.VIRQ_TIMER);
  assert.equal(a.evtchn.virqPort(E.VIRQ_TIMER), pv);
  const V = E.evtchn_bind_virq;
  assert.equal(
    evt(hv, va, E.EVTCHNOP_bind_virq, V, { virq: E.VIRQ_TIMER, vcpu: 0 }).r,
    -XEN_EEXIST,
  );
  assert.equal(evt(hv, va, E.EVTCHNOP_bind_virq, V, { virq: E.NR_VIRQS, vcpu: 0 }).r, -XEN_EINVAL);
  assert.equal(
    evt(hv, va, E.EVTCHNOP_bind_virq, V, { virq: E.VIRQ_DEBUG, vcpu: 3 }).r,
    -XEN_ENOENT,
  );
  const ipi = evt(hv, va, E.EVTCHNOP_bind_ipi, E.evtchn_bind_ipi, { vcpu: 0 });
  assert.equal(ipi.r, 0);
  const pi = ipi.get("port");
  st = evt(hv, va, E.EVTCHNOP_status, E.evtchn_status, { dom: DOMID_SELF, port: pi });
  assert.equal(st.get("status"), E.EVTCHNSTAT_ipi);
  assert.equal(evt(hv, va, E.EVTCHNOP_bind_ipi, E.evtchn_bind_ipi, { vcpu: 1 }).r, -XEN_ENOENT);
  // bind_vcpu: an unbound or interdomain port may move, an IPI port may not.
  const pu = evt(hv, va, E.EVTCHNOP_alloc_unbound, E.evtchn_alloc_unbound, {
    dom: DOMID_SELF,
    remote_dom: DOMID_SELF,
  }).get("port");
  const BV = E.evtchn_bind_vcpu;
  assert.equal(evt(hv, va, E.EVTCHNOP_bind_vcpu, BV, { port: pu, vcpu: 0 }).r, 0);
  assert.equal(evt(hv, va, E.EVTCHNOP_bind_vcpu, BV, { port: pu, vcpu: 1 }).r, -XEN_ENOENT);
  assert.equal(evt(hv, va, E.EVTCHNOP_bind_vcpu, BV, { port: pi, vcpu: 0 }).r, -XEN_EINVAL);
  // A masked port stays quiet; unmask delivers what is pending.
  const MASK = abiField(shared_info, "evtchn_mask").offset;
  const si = a.sharedInfo();
  si.setUint8(MASK + (pi >> 3), si.getUint8(MASK + (pi >> 3)) | (1 << (pi & 7)));
  assert.equal(evt(hv, va, E.EVTCHNOP_send, E.evtchn_send, { port: pi }).r, 0);
  assert.equal(sharedPending(a, pi), true);
  assert.equal(a.evtchn.isMasked(pi), true);
  si.setUint8(MASK + (pi >> 3), si.getUint8(MASK + (pi >> 3)) & ~(1 << (pi & 7)));
  assert.equal(evt(hv, va, E.EVTCHNOP_unmask, E.evtchn_unmask, { port: pi }).r, 0);
  assert.equal(a.evtchn.isMasked(pi), false);
  // set_priority needs FIFO.
  assert.equal(
    evt(hv, va, E.EVTCHNOP_set_priority, E.evtchn_set_priority, { port: pi, priority: 3 }).r,
    -XEN_ENOSYS,
  );
  assert.equal(evt(hv, va, E.EVTCHNOP_close, E.evtchn_close, { port: pv }).r, 0);
  assert.equal(a.evtchn.virqPort(E.VIRQ_TIMER), 0);
});

Deno.test("event_channel_op: FIFO init_control and expand_array, then a send sets the event word", () => {
  const { hv, a, b, va, vb } = two();
  const CONTROL = 0x40e00, ARRAY = 0x40e01;
  const EA = E.evtchn_expand_array;
  assert.equal(evt(hv, va, E.EVTCHNOP_expand_array, EA, { array_gfn: ARRAY }).r, -XEN_EOPNOTSUPP);
  const I = E.evtchn_init_control;
  assert.equal(
    evt(hv, va, E.EVTCHNOP_init_control, I, { control_gfn: CONTROL, offset: 4, vcpu: 0 }).r,
    -XEN_EINVAL,
  );
  assert.equal(
    evt(hv, va, E.EVTCHNOP_init_control, I, { control_gfn: CONTROL, offset: 0, vcpu: 7 }).r,
    -XEN_ENOENT,
  );
  assert.equal(
    evt(hv, va, E.EVTCHNOP_init_control, I, {
      control_gfn: Number(UNMAPPED) / 4096,
      offset: 0,
      vcpu: 0,
    }).r,
    -XEN_EINVAL,
  );
  const init = evt(hv, va, E.EVTCHNOP_init_control, I, {
    control_gfn: CONTROL,
    offset: 0,
    vcpu: 0,
  });
  assert.equal(init.r, 0);
  assert.equal(init.get("link_bits"), E.EVTCHN_FIFO_LINK_BITS);
  assert.equal(a.evtchn.abiKind, "fifo");
  assert.equal(evt(hv, va, E.EVTCHNOP_expand_array, EA, { array_gfn: ARRAY }).r, 0);
  assert.equal(evt(hv, va, E.EVTCHNOP_expand_array, EA, { array_gfn: 1n << 50n }).r, -XEN_EINVAL);
  // An interdomain channel into A, signalled by B: A's event word has PENDING.
  const pa = evt(hv, va, E.EVTCHNOP_alloc_unbound, E.evtchn_alloc_unbound, {
    dom: DOMID_SELF,
    remote_dom: b.id,
  }).get("port");
  const pb = evt(hv, vb, E.EVTCHNOP_bind_interdomain, E.evtchn_bind_interdomain, {
    remote_dom: a.id,
    remote_port: pa,
  }).get("local_port");
  assert.equal(evt(hv, vb, E.EVTCHNOP_send, E.evtchn_send, { port: pb }).r, 0);
  const word = a.phys.u32(ARRAY * 4096 + 4 * pa);
  assert.equal((word >>> E.EVTCHN_FIFO_PENDING) & 1, 1);
  assert.equal(a.evtchn.isPending(pa), true);
  assert.equal(
    evt(hv, va, E.EVTCHNOP_set_priority, E.evtchn_set_priority, { port: pa, priority: 3 }).r,
    0,
  );
  assert.equal(
    evt(hv, va, E.EVTCHNOP_set_priority, E.evtchn_set_priority, { port: pa, priority: 16 }).r,
    -XEN_EINVAL,
  );
});

/** Maps `d`'s grant frame 0 at the grant window through memory_op, as Linux does. */
function mapGrantFrame(hv: Hypervisor, d: Domain): void {
  const v = d.vcpus[0];
  putStruct(v, SCRATCH, M.xen_add_to_physmap, {
    domid: DOMID_SELF,
    space: M.XENMAPSPACE_grant_table,
    idx: 0,
    gpfn: GNTTAB_GFN,
  });
  assert.equal(rc(call(hv, v, __HYPERVISOR_memory_op, M.XENMEM_add_to_physmap, SCRATCH)), 0);
}

/** Writes grant entry `ref` of `d` the way a guest does, through its mapped grant frame. */
function grant(d: Domain, ref: number, flags: number, domid: number, frame: number): void {
  const at = GNTTAB_GFN * 4096 + ref * G.grant_entry_v1.size;
  d.phys.setU32(at + 4, frame);
  d.phys.setU32(at, (domid << 16) | flags);
}

function entryFlags(d: Domain, ref: number): number {
  return d.phys.u32(GNTTAB_GFN * 4096 + ref * G.grant_entry_v1.size) & 0xffff;
}

Deno.test("grant_table_op: A grants a page to B; B maps it, sees and changes the data, unmaps", () => {
  const { hv, a, b, vb } = two();
  mapGrantFrame(hv, a);
  const DATA = 0x40800, HOLE = 0x41100;
  a.phys.write(DATA * 4096, new TextEncoder().encode("granted!"));
  grant(a, 8, G.GTF_permit_access, b.id, DATA);
  const MAP = SCRATCH + 0x100;
  putStruct(vb, MAP, G.gnttab_map_grant_ref, {
    host_addr: HOLE * 4096,
    flags: G.GNTMAP_host_map,
    ref: 8,
    dom: a.id,
  });
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_map_grant_ref, MAP, 1)), 0);
  assert.equal(getField(vb, MAP, G.gnttab_map_grant_ref, "status"), G.GNTST_okay);
  const handle = Number(getField(vb, MAP, G.gnttab_map_grant_ref, "handle"));
  assert.equal(b.p2m.get(HOLE)?.type, P2M_TYPE.grant);
  assert.equal(new TextDecoder().decode(b.phys.read(HOLE * 4096, 8)), "granted!");
  // Through B's vcpu (stage 1 off: VA = IPA) as well.
  assert.equal(new TextDecoder().decode(vb.guest.read(BigInt(HOLE * 4096), 8)), "granted!");
  b.phys.write(HOLE * 4096, new TextEncoder().encode("B wrote"));
  assert.equal(new TextDecoder().decode(a.phys.read(DATA * 4096, 7)), "B wrote");
  assert.equal(entryFlags(a, 8), G.GTF_permit_access | G.GTF_reading | G.GTF_writing);
  // Unmap: the hole is a hole again and the entry is idle.
  const UNMAP = SCRATCH + 0x200;
  putStruct(vb, UNMAP, G.gnttab_unmap_grant_ref, { host_addr: HOLE * 4096, handle });
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_unmap_grant_ref, UNMAP, 1)), 0);
  assert.equal(getField(vb, UNMAP, G.gnttab_unmap_grant_ref, "status"), G.GNTST_okay);
  assert.equal(b.p2m.get(HOLE), undefined);
  assert.equal(entryFlags(a, 8), G.GTF_permit_access);
  // Again: the handle is gone.
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_unmap_grant_ref, UNMAP, 1)), 0);
  assert.equal(getField(vb, UNMAP, G.gnttab_unmap_grant_ref, "status"), G.GNTST_bad_handle);
});

Deno.test("grant_table_op: map errors are GNTST codes per element; bad arrays EFAULT", () => {
  const { hv, a, b, vb } = two();
  mapGrantFrame(hv, a);
  grant(a, 8, G.GTF_permit_access, b.id, 0x40800);
  grant(a, 9, G.GTF_permit_access, a.id, 0x40801);
  const MAP = SCRATCH + 0x100, size = G.gnttab_map_grant_ref.size;
  const elems: Record<string, number>[] = [
    { ref: 8, dom: a.id },
    { ref: 5000, dom: a.id },
    { ref: 9, dom: a.id },
    { ref: 8, dom: 0x4321 },
    { ref: 10, dom: a.id },
  ];
  elems.forEach((e, i) =>
    putStruct(vb, MAP + i * size, G.gnttab_map_grant_ref, {
      host_addr: (0x41100 + i) * 4096,
      flags: G.GNTMAP_host_map,
      ...e,
    })
  );
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_map_grant_ref, MAP, elems.length)), 0);
  const status = (i: number) => getField(vb, MAP + i * size, G.gnttab_map_grant_ref, "status");
  assert.equal(status(0), G.GNTST_okay);
  assert.equal(status(1), G.GNTST_bad_gntref);
  assert.equal(status(2), G.GNTST_general_error, "granted to someone else");
  assert.equal(status(3), G.GNTST_bad_domain);
  assert.equal(status(4), G.GNTST_general_error, "not granted at all");
  // The array itself unreadable: EFAULT; a negative count: EINVAL; high command bits: EINVAL.
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_map_grant_ref, UNMAPPED, 1)), -XEN_EFAULT);
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_map_grant_ref, MAP, 0xffff_ffff)), -XEN_EINVAL);
  assert.equal(rc(call(hv, vb, GNT, 0x100 | G.GNTTABOP_query_size, MAP, 1)), -XEN_EINVAL);
  // Nothing is done for count 0.
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_map_grant_ref, UNMAPPED, 0)), 0);
  // dump_table, transfer, swap_grant_ref, cache_flush: not implemented.
  for (const cmd of [3, 4, 7, 11, 12, 13]) {
    assert.equal(rc(call(hv, vb, GNT, cmd, MAP, 1)), -XEN_ENOSYS, `cmd ${cmd}`);
  }
});

Deno.test("grant_table_op: copy from A's grant into B's own page", () => {
  const { hv, a, b, vb } = two();
  mapGrantFrame(hv, a);
  a.phys.write(0x40800 * 4096 + 100, new TextEncoder().encode("copy me"));
  grant(a, 8, G.GTF_permit_access | G.GTF_readonly, b.id, 0x40800);
  const OP = SCRATCH + 0x100;
  putStruct(vb, OP, G.gnttab_copy, {
    "source.u.ref": 8,
    "source.domid": a.id,
    "source.offset": 100,
    "dest.u.gmfn": 0x40900,
    "dest.domid": DOMID_SELF,
    "dest.offset": 8,
    len: 7,
    flags: G.GNTCOPY_source_gref,
  });
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_copy, OP, 1)), 0);
  assert.equal(getField(vb, OP, G.gnttab_copy, "status"), G.GNTST_okay);
  assert.equal(new TextDecoder().decode(b.phys.read(0x40900 * 4096 + 8, 7)), "copy me");
  // Into A's read-only grant: refused.
  putStruct(vb, OP, G.gnttab_copy, {
    "source.u.gmfn": 0x40900,
    "source.domid": DOMID_SELF,
    "dest.u.ref": 8,
    "dest.domid": a.id,
    len: 7,
    flags: G.GNTCOPY_dest_gref,
  });
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_copy, OP, 1)), 0);
  assert.equal(getField(vb, OP, G.gnttab_copy, "status"), G.GNTST_general_error);
  // Crossing the page: bad_copy_arg.
  putStruct(vb, OP, G.gnttab_copy, {
    "source.u.gmfn": 0x40900,
    "source.domid": DOMID_SELF,
    "source.offset": 4090,
    "dest.u.gmfn": 0x40901,
    "dest.domid": DOMID_SELF,
    len: 16,
  });
  assert.equal(rc(call(hv, vb, GNT, G.GNTTABOP_copy, OP, 1)), 0);
  assert.equal(getField(vb, OP, G.gnttab_copy, "status"), G.GNTST_bad_copy_arg);
});

Deno.test("grant_table_op: query_size, setup_table, set/get_version, get_status_frames", () => {
  const { hv, a, b, va } = two();
  const OP = SCRATCH + 0x100;
  putStruct(va, OP, G.gnttab_query_size, { dom: DOMID_SELF });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_query_size, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_query_size, "status"), G.GNTST_okay);
  assert.equal(getField(va, OP, G.gnttab_query_size, "nr_frames"), a.grants.nrFrames);
  assert.equal(getField(va, OP, G.gnttab_query_size, "max_nr_frames"), 64);
  putStruct(va, OP, G.gnttab_query_size, { dom: b.id });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_query_size, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_query_size, "status"), G.GNTST_permission_denied);
  putStruct(va, OP, G.gnttab_query_size, { dom: 0x4321 });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_query_size, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_query_size, "status"), G.GNTST_bad_domain);
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_query_size, OP, 2)), -XEN_EINVAL);
  // setup_table: grows the table; a frame list that does not translate is bad_virt_addr.
  putStruct(va, OP, G.gnttab_setup_table, { dom: DOMID_SELF, nr_frames: 2, frame_list: UNMAPPED });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_setup_table, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_setup_table, "status"), G.GNTST_bad_virt_addr);
  putStruct(va, OP, G.gnttab_setup_table, {
    dom: DOMID_SELF,
    nr_frames: 2,
    frame_list: SCRATCH + 0x400,
  });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_setup_table, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_setup_table, "status"), G.GNTST_okay);
  assert.equal(a.grants.nrFrames, 2);
  // Not mapped anywhere yet: INVALID_GFN.
  assert.equal(
    va.guest.readStruct(BigInt(SCRATCH + 0x400), 8).getBigUint64(0, true),
    (1n << 64n) - 1n,
  );
  putStruct(va, OP, G.gnttab_setup_table, {
    dom: DOMID_SELF,
    nr_frames: 65,
    frame_list: SCRATCH + 0x400,
  });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_setup_table, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_setup_table, "status"), G.GNTST_general_error);
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_setup_table, UNMAPPED, 1)), -XEN_EFAULT);
  // set_version 2 is refused (ARM has v1 only) and reports the version in force.
  putStruct(va, OP, G.gnttab_set_version, { version: 2 });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_set_version, OP, 1)), -XEN_ENOSYS);
  assert.equal(getField(va, OP, G.gnttab_set_version, "version"), 1);
  putStruct(va, OP, G.gnttab_set_version, { version: 1 });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_set_version, OP, 1)), 0);
  putStruct(va, OP, G.gnttab_get_version, { dom: DOMID_SELF });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_get_version, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_get_version, "version"), 1);
  putStruct(va, OP, G.gnttab_get_status_frames, { dom: DOMID_SELF, nr_frames: 1 });
  assert.equal(rc(call(hv, va, GNT, G.GNTTABOP_get_status_frames, OP, 1)), 0);
  assert.equal(getField(va, OP, G.gnttab_get_status_frames, "status"), G.GNTST_general_error);
});
