/**
 * Scenario: boot the Linux domU (hvc0, 1 vcpu, 256 MiB) to its /init marker, snapshot the whole
 * machine to a file, then restore it in a NEW process (this script with `--continue FILE`) that
 * runs on to poweroff; the parent shows the child's console tail and checks that the rest of the
 * workload ran there.
 *   deno run -A scripts/scenario_snapshot.ts [--keep FILE]
 * Ends with `hvlab-scenario snapshot ok=1 save_s=<> restore_s=<> file_mib=<> ...`.
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import { restoreSnapshotFile, snapshotFile } from "../core/hyp/machine_snapshot.ts";
import { WORK_BEGIN, WORK_END, WORK_INIT, workOutput } from "../tools/linux/domu_workload.ts";
import { buildLinuxDomu, consoleOn, linuxInputs } from "../tools/linux/linux_domu.ts";
import { seconds, summaryLine } from "../tools/scenario/report.ts";

/** The child's result line prefix (JSON follows). */
const RESULT = "SNAPSHOT-CONTINUE-RESULT ";

/** Child: restore FILE, run to the end, print the new console output and a result line. */
async function continueFrom(file: string): Promise<void> {
  const bytes = await Deno.readFile(file);
  const t0 = performance.now();
  const hv = restoreSnapshotFile(bytes);
  const restoreMs = performance.now() - t0;
  const [domid] = hv.consoles.keys();
  const sink = hv.console(domid);
  const before = sink.text.length;
  // Held before the run: a destroyed domain leaves hv.domains.
  const d = hv.domains.get(domid);
  const t1 = performance.now();
  const r = hv.run({ maxCycles: 4_000_000_000 });
  const runMs = performance.now() - t1;
  const fresh = sink.text.slice(before);
  console.log(
    `[child ${Deno.pid}] restored in ${seconds(restoreMs)} s; ran ${r.cycles} cycles ` +
      `to ${r.reason} in ${seconds(runMs)} s`,
  );
  console.log(`[child] console output after the restore (tail):\n${fresh.slice(-900).trimEnd()}`);
  console.log(
    RESULT + JSON.stringify({
      restoreMs,
      runMs,
      reason: r.reason,
      shutdown: d?.shutdownReason ?? null,
      fresh,
      whole: sink.text,
    }),
  );
}

/** Parent: boot to the marker, save, spawn the child, check what it printed. */
async function main(): Promise<void> {
  const inputs = await linuxInputs();
  if ("missing" in inputs) {
    console.log(inputs.missing);
    console.log(summaryLine("snapshot", { skipped: 1 }));
    return;
  }
  const keep = Deno.args.indexOf("--keep");
  const file = keep >= 0 ? Deno.args[keep + 1] : await Deno.makeTempFile({ suffix: ".hvsnap" });
  const hv = new Hypervisor({ pcpus: 2 });
  const b = await buildLinuxDomu(hv, inputs, consoleOn("hvc0"));
  const sink = hv.console(b.domain.id);
  const t0 = performance.now();
  const r = hv.run({ maxCycles: 4_000_000_000, until: () => sink.text.includes(WORK_INIT) });
  const bootMs = performance.now() - t0;
  console.log(
    `booted to "${WORK_INIT}": ${r.reason} after ${r.cycles} cycles ` +
      `(${(hv.nowNs() / 1e6).toFixed(1)} ms virtual, ${seconds(bootMs)} s wall)`,
  );
  if (r.reason !== "until") {
    throw new Error(`boot stopped by ${r.reason}:\n${sink.text.slice(-1500)}`);
  }
  const textAtSave = sink.text;

  const t1 = performance.now();
  const bytes = snapshotFile(hv, "scenario_snapshot: Linux domU at its /init marker");
  const saveMs = performance.now() - t1;
  await Deno.writeFile(file, bytes);
  const mib = bytes.length / (1 << 20);
  console.log(`snapshot: ${mib.toFixed(1)} MiB in ${seconds(saveMs)} s -> ${file}`);

  console.log(`spawning: deno run -A ${new URL(import.meta.url).pathname} --continue ${file}`);
  const t2 = performance.now();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, "--continue", file],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const childMs = performance.now() - t2;
  if (keep < 0) await Deno.remove(file);
  const stdout = new TextDecoder().decode(out.stdout);
  const line = stdout.split("\n").find((l) => l.startsWith(RESULT));
  if (!out.success || line === undefined) {
    throw new Error(
      `child failed (${out.code}):\n${stdout}${new TextDecoder().decode(out.stderr)}`,
    );
  }
  for (const l of stdout.split("\n")) if (l && !l.startsWith(RESULT)) console.log(`  | ${l}`);
  const res = JSON.parse(line.slice(RESULT.length));
  // The parent's machine was left at the snapshot point: run it on too, as the reference.
  const t3 = performance.now();
  const own = hv.run({ maxCycles: 4_000_000_000 });
  const ownMs = performance.now() - t3;
  console.log(
    `the parent's own machine, continued from the same point: ${own.reason} after ` +
      `${own.cycles} cycles in ${seconds(ownMs)} s (the child took ${seconds(res.runMs)} s)`,
  );
  const checks = {
    // The restored console holds exactly what the parent had at the snapshot.
    console_restored: res.whole.slice(0, textAtSave.length) === textAtSave,
    work_ran_after_restore: res.fresh.includes(WORK_BEGIN) && res.fresh.includes(WORK_END) &&
      workOutput(res.whole) !== undefined,
    powered_off: res.reason === "all-shutdown" && res.shutdown === "poweroff",
    no_oops: !/Oops|BUG:|Kernel panic/.test(res.whole),
    same_console_as_uninterrupted: res.whole === sink.text,
  };
  console.log("checks:", checks);
  const ok = Object.values(checks).every((x) => x);
  console.log(summaryLine("snapshot", {
    ok: ok ? 1 : 0,
    save_s: seconds(saveMs),
    restore_s: seconds(res.restoreMs),
    file_mib: mib.toFixed(1),
    child_s: seconds(childMs),
    child_run_s: seconds(res.runMs),
    parent_run_s: seconds(ownMs),
    boot_s: seconds(bootMs),
    markers: checks.work_ran_after_restore ? 1 : 0,
    reason: res.reason,
  }));
  if (!ok) Deno.exit(1);
}

const ci = Deno.args.indexOf("--continue");
if (ci >= 0) await continueFrom(Deno.args[ci + 1]);
else await main();
