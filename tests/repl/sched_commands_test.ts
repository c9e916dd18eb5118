/**
 * The REPL's scheduler commands: info()'s xen_scheduler line, schedInfo() as xl sched-credit2 /
 * sched-credit / sched-rtds print parameters (ARINC 653's frame, null's domains), schedSet() as
 * xl sched-* -d sets them (with their effect on a running guest), vcpuList()'s affinity columns.
 */
import assert from "node:assert/strict";
import type { Arinc653Scheduler } from "../../core/hyp/sched/arinc653.ts";
import type { SchedulerName } from "../../core/hyp/sched/scheduler.ts";
import { complete } from "../../repl/completer.ts";
import { cpuRanges, formatCpuSet } from "../../repl/show_sched.ts";
import { spinReplLab } from "../support/spin_repl_lab.ts";
import { replLab } from "../support/repl_lab.ts";

/**
 * A REPL session on a 2-pCPU machine under `scheduler` with spinning domUs `names` of `vcpus`
 * vcpus each.
 */
function schedLab(scheduler: SchedulerName, names: string[], vcpus = 1) {
  return spinReplLab({ scheduler, pcpus: 2, names, vcpus });
}

Deno.test("CPU sets print as xl prints bitmaps: all, none, ranges", () => {
  assert.equal(formatCpuSet(null, 4), "all");
  assert.equal(formatCpuSet([0, 1, 2, 3], 4), "all");
  assert.equal(formatCpuSet([3, 1, 2], 4), "1-3");
  assert.equal(formatCpuSet([0, 2, 3, 5], 8), "0,2-3,5");
  assert.equal(formatCpuSet([], 4), "none");
  assert.equal(cpuRanges([1]), "1");
});

Deno.test("REPL sched (credit2): info names the scheduler; schedInfo and schedSet as xl sched-credit2", async () => {
  const r = replLab();
  assert.match(await r.cmd("info"), /\nxen_scheduler: credit2 on pCPUs 0-1\n/);
  assert.equal(
    await r.cmd("schedInfo"),
    "Cpupool Pool-0: ratelimit=1000us\nName  ID  Weight  Cap\n----  --  ------  ---\n" +
      "lab    1     256    0",
  );
  assert.equal(
    await r.cmd("schedSet", 1, { weight: 512, cap: 20 }),
    'domain 1 "lab" (credit2): weight 512, cap 20 (was weight 256, cap 0)',
  );
  assert.deepEqual(r.lab.hv.scheduler.getParams(1), { weight: 512, cap: 20 });
  assert.match(await r.cmd("schedInfo", "lab"), /\nlab +1 +512 +20$/);
  // Refused as a whole, naming the bad value; nothing changes.
  await assert.rejects(() => r.cmd("schedSet", 1, { weight: 300, cap: -1 }), /cap: -1 is not/);
  await assert.rejects(
    () => r.cmd("schedSet", 1, { period: 100 }),
    /credit2 has no parameter "period" \(it has weight, cap\)/,
  );
  await assert.rejects(
    () => r.cmd("schedSet", 1, {}),
    /give credit2 parameters as \{weight, cap\}/,
  );
  await assert.rejects(() => r.cmd("schedSet", 7, { weight: 1 }), /no domain 7/);
  assert.deepEqual(r.lab.hv.scheduler.getParams(1), { weight: 512, cap: 20 });
  assert.match(
    await r.cmd("help", "schedSet"),
    /xl sched-credit2 -w[^\n]*\ncredit, credit2: weight/,
  );
});

Deno.test("REPL vcpuList: pCPU, xl state letters, running time, hard / soft affinity", async () => {
  const r = replLab();
  await r.cmd("runFor", "2ms");
  const v = r.lab.vcpu(1);
  assert.match(await r.cmd("vcpuList"), /\nlab +1 +0 +0 +-b- +0\.000\d{3} +all \/ all$/);
  await r.cmd("vcpuPin", 1, 0, 1);
  r.lab.hv.setAffinity(v, [1], [0, 1]);
  assert.match(await r.cmd("vcpuList"), / +1 \/ all$/);
  r.lab.hv.setAffinity(v, null, [0]);
  assert.match(await r.cmd("vcpuList"), / +all \/ 0$/);
  // A vcpu that has not been brought up: no pCPU, "p" (offline) as xl shows it.
  const s = schedLab("credit2", ["two"], 2);
  s.hv.run({ maxCycles: s.hv.nsToCycles(1e6) });
  const list = s.cmd("vcpuList");
  assert.match(list, /\ntwo +1 +0 +\d +r-- +0\.00\d{4} +all \/ all\n/, "on a pCPU: r");
  assert.match(list, /\ntwo +1 +1 +- +--p +0\.000000 +all \/ all$/);
});

Deno.test("REPL sched (rtds): schedSet -p -b -e reserves 20% for a spinning guest", () => {
  const s = schedLab("rtds", ["rt", "hog"]);
  assert.match(s.cmd("info"), /xen_scheduler: rtds on pCPUs 0-1/);
  assert.equal(
    s.cmd("schedInfo"),
    "Cpupool Pool-0: sched=RTDS\n" +
      "Name  ID  Period  Budget  Extratime\n----  --  ------  ------  ---------\n" +
      "rt     1   10000    4000  yes\nhog    2   10000    4000  yes",
  );
  assert.equal(
    s.cmd("schedSet", "rt", { period: 10_000, budget: 2_000, extratime: false }),
    'domain 1 "rt" (rtds): period 10000 us, budget 2000 us, extratime no ' +
      "(was period 10000 us, budget 4000 us, extratime yes)",
  );
  assert.match(s.cmd("schedInfo", 1), /\nrt +1 +10000 +2000 +no$/);
  assert.throws(() => s.cmd("schedSet", 1, { budget: 20_000 }), /budgetUs: 20000 is not/);
  assert.throws(() => s.cmd("schedSet", 1, { weight: 3 }), /rtds has no parameter "weight"/);
  // Both on pCPU 0: the reservation holds beside the hog (the hog has extratime).
  s.cmd("vcpuPin", 1, 0, 0);
  s.cmd("vcpuPin", 2, 0, 0);
  s.lab.runFor(50e6);
  const t = (id: number) =>
    Number(
      new RegExp(`\\n\\S+ +${id} +0 +0 +\\S+ +([\\d.]+)`).exec(
        s.cmd("vcpuList"),
      )?.[1],
    );
  assert.ok(Math.abs(t(1) - 0.010) < 0.0005, `rt ran ${t(1)} s of 0.050`);
  assert.ok(Math.abs(t(2) - 0.040) < 0.0005, `hog ran ${t(2)} s of 0.050`);
});

Deno.test("REPL sched (arinc653, null): the frame's windows; no per-domain parameters", () => {
  const a = schedLab("arinc653", ["a", "b"]);
  (a.hv.scheduler as Arinc653Scheduler).setSchedule({
    majorFrameNs: 10e6,
    entries: [
      { domid: 1, vcpu: 0, runtimeNs: 5e6 },
      { domid: 2, vcpu: 0, runtimeNs: 3e6 },
      { domid: 1, vcpu: 0, runtimeNs: 2e6 },
    ],
  }, 0);
  assert.equal(
    a.cmd("schedInfo"),
    "Cpupool Pool-0: sched=ARINC653 major frame 10.000 ms\n" +
      "Window  Name  ID  VCPU  Runtime\n------  ----  --  ----  --------\n" +
      "     0  a      1     0  5.000 ms\n     1  b      2     0  3.000 ms\n" +
      "     2  a      1     0  2.000 ms",
  );
  assert.match(a.cmd("schedInfo", 2), /\n +1 +b +2 +0 +3\.000 ms$/);
  assert.throws(() => a.cmd("schedSet", 1, { weight: 5 }), /arinc653 scheduler has no per-domain/);
  const n = schedLab("null", ["x"]);
  assert.equal(
    n.cmd("schedInfo"),
    "Cpupool Pool-0: sched=null (no per-domain parameters)\nName  ID\n----  --\nx      1",
  );
  assert.throws(() => n.cmd("schedSet", 1, { weight: 5 }), /null scheduler has no per-domain/);
});

Deno.test("REPL sched: commands complete at the prompt", () => {
  const { ctx } = schedLab("credit2", []);
  assert.deepEqual(complete("sched", ctx), [["schedInfo", "schedSet"], "sched"]);
  assert.deepEqual(complete("x = schedS", ctx), [["schedSet"], "schedS"]);
});
