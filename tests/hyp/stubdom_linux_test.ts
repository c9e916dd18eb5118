/**
 * Issue 6's done-when item: Debian's Linux 6.1 as a domU on ttyAMA0 whose PL011 is served by the
 * real AArch64 stub domain (guests/stubdom/pl011_dm.c) through the ioreq ABI. The kernel's
 * amba-pl011 (sbsa-uart) driver runs with its interrupt (SPI 32): bytes typed on the stub
 * domain's console raise it through dm_op set_irq_level and come back as the tty's echo; the
 * boot, the /init workload and poweroff all come out of the stub domain's PV console.
 * Skips without the Debian files (as linux_domu_test.ts) or the cross compiler.
 */
import assert from "node:assert/strict";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { WORK_INIT, workOutput } from "../../tools/linux/domu_workload.ts";
import { linuxStubdomTest, linuxWithStubdomUart, modelCounter } from "./stubdom_linux_fixture.ts";

linuxStubdomTest(
  "stubdom: Linux on ttyAMA0 boots to /init and powers off through the C PL011 stub domain",
  async () => {
    const { hv, d, kernel } = await linuxWithStubdomUart();
    const stub = spawnStubdom(hv, { target: d, kernel }).domain;
    const out = () => hv.console(stub.id).text;
    hv.run({ maxCycles: 8_000_000_000, until: () => out().includes(WORK_INIT) || !d.alive });
    // Typed on the stub domain's console: the RX interrupt (SPI 32 raised by the model's
    // set_irq_level) takes the bytes into the tty, whose line discipline echoes them.
    hv.console(stub.id).input("xyzzy");
    const r = hv.run({ maxCycles: 8_000_000_000, until: () => !d.alive });
    const text = out();
    const tail = text.slice(-2500);
    assert.equal(r.reason, "until", `stopped by ${r.reason}:\n${tail}`);
    assert.equal(d.shutdownReason, "poweroff", tail);
    assert.ok(
      text.includes("22000000.sbsa-uart: ttyAMA0 at MMIO 0x22000000 (irq = 13, base_baud = 0)"),
      text.slice(0, 3000),
    );
    assert.ok(text.includes("Run /init as init process"), tail);
    assert.ok(text.includes(WORK_INIT), `no /init output:\n${tail}`);
    assert.ok(workOutput(text) !== undefined, "the workload's block is complete");
    assert.ok(!/Oops|BUG:|Kernel panic|WARNING:|Call trace/.test(text), tail);
    // The shell's output went only to /dev/console = ttyAMA0 (Linux's hvc0 gets kernel messages).
    assert.ok(!hv.console(d.id).text.includes(WORK_INIT), "workload output on the PV console");
    const sv = stub.vcpus[0];
    // Every register access of the driver was a request the C model answered with an event.
    const sends = sv.hypercalls.get("event_channel_op/send") ?? 0;
    assert.ok(sends > 10_000, `${sends} answers`);
    assert.ok(sv.runstate.timeNs[0] > 0 && sv.runstate.timeNs[2] > 0, "ran and blocked on its own");
    assert.ok(text.split(WORK_INIT)[1]?.includes("xyzzy"), "the typed bytes were echoed");
    // The model's own counters, read from its memory by symbol.
    const counter = (name: string) => modelCounter(stub, kernel, name);
    assert.equal(counter("bad_requests"), 0n);
    assert.ok(counter("irq_changes") >= 2n, `${counter("irq_changes")} line changes`);
    assert.ok(counter("requests_served") > 10_000n, `${counter("requests_served")} requests`);
    console.log(
      `stub domain: ${sv.hypercalls.get("event_channel_op/send")} sends, ` +
        `${sv.hypercalls.get("sched_op/poll")} polls, running ${
          (sv.runstate.timeNs[0] / 1e6).toFixed(1)
        } ms of ${(hv.nowNs() / 1e6).toFixed(1)} ms`,
    );
  },
);
