/**
 * Credit2 (xen/common/sched/credit2.c), Xen's default: one runqueue per pool, sorted by credit.
 * Running burns credit scaled by max_weight/weight; the unit with most credit runs; when the
 * chosen one has none left, every unit gets CREDIT_INIT more (clipped to INIT + CARRYOVER_MAX).
 * A cap gives the domain cap% of a pCPU as budget every 10 ms; its units are parked while the
 * budget is spent (overruns are paid back from the next periods). Xen hands budget to units in
 * quotas; here they draw from the domain's directly. Not modelled: per-socket runqueues and
 * load balancing between them.
 */
import type { SchedDecision, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { SchedulerBase } from "./sched_base.ts";
import { intIn, knownKeys, list, record, timeNs } from "./sched_check.ts";
import { compareUnits, unitKey } from "./unit_key.ts";
import { DomainWeights } from "./domain_weights.ts";

const US = 1000;
const MS = 1000 * US;
/** CSCHED2_CREDIT_INIT: credit given at insert and at each reset. */
export const CREDIT2_CREDIT_INIT = 10 * MS;
/** CSCHED2_CREDIT_MIN: credit never goes below this. */
const CREDIT_MIN = -CREDIT2_CREDIT_INIT;
/** CSCHED2_CREDIT_RESET: reset when the next unit's credit is at or below this. */
const CREDIT_RESET = 0;
/** CSCHED2_MIN_TIMER / CSCHED2_MAX_TIMER: bounds of one run. */
export const CREDIT2_MIN_TIMER = 500 * US;
export const CREDIT2_MAX_TIMER = CREDIT2_CREDIT_INIT;
/** CSCHED2_IDLE_CREDIT: what idling "has", for comparisons. */
const IDLE_CREDIT = CREDIT_MIN - 1;
/** CSCHED2_CARRYOVER_MAX: credit carried over a reset. */
const CARRYOVER_MAX = CREDIT2_MIN_TIMER;
/** CSCHED2_MIGRATE_RESIST (sched_credit2_migrate_resist default 500 µs). */
const MIGRATE_RESIST = 500 * US;
/** CSCHED2_RATELIMIT_TICKLE_TOLERANCE. */
const TICKLE_TOLERANCE = 50 * US;
/** CSCHED2_BDGT_REPL_PERIOD (credit2_cap_period_ms default 10). */
export const CREDIT2_CAP_PERIOD = 10 * MS;

interface Unit2 {
  credit: number;
  /** Remainder of the weight division (Xen's `residual`), so burning is exact. */
  residual: number;
  yielded: boolean;
  /** The pCPU a wake tickled for it (Xen's tickled_cpu), -1 = none. */
  tickledCpu: number;
}

/** The credit2 policy. */
export class Credit2Scheduler extends SchedulerBase {
  readonly name = "credit2" as const;
  #u = new Map<string, Unit2>();
  #weights = new DomainWeights("credit2", true);
  /** Budget left in this period (ns) per capped domain; absent = the full budget. */
  #budget = new Map<number, number>();
  /** Next budget replenishment (multiples of the cap period). */
  #nextRepl = CREDIT2_CAP_PERIOD;

  constructor(options: SchedulerOptions = {}) {
    super(options);
  }

  /** A unit's credit in ns-equivalents (reports and tests). */
  creditOf(u: SchedUnit): number {
    return this.#st(u).credit;
  }

  getParams(domid: number): Record<string, number> {
    return this.#weights.get(domid);
  }

  /** weight (1..65535) and cap (% of one pCPU, 0 = none), as xl sched-credit2 -w/-c. */
  setParams(domid: number, p: Record<string, number>): void {
    this.#weights.set(domid, p);
    this.#budget.delete(domid);
  }

  protected override onInsert(u: SchedUnit): void {
    this.#u.set(unitKey(u), {
      credit: CREDIT2_CREDIT_INIT,
      residual: 0,
      yielded: false,
      tickledCpu: -1,
    });
  }

  protected override onRemove(u: SchedUnit): number[] {
    this.#u.delete(unitKey(u));
    return [];
  }

  protected override onYield(u: SchedUnit): void {
    this.#st(u).yielded = true;
  }

  protected override charge(u: SchedUnit, fromNs: number, toNs: number): void {
    const s = this.#st(u);
    const ns = toNs - fromNs;
    if (this.#weights.capOf(u.domid) !== 0) {
      this.#budget.set(u.domid, this.#budgetOf(u.domid) - ns);
    }
    const w = this.#weights.weightOf(u.domid);
    const val = ns * this.#maxWeight() + s.residual;
    s.residual = val % w;
    s.credit = Math.max(CREDIT_MIN, s.credit - Math.floor(val / w));
  }

  /** runq_tickle: an idle pCPU, else the best-scoring preemption (tickle_score). */
  protected onWake(u: SchedUnit, nowNs: number): number[] {
    this.#catchUp(nowNs);
    const s = this.#st(u);
    s.tickledCpu = -1;
    if (this.#budgetOf(u.domid) <= 0) return [];
    const q = this.#tickle(u, nowNs);
    if (q !== undefined) s.tickledCpu = q;
    return q === undefined ? [] : [q];
  }

  #tickle(u: SchedUnit, nowNs: number): number | undefined {
    const idle = this.pickIdle(u);
    if (idle !== undefined) return idle;
    this.settleAll(nowNs);
    const me = this.#st(u).credit;
    let best: number | undefined;
    let bestScore = 0;
    const rl = this.options.ratelimitUs * US;
    for (const q of this.pcpus) {
      const cur = this.currOf(q);
      if (cur === null || !this.allowed(u, q)) continue;
      if (rl > TICKLE_TOLERANCE && nowNs - this.stretchStart(q) <= rl - TICKLE_TOLERANCE) continue;
      let score = me - this.#st(cur).credit;
      if (this.lastPcpuOf(u) !== q) score -= MIGRATE_RESIST;
      if (score <= 0) continue;
      if (this.prefers(u, q)) score += CREDIT2_CREDIT_INIT;
      if (!this.prefers(cur, q)) score += CREDIT2_CREDIT_INIT;
      if (score > bestScore) [best, bestScore] = [q, score];
    }
    return best;
  }

  /** runq_candidate + reset_credit + csched2_runtime. */
  protected decide(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision {
    this.#catchUp(nowNs);
    const ok = (u: SchedUnit) => canRun(u) && this.#budgetOf(u.domid) > 0;
    const rl = this.options.ratelimitUs * US;
    const yielded = prev !== null && this.#st(prev).yielded;
    if (prev !== null) this.#st(prev).yielded = false;
    const prevOk = prev !== null && ok(prev);
    const credit = (u: SchedUnit) => this.#st(u).credit;
    const waiting = this.allUnits()
      .filter((u) => u !== prev && ok(u) && !this.betterElsewhere(u, p))
      .sort((a, b) => credit(b) - credit(a) || compareUnits(a, b));
    let next: SchedUnit | null = prevOk && !this.betterElsewhere(prev, p) ? prev : null;
    if (!(prevOk && !yielded && rl > 0 && nowNs - this.stretchStart(p) < rl)) {
      const floor = next === null ? IDLE_CREDIT : credit(next);
      for (const u of waiting) {
        if (!yielded && credit(u) <= floor) break;
        // Left for the pCPU a wake tickled for it, if that one has not decided yet.
        const t = this.#st(u).tickledCpu;
        if (t !== -1 && t !== p && this.pcpus.includes(t) && this.isTickled(t)) continue;
        // Pulled from another pCPU only with CSCHED2_MIGRATE_RESIST more credit.
        const last = this.lastPcpuOf(u);
        if (last !== undefined && last !== p && floor + MIGRATE_RESIST > credit(u)) continue;
        next = u;
        break;
      }
    } else {
      next = prev;
    }
    if (next === null && prevOk) next = prev;
    if (next !== null) this.#st(next).tickledCpu = -1;
    // With caps, every pCPU looks again at each replenishment (parked units may run again).
    const capped = this.allUnits().some((u) => this.#weights.capOf(u.domid) !== 0);
    const repl = capped ? this.#nextRepl : Infinity;
    if (next === null) return { next, until: repl };
    if (credit(next) <= CREDIT_RESET) this.#reset(nowNs, credit(next) <= CREDIT_MIN);
    let minTime = CREDIT2_MIN_TIMER;
    if (rl > 0) minTime = Math.max(minTime, next === prev ? this.stretchStart(p) + rl - nowNs : rl);
    const others = waiting.filter((u) => u !== next);
    if (prevOk && next !== prev) others.push(prev);
    const swait = Math.max(0, ...others.map(credit));
    const rtCredit = swait > 0 ? credit(next) - swait : credit(next);
    const w = this.#weights.weightOf(next.domid);
    const time = rtCredit > 0 ? Math.floor(rtCredit * w / this.#maxWeight()) : 0;
    const budget = this.#budgetOf(next.domid);
    const run = Math.min(CREDIT2_MAX_TIMER, Math.max(minTime, time), budget);
    return { next, until: Math.min(nowNs + run, repl) };
  }

  protected savePolicy(): unknown {
    return {
      weights: this.#weights.save(),
      budget: [...this.#budget].sort(([a], [b]) => a - b),
      nextRepl: this.#nextRepl,
      units: [...this.#u].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, s]) => ({
        unit: k,
        ...s,
      })),
    };
  }

  protected loadPolicy(state: unknown): () => void {
    const s = record("credit2 policy", state);
    const applyWeights = this.#weights.load(s.weights);
    const budget = new Map<number, number>();
    for (const [i, row] of list("credit2 policy.budget", s.budget).entries()) {
      const [d, b] = list(`credit2 policy.budget[${i}]`, row);
      budget.set(
        intIn(`credit2 policy.budget[${i}] domid`, d, 0, 0x7fef),
        intIn(`credit2 policy.budget[${i}] ns`, b, -(2 ** 50), 2 ** 50),
      );
    }
    const nextRepl = timeNs("credit2 policy.nextRepl", s.nextRepl);
    if (nextRepl % CREDIT2_CAP_PERIOD !== 0) {
      throw new Error(`credit2 policy.nextRepl: ${nextRepl} is not a period boundary`);
    }
    const units = new Map<string, Unit2>();
    for (const [i, e] of list("credit2 policy.units", s.units).entries()) {
      const r = record(`credit2 policy.units[${i}]`, e);
      knownKeys(`credit2 policy.units[${i}]`, r, [
        "unit",
        "credit",
        "residual",
        "yielded",
        "tickledCpu",
      ]);
      const k = String(r.unit);
      if (!this.#u.has(k)) throw new Error(`credit2 policy.units[${i}]: unknown unit ${r.unit}`);
      if (typeof r.yielded !== "boolean") throw new Error(`credit2 yielded: ${r.yielded}`);
      units.set(k, {
        credit: intIn(`credit2 ${k} credit`, r.credit, CREDIT_MIN, 2 * CREDIT2_CREDIT_INIT),
        residual: timeNs(`credit2 ${k} residual`, r.residual),
        yielded: r.yielded,
        tickledCpu: intIn(`credit2 ${k} tickledCpu`, r.tickledCpu, -1, 4095),
      });
    }
    if (units.size !== this.#u.size) {
      throw new Error(`credit2 policy.units: ${units.size} units, ${this.#u.size} inserted`);
    }
    return () => {
      applyWeights();
      this.#budget = budget;
      this.#nextRepl = nextRepl;
      this.#u = units;
    };
  }

  #st(u: SchedUnit): Unit2 {
    const s = this.#u.get(unitKey(u));
    if (s === undefined) throw new Error(`credit2: d${u.domid}v${u.vcpu} not inserted`);
    return s;
  }

  /** The capped domain's budget left (ns); Infinity when uncapped. */
  #budgetOf(domid: number): number {
    const cap = this.#weights.capOf(domid);
    if (cap === 0) return Infinity;
    return this.#budget.get(domid) ?? Math.floor(CREDIT2_CAP_PERIOD * cap / 100);
  }

  /** replenish_domain_budget for each period boundary passed: add a period's worth, clip. */
  #catchUp(nowNs: number): void {
    while (this.#nextRepl <= nowNs) {
      this.settleAll(this.#nextRepl);
      for (const [d, b] of this.#budget) {
        const tot = Math.floor(CREDIT2_CAP_PERIOD * this.#weights.capOf(d) / 100);
        this.#budget.set(d, Math.min(b + tot, tot));
      }
      this.#nextRepl += CREDIT2_CAP_PERIOD;
    }
  }

  #maxWeight(): number {
    let m = 1;
    for (const u of this.allUnits()) m = Math.max(m, this.#weights.weightOf(u.domid));
    return m;
  }

  /** reset_credit: everyone up by CREDIT_INIT (twice if the chosen one hit the floor). */
  #reset(nowNs: number, twice: boolean): void {
    this.settleAll(nowNs);
    const add = twice ? 2 * CREDIT2_CREDIT_INIT : CREDIT2_CREDIT_INIT;
    for (const s of this.#u.values()) {
      s.credit = Math.min(s.credit + add, CREDIT2_CREDIT_INIT + CARRYOVER_MAX);
    }
  }
}
