/**
 * RTDS (xen/common/sched/rt.c): global EDF over the pool's pCPUs. Each unit has a period and a
 * budget (defaults 10 ms / 4 ms); at every period boundary its budget is refilled and its
 * deadline moves to the boundary's end (boundaries are multiples of the period from time 0).
 * Running burns budget; a depleted unit waits for its next period, unless it has extratime:
 * then it goes on at a lower priority level with a fresh budget (Xen's default for new units).
 * Order: lower priority level first, then earlier deadline.
 * Per-vcpu parameters (XEN_DOMCTL_SCHEDOP_putvcpuinfo) are not modelled: a domain's units share.
 */
import type { SchedDecision, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { SchedulerBase } from "./sched_base.ts";
import { intIn, knownKeys, list, record, timeNs } from "./sched_check.ts";
import { compareUnits, unitKey } from "./unit_key.ts";

const US = 1000;
/** RTDS_DEFAULT_PERIOD / RTDS_DEFAULT_BUDGET (µs). */
export const RTDS_DEFAULT_PERIOD_US = 10000;
export const RTDS_DEFAULT_BUDGET_US = 4000;
/** RTDS_MIN_PERIOD / RTDS_MIN_BUDGET (µs); the maximum here keeps ns values exact. */
const MIN_US = 10;
const MAX_PERIOD_US = 2 ** 32;

interface Params {
  periodUs: number;
  budgetUs: number;
  extratime: number;
}

interface UnitRt {
  budget: number;
  deadline: number;
  level: number;
}

/** The RTDS policy. */
export class RtdsScheduler extends SchedulerBase {
  readonly name = "rtds" as const;
  #u = new Map<string, UnitRt>();
  #params = new Map<number, Params>();

  constructor(options: SchedulerOptions = {}) {
    super(options);
  }

  /** A unit's current budget (ns), absolute deadline (ns) and priority level (reports, tests). */
  unitInfo(u: SchedUnit): Readonly<UnitRt> {
    return { ...this.#st(u) };
  }

  getParams(domid: number): Record<string, number> {
    intIn("rtds: domid", domid, 0, 0x7fef);
    return { ...this.#paramsOf(domid) };
  }

  /** periodUs (10..2^32), budgetUs (10..periodUs), extratime (0/1), as xl sched-rtds. */
  setParams(domid: number, p: Record<string, number>): void {
    intIn("rtds: domid", domid, 0, 0x7fef);
    const w = `rtds d${domid} params`;
    knownKeys(w, record(w, p), ["periodUs", "budgetUs", "extratime"]);
    const cur = this.#paramsOf(domid);
    const periodUs = intIn(`${w}.periodUs`, p.periodUs ?? cur.periodUs, MIN_US, MAX_PERIOD_US);
    const budgetUs = intIn(`${w}.budgetUs`, p.budgetUs ?? cur.budgetUs, MIN_US, periodUs);
    const extratime = intIn(`${w}.extratime`, p.extratime ?? cur.extratime, 0, 1);
    this.#params.set(domid, { periodUs, budgetUs, extratime });
    // rt_dom_cntl: the new parameters apply from the current period (budget clipped to them).
    for (const u of this.allUnits()) {
      if (u.domid !== domid) continue;
      const s = this.#st(u);
      s.budget = Math.min(s.budget, budgetUs * US);
    }
  }

  protected override onInsert(u: SchedUnit, nowNs: number): void {
    const s = { budget: 0, deadline: 0, level: 0 };
    this.#u.set(unitKey(u), s);
    this.#update(u, s, nowNs);
  }

  protected override onRemove(u: SchedUnit): number[] {
    this.#u.delete(unitKey(u));
    return [];
  }

  /** burn_budget. */
  protected override charge(u: SchedUnit, fromNs: number, toNs: number): void {
    const s = this.#st(u);
    s.budget -= toNs - fromNs;
    if (s.budget > 0) return;
    const p = this.#paramsOf(u.domid);
    if (p.extratime) {
      s.level++;
      s.budget = p.budgetUs * US;
    } else {
      s.budget = 0;
    }
  }

  /** rt_unit_wake + runq_tickle: an idle pCPU, else the one running the latest-deadline unit. */
  protected onWake(u: SchedUnit, nowNs: number): number[] {
    this.#replenish(nowNs);
    if (this.#st(u).budget <= 0) return [];
    const idle = this.pickIdle(u);
    if (idle !== undefined) return [idle];
    let worst: number | undefined;
    for (const q of this.pcpus) {
      const cur = this.currOf(q);
      if (cur === null || !this.allowed(u, q) || !this.#before(u, cur)) continue;
      if (worst === undefined || this.#before(this.currOf(worst)!, cur)) worst = q;
    }
    return worst === undefined ? [] : [worst];
  }

  /** rt_schedule: the highest-priority unit with budget; decide again at budget end or when
   * any unit's period ends (a refill may preempt). */
  protected decide(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision {
    this.#replenish(nowNs);
    const cands = this.allUnits().filter((u) =>
      canRun(u) && this.#st(u).budget > 0 && (u === prev || !this.betterElsewhere(u, p))
    );
    const order = (a: SchedUnit, b: SchedUnit) =>
      this.#rank(a, b) || (a === prev ? -1 : b === prev ? 1 : compareUnits(a, b));
    const next = cands.sort(order)[0] ?? null;
    let until = next === null ? Infinity : nowNs + this.#st(next).budget;
    for (const u of this.allUnits()) {
      if (this.isRunnable(u) && this.allowed(u, p)) until = Math.min(until, this.#st(u).deadline);
    }
    return { next, until };
  }

  protected savePolicy(): unknown {
    return {
      params: [...this.#params].sort(([a], [b]) => a - b).map(([d, p]) => [
        d,
        p.periodUs,
        p.budgetUs,
        p.extratime,
      ]),
      units: this.allUnits().map((u) => ({ unit: unitKey(u), ...this.#st(u) })),
    };
  }

  protected loadPolicy(state: unknown): () => void {
    const w = "rtds policy";
    const s = record(w, state);
    const params = new Map<number, Params>();
    for (const [i, row] of list(`${w}.params`, s.params).entries()) {
      const [d, per, bud, x] = list(`${w}.params[${i}]`, row);
      const periodUs = intIn(`${w}.params[${i}] periodUs`, per, MIN_US, MAX_PERIOD_US);
      params.set(intIn(`${w}.params[${i}] domid`, d, 0, 0x7fef), {
        periodUs,
        budgetUs: intIn(`${w}.params[${i}] budgetUs`, bud, MIN_US, periodUs),
        extratime: intIn(`${w}.params[${i}] extratime`, x, 0, 1),
      });
    }
    const mine = this.allUnits().map(unitKey);
    const rows = list(`${w}.units`, s.units);
    if (rows.length !== mine.length) {
      throw new Error(`${w}.units: ${rows.length} units, ${mine.length} inserted`);
    }
    const units = new Map<string, UnitRt>();
    for (const [i, e] of rows.entries()) {
      const at = `${w}.units[${i}]`;
      const r = record(at, e);
      knownKeys(at, r, ["unit", "budget", "deadline", "level"]);
      if (r.unit !== mine[i]) throw new Error(`${at}.unit: ${String(r.unit)}, expected ${mine[i]}`);
      units.set(mine[i], {
        budget: intIn(`${at}.budget`, r.budget, 0, MAX_PERIOD_US * US),
        deadline: timeNs(`${at}.deadline`, r.deadline),
        level: timeNs(`${at}.level`, r.level),
      });
    }
    return () => {
      this.#params = params;
      this.#u = units;
    };
  }

  #paramsOf(domid: number): Params {
    return this.#params.get(domid) ??
      { periodUs: RTDS_DEFAULT_PERIOD_US, budgetUs: RTDS_DEFAULT_BUDGET_US, extratime: 1 };
  }

  #st(u: SchedUnit): UnitRt {
    const s = this.#u.get(unitKey(u));
    if (s === undefined) throw new Error(`rtds: d${u.domid}v${u.vcpu} not inserted`);
    return s;
  }

  /** rt_update_deadline: jump to the period containing nowNs, full budget, level 0. */
  #update(u: SchedUnit, s: UnitRt, nowNs: number): void {
    const p = this.#paramsOf(u.domid);
    const period = p.periodUs * US;
    s.deadline += (Math.floor((nowNs - s.deadline) / period) + 1) * period;
    s.budget = p.budgetUs * US;
    s.level = 0;
  }

  /** Refills every unit whose period ended (charging running ones up to nowNs first). */
  #replenish(nowNs: number): void {
    this.settleAll(nowNs);
    for (const u of this.allUnits()) {
      const s = this.#st(u);
      if (s.deadline <= nowNs) this.#update(u, s, nowNs);
    }
  }

  /** Order by priority level, then deadline (negative: a first). */
  #rank(a: SchedUnit, b: SchedUnit): number {
    const x = this.#st(a);
    const y = this.#st(b);
    return x.level - y.level || x.deadline - y.deadline;
  }

  /** Whether a strictly precedes b. */
  #before(a: SchedUnit, b: SchedUnit): boolean {
    return this.#rank(a, b) < 0;
  }
}
