/**
 * The C PL031 model in the stub domain (guests/stubdom/pl031_model.c) against hvlab's own PL031
 * (core/devices/pl031.ts, in the hypervisor) as the reference: one domU program makes the same
 * register accesses under both placements and every value it reads must be the same; and the
 * match interrupt reaches the target as SPI 44 in its second while the target sleeps.
 *
 * The target sleeps (virtual timer, WFI) until 1.2 s of virtual time, when the stub domain is
 * created, and again until 1.3 s before its first RTC access: the stub domain's virtual counter
 * starts at its creation, so only the counter offset the toolstack passes (rtc_cntoff) makes its
 * RTC count from the hypervisor's time 0 as the in-hypervisor PL031 does.
 */
import assert from "node:assert/strict";
import { buildDomain, type BuiltDomain } from "../../core/hyp/builder/domain_builder.ts";
import { GUEST_PL031_BASE } from "../../core/hyp/builder/domu_fdt.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { spawnStubdom } from "../../core/hyp/builder/stubdom.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import { compileGuest, STUBDOM_PL011 } from "../../scripts/build_guests.ts";
import { haveCrossGcc, labConfig } from "../../tools/lab/hyp_lab.ts";
import {
  type Access,
  accessTableProgram,
  namedReads,
  r,
  readsOf,
  runAccessTable,
  w,
} from "./mmio_access_table.ts";

const DR = 0x00, MR = 0x04, LR = 0x08, CR = 0x0c, IMSC = 0x10, RIS = 0x14, MIS = 0x18;
const ICR = 0x1c;

/** What RTCDR reads at virtual time 0 (not the default epoch: the base must be passed on). */
const BASE = 0x7000_0000;
/** System counter ticks (62.5 MHz) at 1.2 s, when the stub domain is created, and at 1.3 s. */
const SPAWN_TICKS = 75_000_000, START_TICKS = 81_250_000;
const SPI_PL031 = 44;

const REGISTERS: Access[] = [
  ...[DR, CR, LR, MR, IMSC, RIS, MIS].map(r),
  ...Array.from({ length: 8 }, (_, i) => r(0xfe0 + 4 * i)),
  // Only 32-bit accesses reach a register: narrower ones read as zero and write nothing.
  ["r8", 0xfe0],
  ["r16", DR],
  w(LR, 0x1000),
  r(LR),
  r(DR),
  w(DR, 5),
  r(DR),
  w(CR, 0),
  r(CR),
  w(IMSC, 0xff),
  r(IMSC),
  // A match equal to the count raises the interrupt at once.
  w(MR, 0x1000),
  r(RIS),
  r(MIS),
  w(ICR, 0),
  r(RIS),
  w(ICR, 0xffff),
  r(RIS),
  r(MIS),
  ["w8", MR, 0x55],
  r(MR),
  ["w16", LR, 0x1234],
  r(LR),
  w(MR, 0x1005),
  r(MR),
  r(RIS),
  r(0x20),
  w(0x20, 1),
  r(0x20),
  r(ICR),
  w(IMSC, 0),
  r(MIS),
  // The counter wraps: a match at 0 from 0xffffffff is one second away, not pending now.
  w(LR, 0xffff_ffff),
  r(DR),
  w(MR, 0),
  r(RIS),
  r(0xfdc),
];

/**
 * Sleeps in WFI until the virtual counter reaches `ticks` (the virtual timer's PPI 27 wakes it;
 * interrupts stay masked, so no exception is taken), then acknowledges the PPI.
 */
function sleepUntil(ticks: number, label: string): string {
  return `
  movz x20, #${ticks >>> 16}, lsl #16
  movk x20, #${ticks & 0xffff}
  msr cntv_cval_el0, x20
  mov x0, #1
  msr cntv_ctl_el0, x0
${label}:
  wfi
  mrs x0, cntvct_el0
  cmp x0, x20
  b.lo ${label}
  msr cntv_ctl_el0, xzr
  ldr w0, [x13, #0xc]
  str w0, [x13, #0x10]`;
}

/**
 * What the domU does before its access table on the RTC (mmio_access_table.ts): enables the GIC
 * and PPI 27, then sleeps until 1.2 s (then x21 = 1) and 1.3 s.
 */
const PROLOGUE = `
  msr daifset, #0xf
  movz x12, #0x0300, lsl #16
  movk x12, #0x1000
  add x13, x12, #0x1000
  mov w0, #1
  str w0, [x12]
  mov w0, #(1 << 27)
  str w0, [x12, #0x100]
  mov w0, #1
  str w0, [x13]
  mov w0, #0xff
  str w0, [x13, #4]
${sleepUntil(SPAWN_TICKS, "sleep1")}
  mov x21, #1
${sleepUntil(START_TICKS, "sleep2")}`;

type Where = "hypervisor" | "stubdom" | "ioreq";

/**
 * A machine whose target runs `table` on its RTC placed `where` from 1.3 s of virtual time; with
 * "stubdom", the stub domain (serving the PL031 only) is spawned at 1.2 s.
 */
async function machine(where: Where, table: Access[]) {
  const hv = new Hypervisor({ pcpus: 2 });
  const cfg = {
    ...labConfig("rtc"),
    vmDevices: { rtc: { placement: where, baseSeconds: BASE } },
  };
  const du: BuiltDomain = buildDomain(hv, cfg, {
    kernel: probeGuestKernel(
      cfg.kernel,
      accessTableProgram(table, GUEST_PL031_BASE, PROLOGUE),
      "raw",
    ),
  });
  const v = du.domain.vcpus[0];
  hv.run({ maxCycles: hv.nsToCycles(1.25e9), until: () => v.cpu.getX(21) === 1n });
  assert.equal(v.cpu.getX(21), 1n, `${where}: the target slept until 1.2 s`);
  assert.ok(hv.nowNs() >= 1.2e9 && hv.nowNs() < 1.25e9, `${where}: now ${hv.nowNs()} ns`);
  let stub = null;
  if (where !== "hypervisor") {
    const kernel = await Deno.readFile(await compileGuest(STUBDOM_PL011));
    // "ioreq": the same model in a control domain (dom0's role) rather than a stub domain.
    const privileged = where === "ioreq";
    stub = spawnStubdom(hv, { target: du.domain, kernel, devices: ["pl031"], privileged }).domain;
    assert.equal(stub.privileged, privileged);
    assert.equal(stub.dmTarget === du.domain.id, !privileged);
    assert.match(hv.console(stub.id).text, /serving domain \d+'s PL031 \(/);
  }
  return { hv, du, stub };
}

async function registerReads(where: Where): Promise<number[]> {
  const { hv, du } = await machine(where, REGISTERS);
  const reads = runAccessTable(hv, du.domain.vcpus[0], REGISTERS, 200_000_000, where);
  assert.ok(hv.nowNs() < 2e9, `${where}: the program ran within second 1 (${hv.nowNs()} ns)`);
  return reads.map(Number);
}

Deno.test({
  name: "stubdom: the C PL031 model (stub domain, or dom0's ioreq server) reads exactly what " +
    "hvlab's in-hypervisor PL031 does",
  ignore: !haveCrossGcc(),
  fn: async () => {
    const ref = await registerReads("hypervisor");
    const stub = await registerReads("stubdom");
    const dom0 = await registerReads("ioreq");
    const named = (x: number[]) => namedReads(REGISTERS, x);
    assert.deepEqual(named(stub), named(ref));
    assert.deepEqual(named(dom0), named(ref), "served from a control domain's ioreq server");
    // The reference really counted from BASE at time 0 (1 s in), and saw the IDs and the match.
    assert.equal(ref[0], BASE + 1);
    assert.equal(ref[1], 1, "RTCCR reads RTCEN");
    assert.deepEqual(ref.slice(7, 15), [0x31, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1]);
    assert.equal(ref[readsOf(REGISTERS).findIndex(([k, o]) => k === "r32" && o === MIS)], 0);
    assert.ok(ref.includes(0x1000) && ref.includes(0xffff_ffff));
  },
});

Deno.test({
  name: "stubdom: the C PL031's match raises SPI 44 at the start of its second, target asleep, " +
    "also in a fork made while the stub domain waits for it",
  ignore: !haveCrossGcc(),
  fn: async () => {
    // At 1.3 s the counter reads 100 after the load; the match at 103 is due at 4 s.
    const { hv, du, stub } = await machine("stubdom", [
      w(LR, 100),
      w(IMSC, 1),
      w(MR, 103),
      r(RIS),
    ]);
    const v = du.domain.vcpus[0];
    const sv = stub!.vcpus[0];
    hv.run({
      maxCycles: hv.nsToCycles(3.5e9),
      until: () => v.cpu.getX(4) === 1n && sv.pollTimeoutNs !== null,
    });
    assert.equal(v.cpu.getX(4), 1n, "the target set the match and sleeps in WFI");
    assert.equal(sv.pollTimeoutNs, 4e9, "the stub domain polls with the match time as timeout");
    // The wait (the stub domain's poll and its timeout) is machine state: a fork has it too.
    const f = forkMachine(hv);
    for (const m of [hv, f]) {
      const target = m.domain(du.domain.id)!, sv = m.domain(stub!.id)!.vcpus[0];
      const seen: number[] = [];
      m.on("irq", (e) => {
        if (e.domain === target && e.intid === SPI_PL031) seen.push(m.nowNs());
      });
      const stubRetired = sv.cpu.retired;
      m.run({ maxCycles: m.nsToCycles(3.5e9), until: () => seen.length > 0 });
      const which = m === hv ? "original" : "fork";
      assert.equal(seen.length, 1, `${which}: SPI 44 was raised once (at ${seen.join(", ")} ns)`);
      assert.ok(seen[0] >= 4e9 && seen[0] < 4e9 + 1e6, `${which}: SPI 44 at ${seen[0]} ns`);
      // The stub domain slept in SCHEDOP_poll until then rather than spinning on its counter.
      const spent = sv.cpu.retired - stubRetired;
      assert.ok(spent < 100_000, `${which}: the stub domain ran ${spent} instructions waiting`);
    }
  },
});
