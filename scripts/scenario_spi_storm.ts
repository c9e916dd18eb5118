/**
 * Scenario: a storm of SPIs injected with hv.injectIrq at a high rate in virtual time, and how the
 * guest copes. Two SPIs are stormed alternately: one the guest enabled in its vGIC distributor and
 * one it never enabled.
 *   deno run -A scripts/scenario_spi_storm.ts [--count N] [--interval-ns T] [--drop-every K]
 *   deno run -A scripts/scenario_spi_storm.ts --linux [...]
 *
 * Default guest: a bare-metal domU (hyp_lab) that enables SPI 45 (edge, priority 0xa0, CPU 0),
 * counts interrupts per INTID in its handler (IAR, count, EOIR) and otherwise runs a busy loop
 * whose iteration count measures how much CPU it kept; at the end it prints a line with
 * console_io and powers off with PSCI SYSTEM_OFF. SPI 46 stays disabled.
 * --linux: Debian's Linux domU with console=ttyAMA0 on the vpl011, stormed on SPI 32 (the
 * vpl011's own line, enabled by the pl011 driver, whose handler finds nothing to do) and SPI 50
 * (unused), from its /init marker; the workload must still print its output and power off.
 *
 * Per SPI the report counts: injected (injectIrq calls), dropped by the "irq" hook (--drop-every),
 * coalesced (the SPI was still pending when the next edge came: one delivery for several edges,
 * as on real hardware), taken by the guest (injected − dropped − coalesced − still pending) and,
 * for the bare-metal guest, what its handler counted.
 * Ends with `hvlab-scenario spi_storm ok=1 guest=<> injected=<n> taken=<n> coalesced=<n> ...`.
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { Domain } from "../core/hyp/domain.ts";
import { GUEST_GICC_BASE, GUEST_GICD_BASE } from "../core/hyp/abi/arm_memory_map.ts";
import { __HYPERVISOR_console_io } from "../core/hyp/abi/hypercalls.ts";
import { CONSOLEIO_write } from "../core/hyp/abi/console.ts";
import { PSCI_0_2_FN_SYSTEM_OFF } from "../core/hyp/abi/psci.ts";
import { addLabDomain, assembleRaw, haveCrossAs, SCRATCH } from "../tools/lab/hyp_lab.ts";
import { WORK_END, WORK_INIT, workOutput } from "../tools/linux/domu_workload.ts";
import { buildLinuxDomu, consoleOn, linuxInputs } from "../tools/linux/linux_domu.ts";
import { seconds, summaryLine, table } from "../tools/scenario/report.ts";

const arg = (name: string, def: number) => {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : def;
};
const linux = Deno.args.includes("--linux");
const COUNT = arg("--count", 10000);
const INTERVAL_NS = arg("--interval-ns", 50);
const DROP_EVERY = arg("--drop-every", 0);

/** What one stormed SPI went through. */
interface SpiTally {
  intid: number;
  label: string;
  injected: number;
  dropped: number;
  coalesced: number;
  pendingEnd: boolean;
  handled?: number;
}

function pendingIn(hv: Hypervisor, d: Domain, intid: number): boolean {
  const row = hv.runtimes.get(d.id)!.vgic.irqTable().irqs.find((r) => r.intid === intid);
  return row?.pending ?? false;
}

/**
 * Injects `COUNT` edges alternately on `spis`, one every INTERVAL_NS of virtual time, running the
 * machine in between; returns the tallies, the virtual ns and the wall ms the storm took.
 */
function storm(hv: Hypervisor, d: Domain, spis: { intid: number; label: string }[]) {
  const tallies: SpiTally[] = spis.map((s) => ({
    ...s,
    injected: 0,
    dropped: 0,
    coalesced: 0,
    pendingEnd: false,
  }));
  let seen = 0;
  const off = hv.on("irq", (e) => {
    if (e.domain !== d || e.vcpu !== null) return;
    seen++;
    if (DROP_EVERY > 0 && seen % DROP_EVERY === 0) e.drop = true;
  });
  const step = Math.max(1, Math.round(hv.clock.cpuHz * INTERVAL_NS / 1e9));
  const ns0 = hv.nowNs(), t0 = performance.now();
  for (let i = 0; i < COUNT && d.alive; i++) {
    const t = tallies[i % tallies.length];
    // Between runs the vGIC state is synced from the list registers: pending means not taken.
    const wasPending = pendingIn(hv, d, t.intid);
    t.injected++;
    const how = hv.injectIrq(d.id, null, t.intid);
    if (how === "dropped") t.dropped++;
    else if (wasPending) t.coalesced++;
    hv.run({ maxCycles: step });
  }
  off();
  for (const t of tallies) t.pendingEnd = d.alive && pendingIn(hv, d, t.intid);
  return { tallies, virtualNs: hv.nowNs() - ns0, wallMs: performance.now() - t0 };
}

function taken(t: SpiTally): number {
  return t.injected - t.dropped - t.coalesced - (t.pendingEnd ? 1 : 0);
}

function report(tallies: SpiTally[]): void {
  console.log(table(
    ["spi", "what", "injected", "dropped", "coalesced", "pending", "taken", "handler"],
    tallies.map((t) => [
      t.intid,
      t.label,
      t.injected,
      t.dropped,
      t.coalesced,
      t.pendingEnd ? "yes" : "no",
      taken(t),
      t.handled === undefined ? "-" : String(t.handled),
    ]),
  ));
}

// ---------------------------------------------------------------------------------- bare metal

const ENABLED = 45, DISABLED = 46;
/** Guest data: +0 stop flag, +8 loop iterations, +16 handled ENABLED, +24 other, +32 spurious. */
const DATA = SCRATCH;
const MESSAGE = "storm guest: console ok, powering off\n";

function bareMetalGuest(): Uint8Array {
  const bit = (base: number, id: number, per: number) => ({
    off: base + Math.floor(id / per) * 4,
    shift: (id % per) * (32 / per) + (per === 16 ? 1 : 0),
  });
  const en = bit(0x100, ENABLED, 32), cfg = bit(0xc00, ENABLED, 16);
  return assembleRaw(`
  adr x0, vectors
  msr vbar_el1, x0
  isb
  ldr x20, =${DATA}
  ldr x0, =${GUEST_GICD_BASE}
  mov w1, #1
  str w1, [x0]                      // GICD_CTLR: enable
  ldr w1, [x0, #${cfg.off}]
  orr w1, w1, #${1 << cfg.shift}
  str w1, [x0, #${cfg.off}]         // GICD_ICFGR: edge
  mov w1, #0xa0
  strb w1, [x0, #${0x400 + ENABLED}] // GICD_IPRIORITYR
  mov w1, #1
  strb w1, [x0, #${0x800 + ENABLED}] // GICD_ITARGETSR: CPU 0
  mov w1, #${1 << en.shift}
  str w1, [x0, #${en.off}]          // GICD_ISENABLER
  ldr x0, =${GUEST_GICC_BASE}
  mov w1, #0xff
  str w1, [x0, #4]                  // GICC_PMR
  mov w1, #1
  str w1, [x0]                      // GICC_CTLR
  msr daifclr, #2
  mov x19, #0
1:add x19, x19, #1
  tst x19, #0xff
  b.ne 1b
  str x19, [x20, #8]
  ldr w21, [x20]
  cbz w21, 1b
  msr daifset, #2
  mov x16, #${__HYPERVISOR_console_io}
  mov x0, #${CONSOLEIO_write}
  mov x1, #${MESSAGE.length}
  adr x2, message
  hvc #0xea1
  ldr x0, =${PSCI_0_2_FN_SYSTEM_OFF}
  hvc #0
2:b 2b

irq:
  ldr x0, =${GUEST_GICC_BASE}
  ldr w1, [x0, #0xc]                // GICC_IAR
  and w2, w1, #0x3ff
  cmp w2, #1023
  b.eq 4f
  mov x3, #16
  cmp w2, #${ENABLED}
  b.eq 3f
  mov x3, #24
3:ldr x2, [x20, x3]
  add x2, x2, #1
  str x2, [x20, x3]
  str w1, [x0, #0x10]               // GICC_EOIR
  eret
4:ldr x2, [x20, #32]
  add x2, x2, #1
  str x2, [x20, #32]
  eret

message:
  .ascii "${MESSAGE.replace("\n", "\\n")}"
  .balign 8
  .ltorg
  .balign 2048
vectors:
  .org vectors + 0x080
  b irq
  .org vectors + 0x280
  b irq
  .org vectors + 0x800
`);
}

function bareMetal(): void {
  if (!haveCrossAs()) {
    console.log("aarch64-linux-gnu-as is not installed: the bare-metal guest cannot be built");
    console.log(summaryLine("spi_storm", { skipped: 1 }));
    return;
  }
  const hv = new Hypervisor({ pcpus: 2 });
  const d = addLabDomain(hv, "storm", { kernel: bareMetalGuest() }).domain;
  d.consoleIo = true; // the guest reports through HYPERVISOR_console_io
  const cpuHz = hv.clock.cpuHz;
  const quietCycles = Math.round(cpuHz * COUNT * INTERVAL_NS / 1e9);
  // Settle (enable the GIC), then measure the busy loop's rate undisturbed for as long as the
  // storm will last.
  hv.run({ maxCycles: 1_000_000 });
  const it0 = d.phys.u64(DATA + 8);
  const q = hv.run({ maxCycles: quietCycles });
  const quietRate = Number(d.phys.u64(DATA + 8) - it0) / q.cycles;
  const it1 = d.phys.u64(DATA + 8);
  const s = storm(hv, d, [
    { intid: ENABLED, label: "enabled" },
    { intid: DISABLED, label: "never enabled" },
  ]);
  // Let the last edge be taken, then read the handler's counts.
  hv.run({ maxCycles: 100_000 });
  const stormIters = Number(d.phys.u64(DATA + 8) - it1);
  const stormRate = stormIters / (s.virtualNs * cpuHz / 1e9 + 100_000);
  for (const t of s.tallies) t.pendingEnd = pendingIn(hv, d, t.intid);
  s.tallies[0].handled = Number(d.phys.u64(DATA + 16));
  s.tallies[1].handled = Number(d.phys.u64(DATA + 24)); // every other INTID: must stay 0
  const spurious = Number(d.phys.u64(DATA + 32));
  d.phys.setU32(DATA, 1);
  const sink = hv.console(d.id);
  const r = hv.run({ maxCycles: 10_000_000 });
  const consoleOk = sink.text.includes(MESSAGE);
  const poweroff = r.reason === "all-shutdown" && d.shutdownReason === "poweroff";

  console.log(
    `storm: ${COUNT} SPIs, one every ${INTERVAL_NS} ns of virtual time ` +
      `(${(s.virtualNs / 1e6).toFixed(2)} ms virtual, ${seconds(s.wallMs)} s wall)` +
      (DROP_EVERY ? `, the irq hook dropping every ${DROP_EVERY}th` : ""),
  );
  report(s.tallies);
  const lossPct = 100 * (1 - stormRate / quietRate);
  console.log(`spurious acknowledges (IAR 1023): ${spurious}`);
  console.log(
    `guest busy loop: ${(quietRate * 1000).toFixed(1)} iterations per 1000 cycles quiet, ` +
      `${(stormRate * 1000).toFixed(1)} during the storm (${lossPct.toFixed(1)}% of its CPU to ` +
      `interrupts)`,
  );
  console.log(`console after the storm: ${JSON.stringify(sink.text.trim())}`);
  console.log(`end: ${r.reason}, domain ${d.state} (${d.shutdownReason ?? "-"})`);

  const [e, n] = s.tallies;
  const ok = consoleOk && poweroff && e.handled === taken(e) && n.handled === 0 &&
    taken(n) === 0 && n.pendingEnd;
  console.log(summaryLine("spi_storm", {
    ok: ok ? 1 : 0,
    guest: "baremetal",
    injected: e.injected + n.injected,
    dropped: e.dropped + n.dropped,
    taken: taken(e),
    handled: e.handled ?? 0,
    coalesced: e.coalesced + n.coalesced,
    disabled_taken: n.handled ?? 0,
    disabled_pending: n.pendingEnd ? 1 : 0,
    cpu_loss_pct: lossPct.toFixed(1),
    console: consoleOk ? 1 : 0,
    poweroff: poweroff ? 1 : 0,
    storm_wall_s: seconds(s.wallMs),
  }));
  if (!ok) Deno.exit(1);
}

// --------------------------------------------------------------------------------------- Linux

async function onLinux(): Promise<void> {
  const inputs = await linuxInputs();
  if ("missing" in inputs) {
    console.log(inputs.missing);
    console.log(summaryLine("spi_storm", { skipped: 1 }));
    return;
  }
  const hv = new Hypervisor({ pcpus: 2 });
  const d = (await buildLinuxDomu(hv, inputs, consoleOn("ttyAMA0"))).domain;
  const sink = hv.console(d.id);
  const t0 = performance.now();
  const boot = hv.run({ maxCycles: 4_000_000_000, until: () => sink.text.includes(WORK_INIT) });
  if (boot.reason !== "until") throw new Error(`boot stopped by ${boot.reason}`);
  console.log(`booted to "${WORK_INIT}" in ${seconds(performance.now() - t0)} s wall`);
  const s = storm(hv, d, [
    { intid: 32, label: "vpl011 (enabled)" },
    { intid: 50, label: "unused" },
  ]);
  const r = hv.run({ maxCycles: 4_000_000_000 });
  const text = sink.text;
  console.log(`--- console tail ---\n${text.slice(-700).trimEnd()}\n---`);
  console.log(
    `storm: ${COUNT} SPIs, one every ${INTERVAL_NS} ns of virtual time ` +
      `(${(s.virtualNs / 1e6).toFixed(2)} ms virtual, ${seconds(s.wallMs)} s wall)`,
  );
  report(s.tallies);
  const nobodyCared = /irq \d+: nobody cared/.test(text);
  console.log(
    `Linux's spurious-interrupt detector ${nobodyCared ? "disabled the line" : "did not trigger"}` +
      " (it needs 99,900 unhandled of 100,000)",
  );
  const workOk = text.includes(WORK_END) && workOutput(text) !== undefined;
  const poweroff = r.reason === "all-shutdown" && d.shutdownReason === "poweroff";
  const clean = !/Oops|BUG:|Kernel panic/.test(text);
  console.log(`end: ${r.reason}, domain ${d.state} (${d.shutdownReason ?? "-"})`);
  const [e, n] = s.tallies;
  const ok = workOk && poweroff && clean && taken(n) === 0;
  console.log(summaryLine("spi_storm", {
    ok: ok ? 1 : 0,
    guest: "linux",
    injected: e.injected + n.injected,
    dropped: e.dropped + n.dropped,
    taken: taken(e),
    coalesced: e.coalesced + n.coalesced,
    disabled_taken: taken(n),
    nobody_cared: nobodyCared ? 1 : 0,
    console: workOk ? 1 : 0,
    poweroff: poweroff ? 1 : 0,
    storm_wall_s: seconds(s.wallMs),
  }));
  if (!ok) Deno.exit(1);
}

if (linux) await onLinux();
else bareMetal();
