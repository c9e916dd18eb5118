/**
 * The scenario scripts (scripts/scenario_*.ts) run as `deno run` subprocesses, as a user runs
 * them, and their summary lines are checked. The two Linux scenarios (the hypercall census and
 * the snapshot continued in another process) boot Debian's Linux (~40-70 s each; started together
 * so they overlap) and skip without the Debian files; the SPI storm and the grant failure run on
 * bare-metal guests and skip without the cross assembler.
 */
import assert from "node:assert/strict";
import { findLinuxFiles } from "../../tools/linux/guest_files.ts";
import { parseSummary } from "../../tools/scenario/report.ts";
import { haveCrossAs } from "../../tools/lab/hyp_lab.ts";

const linux = findLinuxFiles() !== undefined;
const cross = haveCrossAs();
const LINUX_SKIP = linux ? "" : " (SKIPPED: no Debian kernel/busybox; deno task fetch:guests)";
const AS_SKIP = cross ? "" : " (SKIPPED: no aarch64-linux-gnu-as)";

/** Runs scripts/scenario_<name>.ts with `args`; its stdout and summary (exit status checked). */
async function scenario(
  name: string,
  args: string[] = [],
): Promise<{ out: string; s: Record<string, string> }> {
  const script = new URL(`../../scripts/scenario_${name}.ts`, import.meta.url).pathname;
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout);
  const err = new TextDecoder().decode(r.stderr);
  assert.ok(r.success, `scenario_${name} exited ${r.code}:\n${out.slice(-3000)}\n${err}`);
  const s = parseSummary(out, name);
  assert.ok(s, `no "hvlab-scenario ${name}" line:\n${out.slice(-2000)}`);
  assert.equal(s.ok, "1", out.slice(-3000));
  return { out, s };
}

// The Linux scenarios start together on first use so their boots overlap on two cores.
let linuxRuns: { hypercalls: ReturnType<typeof scenario>; snapshot: ReturnType<typeof scenario> };
function linuxRun(name: "hypercalls" | "snapshot") {
  linuxRuns ??= { hypercalls: scenario("hypercalls"), snapshot: scenario("snapshot") };
  // Both are awaited by their own tests; keep the other's rejection from going unhandled meanwhile.
  linuxRuns.hypercalls.catch(() => {});
  linuxRuns.snapshot.catch(() => {});
  return linuxRuns[name];
}

Deno.test("scenario hypercalls: Linux domU boot counted by hypercall and sub-op" + LINUX_SKIP, {
  ignore: !linux,
}, async () => {
  const { out, s } = await linuxRun("hypercalls");
  assert.equal(s.shutdown, "poweroff");
  assert.ok(Number(s.total) > 100, `total ${s.total}`);
  assert.ok(Number(s.distinct) >= 10, `distinct ${s.distinct}`);
  assert.equal(s.top, "event_channel_op/send");
  assert.ok(Number(s.smccc) > 0, "no SMCCC/PSCI call seen");
  // The table names calls with their numbers and sub-op commands.
  assert.match(out, /^\s+\d+\s+32\s+event_channel_op\s+send\s+4\s/m);
  assert.match(out, /^\s+\d+\s+29\s+sched_op\s+shutdown\s+2\s/m);
  assert.match(out, /PSCI_0_2_FN_PSCI_VERSION/);
  // The per-row counts add up to the total.
  const rows = [...out.matchAll(/^\s+(\d+)\s+\d+\s+[a-z_]+\s+\S+\s+\S+\s+[\d.]+%$/gm)];
  assert.equal(rows.reduce((a, m) => a + Number(m[1]), 0), Number(s.total));
});

Deno.test(
  "scenario snapshot: saved at /init, restored and continued in a new process" + LINUX_SKIP,
  {
    ignore: !linux,
  },
  async () => {
    const { out, s } = await linuxRun("snapshot");
    assert.equal(s.markers, "1");
    assert.equal(s.reason, "all-shutdown");
    assert.ok(Number(s.file_mib) > 0 && Number(s.file_mib) < 64, `file ${s.file_mib} MiB`);
    for (const k of ["save_s", "restore_s"]) assert.ok(Number(s[k]) > 0, `${k}=${s[k]}`);
    // The child's console tail is shown and ends with the workload and the power-down.
    assert.match(out, /\| HVLAB-WORK-END/);
    assert.match(out, /same_console_as_uninterrupted: true/);
  },
);

Deno.test("scenario spi_storm: bare-metal guest counts the storm it enabled" + AS_SKIP, {
  ignore: !cross,
}, async () => {
  // 20 us between edges: time for the guest to take each one through the IRQ path's cost.
  const { s } = await scenario("spi_storm", [
    "--count",
    "4000",
    "--drop-every",
    "5",
    "--interval-ns",
    "20000",
  ]);
  assert.equal(s.guest, "baremetal");
  assert.equal(s.injected, "4000");
  // Every 5th injection, alternating between the two SPIs: 400 of each dropped by the hook.
  assert.equal(s.dropped, "800");
  // Every edge of the enabled SPI that the hook let through reached the guest's handler.
  assert.equal(s.taken, "1600");
  assert.equal(s.handled, "1600");
  // The never-enabled SPI stays pending: its edges merge into one, the guest never sees it.
  assert.equal(s.disabled_taken, "0");
  assert.equal(s.disabled_pending, "1");
  assert.equal(s.coalesced, "1599");
  assert.equal(s.console, "1");
  assert.equal(s.poweroff, "1");
});

Deno.test("scenario spi_storm: a storm faster than the IRQ path coalesces in the vGIC" + AS_SKIP, {
  ignore: !cross,
}, async () => {
  // An edge every 50 ns: each interrupt the guest takes costs it microseconds of entry,
  // injection and handler, so most edges find their SPI still pending and merge.
  const { s } = await scenario("spi_storm", ["--count", "4000", "--drop-every", "5"]);
  assert.equal(s.dropped, "800");
  assert.equal(s.handled, s.taken, "the handler counted what the vGIC delivered");
  assert.ok(Number(s.taken) > 0 && Number(s.taken) < 1600, `taken ${s.taken}`);
  assert.equal(Number(s.taken) + Number(s.coalesced), 1600 + 1599, JSON.stringify(s));
  assert.equal(s.disabled_taken, "0");
  assert.equal(s.poweroff, "1");
});

Deno.test("scenario grant_fail: one grant map fails by status, the others map" + AS_SKIP, {
  ignore: !cross,
}, async () => {
  const { out, s } = await scenario("grant_fail");
  assert.deepEqual(
    [s.mode, s.maps, s.mapped, s.failed, s.failed_ref, s.rc, s.status, s.consistent],
    ["status", "4", "3", "1", "12", "0", "-12", "1"],
  );
  assert.match(out, /^ 12 {2}-12 GNTST_eagain/m);
  assert.match(out, /^ 13 {2}0 GNTST_okay\s+\d+\s+0xa11ce003 ok/m);
});

Deno.test("scenario grant_fail --mode refuse: the whole batch fails with -ENOMEM" + AS_SKIP, {
  ignore: !cross,
}, async () => {
  const { s } = await scenario("grant_fail", ["--mode", "refuse"]);
  assert.deepEqual([s.mode, s.mapped, s.rc, s.consistent], ["refuse", "0", "-12", "1"]);
});
