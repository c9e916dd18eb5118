/**
 * `deno task bench:snapshot`: boots Debian's Linux 6.1 as a domU (256 MiB, 1 vcpu, hvc0) until
 * its /init shell runs, then measures a whole-machine snapshot to a file (save), restoring that
 * file into a new machine (restore), an in-memory fork, the file's size, and the REPL's start-up
 * to its prompt; ends with one line
 *   hvlab-bench snapshot save_s=<> restore_s=<> fork_s=<> file_mib=<> repl_start_s=<>
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import { buildLinuxDomu, linuxInputs } from "../tools/linux/linux_domu.ts";
import { forkMachine, restoreSnapshotFile, snapshotFile } from "../core/hyp/machine_snapshot.ts";
import { WORK_INIT } from "../tools/linux/domu_workload.ts";

const inputs = await linuxInputs();
if ("missing" in inputs) {
  console.error(inputs.missing);
  Deno.exit(2);
}

/** Seconds `f` takes (best of `n`). */
function time<T>(f: () => T, n = 3): { s: number; value: T } {
  let best = Infinity, value!: T;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    value = f();
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return { s: best, value };
}

const hv = new Hypervisor({ pcpus: 2 });
const b = await buildLinuxDomu(hv, inputs);
const sink = hv.console(b.domain.id);
const r = hv.run({ maxCycles: 4_000_000_000, until: () => sink.text.includes(WORK_INIT) });
if (r.reason !== "until") throw new Error(`the domU did not reach its shell (${r.reason})`);
console.log(
  `domU at its shell: ${(hv.cycles / hv.clock.cpuHz).toFixed(3)} s virtual, ` +
    `${hv.mem.touchedPages} machine pages touched`,
);

const save = time(() => snapshotFile(hv, "bench: Linux domU at its shell"));
const restore = time(() => restoreSnapshotFile(save.value));
const fork = time(() => forkMachine(hv));
const fileMiB = save.value.length / 2 ** 20;
console.log(
  `save ${save.s.toFixed(3)} s, restore ${restore.s.toFixed(3)} s, fork ${fork.s.toFixed(3)} s`,
);
console.log(`file ${fileMiB.toFixed(1)} MiB (${save.value.length} bytes)`);

/** Wall seconds from spawning the REPL to its prompt (best of 3). */
async function replStart(): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL("../repl/main.ts", import.meta.url).pathname],
      stdin: "piped",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const dec = new TextDecoder();
    let out = "";
    for await (const chunk of child.stdout) {
      out += dec.decode(chunk, { stream: true });
      if (out.includes("hvlab> ")) break;
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
    await child.stdin.close();
    child.kill();
    await child.status;
  }
  return best;
}
const repl = await replStart();
console.log(
  `hvlab-bench snapshot save_s=${save.s.toFixed(3)} restore_s=${restore.s.toFixed(3)} fork_s=${
    fork.s.toFixed(3)
  } file_mib=${fileMiB.toFixed(1)} repl_start_s=${repl.toFixed(3)}`,
);
