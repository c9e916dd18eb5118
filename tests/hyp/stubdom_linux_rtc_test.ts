/**
 * Debian's Linux 6.1 as a domU on ttyAMA0 with both its PL011 and its PL031 RTC served by one C
 * stub domain (guests/stubdom/): the kernel's rtc-pl031 driver probes the RTC through the AMBA
 * bus (PeriphID/PCellID come from the C model), registers rtc0 and sets the system clock from
 * RTCDR, all through ioreq requests; neither device is mapped in the hypervisor. Skips without
 * the Debian files (as linux_domu_test.ts) or the cross compiler.
 */
import assert from "node:assert/strict";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { GUEST_PL031_BASE } from "../../core/hyp/builder/domu_fdt.ts";
import { linuxStubdomTest, linuxWithStubdomUart, modelCounter } from "./stubdom_linux_fixture.ts";

linuxStubdomTest(
  "stubdom: Linux on ttyAMA0 registers the C stub domain's PL031 as rtc0 and sets its clock",
  async () => {
    const { hv, d, kernel } = await linuxWithStubdomUart({
      vmDevices: { rtc: { placement: "stubdom" } },
    });
    // Nothing in the hypervisor answers the RTC's page: only the stub domain's ioreq server can.
    assert.equal(d.mmio.find(Number(GUEST_PL031_BASE)), undefined);
    assert.equal(hv.runtimes.get(d.id)!.backends.rtc, null);
    const stub = spawnStubdom(hv, { target: d, kernel, devices: ["pl011", "pl031"] }).domain;
    const out = () => hv.console(stub.id).text;
    assert.match(out(), /serving domain \d+'s PL011 and PL031 \(/);
    const r = hv.run({
      maxCycles: 8_000_000_000,
      until: () => /setting system clock to \S+ UTC/.test(out()) || !d.alive,
    });
    const text = out();
    const tail = text.slice(-2500);
    assert.equal(r.reason, "until", `stopped by ${r.reason}:\n${tail}`);
    assert.ok(text.includes("22000000.sbsa-uart: ttyAMA0 at MMIO 0x22000000 (irq = 13"), tail);
    assert.match(text, /rtc-pl031 22001000\.pl031: registered as rtc0/);
    // The default base, 2026-01-01 00:00:00 UTC, plus the seconds of virtual time so far.
    assert.match(
      text,
      /rtc-pl031 22001000\.pl031: setting system clock to 2026-01-01T00:00:0\d UTC/,
    );
    assert.ok(!/Oops|BUG:|Kernel panic|WARNING:|Call trace/.test(text), tail);
    assert.equal(modelCounter(stub, kernel, "bad_requests"), 0n);
  },
);
