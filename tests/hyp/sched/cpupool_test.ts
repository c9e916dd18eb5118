import assert from "node:assert/strict";
import { CpuPools } from "../../../core/hyp/sched/cpupool.ts";
import type { SchedUnit } from "../../../core/hyp/sched/scheduler.ts";
import { SchedSim } from "./sched_driver.ts";

const MS = 1_000_000;

function twoPools(): { pools: CpuPools; rt: number } {
  const pools = new CpuPools(4);
  const rt = pools.create("rt", "rtds");
  pools.movePcpu(2, rt);
  pools.movePcpu(3, rt);
  pools.moveDomain(2, rt, [], 0);
  return { pools, rt };
}

Deno.test("cpupools: a domain in pool B never runs on pool A's pCPUs", () => {
  const { pools, rt } = twoPools();
  assert.deepEqual(pools.list().map((p) => [p.id, p.name, p.scheduler, p.pcpus, p.domains]), [
    [0, "Pool-0", "credit2", [0, 1], []],
    [rt, "rt", "rtds", [2, 3], [2]],
  ]);
  let checked = 0;
  const sim = new SchedSim(
    {
      pcpus: [0, 1, 2, 3],
      ofPcpu: (p) => pools.schedulerOf(p),
      ofUnit: (u: SchedUnit) => pools.schedulerOfDomain(u.domid),
    },
    [0, 1, 2].flatMap((v) => [{ domid: 1, vcpu: v }, { domid: 2, vcpu: v }]),
    (p, t, next) => {
      if (next === null) return;
      assert.equal(
        pools.poolOf(p),
        pools.poolOfDomain(next.domid),
        `d${next.domid} on ${p} at ${t}`,
      );
      checked++;
    },
  );
  sim.run(300 * MS);
  assert(checked > 100, `${checked} decisions`);
  for (const v of [0, 1, 2]) {
    assert(!sim.report(1, v).ranOn.has(2) && !sim.report(1, v).ranOn.has(3));
    assert(!sim.report(2, v).ranOn.has(0) && !sim.report(2, v).ranOn.has(1));
    assert(sim.report(1, v).runNs > 0 && sim.report(2, v).runNs > 0);
  }
});

Deno.test("cpupools: moving a domain moves its units between schedulers", () => {
  const { pools, rt } = twoPools();
  const u: SchedUnit = { domid: 3, vcpu: 0, hard: null, soft: null };
  pools.schedulerOfDomain(3).insert(u, 0);
  assert.equal(pools.poolOfDomain(3), 0);
  pools.moveDomain(3, rt, [u], 5);
  assert.equal(pools.poolOfDomain(3), rt);
  assert.deepEqual((pools.schedulerOf(0).save() as { units: string[] }).units, []);
  assert.deepEqual((pools.schedulerOf(2).save() as { units: string[] }).units, ["3.0"]);
  assert.deepEqual(pools.schedulerOf(2).getParams(3), {
    periodUs: 10000,
    budgetUs: 4000,
    extratime: 1,
  });
});

Deno.test("cpupools: refusals name what is wrong", () => {
  const { pools, rt } = twoPools();
  assert.throws(() => pools.create("x", "bvt"), /unknown scheduler "bvt"/);
  assert.throws(() => pools.create("rt", "null"), /"rt" is empty or taken/);
  assert.throws(() => pools.destroy(0), /Pool-0 cannot be destroyed/);
  assert.throws(() => pools.destroy(rt), /still has pCPUs or domains/);
  pools.movePcpu(2, null);
  assert.throws(() => pools.movePcpu(3, 0), /last of pool 1, which has domains/);
  assert.equal(pools.poolOf(2), null);
  assert.throws(() => pools.schedulerOf(2), /pcpu 2 is in no pool/);
  assert.throws(() => pools.movePcpu(9, 0), /pcpu: 9/);
  const u: SchedUnit = { domid: 1, vcpu: 0, hard: null, soft: null };
  const s0 = pools.schedulerOf(0);
  s0.insert(u, 0);
  s0.wake(u, 0);
  s0.schedule(0, 0, null, false, () => true);
  assert.throws(() => pools.movePcpu(0, rt), /pcpu 0 still runs d1v0/);
});

Deno.test("cpupools: save and restore rebuild pools, schedulers and their units", () => {
  const { pools, rt } = twoPools();
  const units = [0, 1].map((v): SchedUnit => ({ domid: 2, vcpu: v, hard: null, soft: null }));
  const s = pools.schedulerOfDomain(2);
  s.setParams(2, { budgetUs: 3000 });
  for (const u of units) s.insert(u, 0);
  s.wake(units[0], 0);
  const saved = JSON.parse(JSON.stringify(pools.save()));
  const copy = new CpuPools(4, "credit");
  const asked: number[] = [];
  copy.restore(saved, (id, sched, inPool) => {
    asked.push(id);
    if (inPool(2)) { for (const u of units) sched.insert({ ...u }, 0); }
  });
  assert.deepEqual(asked, [0, rt]);
  assert.deepEqual(copy.list(), pools.list());
  assert.deepEqual(copy.save(), pools.save());
  const bad = structuredClone(saved);
  bad.pools[1].pcpus = [1, 2];
  assert.throws(() => copy.restore(bad, () => {}), /pcpu 1 in two pools/);
  assert.deepEqual(copy.save(), pools.save());
});
