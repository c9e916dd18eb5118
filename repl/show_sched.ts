/**
 * REPL views of scheduling: `schedInfo()` (each cpupool's scheduler and its domains' parameters,
 * as xl sched-credit / sched-credit2 / sched-rtds print them) and xl's CPU-set notation for affinities.
 */
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { Arinc653Scheduler } from "../core/hyp/sched/arinc653.ts";
import type { CpuPoolInfo } from "../core/hyp/sched/cpupool.ts";
import { poolDomains, poolScheduler, resolvePool } from "./show_cpupools.ts";
import { fmtNs, formatTable } from "./table.ts";

/** pCPU numbers as ranges ("0-2,5"; "none" when empty). */
export function cpuRanges(set: readonly number[]): string {
  const on = [...new Set(set)].sort((a, b) => a - b);
  const out: string[] = [];
  for (let i = 0; i < on.length;) {
    let j = i;
    while (j + 1 < on.length && on[j + 1] === on[j] + 1) j++;
    out.push(i === j ? `${on[i]}` : `${on[i]}-${on[j]}`);
    i = j + 1;
  }
  return out.join(",") || "none";
}

/**
 * A set of pCPUs as xl's print_bitmap writes it: "all" when it is every pCPU (or null: no
 * restriction), "none" when empty, else ranges ("0-2,5").
 */
export function formatCpuSet(set: readonly number[] | null, pcpus: number): string {
  if (set === null) return "all";
  const on = set.filter((c) => c >= 0 && c < pcpus);
  return new Set(on).size === pcpus ? "all" : cpuRanges(on);
}

/**
 * The scheduler line of `info()`, as xl info's xen_scheduler: Pool-0's, the one Xen booted with.
 */
export function schedulerLine(hv: Hypervisor): string {
  const p0 = resolvePool(hv, 0);
  return `xen_scheduler: ${p0.scheduler} on pCPUs ${cpuRanges(p0.pcpus)}`;
}

/**
 * Per cpupool (as xl sched-* prints them): the pool's scheduler and its options, then one row per
 * domain of that pool (or only domain `domid`, under its own pool) with its parameters; ARINC 653
 * shows its major frame instead (it has no per-domain parameters).
 */
export function formatSchedInfo(hv: Hypervisor, domid?: number): string {
  const pools = hv.pools.list().filter((p) =>
    domid === undefined || p.id === hv.pools.poolOfDomain(domid)
  );
  return pools.map((p) => formatPoolSched(hv, p, domid)).join("\n");
}

/** One pool's part of {@link formatSchedInfo}. */
function formatPoolSched(hv: Hypervisor, pool: CpuPoolInfo, domid?: number): string {
  const head = (cols: string) => `Cpupool ${pool.name}: ${cols}`;
  const s = poolScheduler(hv, pool);
  if (s === null) return head(`sched=${pool.scheduler} (no pCPUs, no domains)`);
  const o = s.options;
  const doms = poolDomains(hv, pool.id).filter((d) => domid === undefined || d.id === domid);
  switch (s.name) {
    case "credit":
    case "credit2": {
      const opts = s.name === "credit"
        ? `tslice=${o.tsliceMs}ms ratelimit=${o.ratelimitUs}us`
        : `ratelimit=${o.ratelimitUs}us`;
      const rows = doms.map((d) => {
        const p = s.getParams(d.id);
        return [d.name, d.id, p.weight, p.cap];
      });
      return `${head(opts)}\n${formatTable(["Name", "ID", "Weight", "Cap"], rows)}`;
    }
    case "rtds": {
      const rows = doms.map((d) => {
        const p = s.getParams(d.id);
        return [d.name, d.id, p.periodUs, p.budgetUs, p.extratime ? "yes" : "no"];
      });
      return `${head("sched=RTDS")}\n${
        formatTable(["Name", "ID", "Period", "Budget", "Extratime"], rows)
      }`;
    }
    case "arinc653": {
      const f = (s as Arinc653Scheduler).getSchedule();
      const name = (id: number) => hv.domain(id)?.name ?? "(no such domain)";
      const rows = f.entries
        .map((e, i) => [i, name(e.domid), e.domid, e.vcpu, fmtNs(e.runtimeNs)])
        .filter((r) => domid === undefined || r[2] === domid);
      return `${head(`sched=ARINC653 major frame ${fmtNs(f.majorFrameNs)}`)}\n${
        formatTable(["Window", "Name", "ID", "VCPU", "Runtime"], rows)
      }`;
    }
    case "null":
      return `${head("sched=null (no per-domain parameters)")}\n${
        formatTable(["Name", "ID"], doms.map((d) => [d.name, d.id]))
      }`;
  }
}
