/**
 * A device model that is real AArch64 code in dom0, using nothing but Xen's ABI through
 * `hvc #0xea1`: dm_op creates a server for the domU, XENMEM_acquire_resource maps its ioreq page,
 * dm_op maps an MMIO range and enables the server, EVTCHNOP_bind_interdomain binds vp_eport; then
 * it polls the vcpu's slot, answers reads (data = address XOR 0x80808080), logs writes, sets
 * IORESP_READY and sends on its port. The domU is the same kind of guest as in the TypeScript-
 * driven test and sees the device model's answers.
 */
import assert from "node:assert/strict";
import { haveCrossAs, RAM_BASE } from "../../tools/lab/hyp_lab.ts";
import { guestKernel, ioreqLab, READ_WRITE_GUEST } from "./ioreq_fixture.ts";

/**
 * dom0's device model; x0 = the target domid at entry. Scratch at 1 MiB into RAM; the ioreq page
 * goes to gfn 0x50000. x28 = the first failing hypercall's result (the model stops there), x23 = 1
 * once serving, x22 = requests served, writes logged from scratch + 0x800.
 */
const DM = `
  .equ S, 0x40100000
  .equ PAGE, 0x50000000
  mov x19, x0
  movz x10, #0x4010, lsl #16
  // dm_op create_ioreq_server: xen_dm_op {op 1, u = {handle_bufioreq 0}} at S; buf at S + 0x100.
  mov w1, #1
  str xzr, [x10]
  str w1, [x10]
  str xzr, [x10, #8]
  str xzr, [x10, #16]
  str xzr, [x10, #24]
  add x1, x10, #0x100
  str x10, [x1]
  mov x2, #32
  str x2, [x1, #8]
  bl dmop
  ldrh w20, [x10, #12]
  // XENMEM_acquire_resource {domid, type 0, id, nr_frames 1, frame 1, frame_list S + 0x300}.
  add x1, x10, #0x200
  strh w19, [x1]
  strh wzr, [x1, #2]
  str w20, [x1, #4]
  mov w2, #1
  str w2, [x1, #8]
  str wzr, [x1, #12]
  mov x2, #1
  str x2, [x1, #16]
  add x2, x10, #0x300
  str x2, [x1, #24]
  movz x3, #0x5, lsl #16
  str x3, [x2]
  mov x16, #12
  mov x0, #28
  hvc #0xea1
  cbnz x0, fail
  // dm_op map_io_range_to_ioreq_server {id, type 1 (memory), 0x10000000..0x10000fff}.
  mov w1, #3
  str xzr, [x10]
  str w1, [x10]
  str xzr, [x10, #8]
  strh w20, [x10, #8]
  mov w1, #1
  str w1, [x10, #12]
  movz x1, #0x1000, lsl #16
  str x1, [x10, #16]
  add x1, x1, #0xfff
  str x1, [x10, #24]
  bl dmop
  // dm_op set_ioreq_server_state {id, enabled 1}.
  mov w1, #5
  str w1, [x10]
  str xzr, [x10, #8]
  strh w20, [x10, #8]
  mov w1, #1
  strb w1, [x10, #10]
  bl dmop
  // EVTCHNOP_bind_interdomain {remote_dom, remote_port = vp_eport of vcpu 0}.
  movz x21, #0x5000, lsl #16
  add x1, x10, #0x400
  strh w19, [x1]
  ldr w2, [x21, #24]
  str w2, [x1, #4]
  mov x16, #32
  mov x0, #0
  hvc #0xea1
  cbnz x0, fail
  add x1, x10, #0x400
  ldr w24, [x1, #8]
  add x25, x10, #0x800
  mov x23, #1
serve:
  ldrb w5, [x21, #30]
  and w6, w5, #0xf
  cmp w6, #1
  b.ne serve
  tbz w5, #5, write
  ldr x6, [x21]
  movz x7, #0x8080, lsl #16
  movk x7, #0x8080
  eor x6, x6, x7
  str x6, [x21, #8]
  b answer
write:
  ldr x6, [x21, #8]
  str x6, [x25], #8
answer:
  dmb ish
  bic w5, w5, #0xf
  orr w5, w5, #3
  strb w5, [x21, #30]
  dmb ish
  add x1, x10, #0x500
  str w24, [x1]
  mov x16, #32
  mov x0, #4
  hvc #0xea1
  cbnz x0, fail
  add x22, x22, #1
  b serve
dmop:
  mov x16, #41
  mov x0, x19
  mov x1, #1
  add x2, x10, #0x100
  hvc #0xea1
  cbnz x0, fail
  ret
fail:
  mov x28, x0
1:
  b 1b
`;

Deno.test({
  name: "ioreq: a device model in dom0's own AArch64 code serves the domU through Xen's ABI",
  ignore: !haveCrossAs(),
  fn: () => {
    const { hv, dom0, v0, domUs: [du] } = ioreqLab(1, [guestKernel(READ_WRITE_GUEST)], {
      dom0Kernel: guestKernel(DM),
    });
    // The domU waits until its device model is up (a toolstack starts the model first).
    hv.pauseDomain(du);
    hv.cpuOn(v0, BigInt(RAM_BASE), BigInt(du.id));
    hv.run({
      maxCycles: 20_000_000,
      until: () => v0.cpu.getX(23) === 1n || v0.cpu.getX(28) !== 0n,
    });
    assert.equal(v0.cpu.getX(28), 0n, "every set-up hypercall succeeded");
    assert.equal(v0.cpu.getX(23), 1n, "serving");
    assert.equal(du.ioreq.servers[0]?.emulator, dom0.id);
    hv.unpauseDomain(du);
    const v = du.vcpus[0];
    hv.run({ maxCycles: 50_000_000, until: () => v.cpu.getX(4) === 1n });
    assert.equal(v.cpu.getX(4), 1n, "the domU went past all three accesses");
    assert.equal(v.cpu.getX(1), 0x1000_0010n ^ 0x8080_8080n, "the model's answer to the read");
    assert.equal(v.cpu.getX(3), 0xffff_ffff_ffff_ffb3n, "0x33 ^ 0x80 = 0xb3, sign-extended");
    assert.equal(v0.cpu.getX(22), 3n, "three requests served");
    const log = v0.guest.readStruct(BigInt(RAM_BASE + 0x10_0800), 8);
    assert.equal(log.getBigUint64(0, true), 0x5an, "the write's data reached the model");
    assert.equal(v0.hypercalls.get("dm_op"), 3);
    assert.equal(v0.hypercalls.get("memory_op/acquire_resource"), 1);
    assert.equal(v0.hypercalls.get("event_channel_op/send"), 3);
  },
});
