import assert from "node:assert/strict";
import { CreditScheduler, PRI_BOOST } from "../../../core/hyp/sched/credit.ts";
import { SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

Deno.test("credit: two CPU-bound vcpus of equal weight share a pCPU fairly", () => {
  const sim = new SchedSim(single(new CreditScheduler(), 1), [
    { domid: 1, vcpu: 0 },
    { domid: 2, vcpu: 0 },
  ]);
  sim.run(1000 * MS);
  for (const d of [1, 2]) {
    const share = sim.report(d, 0).runNs / (1000 * MS);
    assert(Math.abs(share - 0.5) <= 0.02, `d${d} got ${share}`);
  }
  // Whole 30 ms time slices: 1000 ms is 33 of them and a third.
  assert(sim.decisions <= 40, `${sim.decisions} decisions`);
});

Deno.test("credit: weight 512 against 256 gets twice the time", () => {
  const sched = new CreditScheduler();
  sched.setParams(1, { weight: 512 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }, { domid: 2, vcpu: 0 }]);
  sim.run(3000 * MS);
  const ratio = sim.report(1, 0).runNs / sim.report(2, 0).runNs;
  assert(Math.abs(ratio - 2) <= 0.1, `ratio ${ratio}`);
});

Deno.test("credit: a vcpu waking from a block is boosted and runs before CPU-bound ones", () => {
  const sched = new CreditScheduler();
  const sim = new SchedSim(single(sched, 1), [
    { domid: 1, vcpu: 0 },
    { domid: 2, vcpu: 0 },
    {
      domid: 3,
      vcpu: 0,
      load: { kind: "periodic", runNs: MS / 2, periodNs: 7 * MS },
      startNs: 3 * MS,
    },
  ]);
  let boosted = 0;
  sim.run(100 * MS);
  sim.resetReports();
  const io = sim.units[2];
  const origWake = sched.wake.bind(sched);
  sched.wake = (u, now) => {
    const t = origWake(u, now);
    if (u === io && sched.unitInfo(u).pri === PRI_BOOST) boosted++;
    return t;
  };
  sim.run(1000 * MS);
  // Every job starts the moment it is released, though two CPU hogs always want the pCPU.
  assert.equal(sim.report(3, 0).maxWaitNs, 0);
  assert(boosted >= 120, `boosted ${boosted} times`);
  const hogs = sim.report(1, 0).runNs + sim.report(2, 0).runNs;
  assert.equal(hogs + sim.report(3, 0).runNs, 900 * MS);
});

Deno.test("credit: cap 50 holds a CPU-bound vcpu alone on a pCPU to 50%", () => {
  const sched = new CreditScheduler();
  sched.setParams(1, { cap: 50 });
  assert.deepEqual(sched.getParams(1), { weight: 256, cap: 50 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }]);
  sim.run(3000 * MS);
  const share = sim.report(1, 0).runNs / (3000 * MS);
  assert(Math.abs(share - 0.5) <= 0.02, `capped share ${share}`);
});

Deno.test("credit: uncapped, the same vcpu takes the whole pCPU", () => {
  const sim = new SchedSim(single(new CreditScheduler(), 1), [{ domid: 1, vcpu: 0 }]);
  sim.run(300 * MS);
  assert.equal(sim.report(1, 0).runNs, 300 * MS);
});

Deno.test("credit: params and options are validated, naming the bad value", () => {
  const s = new CreditScheduler();
  assert.throws(() => s.setParams(1, { cap: -1 }), /cap: -1 is not an integer/);
  assert.throws(() => s.setParams(1, { weight: 1.5 }), /weight: 1.5/);
  assert.throws(() => s.setParams(1, { budget: 1 }), /unknown parameter "budget"/);
  assert.throws(() => new CreditScheduler({ tsliceMs: 0 }), /tsliceMs: 0/);
  assert.throws(() => new CreditScheduler({ ratelimitUs: 50 }), /ratelimitUs: 50/);
  assert.throws(
    () => new CreditScheduler({ tsliceMs: 1, ratelimitUs: 2000 }),
    /ratelimitUs 2000 exceeds tsliceMs 1/,
  );
});
