/**
 * Hypercalls through the real dispatcher, part 2: memory_op (add_to_physmap of shared_info and
 * grant frames, the balloon's reservation calls with their accounting, the reservation queries)
 * and vcpu_op (register_vcpu_info, register_runstate_memory_area, everything else EINVAL on ARM).
 */
import assert from "node:assert/strict";
import {
  XEN_EBUSY,
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSYS,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import {
  __HYPERVISOR_grant_table_op,
  __HYPERVISOR_memory_op,
  __HYPERVISOR_vcpu_op,
  DOMID_SELF,
} from "../../core/hyp/abi/hypercalls.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import * as Vc from "../../core/hyp/abi/vcpu.ts";
import {
  GNTST_okay,
  gnttab_setup_table,
  GNTTABOP_setup_table,
} from "../../core/hyp/abi/grant_table.ts";
import { abiField } from "../../core/hyp/abi/layout.ts";
import { vcpu_info } from "../../core/hyp/abi/shared_info.ts";
import { GUEST_GICC_BASE, GUEST_GNTTAB_BASE } from "../../core/hyp/abi/arm_memory_map.ts";
import { P2M_TYPE } from "../../core/hyp/p2m.ts";
import { RUNSTATE_OF } from "../../core/hyp/vcpu.ts";
import {
  call,
  getField,
  hypLab,
  putStruct,
  putU64s,
  rc,
  SCRATCH,
} from "../../tools/lab/hyp_lab.ts";

const MEM = __HYPERVISOR_memory_op;
const VOP = __HYPERVISOR_vcpu_op;
const UNMAPPED = 0x10_0000n;
/** First guest frame past 16 MiB of RAM. */
const RAM_END_GFN = 0x40000 + 16 * 256;
const GNTTAB_GFN = GUEST_GNTTAB_BASE / 4096;
/** A free guest frame for shared_info (Linux picks one in a hole of its own). */
const SHINFO_GFN = 0x3f000;

function lab(domains = 1, vcpus = 1) {
  const l = hypLab({ domains, vcpus });
  return { hv: l.hv, doms: l.doms.map((b) => b.domain) };
}

Deno.test("memory_op add_to_physmap: shared_info idx 0 maps the hypervisor's page", () => {
  const { hv, doms: [d] } = lab();
  const v = d.vcpus[0];
  putStruct(v, SCRATCH, M.xen_add_to_physmap, {
    domid: DOMID_SELF,
    space: M.XENMAPSPACE_shared_info,
    idx: 0,
    gpfn: SHINFO_GFN,
  });
  assert.equal(rc(call(hv, v, MEM, M.XENMEM_add_to_physmap, SCRATCH)), 0);
  const m = d.p2m.get(SHINFO_GFN)!;
  assert.equal(m.mfn, d.sharedInfoMfn);
  assert.equal(m.type, P2M_TYPE.xen);
  // The guest sees what the hypervisor writes and the other way round.
  d.sharedInfo().setUint32(0x800, 0xfeedf00d, true);
  assert.equal(d.phys.u32(SHINFO_GFN * 4096 + 0x800), 0xfeedf00d);
  d.phys.setU32(SHINFO_GFN * 4096 + 0x804, 0x1234);
  assert.equal(d.sharedInfo().getUint32(0x804, true), 0x1234);
  // The command is x0's low 6 bits (the rest is a continuation).
  assert.equal(rc(call(hv, v, MEM, (5n << 6n) | BigInt(M.XENMEM_add_to_physmap), SCRATCH)), 0);
  assert.equal(v.hypercalls.get("memory_op/add_to_physmap"), 2);
});

Deno.test("memory_op add_to_physmap: errors (idx != 0, space, domain, gpfn, pointer)", () => {
  const { hv, doms: [a, b] } = lab(2);
  const v = a.vcpus[0];
  const atp = (fields: Record<string, number | bigint>) => {
    putStruct(v, SCRATCH, M.xen_add_to_physmap, {
      domid: DOMID_SELF,
      space: M.XENMAPSPACE_shared_info,
      idx: 0,
      gpfn: SHINFO_GFN,
      ...fields,
    });
    return rc(call(hv, v, MEM, M.XENMEM_add_to_physmap, SCRATCH));
  };
  assert.equal(atp({ idx: 1 }), -XEN_EINVAL);
  assert.equal(atp({ idx: 1n << 63n }), -XEN_EINVAL);
  for (const space of [M.XENMAPSPACE_gmfn, M.XENMAPSPACE_gmfn_range, 6, 0xffff_ffff]) {
    assert.equal(atp({ space }), -XEN_ENOSYS, `space ${space}`);
  }
  assert.equal(atp({ domid: b.id }), -XEN_EPERM);
  assert.equal(atp({ domid: 0x7000 }), -XEN_ESRCH);
  assert.equal(atp({ gpfn: 1n << 40n }), -XEN_EINVAL);
  assert.equal(atp({ gpfn: -1n }), -XEN_EINVAL);
  assert.equal(rc(call(hv, v, MEM, M.XENMEM_add_to_physmap, UNMAPPED)), -XEN_EFAULT);
  assert.equal(a.p2m.get(SHINFO_GFN), undefined, "nothing mapped by a failed call");
  assert.equal(b.p2m.get(SHINFO_GFN), undefined);
});

Deno.test("memory_op add_to_physmap: grant-table frames, setup_table reports where they are", () => {
  const { hv, doms: [d] } = lab();
  const v = d.vcpus[0];
  const map = (idx: number | bigint, gpfn: number) => {
    putStruct(v, SCRATCH, M.xen_add_to_physmap, {
      domid: DOMID_SELF,
      space: M.XENMAPSPACE_grant_table,
      idx,
      gpfn,
    });
    return rc(call(hv, v, MEM, M.XENMEM_add_to_physmap, SCRATCH));
  };
  // Linux maps from the highest index down so the table grows once.
  assert.equal(map(3, GNTTAB_GFN + 3), 0);
  for (const i of [2, 1, 0]) assert.equal(map(i, GNTTAB_GFN + i), 0);
  assert.equal(d.grants.nrFrames, 4);
  for (let i = 0; i < 4; i++) {
    const m = d.p2m.get(GNTTAB_GFN + i)!;
    assert.equal(m.mfn, d.grants.frameMfn(i));
    assert.equal(m.type, P2M_TYPE.xen);
  }
  // The builder's reserved entries are visible through the mapping (ref 0: the console page).
  assert.equal(d.phys.u32(GNTTAB_GFN * 4096) & 0xffff, 1, "GTF_permit_access");
  // setup_table tells where each frame is mapped.
  putStruct(v, SCRATCH + 0x100, gnttab_setup_table, {
    dom: DOMID_SELF,
    nr_frames: 4,
    frame_list: SCRATCH + 0x200,
  });
  assert.equal(
    rc(call(hv, v, __HYPERVISOR_grant_table_op, GNTTABOP_setup_table, SCRATCH + 0x100, 1)),
    0,
  );
  assert.equal(getField(v, SCRATCH + 0x100, gnttab_setup_table, "status"), GNTST_okay);
  const list = v.guest.readStruct(BigInt(SCRATCH + 0x200), 32);
  for (let i = 0; i < 4; i++) assert.equal(list.getBigUint64(8 * i, true), BigInt(GNTTAB_GFN + i));
  // As on Xen 4.17 a frame is mapped at one place: again elsewhere is EBUSY until removed.
  assert.equal(map(0, GNTTAB_GFN + 10), -XEN_EBUSY);
  putStruct(v, SCRATCH, M.xen_remove_from_physmap, { domid: DOMID_SELF, gpfn: GNTTAB_GFN });
  assert.equal(rc(call(hv, v, MEM, M.XENMEM_remove_from_physmap, SCRATCH)), 0);
  assert.equal(d.p2m.get(GNTTAB_GFN), undefined);
  assert.equal(map(0, GNTTAB_GFN + 10), 0);
  // Beyond the 64-frame limit, and status frames (v2 only): EINVAL.
  assert.equal(map(64, GNTTAB_GFN + 64), -XEN_EINVAL);
  assert.equal(map(1n << 40n, GNTTAB_GFN + 64), -XEN_EINVAL);
  assert.equal(map(M.XENMAPIDX_grant_table_status, GNTTAB_GFN + 64), -XEN_EINVAL);
  assert.equal(d.p2m.get(GNTTAB_GFN + 64), undefined);
});

Deno.test("memory_op: decrease_reservation and populate_physmap round trip with accounting", () => {
  const { hv, doms: [d] } = lab();
  const v = d.vcpus[0];
  const LIST = SCRATCH + 0x1000;
  const reservation = (cmd: number, extents: number[], order = 0, domid = DOMID_SELF) => {
    putU64s(v, LIST, extents);
    putStruct(v, SCRATCH, M.xen_memory_reservation, {
      extent_start: LIST,
      nr_extents: extents.length,
      extent_order: order,
      domid,
    });
    return rc(call(hv, v, MEM, cmd, SCRATCH));
  };
  // The reservation queries take a pointer to a domid_t.
  const query = (cmd: number, domid = DOMID_SELF) => {
    v.guest.write(BigInt(SCRATCH + 0x800), Uint8Array.of(domid & 0xff, domid >> 8));
    return rc(call(hv, v, MEM, cmd, SCRATCH + 0x800));
  };
  assert.equal(query(M.XENMEM_current_reservation), 4096);
  assert.equal(d.ramPages, 4096);
  assert.equal(query(M.XENMEM_maximum_reservation), 20 * 256);
  // The highest mapped frame: the last page of RAM (above the magic pages and the GIC).
  assert.equal(query(M.XENMEM_maximum_gpfn), RAM_END_GFN - 1);
  const used = hv.frames.used;
  const g1 = 0x40800, g2 = 0x40801;
  d.phys.setU32(g1 * 4096, 0xabcdef);
  assert.equal(reservation(M.XENMEM_decrease_reservation, [g1, g2]), 2);
  assert.equal(d.p2m.get(g1), undefined);
  assert.equal(d.p2m.get(g2), undefined);
  assert.equal(d.ramPages, 4094);
  assert.equal(hv.frames.used, used - 2, "the frames went back to the hypervisor");
  assert.equal(query(M.XENMEM_current_reservation), 4094);
  // A hole is not RAM any more: decreasing it again stops at once.
  assert.equal(reservation(M.XENMEM_decrease_reservation, [g1]), 0);
  assert.equal(reservation(M.XENMEM_populate_physmap, [g1, g2]), 2);
  assert.equal(d.p2m.get(g1)?.type, P2M_TYPE.ram);
  assert.equal(d.phys.u32(g1 * 4096), 0, "a populated page is zeroed");
  assert.equal(d.ramPages, 4096);
  assert.equal(hv.frames.used, used);
  // Populating a frame that is mapped stops there (the count says how far it got).
  assert.equal(reservation(M.XENMEM_populate_physmap, [RAM_END_GFN, g1, RAM_END_GFN + 1]), 1);
  assert.equal(d.ramPages, 4097);
  assert.equal(reservation(M.XENMEM_decrease_reservation, [RAM_END_GFN]), 1);
  // Up to maxmem (20 MiB = 1024 pages more) in 2 MiB extents; the third does not fit.
  const big = [RAM_END_GFN, RAM_END_GFN + 512, RAM_END_GFN + 1024];
  assert.equal(reservation(M.XENMEM_populate_physmap, big, 9), 2);
  assert.equal(d.ramPages, 5120);
  assert.equal(d.p2m.get(RAM_END_GFN + 1023)?.type, P2M_TYPE.ram);
  assert.equal(d.p2m.get(RAM_END_GFN + 1024), undefined);
  // A misaligned extent stops; an order above 9 does nothing for a domU.
  assert.equal(reservation(M.XENMEM_decrease_reservation, [RAM_END_GFN + 1], 9), 0);
  assert.equal(reservation(M.XENMEM_decrease_reservation, [RAM_END_GFN], 10), 0);
  assert.equal(reservation(M.XENMEM_decrease_reservation, big.slice(0, 2), 9), 2);
  assert.equal(d.ramPages, 4096);
  // increase_reservation accounts pages not yet placed, up to maxmem.
  assert.equal(reservation(M.XENMEM_increase_reservation, [0, 0, 0], 9), 2);
  assert.equal(d.unplacedPages, 1024);
  assert.equal(reservation(M.XENMEM_populate_physmap, [RAM_END_GFN], 9), 1);
  assert.equal(d.unplacedPages, 512);
  assert.equal(reservation(M.XENMEM_decrease_reservation, [RAM_END_GFN], 9), 1);
});

Deno.test("memory_op: reservation errors (domain, pointers, extent list)", () => {
  const { hv, doms: [a, b] } = lab(2);
  const v = a.vcpus[0];
  const domid = (id: number) => v.guest.write(BigInt(SCRATCH), Uint8Array.of(id & 0xff, id >> 8));
  for (
    const cmd of [M.XENMEM_current_reservation, M.XENMEM_maximum_reservation, M.XENMEM_maximum_gpfn]
  ) {
    domid(b.id);
    assert.equal(rc(call(hv, v, MEM, cmd, SCRATCH)), -XEN_EPERM);
    domid(0x7fe0);
    assert.equal(rc(call(hv, v, MEM, cmd, SCRATCH)), -XEN_ESRCH);
    assert.equal(rc(call(hv, v, MEM, cmd, UNMAPPED)), -XEN_EFAULT);
    domid(DOMID_SELF);
    assert.ok(rc(call(hv, v, MEM, cmd, SCRATCH)) > 0);
  }
  for (const cmd of [M.XENMEM_decrease_reservation, M.XENMEM_populate_physmap]) {
    putStruct(v, SCRATCH, M.xen_memory_reservation, {
      extent_start: SCRATCH + 0x100,
      nr_extents: 1,
      domid: b.id,
    });
    assert.equal(rc(call(hv, v, MEM, cmd, SCRATCH)), -XEN_EPERM);
    assert.equal(rc(call(hv, v, MEM, cmd, UNMAPPED)), -XEN_EFAULT);
    // An extent list that does not translate: Xen stops and reports the extents done (0).
    putStruct(v, SCRATCH, M.xen_memory_reservation, {
      extent_start: UNMAPPED,
      nr_extents: 4,
      domid: DOMID_SELF,
    });
    assert.equal(rc(call(hv, v, MEM, cmd, SCRATCH)), 0);
  }
  assert.equal(a.ramPages, 4096);
  assert.equal(b.ramPages, 4096);
});

Deno.test("vcpu_op register_vcpu_info: moves vcpu 0's slot and marks everything pending", () => {
  const { hv, doms: [d] } = lab();
  const v = d.vcpus[0];
  const gfn = 0x40f00, offset = 4096 - vcpu_info.size;
  const upcall = abiField(vcpu_info, "evtchn_upcall_pending").offset;
  const sel = abiField(vcpu_info, "evtchn_pending_sel").offset;
  // The old slot's contents (here: a marker in the arch part) move along.
  const arch = abiField(vcpu_info, "arch").offset;
  d.sharedInfo().setUint32(arch, 0x5a5a5a5a, true);
  putStruct(v, SCRATCH, Vc.vcpu_register_vcpu_info, { mfn: gfn, offset });
  assert.equal(rc(call(hv, v, VOP, Vc.VCPUOP_register_vcpu_info, 0, SCRATCH)), 0);
  assert.deepEqual(v.vcpuInfo, { gfn, offset });
  const at = gfn * 4096 + offset;
  assert.equal(d.phys.read(at + upcall, 1)[0], 1);
  assert.equal(d.phys.u64(at + sel), (1n << 64n) - 1n);
  assert.equal(d.phys.u32(at + arch), 0x5a5a5a5a);
  // Twice: EINVAL, and the registration stays.
  putStruct(v, SCRATCH, Vc.vcpu_register_vcpu_info, { mfn: gfn - 1, offset: 0 });
  assert.equal(rc(call(hv, v, VOP, Vc.VCPUOP_register_vcpu_info, 0, SCRATCH)), -XEN_EINVAL);
  assert.deepEqual(v.vcpuInfo, { gfn, offset });
});

Deno.test("vcpu_op register_vcpu_info: offset, frame and vcpu errors", () => {
  const { hv, doms: [d] } = lab(1, 2);
  const [v0, v1] = d.vcpus;
  const reg = (vcpu: number | bigint, mfn: number | bigint, offset: number) => {
    putStruct(v0, SCRATCH, Vc.vcpu_register_vcpu_info, { mfn, offset });
    return rc(call(hv, v0, VOP, Vc.VCPUOP_register_vcpu_info, vcpu, SCRATCH));
  };
  assert.equal(reg(0, 0x40f00, 4096 - vcpu_info.size + 1), -XEN_EINVAL);
  assert.equal(reg(0, 0x40f00, 0xffff_ffff), -XEN_EINVAL);
  assert.equal(reg(0, Number(UNMAPPED) / 4096, 0), -XEN_EINVAL, "unmapped frame");
  assert.equal(reg(0, GUEST_GICC_BASE / 4096, 0), -XEN_EINVAL, "device frame");
  assert.equal(reg(0, 1n << 52n, 0), -XEN_EINVAL);
  assert.equal(reg(0, -1n, 0), -XEN_EINVAL);
  assert.equal(reg(2, 0x40f00, 0), -XEN_ENOENT);
  assert.equal(reg(0x7fff_ffff, 0x40f00, 0), -XEN_ENOENT);
  assert.equal(rc(call(hv, v0, VOP, Vc.VCPUOP_register_vcpu_info, 0, UNMAPPED)), -XEN_EFAULT);
  assert.equal(v0.vcpuInfo, null);
  // vcpu 1 is offline: vcpu 0 may register for it.
  assert.equal(v1.online, false);
  assert.equal(reg(1, 0x40f00, 64), 0);
  assert.deepEqual(v1.vcpuInfo, { gfn: 0x40f00, offset: 64 });
  // vcpuid is an unsigned int: the high half of x1 is ignored.
  assert.equal(reg((1n << 32n) | 0n, 0x40f00, 0), 0);
  assert.deepEqual(v0.vcpuInfo, { gfn: 0x40f00, offset: 0 });
});

Deno.test("vcpu_op register_vcpu_info: another vcpu that is online is refused (EINVAL)", () => {
  const { hv, doms: [d] } = lab(1, 2);
  const [v0, v1] = d.vcpus;
  hv.cpuOn(v1, 0x4000_0000n, 0n);
  putStruct(v0, SCRATCH, Vc.vcpu_register_vcpu_info, { mfn: 0x40f00, offset: 64 });
  assert.equal(rc(call(hv, v0, VOP, Vc.VCPUOP_register_vcpu_info, 1, SCRATCH)), -XEN_EINVAL);
  assert.equal(v1.vcpuInfo, null);
  // On itself it may.
  putStruct(v1, SCRATCH, Vc.vcpu_register_vcpu_info, { mfn: 0x40f00, offset: 64 });
  assert.equal(rc(call(hv, v1, VOP, Vc.VCPUOP_register_vcpu_info, 1, SCRATCH)), 0);
});

Deno.test("vcpu_op register_runstate_memory_area: stored and written at once for oneself", () => {
  const { hv, doms: [d] } = lab(1, 2);
  const v = d.vcpus[0];
  const AREA = SCRATCH + 0x400;
  v.guest.write(BigInt(AREA), new Uint8Array(Vc.vcpu_runstate_info.size).fill(0xee));
  putStruct(v, SCRATCH, Vc.vcpu_register_runstate_memory_area, { "addr.p": AREA });
  assert.equal(rc(call(hv, v, VOP, Vc.VCPUOP_register_runstate_memory_area, 0, SCRATCH)), 0);
  assert.equal(v.runstateArea, BigInt(AREA));
  assert.equal(
    getField(v, AREA, Vc.vcpu_runstate_info, "state"),
    RUNSTATE_OF[v.runstate.state],
  );
  assert.equal(getField(v, AREA, Vc.vcpu_runstate_info, "state_entry_time"), 0n);
  // An address that does not translate is accepted (updates are then skipped), as on Xen.
  putStruct(v, SCRATCH, Vc.vcpu_register_runstate_memory_area, { "addr.p": UNMAPPED });
  assert.equal(rc(call(hv, v, VOP, Vc.VCPUOP_register_runstate_memory_area, 1, SCRATCH)), 0);
  assert.equal(d.vcpus[1].runstateArea, UNMAPPED);
  assert.equal(
    rc(call(hv, v, VOP, Vc.VCPUOP_register_runstate_memory_area, 2, SCRATCH)),
    -XEN_ENOENT,
  );
  assert.equal(
    rc(call(hv, v, VOP, Vc.VCPUOP_register_runstate_memory_area, 0, UNMAPPED)),
    -XEN_EFAULT,
  );
});

Deno.test("vcpu_op: every other command is EINVAL on ARM, whatever the vcpu", () => {
  const { hv, doms: [d] } = lab();
  const v = d.vcpus[0];
  const others = [0, 1, 2, 3, 4, 6, 7, 8, 9, 11, 12, 13, 14, 100, 0xffff_ffff];
  for (const cmd of others) {
    for (const vcpu of [0, 1, 0xffff_ffff]) {
      assert.equal(rc(call(hv, v, VOP, cmd, vcpu, SCRATCH)), -XEN_EINVAL, `cmd ${cmd}`);
    }
  }
  // Each is still logged: a user should see what the guest asked for.
  assert.equal(hv.logEntries.filter((e) => e.level === "unimplemented").length, others.length * 3);
});
