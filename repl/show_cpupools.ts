/**
 * REPL views of cpupools: `cpupoolList()` as xl cpupool-list prints it, and the lookups the
 * cpupool commands and the per-pool scheduler views share (a pool by name or id, a pool's
 * domains, a pool's scheduler).
 */
import type { Domain } from "../core/hyp/domain.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { CpuPoolInfo } from "../core/hyp/sched/cpupool.ts";
import type { Scheduler } from "../core/hyp/sched/scheduler.ts";
import { formatTable } from "./table.ts";

/** A cpupool argument: its id or its name (xl accepts either). */
export type PoolArg = number | string;

/** The pool `pool` names; throws naming the bad value and listing the pools. */
export function resolvePool(hv: Hypervisor, pool: PoolArg): CpuPoolInfo {
  const pools = hv.pools.list();
  // As xl reads its argument: all digits is an id, anything else a name.
  const byId = typeof pool === "number" || /^\d+$/.test(pool);
  const found = pools.find((p) => byId ? p.id === Number(pool) : p.name === pool);
  if (found === undefined) {
    throw new Error(
      `no cpupool ${JSON.stringify(pool)} (there are ${
        pools.map((p) => `${p.name} (id ${p.id})`).join(", ")
      })`,
    );
  }
  return found;
}

/**
 * The domains in pool `poolId`, by id. Pool-0 holds every domain never moved, which the pool's
 * own list leaves out, so membership is asked domain by domain.
 */
export function poolDomains(hv: Hypervisor, poolId: number): Domain[] {
  return [...hv.domains.values()]
    .filter((d) => hv.pools.poolOfDomain(d.id) === poolId)
    .sort((a, b) => a.id - b.id);
}

/**
 * The scheduler instance of pool `p`, reached through one of its pCPUs or domains; null for a
 * pool with neither (the hypervisor offers no lookup by pool id).
 */
export function poolScheduler(hv: Hypervisor, p: CpuPoolInfo): Scheduler | null {
  if (p.pcpus.length > 0) return hv.pools.schedulerOf(p.pcpus[0]);
  const d = poolDomains(hv, p.id)[0];
  return d === undefined ? null : hv.schedulerOfDomain(d.id);
}

/** Options of `cpupoolList`. */
export interface CpupoolListOptions {
  /** xl cpupool-list -c: each pool's CPU list instead of the counts. */
  cpus?: boolean;
  /** Only this pool (xl cpupool-list <pool>). */
  pool?: PoolArg;
}

/**
 * xl cpupool-list: Name, CPUs (count), Sched, Active (always y: Xen has no inactive pools),
 * Domain count; with `cpus`, Name and the CPU list ("0,1,2" as xl writes it).
 */
export function formatCpupoolList(hv: Hypervisor, opts: CpupoolListOptions = {}): string {
  if (typeof opts !== "object" || opts === null) {
    throw new Error(`cpupoolList: give options as {cpus, pool}, not ${JSON.stringify(opts)}`);
  }
  const pools = opts.pool === undefined ? hv.pools.list() : [resolvePool(hv, opts.pool)];
  if (opts.cpus) {
    return formatTable(["Name", "CPU list"], pools.map((p) => [p.name, p.pcpus.join(",")]));
  }
  return formatTable(
    ["Name", "CPUs", "Sched", "Active", "Domain count"],
    pools.map((p) => [p.name, p.pcpus.length, p.scheduler, "y", poolDomains(hv, p.id).length]),
  );
}
