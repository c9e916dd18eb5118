/**
 * The ioreq-server protocol end to end, driven from TypeScript as a dom0 device model drives it
 * through Xen's ABI: create a server for a domU, acquire its ioreq page into dom0's physmap, map an
 * MMIO range, enable it, bind the vcpu's event channel; a real AArch64 domU then reads, writes and
 * sign-extends in that range and waits for each answer; set_irq_level raises the domU's SPI.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";
import {
  acquire,
  answer,
  bindInterdomain,
  createServer,
  dmOp,
  guestKernel,
  IOREQ_GFN,
  ioreqLab,
  mapRange,
  portOp,
  READ_WRITE_GUEST,
  setState,
  slot,
} from "./ioreq_fixture.ts";
import { P2M_TYPE } from "../../core/hyp/p2m.ts";
import * as E from "../../core/hyp/abi/event_channel.ts";
import { abiField } from "../../core/hyp/abi/layout.ts";
import { shared_info } from "../../core/hyp/abi/shared_info.ts";
import type { Domain } from "../../core/hyp/domain.ts";

Deno.test({
  name: "ioreq: a dom0 device model serves a domU's MMIO reads and writes; the vcpu waits",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, dom0, v0, domUs: [du] } = ioreqLab(1, [guestKernel(READ_WRITE_GUEST)]);
    const [r0, id] = createServer(hv, v0, du.id);
    assert.equal(r0, 0);
    assert.equal(id, 0, "the first server gets id 0");
    const [ra] = acquire(hv, v0, du.id, id, 1, [IOREQ_GFN]);
    assert.equal(ra, 0, "acquire the synchronous ioreq page (frame 1)");
    const m = dom0.p2m.get(IOREQ_GFN)!;
    assert.equal(m.type, P2M_TYPE.foreign, "mapped as a foreign page in dom0's physmap");
    assert.equal(mapRange(hv, v0, du.id, id, 0x1000_0000n, 0x1000_0fffn), 0);
    assert.equal(slot(v0, 0, "vp_eport"), 0, "vp_eport is written when the server is enabled");
    assert.equal(setState(hv, v0, du.id, id, true), 0);
    const vp = Number(slot(v0, 0, "vp_eport"));
    assert.ok(vp > 0, "the vcpu's port is in its slot");
    assert.equal(du.evtchn.channel(vp)?.state, "unbound", "offered to dom0, not yet bound");
    const [rb, lport] = bindInterdomain(hv, v0, du.id, vp);
    assert.equal(rb, 0);
    assert.equal(dom0.evtchn.channel(lport)?.state, "interdomain");
    assert.equal(du.evtchn.channel(vp)?.state, "interdomain");

    const v = du.vcpus[0];
    const ready = () => slot(v0, 0, "state") === D.STATE_IOREQ_READY;
    clearPending(dom0, lport);
    assert.equal(hv.run({ maxCycles: 10_000_000, until: ready }).reason, "until");
    assert.ok(dom0.evtchn.isPending(lport), "Xen notified dom0's end of the vcpu's port");
    assert.equal(slot(v0, 0, "addr"), 0x1000_0010n);
    assert.equal(slot(v0, 0, "size"), 4);
    assert.equal(slot(v0, 0, "count"), 1);
    assert.equal(slot(v0, 0, "dir"), D.IOREQ_READ);
    assert.equal(slot(v0, 0, "type"), D.IOREQ_TYPE_COPY);
    assert.equal(slot(v0, 0, "df"), 0);
    assert.equal(slot(v0, 0, "data_is_ptr"), 0);
    assert.equal(v.runstate.state, "blocked", "the vcpu waits");
    // The device model has not answered: the vcpu stays where it is, not running.
    const pc = v.cpu.pc, retired = v.cpu.retired, runnableNs = v.runstate.timeNs[1];
    hv.run({ maxCycles: 5_000_000 });
    assert.equal(v.runstate.state, "blocked");
    assert.equal(v.cpu.pc, pc);
    assert.equal(v.cpu.retired, retired, "no instruction ran while waiting");
    assert.equal(v.runstate.timeNs[1], runnableNs, "never runnable while waiting");

    assert.equal(answer(hv, v0, 0, 0x1_cafe_f00dn, lport), 0, "EVTCHNOP_send on dom0's port");
    assert.equal(v.cpu.getX(1), 0xcafe_f00dn, "the 4-byte read got the answer's low 32 bits");
    assert.equal(slot(v0, 0, "state"), D.STATE_IOREQ_NONE, "the slot is free again");
    assert.equal(v.cpu.pc, pc + 4n, "past the load");
    assert.notEqual(v.runstate.state, "blocked");

    assert.equal(hv.run({ maxCycles: 10_000_000, until: ready }).reason, "until");
    assert.equal(slot(v0, 0, "addr"), 0x1000_0020n);
    assert.equal(slot(v0, 0, "dir"), D.IOREQ_WRITE);
    assert.equal(slot(v0, 0, "data"), 0x5an, "a write carries its data");
    assert.equal(answer(hv, v0, 0, 0n, lport), 0);

    assert.equal(hv.run({ maxCycles: 10_000_000, until: ready }).reason, "until");
    assert.equal(slot(v0, 0, "addr"), 0x1000_0033n);
    assert.equal(slot(v0, 0, "size"), 1);
    assert.equal(answer(hv, v0, 0, 0x80n, lport), 0);
    assert.equal(v.cpu.getX(3), 0xffff_ffff_ffff_ff80n, "LDRSB sign-extends the answer");

    hv.run({ maxCycles: 10_000_000, until: () => v.cpu.getX(4) === 1n });
    assert.equal(v.cpu.getX(4), 1n, "the guest went on after the last access");
    assert.equal(v.hypercalls.size, 0);
  },
});

Deno.test({
  name: "ioreq: an answer still marked INPROCESS keeps the vcpu waiting; a bad state crashes it",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, v0, domUs: [du] } = ioreqLab(1, [guestKernel(READ_WRITE_GUEST)]);
    const [, id] = createServer(hv, v0, du.id);
    acquire(hv, v0, du.id, id, 1, [IOREQ_GFN]);
    mapRange(hv, v0, du.id, id, 0x1000_0000n, 0x1000_0fffn);
    setState(hv, v0, du.id, id, true);
    const [, lport] = bindInterdomain(hv, v0, du.id, Number(slot(v0, 0, "vp_eport")));
    hv.run({ maxCycles: 10_000_000, until: () => slot(v0, 0, "state") === D.STATE_IOREQ_READY });
    const base = BigInt(IOREQ_GFN * 4096);
    const setSlotState = (s: number) => {
      const dv = v0.guest.readStruct(base + 30n, 1);
      dv.setUint8(0, (dv.getUint8(0) & ~0xf) | s);
      v0.guest.writeStruct(base + 30n, dv);
    };
    setSlotState(D.STATE_IOREQ_INPROCESS);
    assert.equal(portOp(hv, v0, E.EVTCHNOP_send, lport), 0);
    assert.equal(du.vcpus[0].runstate.state, "blocked", "INPROCESS: still waiting");
    setSlotState(D.STATE_IOREQ_NONE);
    assert.equal(portOp(hv, v0, E.EVTCHNOP_send, lport), 0);
    assert.equal(du.state, "shutdown", "a state going backwards crashes the domain, as Xen");
    assert.equal(du.shutdownReason, "crash");
  },
});

/** Clears dom0's pending bit of `port` (2-level: shared_info's evtchn_pending word). */
function clearPending(dom0: Domain, port: number): void {
  const si = dom0.sharedInfo(), off = abiField(shared_info, "evtchn_pending").offset;
  const at = off + 8 * Math.floor(port / 64);
  si.setBigUint64(at, si.getBigUint64(at, true) & ~(1n << BigInt(port % 64)), true);
}

Deno.test("ioreq: set_irq_level makes the domU's SPI pending (a falling edge does nothing)", () => {
  const { hv, v0, domUs: [du] } = ioreqLab(1);
  const rt = hv.runtimes.get(du.id)!;
  const pending = () => rt.vgic.irqTable().irqs.filter((i) => i.pending).map((i) => i.intid);
  const level = (irq: number, l: number) =>
    dmOp(hv, v0, du.id, D.XEN_DMOP_set_irq_level, D.xen_dm_op_set_irq_level, {
      irq,
      level: l,
    }).rc;
  assert.equal(level(40, 1), 0);
  assert.deepEqual(pending(), [40]);
  assert.equal(level(40, 0), 0, "Xen 4.17's vGIC ignores a falling edge");
  assert.deepEqual(pending(), [40]);
  const seen: number[] = [];
  hv.on("irq", (e) => seen.push(e.intid));
  assert.equal(level(41, 1), 0);
  assert.deepEqual(seen, [41], "through the irq hooks like every virtual interrupt");
  const nr = dmOp(hv, v0, du.id, D.XEN_DMOP_nr_vcpus, D.xen_dm_op_nr_vcpus, {});
  assert.equal(nr.rc, 0);
  assert.equal(nr.u(0, 4), 1n, "nr_vcpus reports the domain's vcpus");
});
