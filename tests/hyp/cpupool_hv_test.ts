/**
 * Cpupools in the hypervisor: a domain moved to a pool runs only on that pool's pCPUs under its
 * scheduler, a pCPU taken from a pool stops running its vcpu at once, a pCPU in no pool runs
 * nothing, and a machine with pools snapshots and forks into an identical run.
 */
import assert from "node:assert/strict";
import { forkMachine } from "../../core/hyp/machine_snapshot.ts";
import type { RunEvent } from "../../core/hyp/timeline.ts";
import { traceRun } from "../../tools/snapshot/trace_hash.ts";
import { addLabDomain } from "../../tools/lab/hyp_lab.ts";
import { Hypervisor } from "../../core/hyp/hypervisor.ts";

/** `b .`: a vcpu that computes forever. */
const SPIN = new Uint8Array(new Uint32Array([0x14000000]).buffer);

function spinners(hv: Hypervisor, n: number) {
  return Array.from({ length: n }, (_, i) => addLabDomain(hv, `spin${i}`, { kernel: SPIN }));
}

function runsOf(hv: Hypervisor, domid: number): RunEvent[] {
  return hv.timeline.events.filter((e): e is RunEvent => e.kind === "run" && e.domid === domid);
}

Deno.test("cpupools: a domain in pool rt runs only on its pCPUs, under its scheduler", () => {
  const hv = new Hypervisor({ pcpus: 4 });
  hv.timeline.enabled = true;
  const [a, b, c] = spinners(hv, 3);
  const rt = hv.createPool("rt", "rtds");
  hv.movePcpu(2, rt);
  hv.movePcpu(3, rt);
  hv.moveDomain(b.domain, rt);
  hv.moveDomain(c.domain, rt);
  hv.schedulerOfDomain(b.domain.id).setParams(b.domain.id, { periodUs: 1000, budgetUs: 250 });
  hv.run({ maxCycles: hv.nsToCycles(5e6) });
  assert.equal(hv.schedulerOfDomain(b.domain.id).name, "rtds");
  assert.equal(hv.scheduler.name, "credit2");
  assert.deepEqual(hv.pools.list().map((p) => [p.name, p.scheduler, p.pcpus]), [
    ["Pool-0", "credit2", [0, 1]],
    ["rt", "rtds", [2, 3]],
  ]);
  for (const e of runsOf(hv, a.domain.id)) assert.ok(e.pcpu < 2, `Pool-0 domain on pCPU ${e.pcpu}`);
  for (const d of [b, c]) {
    const runs = runsOf(hv, d.domain.id);
    assert.ok(runs.length > 0, `domain ${d.domain.id} never ran`);
    for (const e of runs) assert.ok(e.pcpu >= 2, `rt domain on pCPU ${e.pcpu}`);
  }
  // RTDS without extra time would cap b at 25%; with Xen's default extratime it may use idle
  // time, but c (default 4 ms of 10 ms) and b share two pCPUs, so each gets at least its budget.
  const ran = (domid: number) => runsOf(hv, domid).reduce((t, e) => t + e.endNs - e.startNs, 0);
  assert.ok(ran(b.domain.id) >= 0.25 * 5e6 * 0.95, `b ran ${ran(b.domain.id)} ns`);
});

Deno.test("cpupools: a pCPU taken out of a pool stops running its vcpu; one in no pool idles", () => {
  const hv = new Hypervisor({ pcpus: 2 });
  hv.timeline.enabled = true;
  const [a] = spinners(hv, 1);
  hv.setAffinity(a.domain.vcpus[0], [1]);
  hv.run({ maxCycles: hv.nsToCycles(1e6) });
  assert.equal(hv.pcpus[1].curr, a.domain.vcpus[0]);
  const spare = hv.createPool("spare", "null");
  hv.movePcpu(1, spare);
  assert.equal(hv.pcpus[1].curr, null);
  hv.timeline.clear();
  hv.run({ maxCycles: hv.nsToCycles(1e6) });
  // Its hard affinity names only pCPU 1, which Pool-0 no longer has: it cannot run at all.
  assert.deepEqual(runsOf(hv, a.domain.id), []);
  hv.setAffinity(a.domain.vcpus[0], null);
  hv.movePcpu(1, null);
  hv.timeline.clear();
  hv.run({ maxCycles: hv.nsToCycles(1e6) });
  const runs = runsOf(hv, a.domain.id);
  assert.ok(runs.length > 0 && runs.every((e) => e.pcpu === 0), JSON.stringify(runs.slice(0, 3)));
  assert.throws(() => hv.movePcpu(7, null), /no pCPU 7/);
});

Deno.test("cpupools: a machine with pools forks into an identical run", () => {
  const hv = new Hypervisor({ pcpus: 3 });
  const doms = spinners(hv, 3);
  const rt = hv.createPool("rt", "credit");
  hv.movePcpu(2, rt);
  hv.moveDomain(doms[2].domain, rt);
  hv.run({ maxCycles: hv.nsToCycles(2e6) });
  const f = forkMachine(hv);
  assert.deepEqual(f.pools.list(), hv.pools.list());
  const chunk = hv.nsToCycles(5e5);
  assert.equal(traceRun(f, 6, chunk).hash, traceRun(hv, 6, chunk).hash);
});

Deno.test("cpupools: a pool keeps its last pCPU while it has domains; destroyPool frees the rest", () => {
  const hv = new Hypervisor({ pcpus: 3 });
  const [a] = spinners(hv, 1);
  hv.movePcpu(2, null);
  hv.movePcpu(1, null);
  assert.throws(() => hv.movePcpu(0, null), /pCPU 0 is the last of pool 0, which has domain 1/);
  const rt = hv.createPool("rt", "arinc653");
  hv.movePcpu(1, rt);
  hv.movePcpu(2, rt);
  hv.moveDomain(a.domain, rt);
  assert.throws(() => hv.destroyPool(rt), /pool 1 still has domain 1/);
  assert.throws(
    () => hv.setArinc653Schedule(0, { majorFrameNs: 1e6, entries: [] }),
    /not arinc653/,
  );
  hv.setArinc653Schedule(rt, {
    majorFrameNs: 1_000_000,
    entries: [{ domid: a.domain.id, vcpu: 0, runtimeNs: 400_000 }],
  });
  hv.timeline.enabled = true;
  hv.run({ maxCycles: hv.nsToCycles(3e6) });
  const ran = runsOf(hv, a.domain.id).reduce((t, e) => t + e.endNs - e.startNs, 0);
  assert.ok(Math.abs(ran - 1.2e6) < 0.05e6, `ran ${ran} ns in 3 frames of 400 us windows`);
  hv.moveDomain(a.domain, 0);
  hv.destroyPool(rt);
  assert.deepEqual(hv.pools.list().map((p) => p.name), ["Pool-0"]);
  assert.equal(hv.pools.poolOf(1), null);
  assert.throws(() => hv.destroyPool(0), /Pool-0 cannot be destroyed/);
});
