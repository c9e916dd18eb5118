/**
 * dm_op and XENMEM_acquire_resource refusals, each with Xen 4.17's errno and in Xen's order:
 * privilege (EPERM, stub domains limited to their target), no domain (ESRCH), no server
 * (ENOENT), another emulator's server (EPERM), overlapping ranges (EEXIST), bad buffers
 * (E2BIG, EFAULT), unknown ops (EOPNOTSUPP), padding (EINVAL); and the guest's side of the
 * Xen-attached ports (it cannot send, close, move or query them).
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import {
  XEN_E2BIG,
  XEN_EACCES,
  XEN_EEXIST,
  XEN_EFAULT,
  XEN_EINVAL,
  XEN_ENOENT,
  XEN_ENOSPC,
  XEN_EOPNOTSUPP,
  XEN_EPERM,
  XEN_ESRCH,
} from "../../core/hyp/abi/errno.ts";
import { DOMID_SELF } from "../../core/hyp/abi/hypercalls.ts";
import * as M from "../../core/hyp/abi/memory.ts";
import { mayControl } from "../../core/hyp/ioreq/may_control.ts";
import { forwardMmio } from "../../core/hyp/ioreq/ioreq_forward.ts";
import { MAX_NR_IOREQ_SERVERS } from "../../core/hyp/ioreq/ioreq_server.ts";
import {
  acquire,
  ARGS,
  createServer,
  dmOp,
  IOREQ_GFN,
  ioreqLab,
  mapRange,
  portOp,
  setState,
} from "./ioreq_fixture.ts";
import { __HYPERVISOR_event_channel_op } from "../../core/hyp/abi/hypercalls.ts";
import { call, putStruct, rc } from "../../tools/lab/hyp_lab.ts";
import type { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { Vcpu } from "../../core/hyp/vcpu.ts";

Deno.test("dm_op: privilege — unprivileged EPERM, stub domain only on its target, self EPERM", () => {
  const { hv, dom0, v0, domUs: [a, b, c] } = ioreqLab(3);
  const vb = b.vcpus[0];
  assert.equal(createServer(hv, vb, a.id)[0], -XEN_EPERM, "a domU may not act on another");
  b.dmTarget = a.id;
  assert.ok(mayControl(b, a) && !mayControl(b, c) && mayControl(dom0, c));
  assert.deepEqual(createServer(hv, vb, a.id), [0, 0], "a stub domain serves its target");
  assert.equal(createServer(hv, vb, c.id)[0], -XEN_EPERM, "and no other domain");
  assert.equal(createServer(hv, v0, dom0.id)[0], -XEN_EPERM, "not the caller itself");
  assert.equal(createServer(hv, v0, 77)[0], -XEN_ESRCH, "no such domain");
  assert.equal(createServer(hv, v0, DOMID_SELF)[0], -XEN_ESRCH, "DOMID_SELF is not resolved");
  // dom0 may act on the target but not on the stub domain's server.
  assert.equal(mapRange(hv, v0, a.id, 0, 0x1000n, 0x1fffn), -XEN_EPERM);
  assert.equal(setState(hv, v0, a.id, 0, true), -XEN_EPERM);
  assert.equal(acquire(hv, v0, a.id, 0, 1, [IOREQ_GFN])[0], -XEN_EPERM);
  assert.equal(mapRange(hv, vb, a.id, 0, 0x1000n, 0x1fffn), 0);
});

Deno.test("dm_op: buffers — E2BIG, EFAULT for the list, a short buffer or an unmapped one", () => {
  const { hv, v0, domUs: [a] } = ioreqLab(1);
  const create = (opts: Parameters<typeof dmOp>[6]) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_create_ioreq_server, D.xen_dm_op_create_ioreq_server, {}, opts)
      .rc;
  assert.equal(create({ nrBufs: 3 }), -XEN_E2BIG);
  assert.equal(create({ bufsVa: 0x1234_0000n }), -XEN_EFAULT, "the buffer list is not mapped");
  assert.equal(create({ nrBufs: 0 }), -XEN_EFAULT, "no buffer 0");
  assert.equal(create({ bufSize: 4 }), -XEN_EFAULT, "shorter than the header");
  assert.equal(create({ bufSize: 8 + 5 }), -XEN_EFAULT, "shorter than the sub-op");
  assert.equal(create({ pad: 1 }), -XEN_EINVAL, "xen_dm_op.pad");
  putStruct(v0, ARGS + 0x700, D.xen_dm_op_buf, { h: 0x1234_0000n, size: 32 });
  assert.equal(create({ bufsVa: BigInt(ARGS + 0x700) }), -XEN_EFAULT, "buffer 0 not mapped");
  assert.equal(create({ nrBufs: 2, bufSize: 32 }), 0, "a second buffer is allowed");
});

Deno.test("dm_op: unknown and x86-only ops EOPNOTSUPP; padding and flags EINVAL", () => {
  const { hv, v0, domUs: [a] } = ioreqLab(1);
  for (const op of [D.XEN_DMOP_track_dirty_vram, D.XEN_DMOP_inject_msi, 21, 99, 0]) {
    assert.equal(dmOp(hv, v0, a.id, op, null).rc, -XEN_EOPNOTSUPP, `op ${op}`);
  }
  const cr = (f: Record<string, number>) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_create_ioreq_server, D.xen_dm_op_create_ioreq_server, f).rc;
  assert.equal(cr({ pad: 1 }), -XEN_EINVAL, "create pad");
  assert.equal(cr({ handle_bufioreq: D.HVM_IOREQSRV_BUFIOREQ_ATOMIC }), -XEN_EINVAL, "x86 only");
  const [, id] = createServer(hv, v0, a.id);
  const info = (flags: number) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_get_ioreq_server_info, D.xen_dm_op_get_ioreq_server_info, {
      id,
      flags,
      bufioreq_port: 0x55,
    });
  assert.equal(info(2).rc, -XEN_EINVAL, "unknown flag");
  assert.equal(info(0).rc, -XEN_EOPNOTSUPP, "legacy gfns are x86's");
  const ok = info(D.XEN_DMOP_no_gfns);
  assert.equal(ok.rc, 0);
  assert.equal(ok.u(4, 4), 0x55n, "no buffered port on ARM: left as it was");
  assert.equal(mapRange(hv, v0, a.id, id, 0n, 1n, { pad: 1 }), -XEN_EINVAL);
  assert.equal(
    dmOp(hv, v0, a.id, D.XEN_DMOP_set_ioreq_server_state, D.xen_dm_op_set_ioreq_server_state, {
      id,
      enabled: 1,
      pad: 1,
    }).rc,
    -XEN_EINVAL,
  );
  const irq = (irqN: number, level: number) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_set_irq_level, D.xen_dm_op_set_irq_level, {
      irq: irqN,
      level,
    }).rc;
  assert.equal(irq(31, 1), -XEN_EINVAL, "a PPI is not an SPI");
  assert.equal(irq(hv.runtimes.get(a.id)!.vgic.numIrqs, 1), -XEN_EINVAL, "past the vGIC's SPIs");
  assert.equal(irq(40, 2), -XEN_EINVAL, "level 0 or 1");
  assert.equal(irq(32, 1), 0, "no vpl011 in the hypervisor: SPI 32 is free for a model");
  a.mmio.map(0x2200_0000, 0x1000, { name: "vpl011", access: () => "done" });
  assert.equal(irq(32, 1), -XEN_EINVAL, "the hypervisor's vpl011 owns SPI 32");
});

Deno.test("dm_op: servers and ranges — ENOENT, EEXIST, EINVAL, ENOSPC, destroy", () => {
  const { hv, v0, domUs: [a] } = ioreqLab(1);
  assert.equal(mapRange(hv, v0, a.id, 3, 0n, 1n), -XEN_ENOENT, "no server 3");
  assert.equal(setState(hv, v0, a.id, 9, true), -XEN_ENOENT, "no server 9 (ids end at 7)");
  const [, id] = createServer(hv, v0, a.id);
  assert.equal(mapRange(hv, v0, a.id, id, 0x2000n, 0x2fffn), 0);
  assert.equal(mapRange(hv, v0, a.id, id, 0x2ff0n, 0x3fffn), -XEN_EEXIST, "overlap");
  assert.equal(mapRange(hv, v0, a.id, id, 0x3000n, 0x3fffn), 0, "adjacent: merged");
  assert.equal(mapRange(hv, v0, a.id, id, 0x2fffn, 0x2000n), -XEN_EINVAL, "start > end");
  assert.equal(mapRange(hv, v0, a.id, id, 0n, 1n, { type: 3 }), -XEN_EINVAL, "no type 3");
  assert.equal(mapRange(hv, v0, a.id, id, 0x5000n, 0x5fffn, { unmap: true }), -XEN_ENOENT);
  assert.equal(mapRange(hv, v0, a.id, id, 0x2800n, 0x37ffn, { unmap: true }), 0, "split");
  assert.deepEqual(a.ioreq.servers[id]!.ranges[D.XEN_DMOP_IO_RANGE_MEMORY], [
    [0x2000n, 0x27ffn],
    [0x3800n, 0x3fffn],
  ]);
  assert.equal(mapRange(hv, v0, a.id, id, 0x2800n, 0x28ffn, { type: 0 }), 0, "port ranges too");
  const [, second] = createServer(hv, v0, a.id);
  assert.equal(mapRange(hv, v0, a.id, second, 0x2000n, 0x2fffn), 0, "servers may overlap");
  for (let i = 2; i < MAX_NR_IOREQ_SERVERS; i++) assert.equal(createServer(hv, v0, a.id)[0], 0);
  assert.equal(createServer(hv, v0, a.id)[0], -XEN_ENOSPC);
  const port = a.ioreq.servers[id]!.vcpuPorts[0];
  const destroy = (sid: number) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_destroy_ioreq_server, D.xen_dm_op_destroy_ioreq_server, {
      id: sid,
    }).rc;
  assert.equal(destroy(id), 0);
  assert.equal(a.evtchn.channel(port)?.state, "free", "its ports are freed");
  assert.equal(destroy(id), -XEN_ENOENT);
  assert.deepEqual(createServer(hv, v0, a.id), [0, id], "the id is free again");
});

Deno.test("acquire_resource: size query, frame indexes, padding, other resources", () => {
  const { hv, dom0, v0, domUs: [a] } = ioreqLab(1);
  const [, id] = createServer(hv, v0, a.id);
  assert.deepEqual(acquire(hv, v0, a.id, id, 0, null), [0, 2], "bufioreq + 1 page");
  assert.equal(acquire(hv, v0, a.id, id, 0, null, { nrFrames: 1 })[0], -XEN_EINVAL);
  assert.equal(acquire(hv, v0, a.id, id, 0, [IOREQ_GFN])[0], -XEN_ENOENT, "no buffered page");
  assert.equal(acquire(hv, v0, a.id, id, 2, [IOREQ_GFN])[0], -XEN_EINVAL, "no frame 2");
  assert.equal(acquire(hv, v0, a.id, id, 1, [IOREQ_GFN], { pad: 1 })[0], -XEN_EINVAL);
  assert.equal(acquire(hv, v0, a.id, 5, 1, [IOREQ_GFN])[0], -XEN_ENOENT, "no server 5");
  assert.equal(acquire(hv, v0, a.id, id, 1, [2 ** 40])[0], -XEN_EINVAL, "gfn past the IPA space");
  assert.equal(dom0.p2m.get(IOREQ_GFN), undefined, "nothing mapped by the failures");
  assert.equal(
    acquire(hv, v0, a.id, 0, 0, [IOREQ_GFN], { type: M.XENMEM_resource_grant_table })[0],
    -XEN_EOPNOTSUPP,
  );
  assert.equal(acquire(hv, v0, 77, id, 1, [IOREQ_GFN])[0], -XEN_ESRCH);
  assert.equal(acquire(hv, a.vcpus[0], a.id, id, 1, [IOREQ_GFN])[0], -XEN_EPERM, "self");
  assert.equal(acquire(hv, v0, a.id, id, 1, [IOREQ_GFN])[0], 0);
});

Deno.test("ioreq ports are Xen's: the target guest cannot send, close, move or query them", () => {
  const { hv, v0, domUs: [a] } = ioreqLab(1);
  const [, id] = createServer(hv, v0, a.id);
  const port = a.ioreq.servers[id]!.vcpuPorts[0];
  const va = a.vcpus[0];
  assert.equal(portOp(hv, va, E.EVTCHNOP_send, port), -XEN_EINVAL);
  assert.equal(portOp(hv, va, E.EVTCHNOP_close, port), -XEN_EINVAL);
  putStruct(va, ARGS + 0x600, E.evtchn_bind_vcpu, { port, vcpu: 0 });
  const bindVcpu = portOpAt(hv, va, E.EVTCHNOP_bind_vcpu, ARGS + 0x600);
  assert.equal(bindVcpu, -XEN_EINVAL);
  putStruct(va, ARGS + 0x600, E.evtchn_status, { dom: DOMID_SELF, port });
  assert.equal(portOpAt(hv, va, E.EVTCHNOP_status, ARGS + 0x600), -XEN_EACCES);
  a.evtchn.resetPorts();
  assert.equal(a.evtchn.channel(port)?.state, "unbound", "a reset leaves Xen's ports alone");
  a.evtchn.destroy();
  assert.equal(a.evtchn.channel(port)?.state, "free", "domain destruction frees them");
});

function portOpAt(hv: Hypervisor, v: Vcpu, cmd: number, at: number): number {
  return rc(call(hv, v, __HYPERVISOR_event_channel_op, cmd, at));
}

Deno.test("ioreq: a page acquired after enabling has no vp_eport: accesses abort (Xen's order)", () => {
  const { hv, v0, domUs: [a] } = ioreqLab(1);
  const [, id] = createServer(hv, v0, a.id);
  assert.equal(mapRange(hv, v0, a.id, id, 0x1000_0000n, 0x1000_0fffn), 0);
  const access = {
    ipa: 0x1000_0010n,
    size: 4,
    write: false,
    reg: 1,
    signExtend: false,
    sixtyFour: false,
  } as const;
  const v = a.vcpus[0];
  assert.equal(forwardMmio(hv, a, v, access), "unhandled", "not enabled: nobody serves it");
  assert.equal(setState(hv, v0, a.id, id, true), 0);
  assert.equal(forwardMmio(hv, a, v, access), "unhandled", "no page acquired yet");
  assert.match(hv.logEntries.at(-1)!.msg, /no ioreq page acquired/);
  assert.equal(acquire(hv, v0, a.id, id, 1, [IOREQ_GFN])[0], 0);
  assert.equal(forwardMmio(hv, a, v, access), "unhandled");
  assert.match(hv.logEntries.at(-1)!.msg, /bad IO state 0 \/ event channel 0/);
  assert.equal(setState(hv, v0, a.id, id, false), 0);
  assert.equal(setState(hv, v0, a.id, id, true), 0, "re-enabling writes vp_eport");
  assert.equal(forwardMmio(hv, a, v, access), "retry");
  assert.equal(a.ioreq.pending[0]?.addr, 0x1000_0010n);
});
