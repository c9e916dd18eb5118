/**
 * Ioreq servers never open one guest to another: an access forwards only to a server of the
 * accessing domain (a domU without one gets a data abort), each target's requests land in its own
 * servers' pages, and what a device model maps is the server's ioreq page — a hypervisor frame
 * outside every domain's RAM — never the target's memory.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import { P2M_TYPE } from "../../core/hyp/p2m.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";
import {
  acquire,
  createServer,
  dmOp,
  guestKernel,
  IOREQ_GFN,
  ioreqLab,
  READ_GUEST,
  serveDevice,
  slot,
} from "./ioreq_fixture.ts";

/**
 * READ_GUEST with vectors: x23 counts data aborts (the vector skips the access); x1 = the
 * device's word; x4 = 1 at the end.
 */
const GUEST = `
  adr x0, vectors
  msr vbar_el1, x0
  isb
${READ_GUEST}
  .balign 0x800
vectors:
  .skip 0x200
  mrs x12, elr_el1
  add x12, x12, #4
  msr elr_el1, x12
  add x23, x23, #1
  eret
`;

Deno.test({
  name: "ioreq isolation: only the accessing domain's servers see its accesses",
  ignore: !haveCrossAs(),
  fn: () => {
    const k = guestKernel(GUEST);
    const lab = ioreqLab(3, [k, k, k]);
    const { hv, dom0, v0, domUs: [a, b, c] } = lab;
    const faults: number[] = [];
    hv.on("fault", (e) => faults.push(e.domain.id));
    // Servers for a (page at IOREQ_GFN) and c (page at IOREQ_GFN + 1); none for b.
    serveDevice(lab, a, IOREQ_GFN);
    serveDevice(lab, c, IOREQ_GFN + 1);
    /** The state bits of vcpu 0's slot in the ioreq page dom0 mapped at `gfn`. */
    const stateAt = (gfn: number) =>
      v0.guest.readStruct(BigInt(gfn * 4096 + 30), 1).getUint8(0) & 0xf;
    hv.run({
      maxCycles: 20_000_000,
      until: () =>
        stateAt(IOREQ_GFN) === D.STATE_IOREQ_READY &&
        stateAt(IOREQ_GFN + 1) === D.STATE_IOREQ_READY &&
        b.vcpus[0].cpu.getX(4) === 1n,
    });
    assert.equal(b.vcpus[0].cpu.getX(23), 1n, "b has no server there: a data abort");
    assert.equal(b.vcpus[0].cpu.getX(1), 7n);
    assert.deepEqual(faults, [b.id]);
    assert.equal(a.vcpus[0].runstate.state, "blocked");
    assert.equal(c.vcpus[0].runstate.state, "blocked");
    assert.equal(slot(v0, 0, "addr"), 0x1000_0010n, "a's request in a's page");
    const sa = a.ioreq.servers[0]!, sc = c.ioreq.servers[0]!;
    assert.notEqual(sa.ioreqMfn, sc.ioreqMfn, "each target has its own page");
    assert.notEqual(sa.vcpuPorts[0], 0);
    // What dom0 maps is the ioreq page, a frame no domain has as RAM or maps itself.
    assert.equal(dom0.p2m.get(IOREQ_GFN)!.mfn, sa.ioreqMfn);
    assert.equal(dom0.p2m.get(IOREQ_GFN + 1)!.mfn, sc.ioreqMfn);
    for (const d of [a, b, c, dom0]) {
      for (const m of d.p2m.entries()) {
        if (d === dom0 && m.type === P2M_TYPE.foreign) continue;
        assert.ok(m.mfn !== sa.ioreqMfn && m.mfn !== sc.ioreqMfn, `domain ${d.id} gfn ${m.gfn}`);
      }
    }
  },
});

Deno.test("ioreq isolation: a destroyed server's page mapped by its device model is never reused", () => {
  const { hv, dom0, v0, domUs: [a] } = ioreqLab(1);
  const destroy = (id: number) =>
    dmOp(hv, v0, a.id, D.XEN_DMOP_destroy_ioreq_server, D.xen_dm_op_destroy_ioreq_server, { id })
      .rc;
  const [, id] = createServer(hv, v0, a.id);
  assert.equal(acquire(hv, v0, a.id, id, 1, [IOREQ_GFN])[0], 0);
  const mfn = a.ioreq.servers[id]!.ioreqMfn;
  const before = hv.frames.available;
  assert.equal(destroy(id), 0);
  assert.equal(hv.frames.available, before, "still mapped by dom0: not freed");
  assert.equal(dom0.p2m.get(IOREQ_GFN)?.mfn, mfn, "dom0's mapping stays valid, as on Xen");
  // Unmapped first, the page goes back to the pool.
  const [, id2] = createServer(hv, v0, a.id);
  assert.equal(acquire(hv, v0, a.id, id2, 1, [IOREQ_GFN + 1])[0], 0);
  dom0.p2m.unmap(IOREQ_GFN + 1);
  const before2 = hv.frames.available;
  assert.equal(destroy(id2), 0);
  assert.equal(hv.frames.available, before2 + 1);
});
