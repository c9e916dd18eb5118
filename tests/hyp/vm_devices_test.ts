/**
 * The VM-spec devices a domU may get (DomainConfig.vmDevices): a PL031 RTC and two CFI flash
 * banks at hvlab's guest addresses, described in the guest's device tree, served from the
 * hypervisor or as EL0 apps; the RTC's alarm reaches the guest's SPI 44 through the machine's
 * event queue, also across a fork.
 */
import assert from "node:assert/strict";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import {
  GUEST_FLASH_BANK_SIZE,
  GUEST_FLASH_BASE,
  GUEST_PL031_BASE,
  GUEST_PL031_SPI,
} from "../../core/hyp/builder/domu_fdt.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import type { InlinePlacement } from "../../core/hyp/dm/placement.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import { readFdt } from "../../core/fdt/fdt_reader.ts";
import { IDLE_KERNEL, labConfig } from "../../tools/lab/hyp_lab.ts";

const BASE_S = 1_767_225_600;

function vmDomain(hv: Hypervisor, placement: InlinePlacement): BuiltDomain {
  const cfg = {
    ...labConfig("vm"),
    vmDevices: { rtc: { placement }, flash: { placement } },
  };
  return buildDomain(hv, cfg, { kernel: probeGuestKernel("idle.bin", IDLE_KERNEL, "raw") });
}

function mmio(b: BuiltDomain, pa: bigint, write = false, value = 0): number {
  const a = b.domain.mmio.access(Number(pa), 4, write, value >>> 0, 0);
  assert.equal(a.outcome, "done", `access at 0x${pa.toString(16)}: ${a.outcome}`);
  return a.value >>> 0;
}

Deno.test("vm devices: the guest's device tree lists the PL031 (with its APB clock) and flash", () => {
  const b = vmDomain(new Hypervisor(), "hypervisor");
  const names = readFdt(b.layout.fdt).root.children.map((n) => n.name);
  assert.ok(names.includes("pl031@22001000"), names.join(" "));
  assert.ok(names.includes("apb-pclk"));
  assert.ok(names.includes("flash@8000000"));
  const plain = buildDomain(new Hypervisor(), labConfig("p"), {
    kernel: probeGuestKernel("idle.bin", IDLE_KERNEL, "raw"),
  });
  assert.ok(!readFdt(plain.layout.fdt).root.children.some((n) => n.name.startsWith("pl031")));
});

Deno.test("vm devices: RTC and flash answer in both inline placements", () => {
  for (const placement of ["hypervisor", "el0"] as const) {
    const hv = new Hypervisor({ pcpus: 1 });
    const b = vmDomain(hv, placement);
    // PL031 PeriphID0 and PCellID0, as the TRM (and QEMU) give them.
    assert.equal(mmio(b, GUEST_PL031_BASE + 0xfe0n), 0x31);
    assert.equal(mmio(b, GUEST_PL031_BASE + 0xff0n), 0x0d);
    // The idle guest has no timer: an alarm far ahead keeps virtual time going to the limit.
    mmio(b, GUEST_PL031_BASE + 0x04n, true, BASE_S + 100);
    assert.equal(hv.run({ maxCycles: hv.nsToCycles(2.5e9) }).reason, "limit");
    assert.equal(mmio(b, GUEST_PL031_BASE), BASE_S + 2, "RTCDR counts virtual seconds");
    // CFI query mode on bank 1: "QRY" at word offsets 0x10..0x12 (x16 devices, width 4).
    const bank1 = GUEST_FLASH_BASE + GUEST_FLASH_BANK_SIZE;
    mmio(b, bank1, true, 0x0098_0098);
    assert.deepEqual([0x10, 0x11, 0x12].map((w) => mmio(b, bank1 + BigInt(w * 4)) & 0xff), [
      0x51,
      0x52,
      0x59,
    ]);
    mmio(b, bank1, true, 0x00ff_00ff);
    assert.equal(mmio(b, bank1), 0xffff_ffff, "an erased bank reads as ones");
    const placed = b.runtime.backends.vmDevices;
    assert.deepEqual([...placed.keys()], ["pl031", "flash0", "flash1"]);
    assert.ok([...placed.values()].every((p) => p.placement === placement));
  }
});

Deno.test("vm devices: the RTC alarm raises SPI 44 at its second, also in a fork", () => {
  const hv = new Hypervisor({ pcpus: 1 });
  const b = vmDomain(hv, "hypervisor");
  const now = mmio(b, GUEST_PL031_BASE);
  mmio(b, GUEST_PL031_BASE + 0x04n, true, now + 3); // RTCMR
  mmio(b, GUEST_PL031_BASE + 0x10n, true, 1); // RTCIMSC
  const spiPending = (h: Hypervisor) =>
    h.runtimes.get(b.domain.id)!.vgic.irqTable().irqs.some((r) =>
      r.intid === GUEST_PL031_SPI && r.pending
    );
  hv.run({ maxCycles: hv.nsToCycles(1.5e9) });
  assert.ok(!spiPending(hv), "not before its second");
  const f = forkMachine(hv);
  for (const h of [hv, f]) {
    h.run({ maxCycles: h.nsToCycles(2e9) });
    assert.ok(spiPending(h), "the alarm's SPI is pending");
    assert.equal(h.runtimes.get(b.domain.id)!.backends.rtc!.state.ris, 1);
  }
});
