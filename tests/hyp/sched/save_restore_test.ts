import assert from "node:assert/strict";
import { createScheduler } from "../../../core/hyp/sched/registry.ts";
import { Arinc653Scheduler } from "../../../core/hyp/sched/arinc653.ts";
import {
  type Scheduler,
  SCHEDULER_NAMES,
  type SchedulerName,
} from "../../../core/hyp/sched/scheduler.ts";
import { SchedSim, type SimUnitSpec, single } from "./sched_driver.ts";

const MS = 1_000_000;

const SPECS: SimUnitSpec[] = [
  { domid: 1, vcpu: 0 },
  { domid: 1, vcpu: 1, load: { kind: "periodic", runNs: MS, periodNs: 7 * MS } },
  { domid: 2, vcpu: 0 },
  { domid: 3, vcpu: 0, load: { kind: "periodic", runNs: 2 * MS, periodNs: 5 * MS }, hard: [1] },
  { domid: 4, vcpu: 0, startNs: 3 * MS },
];

/** A scheduler configured away from its defaults, so restore must carry the parameters. */
function configured(name: SchedulerName): Scheduler {
  const s = createScheduler(name);
  if (name === "credit2") {
    s.setParams(1, { weight: 512 });
    s.setParams(2, { cap: 30 });
  }
  if (name === "credit") s.setParams(2, { cap: 40 });
  if (name === "rtds") s.setParams(3, { periodUs: 5000, budgetUs: 2500, extratime: 0 });
  if (s instanceof Arinc653Scheduler) {
    const entries = SPECS.map((u) => ({ domid: u.domid, vcpu: u.vcpu, runtimeNs: 3 * MS }));
    s.setSchedule({ majorFrameNs: 17 * MS, entries }, 0);
  }
  return s;
}

/** Runs to `at`, returns the driver and its saved state (driver + scheduler, as JSON text). */
function runTo(name: SchedulerName, at: number) {
  const sched = configured(name);
  const sim = new SchedSim(single(sched, 2), SPECS);
  sim.run(at);
  return { sim, sched, saved: JSON.stringify({ sim: sim.saveState(), sched: sched.save() }) };
}

function restored(name: SchedulerName, saved: string) {
  const s = JSON.parse(saved);
  const sched = createScheduler(name);
  const sim = new SchedSim(single(sched, 2), SPECS);
  sched.restore(s.sched);
  sim.loadState(s.sim);
  return { sim, sched };
}

/** Saved scheduler state, as the tests poke into it. */
// deno-lint-ignore no-explicit-any
type State = any;

const CORRUPT: Record<SchedulerName, [(s: State) => void, RegExp]> = {
  credit2: [(s) => (s.policy.units[0].credit = 1e12), /credit: 1000000000000/],
  credit: [(s) => (s.policy.units[1].pri = 5), /pri: 5 is not/],
  rtds: [(s) => (s.policy.units[2].budget = -1), /budget: -1/],
  arinc653: [(s) => (s.policy.frame.entries[0].runtimeNs = 0), /runtimeNs: 0/],
  null: [(s) => (s.policy.waitq = ["7.7"]), /"7.7"/],
};

for (const name of SCHEDULER_NAMES) {
  Deno.test(`save/restore (${name}): a restored copy continues identically`, () => {
    const a = runTo(name, 123_456_789);
    const before = a.sim.decisions;
    const b = restored(name, a.saved);
    a.sim.run(600 * MS);
    b.sim.run(600 * MS);
    assert(a.sim.decisions - before > 50, `${a.sim.decisions - before} decisions after the save`);
    assert.equal(b.sim.decisions, a.sim.decisions);
    assert.equal(b.sim.hash, a.sim.hash);
    assert.deepEqual(b.sched.stats, a.sched.stats);
    assert.deepEqual(b.sched.save(), a.sched.save());
    for (const u of SPECS) {
      assert.equal(b.sim.report(u.domid, u.vcpu).runNs, a.sim.report(u.domid, u.vcpu).runNs);
    }
  });

  Deno.test(`save/restore (${name}): malformed state is rejected, naming the value, changing nothing`, () => {
    const a = runTo(name, 50 * MS);
    const ref = runTo(name, 50 * MS);
    const good = JSON.parse(a.saved).sched;
    const bad = (f: (s: State) => void, re: RegExp) => {
      const s = structuredClone(good);
      f(s);
      assert.throws(() => a.sched.restore(s), re);
    };
    bad((s) => (s.slots[0].lastNs = -5), /lastNs: -5/);
    bad((s) => (s.units = ["9.9"]), /9\.9/);
    bad((s) => (s.name = "bvt"), /scheduler "bvt"/);
    bad((s) => (s.options.ratelimitUs = 7), /ratelimitUs: 7/);
    bad((s) => (s.runnable = ["5.5"]), /unknown unit "5.5"/);
    bad((s) => (s.slots[1].curr = "8.0"), /unknown unit "8.0"/);
    bad(...CORRUPT[name]);
    assert.throws(() => a.sched.restore(null), /expected an object/);
    a.sim.run(300 * MS);
    ref.sim.run(300 * MS);
    assert.equal(a.sim.hash, ref.sim.hash);
  });
}

Deno.test("registry: every name builds its policy; an unknown name is an error naming it", () => {
  for (const n of SCHEDULER_NAMES) assert.equal(createScheduler(n).name, n);
  assert.throws(() => createScheduler("sedf"), /unknown scheduler "sedf"/);
  assert.deepEqual(createScheduler("credit", { tsliceMs: 10 }).options, {
    ratelimitUs: 1000,
    tsliceMs: 10,
  });
});
