import assert from "node:assert/strict";
import { Arinc653Scheduler } from "../../../core/hyp/sched/arinc653.ts";
import { type Interval, SchedSim, single } from "./sched_driver.ts";

const MS = 1_000_000;

function ranIn(intervals: Interval[], from: number, to: number): number {
  let t = 0;
  for (const i of intervals) t += Math.max(0, Math.min(i.to, to) - Math.max(i.from, from));
  return t;
}

/** The domain owning offset `t` of the frame [dom1 5 ms, dom2 3 ms, dom1 2 ms]. */
function owner(t: number): number {
  const o = t % (10 * MS);
  return o < 5 * MS ? 1 : o < 8 * MS ? 2 : 1;
}

const FRAME = {
  majorFrameNs: 10 * MS,
  entries: [
    { domid: 1, vcpu: 0, runtimeNs: 5 * MS },
    { domid: 2, vcpu: 0, runtimeNs: 3 * MS },
    { domid: 1, vcpu: 0, runtimeNs: 2 * MS },
  ],
};

Deno.test("arinc653: only the window's domain runs in its window, idle when it is blocked", () => {
  const sched = new Arinc653Scheduler();
  sched.setSchedule(FRAME, 0);
  let checked = 0;
  const sim = new SchedSim(single(sched, 1), [
    { domid: 1, vcpu: 0 },
    // Runs 1 ms of its 3 ms window, then blocks until the next frame's window.
    {
      domid: 2,
      vcpu: 0,
      load: { kind: "periodic", runNs: MS, periodNs: 10 * MS },
      startNs: 5 * MS,
    },
  ], (_p, t, next) => {
    if (next !== null) assert.equal(next.domid, owner(t), `d${next.domid} ran at ${t}`);
    checked++;
  });
  sim.run(1000 * MS);
  sim.closeIntervals();
  assert(checked >= 300, `${checked} decisions`);
  const d1 = sim.report(1, 0).intervals;
  const d2 = sim.report(2, 0).intervals;
  for (let k = 0; k < 100; k++) {
    const f = k * 10 * MS;
    assert.equal(ranIn(d1, f, f + 5 * MS), 5 * MS, `frame ${k}`);
    assert.equal(ranIn(d2, f + 5 * MS, f + 6 * MS), MS, `frame ${k}`);
    assert.equal(ranIn([...d1, ...d2], f + 6 * MS, f + 8 * MS), 0, `frame ${k} idle gap`);
    assert.equal(ranIn(d1, f + 8 * MS, f + 10 * MS), 2 * MS, `frame ${k}`);
  }
});

Deno.test("arinc653: the frame holds on two pCPUs as well", () => {
  const sched = new Arinc653Scheduler();
  const sim = new SchedSim(single(sched, 2), [
    { domid: 1, vcpu: 0 },
    { domid: 2, vcpu: 0 },
    { domid: 3, vcpu: 0 },
  ], (_p, t, next) => {
    if (next !== null) assert.equal(next.domid, owner(t), `d${next.domid} ran at ${t}`);
  });
  sched.setSchedule(FRAME, 0);
  sim.run(200 * MS);
  assert.equal(sim.report(3, 0).runNs, 0);
  assert.equal(sim.report(1, 0).runNs, 140 * MS);
  assert.equal(sim.report(2, 0).runNs, 60 * MS);
});

Deno.test("arinc653: default schedule gives each control-domain vcpu a 10 ms window", () => {
  const sched = new Arinc653Scheduler();
  const sim = new SchedSim(single(sched, 1), [
    { domid: 0, vcpu: 0 },
    { domid: 0, vcpu: 1 },
    { domid: 1, vcpu: 0 },
  ]);
  assert.deepEqual(sched.getSchedule(), {
    majorFrameNs: 20 * MS,
    entries: [
      { domid: 0, vcpu: 0, runtimeNs: 10 * MS },
      { domid: 0, vcpu: 1, runtimeNs: 10 * MS },
    ],
  });
  sim.run(100 * MS);
  assert.equal(sim.report(0, 0).runNs, 50 * MS);
  assert.equal(sim.report(0, 1).runNs, 50 * MS);
  assert.equal(sim.report(1, 0).runNs, 0);
});

Deno.test("arinc653: a bad schedule is rejected, naming the value", () => {
  const s = new Arinc653Scheduler();
  const e = (runtimeNs: number) => ({ domid: 1, vcpu: 0, runtimeNs });
  assert.throws(
    () => s.setSchedule({ majorFrameNs: 10 * MS, entries: [e(6 * MS), e(5 * MS)] }, 0),
    /windows total 11000000 ns, more than the major frame 10000000/,
  );
  assert.throws(() => s.setSchedule({ majorFrameNs: 10, entries: [e(0)] }, 0), /runtimeNs: 0/);
  assert.throws(() => s.setSchedule({ majorFrameNs: 0, entries: [e(1)] }, 0), /majorFrameNs: 0/);
  assert.throws(() => s.setSchedule({ majorFrameNs: 10, entries: [] }, 0), /length: 0/);
  assert.throws(() => s.setParams(1, { weight: 1 }), /use setSchedule/);
  assert.equal(s.getSchedule().entries.length, 0);
});
