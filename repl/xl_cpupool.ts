/**
 * xl's cpupool commands on the REPL's lab: cpupool-create, cpupool-cpu-add, cpupool-cpu-remove,
 * cpupool-migrate, cpupool-destroy. Each checks everything before changing anything, refuses what
 * Xen and libxl refuse (a pCPU not free for add, the last pCPU of a pool with domains, a move to a
 * pool without pCPUs, destroying Pool-0 or a pool with domains), returns a one-line message and
 * throws an Error naming the bad value.
 */
import type { Domain } from "../core/hyp/domain.ts";
import type { Hypervisor } from "../core/hyp/hypervisor.ts";
import type { CpuPoolInfo } from "../core/hyp/sched/cpupool.ts";
import { isSchedulerName } from "../core/hyp/sched/registry.ts";
import { SCHEDULER_NAMES } from "../core/hyp/sched/scheduler.ts";
import type { HvLab } from "./hv_lab.ts";
import { type PoolArg, poolDomains, resolvePool } from "./show_cpupools.ts";
import { cpuRanges } from "./show_sched.ts";

/** pCPUs: one number, an array, or xl's list notation ("2-3,5"). */
export type CpuArg = number | number[] | string;

/** The pCPUs `cpus` names, ascending; throws naming the bad value. */
export function parseCpus(hv: Hypervisor, cpus: CpuArg): number[] {
  const n = hv.pcpus.length;
  let list: number[];
  if (typeof cpus === "number") list = [cpus];
  else if (Array.isArray(cpus)) list = cpus;
  else if (typeof cpus === "string" && /^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(cpus.trim())) {
    list = cpus.trim().split(",").flatMap((r) => {
      const [a, b = a] = r.split("-").map(Number);
      if (b < a) throw new Error(`pCPU range "${r}" runs backwards`);
      return Array.from({ length: b - a + 1 }, (_, i) => a + i);
    });
  } else {
    throw new Error(`pCPUs: give a number, an array or a list like "2-3,5", not ${String(cpus)}`);
  }
  for (const p of list) {
    if (!Number.isInteger(p) || p < 0 || p >= n) {
      throw new Error(`no pCPU ${p} (there are ${n}: 0..${n - 1})`);
    }
  }
  if (list.length === 0) throw new Error("no pCPUs given");
  return [...new Set(list)].sort((a, b) => a - b);
}

const poolName = (hv: Hypervisor, id: number) => hv.pools.list().find((p) => p.id === id)?.name;

/** Where pCPU p is: `in pool "X"` or `free`. */
function whereIs(hv: Hypervisor, p: number): string {
  const id = hv.pools.poolOf(p);
  return id === null ? "free" : `in pool ${poolName(hv, id)}`;
}

/** Refuses taking `cpus` out of `pool` if that leaves a pool with domains without pCPUs. */
function checkNotLast(hv: Hypervisor, pool: CpuPoolInfo, cpus: number[]): void {
  const doms = poolDomains(hv, pool.id);
  if (doms.length > 0 && pool.pcpus.every((p) => cpus.includes(p))) {
    throw new Error(
      `pool ${pool.name} would have no pCPU left for its domain(s) ${
        doms.map((d) => `${d.id} "${d.name}"`).join(", ")
      }: move them out first (cpupoolMigrate)`,
    );
  }
}

/**
 * `xl cpupool-cpu-add pool cpus`: the pCPUs must be free (xl cpupool-cpu-remove first), as Xen
 * assigns only free CPUs.
 */
export function xlCpupoolCpuAdd(lab: HvLab, pool: PoolArg, cpus: CpuArg): string {
  const hv = lab.hv, p = resolvePool(hv, pool), list = parseCpus(hv, cpus);
  for (const c of list) {
    if (hv.pools.poolOf(c) === p.id) throw new Error(`pCPU ${c} is already in pool ${p.name}`);
    if (hv.pools.poolOf(c) !== null) {
      throw new Error(
        `pCPU ${c} is ${whereIs(hv, c)}, not free: cpupoolCpuRemove(${
          JSON.stringify(poolName(hv, hv.pools.poolOf(c)!))
        }, ${c}) first`,
      );
    }
  }
  for (const c of list) hv.movePcpu(c, p.id);
  return `pCPU(s) ${cpuRanges(list)} added to pool ${p.name}; it has ${
    cpuRanges(resolvePool(hv, p.id).pcpus)
  }`;
}

/**
 * `xl cpupool-cpu-remove pool cpus`: the pCPUs become free (they run nothing until added to a
 * pool); what they ran goes back to the pool's queue. A pool with domains keeps at least one.
 */
export function xlCpupoolCpuRemove(lab: HvLab, pool: PoolArg, cpus: CpuArg): string {
  const hv = lab.hv, p = resolvePool(hv, pool), list = parseCpus(hv, cpus);
  for (const c of list) {
    if (hv.pools.poolOf(c) !== p.id) {
      throw new Error(`pCPU ${c} is not in pool ${p.name} (it is ${whereIs(hv, c)})`);
    }
  }
  checkNotLast(hv, p, list);
  for (const c of list) hv.movePcpu(c, null);
  return `pCPU(s) ${cpuRanges(list)} removed from pool ${p.name} (now free); it has ${
    cpuRanges(resolvePool(hv, p.id).pcpus)
  }`;
}

/**
 * `xl cpupool-create name="..." sched="..." cpus="..."`: a new pool under `sched` (by default the
 * scheduler Xen booted with, Pool-0's, as libxl chooses), with free pCPUs `cpus` if given.
 */
export function xlCpupoolCreate(
  lab: HvLab,
  name: string,
  sched?: string,
  cpus?: CpuArg,
): string {
  const hv = lab.hv;
  const s = sched ?? resolvePool(hv, 0).scheduler;
  if (typeof s !== "string" || !isSchedulerName(s)) {
    throw new Error(`no scheduler ${JSON.stringify(s)} (${SCHEDULER_NAMES.join(", ")})`);
  }
  const list = cpus === undefined ? [] : parseCpus(hv, cpus);
  for (const c of list) {
    if (hv.pools.poolOf(c) !== null) {
      throw new Error(`pCPU ${c} is ${whereIs(hv, c)}, not free: remove it from there first`);
    }
  }
  const id = hv.createPool(name, s);
  for (const c of list) hv.movePcpu(c, id);
  return `cpupool ${name} created: id ${id}, scheduler ${s}, pCPUs ${cpuRanges(list)}`;
}

/**
 * `xl cpupool-migrate d pool`: the domain's vcpus leave its pool's scheduler and run on the new
 * pool's pCPUs; its scheduling parameters start at the new scheduler's defaults. Domain 0 stays
 * (Xen refuses to move the toolstack's own domain), as does a domain no longer running.
 */
export function xlCpupoolMigrate(lab: HvLab, d: Domain, pool: PoolArg): string {
  const hv = lab.hv, p = resolvePool(hv, pool);
  if (d.id === 0) throw new Error("domain 0 runs the toolstack: Xen does not move it");
  if (!d.alive) throw new Error(`domain ${d.id} is ${d.state}: cannot move it`);
  const from = resolvePool(hv, hv.pools.poolOfDomain(d.id));
  if (from.id === p.id) return `domain ${d.id} "${d.name}" is already in pool ${p.name}`;
  if (p.pcpus.length === 0) {
    throw new Error(`pool ${p.name} has no pCPUs: cpupoolCpuAdd(${JSON.stringify(p.name)}, n)`);
  }
  hv.moveDomain(d, p.id);
  return `domain ${d.id} "${d.name}" moved from pool ${from.name} to ${p.name} (${p.scheduler}, ` +
    `pCPUs ${cpuRanges(p.pcpus)}; parameters at the scheduler's defaults)`;
}

/**
 * `xl cpupool-destroy pool`: libxl frees the pool's pCPUs, then Xen destroys it. Refused for
 * Pool-0 and for a pool that still has domains.
 */
export function xlCpupoolDestroy(lab: HvLab, pool: PoolArg): string {
  const hv = lab.hv, p = resolvePool(hv, pool);
  if (p.id === 0) throw new Error("Pool-0 cannot be destroyed");
  const doms = poolDomains(hv, p.id);
  if (doms.length > 0) {
    throw new Error(
      `pool ${p.name} still has domain(s) ${
        doms.map((d) => `${d.id} "${d.name}"`).join(", ")
      }: cpupoolMigrate them out first`,
    );
  }
  hv.destroyPool(p.id);
  return `cpupool ${p.name} (id ${p.id}) destroyed` +
    (p.pcpus.length > 0 ? `; pCPUs ${cpuRanges(p.pcpus)} are free` : "");
}
