import assert from "node:assert/strict";
import { RtdsScheduler } from "../../../core/hyp/sched/rtds.ts";
import type { SchedUnit } from "../../../core/hyp/sched/scheduler.ts";
import { type Interval, SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

/** Run time inside [from, to) from a unit's intervals. */
function ranIn(intervals: Interval[], from: number, to: number): number {
  let t = 0;
  for (const i of intervals) t += Math.max(0, Math.min(i.to, to) - Math.max(i.from, from));
  return t;
}

Deno.test("rtds: budget 2 ms / period 10 ms gives a CPU-bound vcpu exactly 20%, per period", () => {
  const sched = new RtdsScheduler();
  sched.setParams(1, { periodUs: 10000, budgetUs: 2000, extratime: 0 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }]);
  sim.run(1000 * MS);
  sim.closeIntervals();
  const r = sim.report(1, 0);
  assert.equal(r.runNs, 200 * MS);
  for (let k = 0; k < 100; k++) {
    assert.equal(ranIn(r.intervals, k * 10 * MS, (k + 1) * 10 * MS), 2 * MS, `period ${k}`);
  }
});

Deno.test("rtds: with extratime (Xen's default) the same vcpu also uses the idle time", () => {
  const sched = new RtdsScheduler();
  sched.setParams(1, { budgetUs: 2000 });
  assert.deepEqual(sched.getParams(1), { periodUs: 10000, budgetUs: 2000, extratime: 1 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }]);
  sim.run(100 * MS);
  assert.equal(sim.report(1, 0).runNs, 100 * MS);
});

Deno.test("rtds: EDF — the earlier deadline runs first, every decision", () => {
  const sched = new RtdsScheduler();
  sched.setParams(1, { periodUs: 10000, budgetUs: 3000, extratime: 0 });
  sched.setParams(2, { periodUs: 5000, budgetUs: 1000, extratime: 0 });
  let checked = 0;
  const units: SchedUnit[] = [];
  const sim: SchedSim = new SchedSim(
    single(sched, 1),
    [{ domid: 1, vcpu: 0 }, { domid: 2, vcpu: 0 }],
    (_p, t, next) => {
      if (next === null) return;
      for (const u of units) {
        const i = sched.unitInfo(u);
        if (u === next || i.budget === 0 || !sim.isRunnable(u)) continue;
        assert(sched.unitInfo(next).deadline <= i.deadline, `chose a later deadline at ${t}`);
        checked++;
      }
    },
  );
  units.push(...sim.units);
  sim.run(200 * MS);
  sim.closeIntervals();
  assert(checked >= 20, `checked ${checked}`);
  const a = sim.report(1, 0).intervals;
  const b = sim.report(2, 0).intervals;
  assert.deepEqual(b[0], { p: 0, from: 0, to: MS });
  assert.deepEqual(a[0], { p: 0, from: MS, to: 4 * MS });
  for (let k = 0; k < 40; k++) assert.equal(ranIn(b, k * 5 * MS, (k + 1) * 5 * MS), MS);
  for (let k = 0; k < 20; k++) assert.equal(ranIn(a, k * 10 * MS, (k + 1) * 10 * MS), 3 * MS);
});

Deno.test("rtds: a reservation is met despite a CPU-bound neighbour with extratime", () => {
  const sched = new RtdsScheduler();
  sched.setParams(1, { periodUs: 10000, budgetUs: 4000, extratime: 0 });
  // Utilisation 0.4 + 0.5: schedulable under EDF; the neighbour's extratime soaks up the rest.
  sched.setParams(2, { periodUs: 20000, budgetUs: 10000 });
  const sim = new SchedSim(single(sched, 1), [
    { domid: 1, vcpu: 0, load: { kind: "periodic", runNs: 4 * MS, periodNs: 10 * MS }, startNs: 0 },
    { domid: 2, vcpu: 0 },
  ]);
  sim.run(1000 * MS);
  sim.closeIntervals();
  const rt = sim.report(1, 0);
  for (let k = 0; k < 100; k++) {
    assert.equal(ranIn(rt.intervals, k * 10 * MS, (k + 1) * 10 * MS), 4 * MS, `period ${k}`);
  }
  assert.equal(sim.report(2, 0).runNs, 600 * MS);
});

Deno.test("rtds: params are validated, naming the bad value", () => {
  const s = new RtdsScheduler();
  assert.throws(() => s.setParams(1, { periodUs: 5 }), /periodUs: 5 is not an integer/);
  assert.throws(() => s.setParams(1, { periodUs: 1000, budgetUs: 2000 }), /budgetUs: 2000/);
  assert.throws(() => s.setParams(1, { extratime: 2 }), /extratime: 2/);
  assert.throws(() => s.setParams(1, { weight: 2 }), /unknown parameter "weight"/);
  assert.deepEqual(s.getParams(1), { periodUs: 10000, budgetUs: 4000, extratime: 1 });
});
