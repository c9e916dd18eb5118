import assert from "node:assert/strict";
import { createScheduler } from "../../../core/hyp/sched/registry.ts";
import { Arinc653Scheduler } from "../../../core/hyp/sched/arinc653.ts";
import { type Scheduler, SCHEDULER_NAMES } from "../../../core/hyp/sched/scheduler.ts";
import { SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

/** An ARINC 653 frame giving each listed (domid, vcpu) a 2 ms window. */
function frameFor(sched: Scheduler, units: [number, number][]): void {
  if (!(sched instanceof Arinc653Scheduler)) return;
  const entries = units.map(([domid, vcpu]) => ({ domid, vcpu, runtimeNs: 2 * MS }));
  sched.setSchedule({ majorFrameNs: 2 * MS * units.length, entries }, 0);
}

for (const name of SCHEDULER_NAMES) {
  Deno.test(`affinity (${name}): hard affinity is never violated, also after re-pinning`, () => {
    const sched = createScheduler(name);
    frameFor(sched, [[1, 0], [2, 0], [3, 0], [4, 0]]);
    let checked = 0;
    const sim = new SchedSim(single(sched, 2), [
      { domid: 1, vcpu: 0, hard: [1] },
      { domid: 2, vcpu: 0, hard: [0] },
      { domid: 3, vcpu: 0, load: { kind: "periodic", runNs: MS, periodNs: 3 * MS } },
      { domid: 4, vcpu: 0, hard: [1] },
    ], (p, t, next) => {
      if (next === null) return;
      assert(next.hard === null || next.hard.includes(p), `d${next.domid} on pcpu ${p} at ${t}`);
      checked++;
    });
    sim.run(50 * MS);
    sim.at(50 * MS, () => {
      sim.setAffinity(3, 0, [1], null);
      sim.setAffinity(1, 0, [0], null);
    });
    sim.run(150 * MS);
    sim.resetReports();
    sim.run(200 * MS);
    assert(checked > 20, `${checked} decisions checked`);
    assert.deepEqual([...sim.report(2, 0).ranOn], [0]);
    for (const [d, p] of [[1, 0], [3, 1], [4, 1]]) {
      assert(!sim.report(d, 0).ranOn.has(1 - p), `d${d} ran on pcpu ${1 - p} after re-pinning`);
    }
  });
}

for (const name of ["credit2", "credit", "rtds", "null"]) {
  Deno.test(`affinity (${name}): soft affinity is preferred when it can be had`, () => {
    const sched = createScheduler(name);
    const sim = new SchedSim(single(sched, 2), [
      { domid: 1, vcpu: 0, soft: [1], load: { kind: "periodic", runNs: MS, periodNs: 4 * MS } },
      { domid: 2, vcpu: 0, soft: [0] },
    ]);
    sim.run(100 * MS);
    assert.deepEqual([...sim.report(1, 0).ranOn], [1]);
    assert.deepEqual([...sim.report(2, 0).ranOn], [0]);
    assert.equal(sim.report(1, 0).runNs, 25 * MS);
  });
}
