import assert from "node:assert/strict";
import { createScheduler } from "../../../core/hyp/sched/registry.ts";
import { SCHEDULER_NAMES, type SchedUnit } from "../../../core/hyp/sched/scheduler.ts";

const MS = 1_000_000;
const unit = (domid: number, vcpu: number, hard: number[] | null = null): SchedUnit => ({
  domid,
  vcpu,
  hard,
  soft: null,
});
const all = () => true;

for (const name of SCHEDULER_NAMES) {
  Deno.test(`interface (${name}): misuse is refused, naming the value`, () => {
    const s = createScheduler(name);
    s.addPcpu(0);
    const u = unit(1, 0);
    s.insert(u, 0);
    assert.throws(() => s.insert(unit(1, 0), 0), /d1v0 inserted twice/);
    assert.throws(() => s.wake(unit(2, 0), 0), /d2v0 not inserted/);
    assert.throws(() => s.insert(unit(3, 0, []), 0), /d3v0: hard affinity is \[\]/);
    assert.throws(() => s.insert(unit(3, 0, [-1]), 0), /hard affinity\[0\]: -1/);
    assert.throws(() => s.addPcpu(0), /pcpu 0 already added/);
    assert.throws(() => s.schedule(1, 0, null, false, all), /pcpu 1 is not in this pool/);
    s.schedule(0, 5 * MS, null, false, all);
    assert.throws(() => s.schedule(0, MS, null, false, all), /time 1000000 is before/);
    assert.throws(() => s.schedule(0, 6 * MS, u, true, all), /prev d1v0 is not what runs \(idle\)/);
  });

  Deno.test(`interface (${name}): a running unit woken again keeps going; removing it frees its pCPU`, () => {
    const s = createScheduler(name);
    s.addPcpu(0);
    const u = unit(0, 0);
    s.insert(u, 0);
    s.wake(u, 0);
    const d = s.schedule(0, 0, null, false, all);
    assert.equal(d.next, u);
    s.sleep(u, MS);
    assert.deepEqual(s.wake(u, MS), []);
    assert.equal(s.schedule(0, MS, u, true, all).next, u);
    assert.throws(() => s.removePcpu(0), /pcpu 0 still runs d0v0/);
    assert.deepEqual(s.remove(u), [0]);
    assert.equal(s.schedule(0, 2 * MS, null, false, all).next, null);
    assert.deepEqual(s.removePcpu(0), []);
    assert.deepEqual(s.pcpus, []);
  });

  Deno.test(`interface (${name}): eligible() false keeps a unit off the pCPU`, () => {
    const s = createScheduler(name);
    s.addPcpu(0);
    const u = unit(0, 0);
    s.insert(u, 0);
    s.wake(u, 0);
    assert.equal(s.schedule(0, 0, null, false, () => false).next, null);
    assert.equal(s.schedule(0, MS, null, false, all).next, u);
  });
}

for (const name of ["credit2", "credit"]) {
  Deno.test(`interface (${name}): a yielding vcpu lets a waiting one run`, () => {
    const s = createScheduler(name);
    s.addPcpu(0);
    const [a, b] = [unit(1, 0), unit(2, 0)];
    s.insert(a, 0);
    s.insert(b, 0);
    s.wake(a, 0);
    assert.equal(s.schedule(0, 0, null, false, all).next, a);
    s.wake(b, 0);
    // Within the ratelimit a keeps the pCPU; a yield overrides that.
    assert.equal(s.schedule(0, MS / 10, a, true, all).next, a);
    s.yield(a);
    assert.equal(s.schedule(0, MS / 5, a, true, all).next, b);
  });
}
