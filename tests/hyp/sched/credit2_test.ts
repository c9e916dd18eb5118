import assert from "node:assert/strict";
import { Credit2Scheduler } from "../../../core/hyp/sched/credit2.ts";
import { SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

Deno.test("credit2: two CPU-bound vcpus of equal weight on one pCPU share it 50/50", () => {
  const sim = new SchedSim(single(new Credit2Scheduler(), 1), [
    { domid: 1, vcpu: 0 },
    { domid: 2, vcpu: 0 },
  ]);
  sim.run(1000 * MS);
  for (const d of [1, 2]) {
    const share = sim.report(d, 0).runNs / (1000 * MS);
    assert(Math.abs(share - 0.5) <= 0.02, `d${d} got ${share}`);
  }
});

Deno.test("credit2: weights 512:256 give 2:1", () => {
  const sched = new Credit2Scheduler();
  sched.setParams(1, { weight: 512 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }, { domid: 2, vcpu: 0 }]);
  sim.run(1000 * MS);
  const ratio = sim.report(1, 0).runNs / sim.report(2, 0).runNs;
  assert(Math.abs(ratio - 2) <= 0.1, `ratio ${ratio}`);
  assert.deepEqual(sched.getParams(1), { weight: 512, cap: 0 });
  assert.deepEqual(sched.getParams(2), { weight: 256, cap: 0 });
});

Deno.test("credit2: a waking vcpu with more credit preempts the running one (tickle)", () => {
  const sched = new Credit2Scheduler();
  const sim = new SchedSim(single(sched, 1), [
    { domid: 1, vcpu: 0 },
    {
      domid: 2,
      vcpu: 0,
      load: { kind: "periodic", runNs: MS / 2, periodNs: 7 * MS },
      startNs: 3 * MS,
    },
  ]);
  sim.run(500 * MS);
  const io = sim.report(2, 0);
  // Its 0.5 ms jobs run as soon as they are released: the CPU hog is preempted at once.
  assert.deepEqual(io.maxWaitNs, 0);
  assert(sched.stats.tickles >= 60, `tickles ${sched.stats.tickles}`);
  assert(Math.abs(io.runNs - 71 * MS / 2) <= MS, `periodic ran ${io.runNs}`);
});

Deno.test("credit2: params are validated, naming the bad value", () => {
  const s = new Credit2Scheduler();
  assert.throws(() => s.setParams(1, { weight: 0 }), /weight: 0 is not an integer/);
  assert.throws(() => s.setParams(1, { weight: 65536 }), /weight: 65536/);
  assert.throws(() => s.setParams(1, { cap: -5 }), /cap: -5/);
  assert.throws(() => s.setParams(1, { tslice: 10 }), /unknown parameter "tslice"/);
  assert.deepEqual(s.getParams(1), { weight: 256, cap: 0 });
});

Deno.test("credit2: cap 30 holds a CPU-bound vcpu to 3 ms in every 10 ms; the rest goes to others", () => {
  const sched = new Credit2Scheduler();
  sched.setParams(1, { cap: 30 });
  const sim = new SchedSim(single(sched, 1), [{ domid: 1, vcpu: 0 }, { domid: 2, vcpu: 0 }]);
  sim.run(1000 * MS);
  sim.closeIntervals();
  const r = sim.report(1, 0);
  for (let k = 0; k < 100; k++) {
    let t = 0;
    for (const i of r.intervals) {
      t += Math.max(0, Math.min(i.to, (k + 1) * 10 * MS) - Math.max(i.from, k * 10 * MS));
    }
    assert(t <= 3 * MS, `period ${k}: ${t} ns`);
  }
  assert(r.runNs >= 290 * MS, `capped vcpu ran ${r.runNs}`);
  assert.equal(sim.report(2, 0).runNs, 1000 * MS - r.runNs);
});
