import assert from "node:assert/strict";
import { NullScheduler } from "../../../core/hyp/sched/null_sched.ts";
import type { SchedUnit } from "../../../core/hyp/sched/scheduler.ts";
import { SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

Deno.test("null: each vcpu keeps its one pCPU, which runs nothing else; extras wait for a free one", () => {
  const sched = new NullScheduler();
  const ran = new Map<number, SchedUnit[]>();
  const sim = new SchedSim(single(sched, 2), [
    { domid: 1, vcpu: 0 },
    // Mostly blocked: its pCPU idles rather than run the waiting vcpu.
    { domid: 2, vcpu: 0, load: { kind: "periodic", runNs: MS, periodNs: 10 * MS } },
    { domid: 3, vcpu: 0 },
  ], (p, _t, next) => {
    if (next === null) return;
    const seen = ran.get(p) ?? [];
    if (!seen.includes(next)) ran.set(p, [...seen, next]);
  });
  sim.run(100 * MS);
  assert.equal(sim.report(3, 0).runNs, 0);
  assert.deepEqual(sched.waiting(), ["3.0"]);
  assert.equal(sim.report(2, 0).runNs, 10 * MS);
  sim.at(100 * MS, () => sim.removeUnit(1, 0));
  sim.run(200 * MS);
  assert.equal(sim.report(3, 0).runNs, 100 * MS);
  assert.deepEqual([...sim.report(3, 0).ranOn], [0]);
  assert.deepEqual([...sim.report(2, 0).ranOn], [1]);
  assert.deepEqual(ran.get(0)?.map((u) => u.domid), [1, 3]);
  assert.deepEqual(ran.get(1)?.map((u) => u.domid), [2]);
  assert.deepEqual(sched.waiting(), []);
  assert.equal(sched.stats.migrations, 0);
});

Deno.test("null: a waiter takes a pCPU its affinity allows, soft affinity first", () => {
  const sched = new NullScheduler();
  const sim = new SchedSim(single(sched, 2), [
    { domid: 1, vcpu: 0 },
    { domid: 2, vcpu: 0 },
    { domid: 3, vcpu: 0, hard: [1] },
    { domid: 4, vcpu: 0, soft: [0] },
  ]);
  sim.run(10 * MS);
  assert.equal(sched.assignedPcpu(sim.unit(1, 0)), 0);
  assert.equal(sched.assignedPcpu(sim.unit(2, 0)), 1);
  assert.deepEqual(sched.waiting(), ["3.0", "4.0"]);
  sim.at(10 * MS, () => sim.removeUnit(1, 0));
  sim.run(20 * MS);
  // d3 waited longer but may not use pCPU 0; d4 prefers it.
  assert.equal(sched.assignedPcpu(sim.unit(4, 0)), 0);
  assert.equal(sim.report(4, 0).runNs, 10 * MS);
  assert.equal(sim.report(3, 0).runNs, 0);
});
