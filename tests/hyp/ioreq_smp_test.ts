/**
 * A two-vcpu target: each vcpu has its own slot and its own Xen-attached port; both wait at once
 * and the device model answers them out of order, each answer reaching only its vcpu.
 */
import assert from "node:assert/strict";
import * as D from "../../core/hyp/abi/dm_op.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";
import { answer, bindSlotPort, guestKernel, ioreqLab, serveDevice, slot } from "./ioreq_fixture.ts";

/**
 * vcpu 0 starts vcpu 1 (PSCI CPU_ON at `second`); each reads the device at 0x10 + 8 * its id
 * into x1 and sets x4 = 1.
 */
const GUEST = `
  movz w0, #0xc400, lsl #16
  add w0, w0, #3
  mov x1, #1
  adr x2, second
  mov x3, #0
  hvc #0
  mov x5, #0
  b access
second:
  mov x5, #1
access:
  movz x9, #0x1000, lsl #16
  add x9, x9, x5, lsl #3
  ldr x1, [x9, #0x10]
  mov x4, #1
1:
  wfi
  b 1b
`;

Deno.test({
  name: "ioreq smp: two vcpus wait in their own slots and are answered out of order",
  ignore: !haveCrossAs(),
  fn: () => {
    const lab = ioreqLab(1, [guestKernel(GUEST)], { vcpus: 2 });
    const { hv, dom0, v0, domUs: [du] } = lab;
    const id = serveDevice(lab, du);
    const ports = [0, 1].map((i) => Number(slot(v0, i, "vp_eport")));
    assert.notEqual(ports[0], ports[1], "a port per vcpu");
    assert.deepEqual(ports, du.ioreq.servers[id]!.vcpuPorts);
    assert.deepEqual(ports.map((p) => du.evtchn.channel(p)?.notifyVcpu), [0, 1]);
    const lports = [0, 1].map((i) => bindSlotPort(lab, du, i));
    const ready = (i: number) => slot(v0, i, "state") === D.STATE_IOREQ_READY;
    hv.run({ maxCycles: 20_000_000, until: () => ready(0) && ready(1) });
    assert.deepEqual([0, 1].map((i) => slot(v0, i, "addr")), [0x1000_0010n, 0x1000_0018n]);
    assert.deepEqual([0, 1].map((i) => slot(v0, i, "size")), [8, 8]);
    const [a, b] = du.vcpus;
    assert.equal(a.runstate.state, "blocked");
    assert.equal(b.runstate.state, "blocked");
    // vcpu 1's answer, signalled on vcpu 0's port: each event completes only its own vcpu.
    assert.equal(answer(hv, v0, 1, 0x1111_2222_3333_4444n, lports[0]), 0);
    assert.equal(b.runstate.state, "blocked", "vcpu 0's port does not complete vcpu 1");
    assert.equal(slot(v0, 1, "state"), D.STATE_IORESP_READY);
    assert.equal(a.runstate.state, "blocked", "vcpu 0's own slot is still READY");
    assert.equal(answer(hv, v0, 1, 0x1111_2222_3333_4444n, lports[1]), 0);
    assert.equal(b.cpu.getX(1), 0x1111_2222_3333_4444n, "a 64-bit read, whole");
    assert.equal(answer(hv, v0, 0, 0x99n, lports[0]), 0);
    assert.equal(a.cpu.getX(1), 0x99n);
    hv.run({ maxCycles: 5_000_000, until: () => a.cpu.getX(4) === 1n && b.cpu.getX(4) === 1n });
    assert.deepEqual([a.cpu.getX(4), b.cpu.getX(4)], [1n, 1n]);
    assert.ok(dom0.evtchn.channel(lports[1])?.state === "interdomain");
  },
});
