/**
 * The REPL's snapshot commands: `save(file)` writes the whole machine to a snapshot file,
 * `restore(file)` makes the machine in a file the lab's machine (a bad file changes nothing),
 * `fork()` copies the machine into a separate stopped lab, `use(x)` makes a fork (or any machine)
 * the lab's machine, `snapshots()` lists what this session saved and restored.
 */
import { Hypervisor } from "../core/hyp/hypervisor.ts";
import { restoreSnapshotFile, snapshotFile } from "../core/hyp/machine_snapshot.ts";
import { HvLab } from "./hv_lab.ts";
import { fmtBytes, fmtNs, formatTable } from "./table.ts";

/** One snapshot file this session wrote or read. */
export interface SnapshotRecord {
  action: "saved" | "restored";
  file: string;
  bytes: number;
  /** Virtual time of the machine in it, ns. */
  ns: number;
  domains: number;
  description?: string;
  /** Host wall-clock time of the action (REPL-side bookkeeping, not machine state). */
  at: Date;
}

/** The snapshot commands of `lab`, printing with `print`. */
export function snapshotCommands(lab: HvLab, print: (s: string) => void) {
  const records: SnapshotRecord[] = [];
  const summary = (hv: Hypervisor) =>
    `virtual time ${fmtNs(hv.nowNs())}, ${hv.domains.size} domain(s)`;

  return {
    save: async (file: string, description?: string): Promise<void> => {
      if (typeof file !== "string" || file === "") throw new Error("save(file): give a file name");
      const hv = lab.hv, t0 = performance.now();
      // Taken between background slices, so the machine is at a consistent point.
      const bytes = snapshotFile(hv, description);
      await Deno.writeFile(file, bytes);
      records.push({
        action: "saved",
        file,
        bytes: bytes.length,
        ns: hv.nowNs(),
        domains: hv.domains.size,
        ...(description ? { description } : {}),
        at: new Date(),
      });
      print(
        `saved ${file}: ${fmtBytes(bytes.length)}, ${summary(hv)}, ` +
          `in ${(performance.now() - t0).toFixed(0)} ms`,
      );
    },

    restore: async (file: string): Promise<void> => {
      const t0 = performance.now();
      let hv: Hypervisor, size: number;
      try {
        if (typeof file !== "string" || file === "") throw new Error("give a file name");
        const bytes = await Deno.readFile(file);
        size = bytes.length;
        hv = restoreSnapshotFile(bytes);
      } catch (e) {
        print(
          `restore ${file} failed: ${e instanceof Error ? e.message : String(e)}\n` +
            `the current machine is unchanged (${summary(lab.hv)}` +
            `${lab.running ? ", running" : ""})`,
        );
        return;
      }
      lab.replaceMachine(hv);
      records.push({
        action: "restored",
        file,
        bytes: size,
        ns: hv.nowNs(),
        domains: hv.domains.size,
        at: new Date(),
      });
      print(
        `restored ${file}: ${summary(hv)}, in ${(performance.now() - t0).toFixed(0)} ms; ` +
          `hv, dom(), gic, xs and cur now refer to it` +
          (lab.running ? "; running in the background" : "; stopped (run() starts it)"),
      );
    },

    fork: (): HvLab => {
      const t0 = performance.now();
      const f = lab.fork();
      print(
        `fork: an independent, stopped copy (${summary(f.hv)}) in ` +
          `${(performance.now() - t0).toFixed(0)} ms. f.runFor("10ms"), f.hv, f.domain(1) ` +
          `inspect it; use(f) makes it the REPL's machine`,
      );
      return f;
    },

    use: (x: HvLab | Hypervisor): HvLab => {
      const hv = x instanceof HvLab ? x.hv : x;
      if (!(hv instanceof Hypervisor)) {
        throw new Error("use(x): give a fork (a lab) or a Hypervisor");
      }
      if (hv === lab.hv) throw new Error("use(x): that is the REPL's machine already");
      // The REPL's lab drives it from now on; the fork's own lab must not run it too.
      if (x instanceof HvLab) x.pause();
      const old = lab.replaceMachine(hv);
      print(
        `now using that machine (${summary(hv)}); hv, dom(), gic, xs and cur refer to it. ` +
          `The result holds the previous machine: use(it) switches back`,
      );
      return new HvLab(old);
    },

    snapshots: (): void => {
      print(formatTable(
        ["Action", "File", "Size", "Virtual time", "Domains", "Description", "At"],
        records.map((r) => [
          r.action,
          r.file,
          fmtBytes(r.bytes),
          fmtNs(r.ns),
          r.domains,
          r.description,
          r.at.toISOString().slice(11, 19),
        ]),
        "snapshot files of this session:",
      ));
    },
  };
}
