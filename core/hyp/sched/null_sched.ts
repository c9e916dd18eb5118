/**
 * The null scheduler (xen/common/sched/null.c): each vcpu is assigned to one free pCPU of its
 * affinity for good and only ever runs there; that pCPU runs nothing else (it idles while its
 * vcpu is blocked). vcpus beyond the free pCPUs wait, in order of arrival, until one is freed
 * (vcpu removed, pCPU added, affinity changed); a waiter whose soft affinity holds the freed pCPU
 * goes first, then the first whose hard affinity allows it.
 */
import type { SchedDecision, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { SchedulerBase } from "./sched_base.ts";
import { intIn, list, record } from "./sched_check.ts";
import { unitKey } from "./unit_key.ts";

/** The null policy. */
export class NullScheduler extends SchedulerBase {
  readonly name = "null" as const;
  /** pCPU → the key of the unit assigned to it. */
  #owner = new Map<number, string>();
  /** Keys of unassigned units, oldest first. */
  #waitq: string[] = [];

  constructor(options: SchedulerOptions = {}) {
    super(options);
  }

  /** The pCPU a unit is assigned to, or undefined if it waits. */
  assignedPcpu(u: SchedUnit): number | undefined {
    const k = unitKey(u);
    for (const [p, o] of this.#owner) if (o === k) return p;
    return undefined;
  }

  /** Keys ("domid.vcpu") of the waiting units, oldest first. */
  waiting(): string[] {
    return [...this.#waitq];
  }

  getParams(domid: number): Record<string, number> {
    intIn("null: domid", domid, 0, 0x7fef);
    return {};
  }

  setParams(domid: number, p: Record<string, number>): void {
    throw new Error(`null: no per-domain parameters (d${domid}: ${JSON.stringify(p)})`);
  }

  protected override onInsert(u: SchedUnit): void {
    if (this.#assign(u) === undefined) this.#waitq.push(unitKey(u));
  }

  protected override onRemove(u: SchedUnit): number[] {
    const p = this.assignedPcpu(u);
    this.#waitq = this.#waitq.filter((k) => k !== unitKey(u));
    if (p === undefined) return [];
    this.#owner.delete(p);
    return this.#fill(p) === undefined ? [] : [p];
  }

  protected override onAddPcpu(p: number): void {
    this.#fill(p);
  }

  protected override onRemovePcpu(p: number): number[] {
    const k = this.#owner.get(p);
    if (k === undefined) return [];
    this.#owner.delete(p);
    const q = this.#assign(this.unitByKey(k)!);
    if (q !== undefined) return [q];
    this.#waitq.push(k);
    return [];
  }

  /** Its pCPU, if it has one and something else (idle) runs there. */
  protected onWake(u: SchedUnit): number[] {
    const p = this.assignedPcpu(u);
    return p === undefined || this.currOf(p) === u ? [] : [p];
  }

  /** Reassigns a unit whose pCPU its hard affinity no longer allows; places a waiter. */
  protected override onAffinity(u: SchedUnit): number[] {
    const p = this.assignedPcpu(u);
    if (p !== undefined && this.allowed(u, p)) return [];
    const tickle: number[] = [];
    if (p !== undefined) {
      this.#owner.delete(p);
      tickle.push(p);
      this.#waitq.push(unitKey(u));
      this.#fill(p);
    }
    if (this.#waitq.includes(unitKey(u))) {
      const q = this.#assign(u);
      if (q !== undefined) {
        this.#waitq = this.#waitq.filter((k) => k !== unitKey(u));
        tickle.push(q);
      }
    }
    return [...new Set(tickle)];
  }

  /** Its assigned unit if that can run, else idle; no time slice. */
  protected decide(
    p: number,
    _nowNs: number,
    _prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision {
    const k = this.#owner.get(p);
    const u = k === undefined ? undefined : this.unitByKey(k);
    return { next: u !== undefined && canRun(u) ? u : null, until: Infinity };
  }

  protected savePolicy(): unknown {
    return {
      owner: [...this.#owner].sort(([a], [b]) => a - b),
      waitq: [...this.#waitq],
    };
  }

  protected loadPolicy(state: unknown): () => void {
    const s = record("null policy", state);
    const seen = new Set<string>();
    const key = (what: string, k: unknown) => {
      if (typeof k !== "string" || this.unitByKey(k) === undefined || seen.has(k)) {
        throw new Error(`${what}: unknown or repeated unit ${JSON.stringify(k)}`);
      }
      seen.add(k);
      return k;
    };
    const owner = new Map<number, string>();
    for (const [i, row] of list("null policy.owner", s.owner).entries()) {
      const [p, k] = list(`null policy.owner[${i}]`, row);
      const pc = intIn(`null policy.owner[${i}] pcpu`, p, 0, 4095);
      if (!this.pcpus.includes(pc)) throw new Error(`null policy.owner[${i}]: pcpu ${pc} not here`);
      owner.set(pc, key(`null policy.owner[${i}]`, k));
    }
    const waitq = list("null policy.waitq", s.waitq).map((k, i) => key(`null waitq[${i}]`, k));
    if (seen.size !== this.allUnits().length) {
      throw new Error(`null policy: ${seen.size} units placed, ${this.allUnits().length} inserted`);
    }
    return () => {
      this.#owner = owner;
      this.#waitq = waitq;
    };
  }

  /** Gives u a free pCPU it may use (soft affinity first, then lowest); its number, if any. */
  #assign(u: SchedUnit): number | undefined {
    const free = this.pcpus.filter((p) => !this.#owner.has(p) && this.allowed(u, p));
    const p = free.find((q) => this.prefers(u, q)) ?? free[0];
    if (p !== undefined) this.#owner.set(p, unitKey(u));
    return p;
  }

  /** Hands free pCPU p to the first suitable waiter; returns it, if any. */
  #fill(p: number): SchedUnit | undefined {
    const units = this.#waitq.map((k) => this.unitByKey(k)!);
    const u = units.find((w) => this.prefers(w, p) && this.allowed(w, p)) ??
      units.find((w) => this.allowed(w, p));
    if (u === undefined) return undefined;
    this.#owner.set(p, unitKey(u));
    this.#waitq = this.#waitq.filter((k) => k !== unitKey(u));
    return u;
  }
}
