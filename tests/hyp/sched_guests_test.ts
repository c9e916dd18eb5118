/**
 * Each scheduler's defining guarantee, with real guests in the hypervisor: domUs built by the
 * domain builder from tiny raw kernels (a spinning `b .`, or an assembled guest that computes
 * then blocks), run in virtual time, measured from their runstate and the timeline's run slices.
 */
import assert from "node:assert/strict";
import { buildDomain } from "../../core/hyp/builder/domain_builder.ts";
import { probeGuestKernel } from "../../core/hyp/builder/guest_image.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";
import type { Arinc653Scheduler } from "../../core/hyp/sched/arinc653.ts";
import type { SchedulerName } from "../../core/hyp/sched/scheduler.ts";
import { RUNSTATE_OF, type Vcpu } from "../../core/hyp/vcpu.ts";
import { vcpu_runstate_info } from "../../core/hyp/abi/vcpu.ts";
import type { RunEvent } from "../../core/hyp/timeline.ts";
import {
  addLabDomain,
  assembleRaw,
  getField,
  haveCrossAs,
  labConfig,
} from "../../tools/lab/hyp_lab.ts";

const MS = 1_000_000;
/** `b .`: a CPU-bound guest. */
const SPIN = new Uint8Array(new Uint32Array([0x14000000]).buffer);

/** A hypervisor with `n` spinning one-vcpu domUs (s0, s1...), timeline on. */
function spinners(scheduler: SchedulerName, pcpus: number, n: number): {
  hv: Hypervisor;
  vs: Vcpu[];
} {
  const hv = new Hypervisor({ scheduler, pcpus });
  const vs = Array.from(
    { length: n },
    (_, i) => addLabDomain(hv, `s${i}`, { kernel: SPIN }).domain.vcpus[0],
  );
  hv.timeline.enabled = true;
  return { hv, vs };
}

/** Runs `hv` for `ms` of virtual time; it must reach the limit. */
function runMs(hv: Hypervisor, ms: number): void {
  assert.equal(hv.run({ maxCycles: hv.nsToCycles(ms * MS) }).reason, "limit");
}

/**
 * The run slices of `v`, adjacent ones on the same pCPU merged (the run loop cuts a slice at
 * every lockstep round; the scheduler did not).
 */
function slicesOf(hv: Hypervisor, v: Vcpu): RunEvent[] {
  const out: RunEvent[] = [];
  for (const e of hv.timeline.events) {
    if (e.kind !== "run" || e.domid !== v.domainId || e.vcpu !== v.id) continue;
    const last = out.at(-1);
    if (last && last.pcpu === e.pcpu && last.endNs === e.startNs) last.endNs = e.endNs;
    else out.push({ ...e });
  }
  return out;
}

/** Ns `v` ran within [from, to), from its run slices. */
function ranWithin(slices: RunEvent[], from: number, to: number): number {
  let t = 0;
  for (const s of slices) t += Math.max(0, Math.min(s.endNs, to) - Math.max(s.startNs, from));
  return t;
}

const running = (v: Vcpu) => v.runstate.timeNs[0];

/** `x` within `tol` of `want` (absolute), with a message showing both. */
function near(x: number, want: number, tol: number, what: string): void {
  assert.ok(Math.abs(x - want) <= tol, `${what}: ${x} is not ${want} ± ${tol}`);
}

/** Two spinning domUs pinned to pCPU 0 under credit2, the first with `weight`, 200 ms. */
function credit2Pair(weight: number): [number, number] {
  const { hv, vs: [a, b] } = spinners("credit2", 2, 2);
  hv.setAffinity(a, [0]);
  hv.setAffinity(b, [0]);
  hv.scheduler.setParams(a.domainId, { weight });
  runMs(hv, 200);
  const ra = running(a), rb = running(b);
  // The pCPU was busy all along: the two shared it, with no idle time to speak of.
  near(ra + rb, 200 * MS, 0.01 * 200 * MS, "running a + b");
  assert.ok(slicesOf(hv, a).every((s) => s.pcpu === 0), "a stays on its pCPU");
  return [ra, rb];
}

Deno.test("credit2: equal weights pinned to one pCPU share it 50/50", () => {
  const [ra, rb] = credit2Pair(256);
  near(ra / (ra + rb), 0.5, 0.03, "a's share");
});

Deno.test("credit2: weights 512:256 pinned to one pCPU give 2:1", () => {
  const [ra, rb] = credit2Pair(512);
  near(ra / rb, 2, 0.1, "a:b");
});

Deno.test("credit2: cap 50 holds a lone spinning domU to half of an idle pCPU in every 10 ms", () => {
  const { hv, vs: [a] } = spinners("credit2", 1, 1);
  hv.scheduler.setParams(a.domainId, { cap: 50 });
  runMs(hv, 60);
  near(running(a) / (60 * MS), 0.5, 0.03, "a's share");
  // The budget is refilled every 10 ms (CSCHED2_BDGT_REPL_PERIOD): never more than 5 ms in one.
  const slices = slicesOf(hv, a);
  for (let k = 0; k < 6; k++) {
    const ran = ranWithin(slices, k * 10 * MS, (k + 1) * 10 * MS);
    assert.ok(ran <= 5 * MS, `period ${k}: ran ${ran} ns`);
  }
});

Deno.test("credit: equal weights pinned to one pCPU share it 50/50", () => {
  const { hv, vs: [a, b] } = spinners("credit", 2, 2);
  hv.setAffinity(a, [0]);
  hv.setAffinity(b, [0]);
  // Credit hands the pCPU over in whole 30 ms time slices: 120 ms is two turns each.
  runMs(hv, 120);
  const ra = running(a), rb = running(b);
  near(ra + rb, 120 * MS, 0.01 * 120 * MS, "running a + b");
  near(ra / (ra + rb), 0.5, 0.03, "a's share");
});

Deno.test("credit: weights 512:256 give 2:1 once the pool is busy", () => {
  // The pool's credit is shared by weight; a pool with an idle pCPU has credit to spare for
  // both, and neither goes OVER (as in Xen): so a pool of one pCPU here. The turns repeat
  // every three 30 ms slices (a, a, b).
  const { hv, vs: [a, b] } = spinners("credit", 1, 2);
  hv.scheduler.setParams(a.domainId, { weight: 512 });
  runMs(hv, 180);
  near(running(a) / running(b), 2, 0.1, "a:b");
});

Deno.test("credit: cap 50 holds a lone spinning domU to half of an idle pCPU", () => {
  const { hv, vs: [a] } = spinners("credit", 1, 1);
  hv.scheduler.setParams(a.domainId, { cap: 50 });
  // Parking and unparking happen at 30 ms accounting periods: 240 ms is two whole cycles.
  runMs(hv, 240);
  near(running(a) / (240 * MS), 0.5, 0.03, "a's share");
  assert.ok(hv.pcpus[0].idleCycles > 0, "the pCPU idles while a is parked");
});

Deno.test("RTDS: 2 ms every 10 ms is 20% and never more than the budget in a period", () => {
  for (const neighbour of [false, true]) {
    const { hv, vs } = spinners("rtds", 2, neighbour ? 2 : 1);
    for (const v of vs) hv.setAffinity(v, [0]);
    const rt = vs[0];
    hv.scheduler.setParams(rt.domainId, { periodUs: 10_000, budgetUs: 2_000, extratime: 0 });
    runMs(hv, 100);
    const what = neighbour ? "beside a spinning neighbour" : "alone";
    near(running(rt) / (100 * MS), 0.2, 0.01, `share ${what}`);
    // Periods are multiples of the period from time 0.
    const slices = slicesOf(hv, rt);
    for (let k = 0; k < 10; k++) {
      const ran = ranWithin(slices, k * 10 * MS, (k + 1) * 10 * MS);
      assert.ok(ran <= 2 * MS, `period ${k} ${what}: ran ${ran} ns, budget 2 ms`);
      assert.ok(ran >= 1.9 * MS, `period ${k} ${what}: ran only ${ran} ns`);
    }
    if (neighbour) {
      // The neighbour (default 4 ms / 10 ms with extratime) soaks up the rest.
      near(running(vs[1]) / (100 * MS), 0.8, 0.01, "the neighbour's share");
    }
  }
});

Deno.test("ARINC 653: each domain runs only inside its windows, frame after frame", () => {
  const { hv, vs: [a, b] } = spinners("arinc653", 2, 2);
  const frame = [
    { domid: a.domainId, vcpu: 0, runtimeNs: 5 * MS },
    { domid: b.domainId, vcpu: 0, runtimeNs: 3 * MS },
    { domid: a.domainId, vcpu: 0, runtimeNs: 2 * MS },
  ];
  const s = hv.scheduler as Arinc653Scheduler;
  for (const p of s.setSchedule({ majorFrameNs: 10 * MS, entries: frame }, hv.nowNs())) {
    hv.pcpus[p].resched = true;
  }
  runMs(hv, 40);
  const sa = slicesOf(hv, a), sb = slicesOf(hv, b);
  for (let k = 0; k < 4; k++) {
    const f = k * 10 * MS;
    // Windows: a [0, 5), b [5, 8), a [8, 10) ms of each frame.
    assert.equal(ranWithin(sa, f + 5 * MS, f + 8 * MS), 0, `frame ${k}: a ran in b's window`);
    assert.equal(ranWithin(sb, f, f + 5 * MS), 0, `frame ${k}: b ran in a's first window`);
    assert.equal(ranWithin(sb, f + 8 * MS, f + 10 * MS), 0, `frame ${k}: b ran in a's second`);
    // And each used its windows (less the switch's cost), in every frame.
    assert.ok(ranWithin(sa, f, f + 5 * MS) > 4.9 * MS, `frame ${k}: a's first window`);
    assert.ok(ranWithin(sb, f + 5 * MS, f + 8 * MS) > 2.9 * MS, `frame ${k}: b's window`);
    assert.ok(ranWithin(sa, f + 8 * MS, f + 10 * MS) > 1.9 * MS, `frame ${k}: a's second window`);
  }
});

Deno.test("null: one vcpu per pCPU for the whole run; the third runs once a domain goes", () => {
  const { hv, vs } = spinners("null", 2, 3);
  runMs(hv, 20);
  const owner = hv.pcpus.map((p) => {
    const on = vs.filter((v) => slicesOf(hv, v).some((s) => s.pcpu === p.id));
    assert.equal(on.length, 1, `pCPU ${p.id} ran ${on.length} vcpus`);
    return on[0];
  });
  for (const v of owner) {
    assert.equal(slicesOf(hv, v).length, 1, "one unbroken slice");
    assert.ok(running(v) > 19.9 * MS, `vcpu ${v.domainId}.0 ran ${running(v)} ns`);
  }
  const third = vs.find((v) => !owner.includes(v))!;
  assert.equal(running(third), 0);
  assert.equal(slicesOf(hv, third).length, 0);
  assert.equal(third.runstate.state, "runnable", "it waits, runnable");
  // Destroying pCPU 0's domain hands pCPU 0 to the waiting vcpu.
  hv.destroyDomain(hv.domain(owner[0].domainId)!);
  const at = hv.nowNs();
  runMs(hv, 10);
  const later = slicesOf(hv, third);
  assert.ok(later.every((s) => s.pcpu === 0 && s.startNs >= at), JSON.stringify(later));
  assert.ok(running(third) > 9.9 * MS, `the third ran ${running(third)} ns`);
  assert.ok(slicesOf(hv, owner[1]).every((s) => s.pcpu === 1), "pCPU 1 keeps its vcpu");
});

for (const scheduler of ["credit2", "credit", "rtds"] as const) {
  Deno.test(`affinity (${scheduler}): hard affinity {1} from xl.cfg cpus= keeps a vcpu off pCPU 0`, () => {
    const hv = new Hypervisor({ scheduler, pcpus: 2 });
    const cfg = { ...labConfig("pinned"), cpus: [{ all: false, cpus: [1] }] };
    const pinned = buildDomain(hv, cfg, {
      kernel: probeGuestKernel(cfg.kernel, SPIN, "raw"),
    }).domain.vcpus[0];
    // Two more spinning domUs, free to go anywhere: pressure on both pCPUs.
    for (const n of ["f0", "f1"]) addLabDomain(hv, n, { kernel: SPIN });
    hv.timeline.enabled = true;
    runMs(hv, 30);
    assert.deepEqual(pinned.unit.hard, [1]);
    const s = slicesOf(hv, pinned);
    assert.ok(running(pinned) > 3 * MS, `it ran ${running(pinned)} ns`);
    assert.deepEqual([...new Set(s.map((x) => x.pcpu))], [1]);
  });
}

for (const scheduler of ["credit2", "credit"] as const) {
  Deno.test({
    // Xen places it by soft affinity (csched_res_pick, runq_tickle): its own pCPU 0, deciding
    // first, must leave it to pCPU 1.
    name: `affinity (${scheduler}): a vcpu built with soft affinity {1} runs on idle pCPU 1`,
    fn: () => {
      const placed = (cpusSoft?: { all: boolean; cpus: number[] }[]) => {
        const hv = new Hypervisor({ scheduler, pcpus: 2 });
        const cfg = { ...labConfig("soft"), ...(cpusSoft ? { cpusSoft } : {}) };
        const kernel = probeGuestKernel(cfg.kernel, SPIN, "raw");
        const v = buildDomain(hv, cfg, { kernel }).domain.vcpus[0];
        hv.timeline.enabled = true;
        runMs(hv, 5);
        return [...new Set(slicesOf(hv, v).map((s) => s.pcpu))];
      };
      // Its processor is pCPU 0 (vcpu 0's default): without a preference it stays there.
      assert.deepEqual(placed(), [0]);
      assert.deepEqual(placed([{ all: false, cpus: [1] }]), [1]);
    },
  });
}

/** Offsets in the runstate guest's scratch page (SCRATCH = 0x40100000). */
const RS_AREA = 0x4010_0400;

/**
 * Registers its runstate area at RS_AREA (VCPUOP_register_runstate_memory_area), then forever:
 * computes for about 1 ms (589,824 two-instruction iterations at 1.2 GHz), then blocks for about
 * 1 ms with SCHEDOP_poll on no ports with a timeout (absolute ns: the virtual counter counts
 * from 0 at 62.5 MHz, 16 ns a tick).
 */
const RUNSTATE_GUEST = `
  movz x9, #0x4010, lsl #16
  add x10, x9, #0x400
  str x10, [x9]
  mov x0, #5
  mov x1, #0
  mov x2, x9
  mov x16, #24
  hvc #0xea1
  str xzr, [x9, #0x40]
  str wzr, [x9, #0x48]
1:
  movz x3, #0x9, lsl #16
2:
  subs x3, x3, #1
  b.ne 2b
  mrs x4, cntvct_el0
  lsl x4, x4, #4
  movz x5, #0xf, lsl #16
  add x4, x4, x5
  str x4, [x9, #0x50]
  mov x0, #3
  add x1, x9, #0x40
  mov x16, #29
  hvc #0xea1
  b 1b
`;

Deno.test({
  name: "runstate: the guest's registered area shows its wait beside a neighbour and adds up",
  ignore: !haveCrossAs(),
  fn: () => {
    const hv = new Hypervisor({ scheduler: "credit2", pcpus: 2 });
    const g = addLabDomain(hv, "rs", { kernel: assembleRaw(RUNSTATE_GUEST) }).domain.vcpus[0];
    const n = addLabDomain(hv, "spin", { kernel: SPIN }).domain.vcpus[0];
    hv.setAffinity(g, [0]);
    hv.setAffinity(n, [0]);
    hv.timeline.enabled = true;
    runMs(hv, 30);
    assert.equal(g.runstateArea, BigInt(RS_AREA), "the guest registered its area");
    // struct vcpu_runstate_info: state, state_entry_time, then time[4] at offset 16.
    const field = (name: string) => Number(getField(g, RS_AREA, vcpu_runstate_info, name));
    assert.equal(field("state"), RUNSTATE_OF[g.runstate.state]);
    assert.equal(field("state_entry_time"), g.runstate.entryNs);
    const times = g.guest.readStruct(BigInt(RS_AREA + 16), 32);
    const [run, wait, blocked, offline] = [0, 1, 2, 3].map((i) =>
      Number(times.getBigUint64(8 * i, true))
    );
    assert.ok(wait > 0, `runnable ${wait} ns: it waited for the neighbour`);
    assert.ok(blocked > 5 * MS, `blocked ${blocked} ns: it polled about half the time`);
    assert.ok(run > 5 * MS, `running ${run} ns`);
    // The area was last written when it last left (or entered) the pCPU: everything it went
    // through up to then, from the start, is accounted once.
    const slices = slicesOf(hv, g);
    const last = Math.max(...slices.map((s) => s.endNs));
    near(run + wait + blocked + offline, last, 2_000, "running + runnable + blocked + offline");
    // And running is what the timeline saw it run.
    near(run, ranWithin(slices, 0, last), 0.01 * run, "running vs run slices");
  },
});

for (const scheduler of ["credit2", "credit"] as const) {
  Deno.test({
    // Xen's vcpu_set_affinity re-places a running vcpu (sched_unit_migrate_start/finish,
    // pick_resource preferring soft affinity); hv.setAffinity does it with a sleep and a wake.
    name: `affinity (${scheduler}): a soft affinity set at run time moves a running vcpu to an ` +
      "idle pCPU in it",
    fn: () => {
      const { hv, vs: [v] } = spinners(scheduler, 2, 1);
      runMs(hv, 2);
      assert.deepEqual([...new Set(slicesOf(hv, v).map((s) => s.pcpu))], [0]);
      hv.setAffinity(v, null, [1]);
      const at = hv.nowNs();
      runMs(hv, 15);
      const after = slicesOf(hv, v).filter((s) => s.startNs >= at);
      assert.ok(ranWithin(after.filter((s) => s.pcpu === 1), at, hv.nowNs()) > 10 * MS);
    },
  });
}
