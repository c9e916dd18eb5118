/**
 * Credit (xen/common/sched/credit.c): proportional share with priorities BOOST > UNDER > OVER.
 * Every accounting period (one time slice, 30 ms) the pool's credit (300 per pCPU) is shared
 * among active units by domain weight, capped domains limited to cap% and parked when they
 * overspend; running burns 10 credits per ms; a unit waking from a block while UNDER gets BOOST
 * until the next 10 ms tick finds it running. A unit keeps its pCPU for a whole time slice unless
 * a higher priority one appears, and at least the ratelimit (1 ms) unless it yields.
 * Modelled as one pool-wide queue in which every pCPU picks the best waiting unit, standing for
 * Xen's per-pCPU runqueues with work stealing; Xen's per-domain ordering tweaks of the active
 * list (credit_xtra rotation) are left out.
 */
import type { SchedDecision, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { SchedulerBase } from "./sched_base.ts";
import { intIn, knownKeys, list, record, timeNs } from "./sched_check.ts";
import { unitKey } from "./unit_key.ts";
import { DomainWeights } from "./domain_weights.ts";

const US = 1000;
const MS = 1000 * US;
/** CSCHED_PRI_TS_BOOST / _UNDER / _OVER. */
export const PRI_BOOST = 0;
export const PRI_UNDER = -1;
export const PRI_OVER = -2;
/** CSCHED_CREDITS_PER_MSEC. */
const CREDITS_PER_MSEC = 10;
/** CSCHED_TICKS_PER_TSLICE: the tick is a third of the time slice (10 ms by default). */
const TICKS_PER_TSLICE = 3;
/** CSCHED_MIN_TIMER = XEN_SYSCTL_SCHED_RATELIMIT_MIN. */
const MIN_TIMER = 100 * US;

interface Unit1 {
  credit: number;
  /** Sub-credit remainder of burning (Xen's `residual`). */
  residual: number;
  pri: number;
  /** On the active list: earns credit at accounting. */
  active: boolean;
  /** Capped and overspent: may not run until credit is back (CSCHED_FLAG_UNIT_PARKED). */
  parked: boolean;
  yielded: boolean;
  /** Queue position: lower was queued earlier (FIFO among equal priority). */
  seq: number;
  /**
   * The idle pCPU its wake placed it on (csched_res_pick, soft affinity first), -1 = none: other
   * pCPUs leave it to that one until it decides, as it sits on that pCPU's runqueue in Xen.
   */
  placedOn: number;
}

/** The credit policy. */
export class CreditScheduler extends SchedulerBase {
  readonly name = "credit" as const;
  #u = new Map<string, Unit1>();
  #weights = new DomainWeights("credit", true);
  #sliceEnd = new Map<number, number>();
  #nextAcct: number;
  #balance = 0;
  #seq = 0;

  constructor(options: SchedulerOptions = {}) {
    super(options);
    // csched_init: a ratelimit longer than the time slice makes no sense.
    if (this.options.ratelimitUs > this.options.tsliceMs * 1000) {
      throw new Error(
        `credit: ratelimitUs ${this.options.ratelimitUs} exceeds tsliceMs ${this.options.tsliceMs}`,
      );
    }
    this.#nextAcct = this.#tslice();
  }

  /** A unit's credit and priority (reports and tests). */
  unitInfo(u: SchedUnit): { credit: number; pri: number; parked: boolean } {
    const s = this.#st(u);
    return { credit: s.credit, pri: s.pri, parked: s.parked };
  }

  getParams(domid: number): Record<string, number> {
    return this.#weights.get(domid);
  }

  setParams(domid: number, p: Record<string, number>): void {
    this.#weights.set(domid, p);
  }

  protected override onAddPcpu(p: number): void {
    this.#sliceEnd.set(p, 0);
  }

  protected override onRemovePcpu(p: number): number[] {
    this.#sliceEnd.delete(p);
    return [];
  }

  protected override onInsert(u: SchedUnit): void {
    this.#u.set(unitKey(u), {
      credit: 0,
      residual: 0,
      pri: PRI_UNDER,
      active: false,
      parked: false,
      yielded: false,
      seq: ++this.#seq,
      placedOn: -1,
    });
  }

  protected override onRemove(u: SchedUnit): number[] {
    this.#u.delete(unitKey(u));
    return [];
  }

  protected override onYield(u: SchedUnit): void {
    this.#st(u).yielded = true;
  }

  /** burn_credits, plus what csched_tick does to the running unit at each tick passed. */
  protected override charge(u: SchedUnit, fromNs: number, toNs: number): void {
    const s = this.#st(u);
    const val = (toNs - fromNs) * CREDITS_PER_MSEC + s.residual;
    s.residual = val % MS;
    s.credit -= Math.floor(val / MS);
    const tick = this.#tslice() / TICKS_PER_TSLICE;
    if (Math.floor(toNs / tick) > Math.floor(fromNs / tick)) {
      if (s.pri === PRI_BOOST) s.pri = PRI_UNDER;
      s.active = true;
    }
  }

  /** csched_unit_wake + __runq_tickle. */
  protected onWake(u: SchedUnit, nowNs: number): number[] {
    this.#catchUp(nowNs);
    this.settleAll(nowNs);
    const s = this.#st(u);
    if (s.pri === PRI_UNDER && !s.parked) s.pri = PRI_BOOST;
    s.seq = ++this.#seq;
    s.placedOn = -1;
    if (s.parked) return [];
    const idle = this.pickIdle(u);
    if (idle !== undefined) {
      s.placedOn = idle;
      return [idle];
    }
    const last = this.lastPcpuOf(u);
    let best: number | undefined;
    for (const q of this.pcpus) {
      const cur = this.currOf(q);
      if (cur === null || !this.allowed(u, q) || this.#st(cur).pri >= s.pri) continue;
      if (best === undefined || q === last) best = q;
      else if (best !== last && this.#st(cur).pri < this.#st(this.currOf(best)!).pri) best = q;
    }
    return best === undefined ? [] : [best];
  }

  /** csched_schedule (ratelimit, time slice, priority then FIFO order). */
  protected decide(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision {
    this.#catchUp(nowNs);
    const rl = this.options.ratelimitUs * US;
    const ok = (u: SchedUnit) => canRun(u) && !this.#st(u).parked;
    const yielded = prev !== null && this.#st(prev).yielded;
    if (prev !== null) this.#st(prev).yielded = false;
    const prevOk = prev !== null && ok(prev);
    const runtime = nowNs - this.stretchStart(p);
    if (prevOk && !yielded && rl > 0 && runtime < rl) {
      return { next: prev, until: nowNs + (runtime < MIN_TIMER ? MIN_TIMER : rl - runtime) };
    }
    const pri = (u: SchedUnit) => this.#st(u).pri;
    const order = (a: SchedUnit, b: SchedUnit) =>
      pri(b) - pri(a) || this.#st(a).seq - this.#st(b).seq;
    const waiting = this.allUnits().filter((u) =>
      u !== prev && ok(u) && !this.betterElsewhere(u, p) && !this.#leftFor(u, p)
    ).sort(order);
    const sliceEnd = this.#sliceEnd.get(p)!;
    if (
      prevOk && !yielded && nowNs < sliceEnd && !(waiting.length && pri(waiting[0]) > pri(prev))
    ) {
      return { next: prev, until: Math.min(sliceEnd, this.#nextAcct) };
    }
    let next: SchedUnit | null = waiting[0] ?? null;
    if (prevOk) {
      // Back on the queue behind its equals; a yielder also behind one lower (Xen's runq_insert),
      // so anyone waiting goes first.
      this.#st(prev).seq = ++this.#seq;
      if (next === null || !yielded && order(prev, next) < 0 && !this.betterElsewhere(prev, p)) {
        next = prev;
      }
    }
    if (next !== null) this.#st(next).placedOn = -1;
    if (next === null) {
      const parked = this.allUnits().some((u) => this.#st(u).parked && this.isRunnable(u));
      return { next, until: parked ? this.#nextAcct : Infinity };
    }
    const end = nowNs + this.#tslice();
    this.#sliceEnd.set(p, end);
    return { next, until: Math.min(end, this.#nextAcct) };
  }

  protected savePolicy(): unknown {
    return {
      weights: this.#weights.save(),
      nextAcct: this.#nextAcct,
      balance: this.#balance,
      seq: this.#seq,
      sliceEnd: this.pcpus.map((p) => this.#sliceEnd.get(p)!),
      units: this.allUnits().map((u) => ({ unit: unitKey(u), ...this.#st(u) })),
    };
  }

  protected loadPolicy(state: unknown): () => void {
    const w = "credit policy";
    const s = record(w, state);
    const applyWeights = this.#weights.load(s.weights);
    const nextAcct = timeNs(`${w}.nextAcct`, s.nextAcct);
    const balance = intIn(`${w}.balance`, s.balance, -(2 ** 40), 2 ** 40);
    const seq = timeNs(`${w}.seq`, s.seq);
    const ends = list(`${w}.sliceEnd`, s.sliceEnd);
    if (ends.length !== this.pcpus.length) {
      throw new Error(`${w}.sliceEnd: ${ends.length} entries for ${this.pcpus.length} pCPUs`);
    }
    const sliceEnd = new Map(this.pcpus.map((p, i) => [p, timeNs(`${w}.sliceEnd[${i}]`, ends[i])]));
    const mine = this.allUnits().map(unitKey);
    const rows = list(`${w}.units`, s.units);
    if (rows.length !== mine.length) {
      throw new Error(`${w}.units: ${rows.length} units, ${mine.length} inserted`);
    }
    const units = new Map<string, Unit1>();
    for (const [i, e] of rows.entries()) {
      const r = record(`${w}.units[${i}]`, e);
      const at = `${w}.units[${i}]`;
      knownKeys(at, r, [
        "unit",
        "credit",
        "residual",
        "pri",
        "active",
        "parked",
        "yielded",
        "seq",
        "placedOn",
      ]);
      if (r.unit !== mine[i]) throw new Error(`${at}.unit: ${String(r.unit)}, expected ${mine[i]}`);
      for (const f of ["active", "parked", "yielded"] as const) {
        if (typeof r[f] !== "boolean") throw new Error(`${at}.${f}: ${String(r[f])}`);
      }
      units.set(mine[i], {
        credit: intIn(`${at}.credit`, r.credit, -(2 ** 40), 2 ** 40),
        residual: intIn(`${at}.residual`, r.residual, 0, MS - 1),
        pri: intIn(`${at}.pri`, r.pri, PRI_OVER, PRI_BOOST),
        active: r.active as boolean,
        parked: r.parked as boolean,
        yielded: r.yielded as boolean,
        seq: intIn(`${at}.seq`, r.seq, 0, seq),
        placedOn: intIn(`${at}.placedOn`, r.placedOn, -1, 4095),
      });
    }
    return () => {
      applyWeights();
      this.#nextAcct = nextAcct;
      this.#balance = balance;
      this.#seq = seq;
      this.#sliceEnd = sliceEnd;
      this.#u = units;
    };
  }

  /** Whether u waits for the pCPU its wake placed it on, which has not decided yet. */
  #leftFor(u: SchedUnit, p: number): boolean {
    const t = this.#st(u).placedOn;
    return t !== -1 && t !== p && this.pcpus.includes(t) && this.isTickled(t);
  }

  #tslice(): number {
    return this.options.tsliceMs * MS;
  }

  #st(u: SchedUnit): Unit1 {
    const s = this.#u.get(unitKey(u));
    if (s === undefined) throw new Error(`credit: d${u.domid}v${u.vcpu} not inserted`);
    return s;
  }

  /** Runs the accounting periods that ended by nowNs (Xen's master ticker). */
  #catchUp(nowNs: number): void {
    while (this.#nextAcct <= nowNs) {
      this.settleAll(this.#nextAcct);
      this.#acct();
      this.#nextAcct += this.#tslice();
    }
  }

  /** csched_acct: share the pool's credit among active units by weight, apply caps. */
  #acct(): void {
    const cpt = CREDITS_PER_MSEC * this.options.tsliceMs;
    const byDom = new Map<number, Unit1[]>();
    for (const u of this.allUnits()) {
      const s = this.#st(u);
      if (!s.active) continue;
      byDom.set(u.domid, [...(byDom.get(u.domid) ?? []), s]);
    }
    let weightTotal = 0;
    for (const [d, us] of byDom) weightTotal += this.#weights.weightOf(d) * us.length;
    let creditTotal = cpt * this.pcpus.length;
    const prevBalance = this.#balance;
    if (prevBalance < 0) creditTotal -= prevBalance;
    if (weightTotal === 0) {
      this.#balance = 0;
      return;
    }
    let weightLeft = weightTotal;
    let balance = 0;
    for (const [d, us] of byDom) {
      const n = us.length;
      const weight = this.#weights.weightOf(d);
      const cap = this.#weights.capOf(d);
      weightLeft -= weight * n;
      let peak = n * cpt;
      if (prevBalance < 0) {
        peak += Math.floor((-prevBalance * weight * n + weightTotal - 1) / weightTotal);
      }
      let capPerUnit = 0;
      if (cap !== 0) {
        const creditCap = Math.floor((cap * cpt + 99) / 100);
        if (creditCap < peak) peak = creditCap;
        capPerUnit = Math.floor((creditCap + n - 1) / n);
      }
      let fair = Math.floor((creditTotal * weight * n + weightTotal - 1) / weightTotal);
      if (fair >= peak) {
        if (weightLeft !== 0) {
          creditTotal += Math.floor(((fair - peak) * weightTotal + weightLeft - 1) / weightLeft);
        }
        fair = peak;
      }
      fair = Math.floor((fair + n - 1) / n);
      for (const s of us) {
        s.credit += fair;
        if (s.credit < 0) {
          s.pri = PRI_OVER;
          if (cap !== 0 && s.credit < -capPerUnit) s.parked = true;
          if (s.credit < -cpt) s.credit = -cpt;
        } else {
          s.pri = PRI_UNDER;
          if (s.parked) {
            s.parked = false;
            s.seq = ++this.#seq;
          }
          if (s.credit > cpt) {
            s.active = false;
            s.credit = Math.trunc(s.credit / 2);
          }
        }
        balance += s.credit;
      }
    }
    this.#balance = balance;
  }
}
