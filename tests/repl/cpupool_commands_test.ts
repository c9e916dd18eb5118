/**
 * The REPL's cpupool commands (xl cpupool-list, -create, -cpu-add, -cpu-remove, -migrate,
 * -destroy) and the pool-aware scheduler views: schedInfo() per pool, schedSet() under the
 * domain's own pool scheduler, info()'s xen_scheduler staying Pool-0's.
 */
import assert from "node:assert/strict";
import { complete } from "../../repl/completer.ts";
import { HvLab } from "../../repl/hv_lab.ts";
import { spinReplLab } from "../support/spin_repl_lab.ts";

/** A REPL session on a 4-pCPU credit2 machine with spinning domUs "rt" (1) and "hog" (2). */
function poolLab() {
  return spinReplLab({ scheduler: "credit2", pcpus: 4, names: ["rt", "hog"] });
}

/** Pool-0 keeps pCPUs 0-1, pool "rt" (rtds) gets 2-3 and domain "rt". */
function splitLab() {
  const s = poolLab();
  s.cmd("cpupoolCpuRemove", "Pool-0", "2-3");
  s.cmd("cpupoolCreate", "rt", "rtds", [2, 3]);
  s.cmd("cpupoolMigrate", "rt", "rt");
  return s;
}

Deno.test("REPL cpupoolList: xl cpupool-list columns, -c CPU lists, one pool by name or id", () => {
  const { cmd } = poolLab();
  assert.equal(
    cmd("cpupoolList"),
    "Name    CPUs  Sched    Active  Domain count\n" +
      "------  ----  -------  ------  ------------\n" +
      "Pool-0     4  credit2  y                  2",
  );
  assert.equal(
    cmd("cpupoolList", { cpus: true }),
    "Name    CPU list\n------  --------\nPool-0  0,1,2,3",
  );
  assert.match(cmd("cpupoolList", { pool: 0 }), /\nPool-0 +4 +credit2/);
  assert.match(cmd("cpupoolList", { pool: "Pool-0" }), /\nPool-0 +4 +credit2/);
  assert.match(cmd("cpupoolList", { pool: "0" }), /\nPool-0 +4 +credit2/);
  assert.throws(
    () => cmd("cpupoolList", { pool: "rt" }),
    /no cpupool "rt" \(there are Pool-0 \(id 0\)\)/,
  );
  assert.throws(() => cmd("cpupoolList", "-c"), /give options as \{cpus, pool\}, not "-c"/);
});

Deno.test("REPL cpupools: remove, create with pCPUs, add, list; refusals name the value", () => {
  const { hv, cmd } = poolLab();
  assert.equal(
    cmd("cpupoolCpuRemove", "Pool-0", "2-3"),
    "pCPU(s) 2-3 removed from pool Pool-0 (now free); it has 0-1",
  );
  assert.equal(hv.pools.poolOf(2), null);
  assert.equal(
    cmd("cpupoolCreate", "rt", "rtds", 2),
    "cpupool rt created: id 1, scheduler rtds, pCPUs 2",
  );
  assert.equal(cmd("cpupoolCpuAdd", 1, 3), "pCPU(s) 3 added to pool rt; it has 2-3");
  assert.equal(
    cmd("cpupoolList"),
    "Name    CPUs  Sched    Active  Domain count\n" +
      "------  ----  -------  ------  ------------\n" +
      "Pool-0     2  credit2  y                  2\n" +
      "rt         2  rtds     y                  0",
  );
  assert.match(cmd("cpupoolList", { cpus: true }), /\nPool-0 +0,1\nrt +2,3$/);
  // The default scheduler is Pool-0's, as libxl picks the one Xen booted with.
  assert.match(cmd("cpupoolCreate", "spare"), /id 2, scheduler credit2, pCPUs none$/);
  assert.throws(() => cmd("cpupoolCreate", "rt", "credit"), /pool name "rt" is empty or taken/);
  assert.throws(() => cmd("cpupoolCreate", "x", "fifo"), /no scheduler "fifo" \(credit2, credit/);
  assert.throws(() => cmd("cpupoolCreate", "x", "null", 1), /pCPU 1 is in pool Pool-0, not free/);
  assert.equal(hv.pools.list().length, 3, "refused creates made no pool");
  assert.throws(
    () => cmd("cpupoolCpuAdd", "spare", 1),
    /pCPU 1 is in pool Pool-0, not free: cpupoolCpuRemove\("Pool-0", 1\) first/,
  );
  assert.throws(() => cmd("cpupoolCpuAdd", "rt", 2), /pCPU 2 is already in pool rt/);
  assert.throws(() => cmd("cpupoolCpuAdd", "nope", 2), /no cpupool "nope"/);
  assert.throws(() => cmd("cpupoolCpuAdd", 7, 2), /no cpupool 7/);
  assert.throws(() => cmd("cpupoolCpuRemove", "rt", 9), /no pCPU 9 \(there are 4: 0\.\.3\)/);
  assert.throws(() => cmd("cpupoolCpuRemove", "rt", "3-2"), /pCPU range "3-2" runs backwards/);
  assert.throws(() => cmd("cpupoolCpuRemove", "rt", "all"), /not all/);
  assert.throws(() => cmd("cpupoolCpuRemove", "rt", []), /no pCPUs given/);
  assert.throws(
    () => cmd("cpupoolCpuRemove", "rt", 0),
    /pCPU 0 is not in pool rt \(it is in pool Pool-0\)/,
  );
  // Pool-0 has domains: it keeps a pCPU; nothing was moved by the refused call.
  assert.throws(
    () => cmd("cpupoolCpuRemove", "Pool-0", [0, 1]),
    /pool Pool-0 would have no pCPU left for its domain\(s\) 1 "rt", 2 "hog"/,
  );
  assert.deepEqual([hv.pools.poolOf(0), hv.pools.poolOf(1)], [0, 0]);
  // A pool without domains may give all its pCPUs away.
  assert.match(
    cmd("cpupoolCpuRemove", "rt", [2, 3]),
    /removed from pool rt \(now free\); it has none/,
  );
});

Deno.test("REPL cpupools: schedInfo per pool, schedSet under the domain's pool, runs apart", () => {
  const { hv, lab, cmd } = splitLab();
  assert.match(cmd("info"), /\nxen_scheduler: credit2 on pCPUs 0-1\n/);
  assert.equal(
    cmd("schedInfo"),
    "Cpupool Pool-0: ratelimit=1000us\nName  ID  Weight  Cap\n----  --  ------  ---\n" +
      "hog    2     256    0\n" +
      "Cpupool rt: sched=RTDS\n" +
      "Name  ID  Period  Budget  Extratime\n----  --  ------  ------  ---------\n" +
      "rt     1   10000    4000  yes",
  );
  assert.equal(
    cmd("schedInfo", "rt"),
    "Cpupool rt: sched=RTDS\n" +
      "Name  ID  Period  Budget  Extratime\n----  --  ------  ------  ---------\n" +
      "rt     1   10000    4000  yes",
  );
  assert.match(cmd("schedInfo", 2), /^Cpupool Pool-0: [^\n]*\n.*\n.*\nhog +2 +256 +0$/);
  assert.equal(
    cmd("schedSet", "rt", { budget: 2000, extratime: false }),
    'domain 1 "rt" (rtds): period 10000 us, budget 2000 us, extratime no ' +
      "(was period 10000 us, budget 4000 us, extratime yes)",
  );
  assert.match(cmd("schedSet", "hog", { weight: 512 }), /\(credit2\): weight 512, cap 0/);
  assert.throws(() => cmd("schedSet", "rt", { weight: 5 }), /rtds has no parameter "weight"/);
  assert.throws(() => cmd("schedSet", "hog", { period: 5 }), /credit2 has no parameter "period"/);
  assert.deepEqual(hv.schedulerOfDomain(1).getParams(1), {
    periodUs: 10000,
    budgetUs: 2000,
    extratime: 0,
  });
  // Each domain runs only on its pool's pCPUs; rt gets its 20% reservation there.
  const seen = new Map<number, Set<number>>([[1, new Set()], [2, new Set()]]);
  for (let i = 0; i < 50; i++) {
    lab.runFor(1e6);
    for (const [id, pcpus] of seen) pcpus.add(hv.domains.get(id)!.vcpus[0].pcpu);
  }
  const on = (id: number, pool: number[]) =>
    assert.ok([...seen.get(id)!].every((p) => pool.includes(p)), `d${id}: ${[...seen.get(id)!]}`);
  on(1, [2, 3]);
  on(2, [0, 1]);
  const ran = (id: number) =>
    Number(new RegExp(`\\n\\S+ +${id} +0 +\\S+ +\\S+ +([\\d.]+)`).exec(cmd("vcpuList"))?.[1]);
  assert.ok(Math.abs(ran(1) - 0.010) < 0.0005, `rt ran ${ran(1)} s of 0.050`);
  assert.ok(Math.abs(ran(2) - 0.050) < 0.0005, `hog ran ${ran(2)} s of 0.050`);
});

Deno.test("REPL cpupoolMigrate: back to Pool-0 with default parameters; refusals", () => {
  const { hv, cmd } = splitLab();
  cmd("schedSet", "rt", { budget: 1000 });
  assert.throws(() => cmd("cpupoolMigrate", "rt", "nope"), /no cpupool "nope"/);
  assert.throws(() => cmd("cpupoolMigrate", 9, "rt"), /no domain 9/);
  assert.equal(cmd("cpupoolMigrate", "rt", "rt"), 'domain 1 "rt" is already in pool rt');
  cmd("cpupoolCreate", "empty", "credit");
  assert.throws(
    () => cmd("cpupoolMigrate", "hog", "empty"),
    /pool empty has no pCPUs: cpupoolCpuAdd\("empty", n\)/,
  );
  assert.equal(
    cmd("cpupoolMigrate", 1, 0),
    'domain 1 "rt" moved from pool rt to Pool-0 (credit2, pCPUs 0-1; parameters at the ' +
      "scheduler's defaults)",
  );
  assert.equal(hv.pools.poolOfDomain(1), 0);
  assert.deepEqual(hv.schedulerOfDomain(1).getParams(1), { weight: 256, cap: 0 });
  // A pool with neither pCPUs nor domains has no scheduler instance to ask for its options.
  assert.match(cmd("schedInfo"), /\nCpupool empty: sched=credit \(no pCPUs, no domains\)$/);
  assert.match(cmd("schedInfo"), /\nCpupool rt: sched=RTDS\n.*\n.*\n\(none\)\n/);
  hv.shutdown(hv.domains.get(2)!, "poweroff");
  assert.throws(() => cmd("cpupoolMigrate", "hog", "rt"), /domain 2 is shutdown: cannot move it/);
});

Deno.test("REPL cpupoolDestroy: frees the pCPUs; not Pool-0, not with domains", () => {
  const { hv, cmd } = splitLab();
  assert.throws(() => cmd("cpupoolDestroy", "Pool-0"), /Pool-0 cannot be destroyed/);
  assert.throws(
    () => cmd("cpupoolDestroy", "rt"),
    /pool rt still has domain\(s\) 1 "rt": cpupoolMigrate them out first/,
  );
  assert.deepEqual(hv.pools.list()[1].pcpus, [2, 3], "a refused destroy frees nothing");
  cmd("cpupoolMigrate", "rt", "Pool-0");
  assert.equal(cmd("cpupoolDestroy", 1), "cpupool rt (id 1) destroyed; pCPUs 2-3 are free");
  assert.deepEqual(hv.pools.list().map((p) => p.name), ["Pool-0"]);
  assert.equal(
    cmd("cpupoolCpuAdd", "Pool-0", "2-3"),
    "pCPU(s) 2-3 added to pool Pool-0; it has 0-3",
  );
  cmd("cpupoolCreate", "bare", "null");
  assert.equal(cmd("cpupoolDestroy", "bare"), "cpupool bare (id 1) destroyed");
});

Deno.test("REPL arinc653Set: a pool's major frame; its windows share one pCPU as set", () => {
  const { hv, lab, cmd } = poolLab();
  cmd("cpupoolCpuRemove", "Pool-0", 3);
  cmd("cpupoolCreate", "a653", "arinc653", 3);
  cmd("cpupoolMigrate", "rt", "a653");
  assert.throws(
    () => cmd("arinc653Set", "Pool-0", { major: "10ms", windows: [] }),
    /pool Pool-0 runs credit2, not arinc653/,
  );
  assert.throws(
    () => cmd("arinc653Set", "a653", { major: "10ms", windows: [{ dom: "hog", runtime: "1ms" }] }),
    /window 0: domain 2 "hog" is not in pool a653/,
  );
  cmd("cpupoolMigrate", "hog", "a653");
  assert.throws(
    () => cmd("arinc653Set", "a653", { major: "10ms", windows: [{ dom: 1, vcpu: 1, runtime: 1 }] }),
    /window 0: domain 1 has no vcpu 1 \(it has 1\)/,
  );
  assert.throws(
    () => cmd("arinc653Set", "a653", { major: "10 parsecs", windows: [{ dom: 1, runtime: 1 }] }),
    /bad duration "10 parsecs"/,
  );
  assert.throws(
    () =>
      cmd("arinc653Set", "a653", {
        major: "10ms",
        windows: [{ dom: 1, runtime: "6ms" }, { dom: 2, runtime: "5ms" }],
      }),
    /windows total 11000000 ns, more than the major frame 10000000/,
  );
  assert.throws(() => cmd("arinc653Set", "a653", "10ms"), /give \{major: "10ms", windows/);
  assert.equal(
    cmd("arinc653Set", "a653", {
      major: "10ms",
      windows: [{ dom: "rt", runtime: "6ms" }, { dom: 2, vcpu: 0, runtime: 3e6 }],
    }),
    "pool a653: ARINC 653 major frame 10.000 ms from now, windows rt.0 6.000 ms, hog.0 3.000 ms",
  );
  assert.match(
    cmd("schedInfo", "hog"),
    /^Cpupool a653: sched=ARINC653 major frame 10\.000 ms\n.*\n.*\n +1 +hog +2 +0 +3\.000 ms$/,
  );
  lab.runFor(20e6);
  const ran = (id: number) =>
    Number(new RegExp(`\\n\\S+ +${id} +0 +\\S+ +\\S+ +([\\d.]+)`).exec(cmd("vcpuList"))?.[1]);
  assert.ok(Math.abs(ran(1) - 0.012) < 0.0005, `rt ran ${ran(1)} s of 0.020 (6 ms per 10)`);
  assert.ok(Math.abs(ran(2) - 0.006) < 0.0005, `hog ran ${ran(2)} s of 0.020 (3 ms per 10)`);
  assert.equal(hv.domains.get(2)!.vcpus[0].pcpu, 3);
  // A new frame takes the pCPU at once, in the middle of rt's window (Xen reschedules on putinfo).
  lab.runFor(2e6);
  cmd("arinc653Set", "a653", { major: "10ms", windows: [{ dom: "hog", runtime: "10ms" }] });
  const [rt0, hog0] = [ran(1), ran(2)];
  lab.runFor(3e6);
  assert.equal(ran(1), rt0, "rt's window is gone");
  assert.ok(Math.abs(ran(2) - hog0 - 0.003) < 0.0002, `hog ran ${ran(2) - hog0} s of 0.003`);
});

Deno.test("REPL cpupools: a fork keeps the pools; after use(f) the commands act on the fork", () => {
  const { lab, ctx, cmd } = splitLab();
  cmd("schedSet", "rt", { budget: 3000 });
  const f = (ctx.fork as () => HvLab)();
  const before = cmd("schedInfo");
  (ctx.use as (x: HvLab) => HvLab)(f);
  assert.equal(lab.hv, f.hv);
  assert.equal(cmd("schedInfo"), before);
  assert.match(cmd("cpupoolList", { cpus: true }), /\nPool-0 +0,1\nrt +2,3$/);
  cmd("cpupoolMigrate", "rt", "Pool-0");
  assert.equal(f.hv.pools.poolOfDomain(1), 0);
  assert.match(cmd("cpupoolDestroy", "rt"), /destroyed; pCPUs 2-3 are free/);
  assert.deepEqual(f.hv.pools.list().map((p) => p.name), ["Pool-0"]);
});

Deno.test("REPL cpupool commands: help and completion", () => {
  const { ctx, cmd } = poolLab();
  assert.deepEqual(complete("cpupool", ctx), [[
    "cpupoolCpuAdd",
    "cpupoolCpuRemove",
    "cpupoolCreate",
    "cpupoolDestroy",
    "cpupoolList",
    "cpupoolMigrate",
  ], "cpupool"]);
  assert.deepEqual(complete("arinc", ctx), [["arinc653Set"], "arinc"]);
  assert.match(cmd("help"), /\n {2}cpupoolMigrate\(d, pool\) +moves domain d to a pool/);
  assert.match(cmd("help", "cpupoolCreate"), /cpupoolCreate\("rt", "rtds", 1\)/);
  assert.match(cmd("help", "cpupoolList"), /xl cpupool-list -c/);
});
