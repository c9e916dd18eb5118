/**
 * `arinc653Set(pool, frame)`: installs an ARINC 653 major frame on a pool run by that scheduler.
 * xl has no command for it (libxl's and Xen's XEN_SYSCTL_SCHEDOP_putinfo do it); here windows
 * name domains by id or name and durations as the REPL writes them ("5ms", or ns).
 */
import type { Arinc653Entry, Arinc653Scheduler } from "../core/hyp/sched/arinc653.ts";
import { parseDuration } from "./duration.ts";
import type { HvLab } from "./hv_lab.ts";
import { type PoolArg, poolScheduler, resolvePool } from "./show_cpupools.ts";
import { fmtNs } from "./table.ts";

/** One window as typed at the REPL: its domain (id or name), vcpu (default 0) and runtime. */
export interface Arinc653WindowArg {
  dom: number | string;
  vcpu?: number;
  runtime: string | number;
}

/** A major frame as typed at the REPL. */
export interface Arinc653FrameArg {
  major: string | number;
  windows: Arinc653WindowArg[];
}

/**
 * Installs `frame` on `pool`'s ARINC 653 scheduler; the new major frame starts now (as in Xen)
 * and the pool's pCPUs decide again at once. Every window's domain must be in that pool and
 * have that vcpu; the scheduler checks the frame (windows fit in it, 1..64 of them).
 */
export function arinc653Set(lab: HvLab, pool: PoolArg, frame: Arinc653FrameArg): string {
  const hv = lab.hv, p = resolvePool(hv, pool);
  if (p.scheduler !== "arinc653") {
    throw new Error(`pool ${p.name} runs ${p.scheduler}, not arinc653`);
  }
  const s = poolScheduler(hv, p) as Arinc653Scheduler | null;
  if (s === null) throw new Error(`pool ${p.name} has no pCPUs and no domains to schedule`);
  if (typeof frame !== "object" || frame === null || !Array.isArray(frame.windows)) {
    throw new Error(
      `arinc653Set: give {major: "10ms", windows: [{dom, vcpu, runtime}]}, not ${
        JSON.stringify(frame)
      }`,
    );
  }
  const names: string[] = [];
  const entries: Arinc653Entry[] = frame.windows.map((w, i) => {
    const d = lab.domain(w.dom), vcpu = w.vcpu ?? 0;
    if (hv.pools.poolOfDomain(d.id) !== p.id) {
      throw new Error(`window ${i}: domain ${d.id} "${d.name}" is not in pool ${p.name}`);
    }
    if (d.vcpus[vcpu] === undefined) {
      throw new Error(`window ${i}: domain ${d.id} has no vcpu ${vcpu} (it has ${d.vcpus.length})`);
    }
    const runtimeNs = parseDuration(w.runtime);
    names.push(`${d.name}.${vcpu} ${fmtNs(runtimeNs)}`);
    return { domid: d.id, vcpu, runtimeNs };
  });
  const majorFrameNs = parseDuration(frame.major);
  hv.setArinc653Schedule(p.id, { majorFrameNs, entries });
  return `pool ${p.name}: ARINC 653 major frame ${fmtNs(majorFrameNs)} from now, windows ` +
    names.join(", ");
}
