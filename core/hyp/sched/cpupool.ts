/**
 * Cpupools (xen/common/sched/cpupool.c): the pCPUs are partitioned into pools, each with its own
 * scheduler instance; a domain belongs to one pool and its vcpus run only on that pool's pCPUs
 * (a unit's hard affinity is intersected with them because its scheduler owns only those).
 * Pool 0, "Pool-0", gets every pCPU and every domain at start; pCPUs taken out of a pool are free
 * until assigned to another.
 */
import type { Scheduler, SchedulerName, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { createScheduler, DEFAULT_SCHEDULER } from "./registry.ts";
import { intIn, list, record } from "./sched_check.ts";

/** Plain description of one pool. */
export interface CpuPoolInfo {
  id: number;
  name: string;
  scheduler: SchedulerName;
  pcpus: number[];
  /** Domains moved here (pool 0 also holds every domain never moved). */
  domains: number[];
}

interface Pool {
  id: number;
  name: string;
  sched: Scheduler;
}

/** The pools of one machine. */
export class CpuPools {
  #pools = new Map<number, Pool>();
  /** pCPU → pool id (absent = free). */
  #pcpuPool = new Map<number, number>();
  /** domid → pool id, for domains outside pool 0. */
  #domPool = new Map<number, number>();
  #pcpuCount: number;

  /** Pool-0 with pCPUs 0..pcpuCount-1 under `scheduler` (Xen's default: credit2). */
  constructor(pcpuCount: number, scheduler: string = DEFAULT_SCHEDULER, opts?: SchedulerOptions) {
    this.#pcpuCount = intIn("cpupools: pcpu count", pcpuCount, 1, 4096);
    const sched = createScheduler(scheduler, opts);
    this.#pools.set(0, { id: 0, name: "Pool-0", sched });
    for (let p = 0; p < pcpuCount; p++) {
      sched.addPcpu(p);
      this.#pcpuPool.set(p, 0);
    }
  }

  /** Creates an empty pool; returns its id (the lowest unused). */
  create(name: string, scheduler: string, opts?: SchedulerOptions): number {
    if (typeof name !== "string" || name === "" || this.list().some((p) => p.name === name)) {
      throw new Error(`cpupools: pool name ${JSON.stringify(name)} is empty or taken`);
    }
    const sched = createScheduler(scheduler, opts);
    let id = 1;
    while (this.#pools.has(id)) id++;
    this.#pools.set(id, { id, name, sched });
    return id;
  }

  /** Destroys a pool with no pCPUs and no domains (never pool 0). */
  destroy(id: number): void {
    const pool = this.#pool(id);
    if (id === 0) throw new Error("cpupools: Pool-0 cannot be destroyed");
    if (pool.sched.pcpus.length > 0 || this.#domainsOf(id).length > 0) {
      throw new Error(`cpupools: pool ${id} (${pool.name}) still has pCPUs or domains`);
    }
    this.#pools.delete(id);
  }

  /**
   * Moves pCPU p to pool `to` (null = free). The integrator has checked that nothing runs on it;
   * it then calls schedule(p) under the new pool. Returns pCPUs of the old pool to tickle.
   */
  movePcpu(p: number, to: number | null): number[] {
    intIn("cpupools: pcpu", p, 0, this.#pcpuCount - 1);
    const dest = to === null ? null : this.#pool(to);
    const from = this.#pcpuPool.get(p);
    if (from === to) return [];
    let tickles: number[] = [];
    if (from !== undefined) {
      const old = this.#pool(from);
      if (old.sched.pcpus.length === 1 && this.#domainsOf(from).length > 0) {
        throw new Error(`cpupools: pcpu ${p} is the last of pool ${from}, which has domains`);
      }
      tickles = old.sched.removePcpu(p);
      this.#pcpuPool.delete(p);
    }
    if (dest !== null) {
      dest.sched.addPcpu(p);
      this.#pcpuPool.set(p, dest.id);
    }
    return tickles;
  }

  /**
   * Moves a domain to pool `to`: its units (given by the integrator) leave the old scheduler and
   * are inserted, not runnable, into the new one; the integrator then wakes the runnable ones.
   * Returns pCPUs of the old pool to tickle. Parameters start at the new scheduler's defaults.
   */
  moveDomain(domid: number, to: number, units: SchedUnit[], nowNs: number): number[] {
    intIn("cpupools: domid", domid, 0, 0x7fef);
    const dest = this.#pool(to);
    const from = this.poolOfDomain(domid);
    for (const u of units) {
      if (u.domid !== domid) {
        throw new Error(`cpupools: unit d${u.domid}v${u.vcpu} not of d${domid}`);
      }
    }
    if (from === to) return [];
    if (dest.sched.pcpus.length === 0) throw new Error(`cpupools: pool ${to} has no pCPUs`);
    const old = this.#pool(from).sched;
    const tickles = new Set<number>();
    for (const u of units) for (const q of old.remove(u)) tickles.add(q);
    for (const u of units) dest.sched.insert(u, nowNs);
    if (to === 0) this.#domPool.delete(domid);
    else this.#domPool.set(domid, to);
    return [...tickles];
  }

  /** Forgets a destroyed domain (its units already removed from its scheduler). */
  removeDomain(domid: number): void {
    this.#domPool.delete(domid);
  }

  /** The scheduler owning pCPU p. */
  schedulerOf(p: number): Scheduler {
    const id = this.#pcpuPool.get(p);
    if (id === undefined) throw new Error(`cpupools: pcpu ${p} is in no pool`);
    return this.#pool(id).sched;
  }

  /** The scheduler of pool `id`. */
  schedulerOfPool(id: number): Scheduler {
    return this.#pool(id).sched;
  }

  /** The scheduler of a domain's pool. */
  schedulerOfDomain(domid: number): Scheduler {
    return this.#pool(this.poolOfDomain(domid)).sched;
  }

  /** The pool of pCPU p (null = free). */
  poolOf(p: number): number | null {
    return this.#pcpuPool.get(p) ?? null;
  }

  /** The pool of a domain (0 unless moved). */
  poolOfDomain(domid: number): number {
    return this.#domPool.get(domid) ?? 0;
  }

  /** Every pool, by id (xl cpupool-list). */
  list(): CpuPoolInfo[] {
    return [...this.#pools.values()].sort((a, b) => a.id - b.id).map((p) => ({
      id: p.id,
      name: p.name,
      scheduler: p.sched.name,
      pcpus: [...p.sched.pcpus],
      domains: this.#domainsOf(p.id),
    }));
  }

  /** Plain data, including each pool's scheduler state. */
  save(): unknown {
    return {
      pcpuCount: this.#pcpuCount,
      pools: [...this.#pools.values()].sort((a, b) => a.id - b.id).map((p) => ({
        id: p.id,
        name: p.name,
        scheduler: p.sched.name,
        options: { ...p.sched.options },
        pcpus: [...p.sched.pcpus],
        state: p.sched.save(),
      })),
      domains: [...this.#domPool].sort(([a], [b]) => a - b),
    };
  }

  /**
   * Replaces every pool with saved ones. For each pool, after its scheduler is rebuilt with its
   * pCPUs, `reinsert(poolId, scheduler, inPool)` must insert the units of the domains for which
   * `inPool(domid)` holds (the integrator's SchedUnit objects); then the scheduler's state is
   * restored. Nothing changes unless all of it succeeds.
   */
  restore(
    s: unknown,
    reinsert: (poolId: number, sched: Scheduler, inPool: (domid: number) => boolean) => void,
  ): void {
    const r = record("cpupools state", s);
    if (r.pcpuCount !== this.#pcpuCount) {
      throw new Error(`cpupools state.pcpuCount: ${String(r.pcpuCount)}, not ${this.#pcpuCount}`);
    }
    const pools = new Map<number, Pool>();
    const pcpuPool = new Map<number, number>();
    for (const [i, e] of list("cpupools state.pools", r.pools).entries()) {
      const w = `cpupools state.pools[${i}]`;
      const pr = record(w, e);
      const id = intIn(`${w}.id`, pr.id, 0, 0xffff);
      if (pools.has(id)) throw new Error(`${w}.id: ${id} repeated`);
      if (typeof pr.name !== "string" || pr.name === "") {
        throw new Error(`${w}.name: ${JSON.stringify(pr.name)}`);
      }
      const sched = createScheduler(
        String(pr.scheduler),
        record(`${w}.options`, pr.options) as SchedulerOptions,
      );
      for (const [j, p] of list(`${w}.pcpus`, pr.pcpus).entries()) {
        const pc = intIn(`${w}.pcpus[${j}]`, p, 0, this.#pcpuCount - 1);
        if (pcpuPool.has(pc)) throw new Error(`${w}.pcpus[${j}]: pcpu ${pc} in two pools`);
        pcpuPool.set(pc, id);
        sched.addPcpu(pc);
      }
      pools.set(id, { id, name: pr.name, sched });
    }
    if (!pools.has(0)) throw new Error("cpupools state.pools: no pool 0");
    const domPool = new Map<number, number>();
    for (const [i, row] of list("cpupools state.domains", r.domains).entries()) {
      const [d, p] = list(`cpupools state.domains[${i}]`, row);
      const pool = intIn(`cpupools state.domains[${i}] pool`, p, 1, 0xffff);
      if (!pools.has(pool)) throw new Error(`cpupools state.domains[${i}]: no pool ${pool}`);
      domPool.set(intIn(`cpupools state.domains[${i}] domid`, d, 0, 0x7fef), pool);
    }
    const states = list("cpupools state.pools", r.pools);
    for (const [i, e] of states.entries()) {
      const pr = record(`cpupools state.pools[${i}]`, e);
      const pool = pools.get(pr.id as number)!;
      reinsert(pool.id, pool.sched, (d) => (domPool.get(d) ?? 0) === pool.id);
      pool.sched.restore(pr.state);
    }
    this.#pools = pools;
    this.#pcpuPool = pcpuPool;
    this.#domPool = domPool;
  }

  #pool(id: number): Pool {
    const p = this.#pools.get(id);
    if (p === undefined) throw new Error(`cpupools: no pool ${id}`);
    return p;
  }

  #domainsOf(id: number): number[] {
    return [...this.#domPool].filter(([, p]) => p === id).map(([d]) => d).sort((a, b) => a - b);
  }
}
