/**
 * hv.on(...) hooks on the trap paths, with a real guest: a hypercall refused with an errno, an
 * MMIO read whose value a hook changes, a data abort a hook forces, WFE observed, a fault on an
 * unmapped address, and interrupts dropped and delayed through the "irq" hook.
 */
import assert from "node:assert/strict";
import { XEN_EPERM } from "../../core/hyp/abi/errno.ts";
import type { HookEvents } from "../../core/hyp/hooks.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { assembleRaw, haveCrossAs, hypLab, labConfig } from "../../tools/lab/hyp_lab.ts";

/**
 * x19 = xen_version(XENVER_version); x20 = the vpl011's UARTFR; x21 = its UARTDR (a hook may
 * abort that one: the guest's vector then records ESR_EL1 in x22 and skips it); WFE; a read from
 * an unmapped IPA (aborts, x23 = 1 after the handler); then SYSTEM_OFF.
 */
const GUEST = `
  adr x0, vectors
  msr vbar_el1, x0
  isb
  mov x16, #17
  mov x0, #0
  mov x1, #0
  hvc #0xea1
  mov x19, x0
  movz x9, #0x2200, lsl #16
  ldr w20, [x9, #0x18]
  ldr w21, [x9, #0x00]
  wfe
  movz x10, #0x1000, lsl #16
  ldr w11, [x10]
  movz w0, #0x8400, lsl #16
  add w0, w0, #8
  hvc #0
  b .
  .balign 0x800
vectors:
  .skip 0x200
  mrs x22, esr_el1
  mrs x12, elr_el1
  add x12, x12, #4
  msr elr_el1, x12
  add x23, x23, #1
  eret
`;

Deno.test({
  name: "hooks: refuse a hypercall, change and abort MMIO reads, see WFE and faults",
  ignore: !haveCrossAs(),
  fn: () => {
    const hv = new Hypervisor({ pcpus: 2 });
    const cfg = { ...labConfig("d0"), vuart: "sbsa_uart" as const };
    const b = buildDomain(hv, cfg, {
      kernel: probeGuestKernel(cfg.kernel, assembleRaw(GUEST), "raw"),
    });
    const seen: string[] = [];
    hv.on("hypercall", (e) => {
      if (e.name === "xen_version/version" && e.result === undefined) e.refuse = XEN_EPERM;
      seen.push(`hc ${e.name} ${e.result === undefined ? "before" : "after"}`);
    });
    const mmio: HookEvents["mmio"][] = [];
    hv.on("mmio", (e) => {
      mmio.push({ ...e });
      if (e.ipa === 0x2200_0018n) e.value = 0x1234n;
      if (e.ipa === 0x2200_0000n) e.abort = true;
    });
    hv.on("wfi", (e) => seen.push(`${e.kind} trapped=${e.trapped}`));
    hv.on("fault", (e) => seen.push(`fault ${e.kind} 0x${e.ipa.toString(16)}`));
    const r = hv.run({ maxCycles: 5_000_000 });
    assert.equal(r.reason, "all-shutdown");
    const c = b.domain.vcpus[0].cpu;
    assert.equal(BigInt.asIntN(64, c.getX(19)), -BigInt(XEN_EPERM), "refused with -EPERM");
    assert.equal(c.getX(20), 0x1234n, "the hook's value reached the guest");
    assert.equal(Number(c.getX(22)) >>> 26, 0x25, "an aborted read is a data abort at EL1");
    assert.deepEqual(seen.slice(0, 2), [
      "hc xen_version/version before",
      "hc xen_version/version after",
    ]);
    assert.ok(seen.includes("wfe trapped=true"), seen.join("\n"));
    assert.ok(seen.includes("fault dabt 0x10000000"), seen.join("\n"));
    assert.ok(seen.includes("fault dabt 0x22000000"), "the forced abort is a fault too");
    assert.equal(c.getX(23), 2n, "two aborts taken by the guest");
    assert.deepEqual(mmio.map((m) => [m.ipa, m.write, m.size]), [
      [0x2200_0018n, false, 4],
      [0x2200_0000n, false, 4],
    ]);
  },
});

Deno.test("hooks: the irq hook drops and delays interrupts injected into a domain", () => {
  const { hv, doms: [b] } = hypLab();
  const d = b.domain;
  const seen: number[] = [];
  hv.on("irq", (e) => {
    seen.push(e.intid);
    if (e.intid === 40) e.drop = true;
    if (e.intid === 41) e.delayNs = 100_000;
  });
  assert.equal(hv.injectIrq(d.id, null, 40), "dropped");
  assert.equal(hv.injectIrq(d.id, null, 41), "delayed");
  assert.equal(hv.injectIrq(d.id, 0, 20), "delivered");
  const pending = () => b.runtime.vgic.irqTable().irqs.filter((i) => i.pending).map((i) => i.intid);
  assert.deepEqual(pending(), [20]);
  hv.run({ maxCycles: hv.nsToCycles(50_000) });
  assert.deepEqual(pending(), [20], "not yet");
  hv.run({ maxCycles: hv.nsToCycles(100_000) });
  assert.deepEqual(pending(), [20, 41], "delivered after the delay");
  assert.deepEqual(seen, [40, 41, 20]);
  assert.throws(() => hv.injectIrq(99, null, 40), /no domain 99/);
});

Deno.test("physical SPIs: routed ones reach their domain through the irq hook, others are logged", () => {
  const { hv, doms: [b] } = hypLab();
  const seen: number[] = [];
  hv.on("irq", (e) => seen.push(e.intid));
  hv.routeSpi(50, { domid: b.domain.id, vspi: 45 });
  assert.equal(hv.injectPhysicalSpi(50), "delivered");
  assert.equal(hv.injectPhysicalSpi(51), "unrouted");
  assert.deepEqual(seen, [45]);
  assert.ok(b.runtime.vgic.irqTable().irqs.some((i) => i.intid === 45 && i.pending));
  assert.ok(hv.logEntries.some((e) => /physical SPI 51/.test(e.msg)));
  assert.throws(() => hv.routeSpi(20, { domid: b.domain.id }), /not an SPI/);
  hv.routeSpi(50, null);
  assert.equal(hv.injectPhysicalSpi(50), "unrouted");
});

Deno.test("the hypervisor writing a guest page drops the page's translated code", () => {
  // add x0, x0, #1; b .-4 — translated, then rewritten by the hypervisor to mov x0, #7.
  const { hv, doms: [b] } = hypLab({
    kernel: new Uint8Array(new Uint32Array([0x91000400, 0x17ffffff]).buffer),
  });
  const cpu = b.domain.vcpus[0].cpu;
  hv.run({ maxCycles: 100_000 });
  const x0 = cpu.getX(0);
  assert.ok(x0 > 0n);
  b.domain.phys.write(0x4000_0000, new Uint8Array(new Uint32Array([0xd28000e0]).buffer));
  hv.run({ maxCycles: 100_000 });
  assert.equal(cpu.getX(0), 7n, "the new instruction runs, not the stale translation");
});
