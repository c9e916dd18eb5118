/**
 * What every policy shares (Xen's common schedule.c side of `sched_ops`): the pCPUs it owns, the
 * units and whether each is runnable, what runs where, run-time accounting per pCPU, affinity
 * checks, the counters and the common half of save/restore. A policy supplies the decisions.
 */
import type {
  SchedDecision,
  SchedStats,
  Scheduler,
  SchedulerName,
  SchedulerOptions,
  SchedUnit,
} from "./scheduler.ts";
import { intIn, list, pcpuSet, record, timeNs } from "./sched_check.ts";
import { compareUnits, unitKey, unitName } from "./unit_key.ts";

/** Xen's `sched_ratelimit_us` default (SCHED_DEFAULT_RATELIMIT_US, xen/include/xen/sched-if.h). */
export const DEFAULT_RATELIMIT_US = 1000;
/** XEN_SYSCTL_SCHED_RATELIMIT_MAX / _MIN (xen/include/public/sysctl.h); 0 disables it. */
const RATELIMIT_MAX_US = 500000;
const RATELIMIT_MIN_US = 100;
/** CSCHED_DEFAULT_TSLICE_MS (xen/common/sched/credit.c) and the sysctl's bounds. */
export const DEFAULT_TSLICE_MS = 30;
const TSLICE_MIN_MS = 1;
const TSLICE_MAX_MS = 1000;

/** Per-pCPU bookkeeping. */
interface Slot {
  /** What the last decision chose (null = idle). */
  curr: SchedUnit | null;
  /** Time of the last decision. */
  lastNs: number;
  /** When curr started its current stretch on this pCPU (ratelimit). */
  startNs: number;
  /** Up to when curr's run time has been charged. */
  accNs: number;
  /** A wake asked it to reschedule and it has not yet (so it is not "idle" for the next wake). */
  tickled: boolean;
}

/** Fills in and checks the options (ratelimit 0 or 100..500000 µs, time slice 1..1000 ms). */
export function checkOptions(o: SchedulerOptions = {}): Required<SchedulerOptions> {
  const ratelimitUs = o.ratelimitUs ?? DEFAULT_RATELIMIT_US;
  if (ratelimitUs !== 0) intIn("ratelimitUs", ratelimitUs, RATELIMIT_MIN_US, RATELIMIT_MAX_US);
  const tsliceMs = intIn("tsliceMs", o.tsliceMs ?? DEFAULT_TSLICE_MS, TSLICE_MIN_MS, TSLICE_MAX_MS);
  return { ratelimitUs, tsliceMs };
}

/** Affinities are pCPU lists; an empty hard affinity is refused as Xen does (-EINVAL). */
function checkAffinity(u: SchedUnit): void {
  const hard = pcpuSet(`${unitName(u)} hard affinity`, u.hard);
  if (hard !== null && hard.length === 0) throw new Error(`${unitName(u)}: hard affinity is []`);
  pcpuSet(`${unitName(u)} soft affinity`, u.soft);
}

/** The shared half of every policy; subclasses implement `decide` and the `on*` hooks. */
export abstract class SchedulerBase implements Scheduler {
  abstract readonly name: SchedulerName;
  readonly options: Readonly<Required<SchedulerOptions>>;
  readonly stats: SchedStats = { decisions: 0, wakes: 0, tickles: 0, migrations: 0 };
  #pcpus: number[] = [];
  #slots = new Map<number, Slot>();
  #units = new Map<string, SchedUnit>();
  #runnable = new Set<string>();
  #where = new Map<string, number>();
  #lastPcpu = new Map<string, number>();
  #sorted: SchedUnit[] | null = null;

  constructor(options: SchedulerOptions = {}) {
    this.options = checkOptions(options);
  }

  get pcpus(): readonly number[] {
    return this.#pcpus;
  }

  // ---- what policies read ----

  /** All units, ordered by (domid, vcpu) (cached: decisions read it often). */
  protected allUnits(): readonly SchedUnit[] {
    this.#sorted ??= [...this.#units.values()].sort(compareUnits);
    return this.#sorted;
  }

  /** The unit with this key, if inserted. */
  protected unitByKey(key: string): SchedUnit | undefined {
    return this.#units.get(key);
  }

  /** Whether u is runnable (woken and not put to sleep since). */
  protected isRunnable(u: SchedUnit): boolean {
    return this.#runnable.has(unitKey(u));
  }

  /** What the last decision on p chose. */
  protected currOf(p: number): SchedUnit | null {
    return this.#slot(p).curr;
  }

  /** The pCPU u runs on, if any. */
  protected runningOn(u: SchedUnit): number | undefined {
    return this.#where.get(unitKey(u));
  }

  /** The pCPU u last ran on, if it ever ran. */
  protected lastPcpuOf(u: SchedUnit): number | undefined {
    return this.#lastPcpu.get(unitKey(u));
  }

  /** When the unit running on p started its current stretch there. */
  protected stretchStart(p: number): number {
    return this.#slot(p).startNs;
  }

  /** Whether a wake tickled p and p has not decided since. */
  protected isTickled(p: number): boolean {
    return this.#slot(p).tickled;
  }

  /** Whether p is idle and nobody has tickled it yet. */
  protected isIdle(p: number): boolean {
    const s = this.#slot(p);
    return s.curr === null && !s.tickled;
  }

  /** Hard affinity intersected with this pool's pCPUs. */
  protected allowed(u: SchedUnit, p: number): boolean {
    return this.#slots.has(p) && (u.hard === null || u.hard.includes(p));
  }

  /** Whether p is in u's soft affinity. */
  protected prefers(u: SchedUnit, p: number): boolean {
    return u.soft !== null && u.soft.includes(p);
  }

  /**
   * Xen's soft-affinity rule when picking for p: skip u if p is outside its soft affinity while
   * an idle, untickled pCPU inside it (and allowed) could take it instead.
   */
  protected betterElsewhere(u: SchedUnit, p: number): boolean {
    if (u.soft === null || this.prefers(u, p)) return false;
    return u.soft.some((q) => q !== p && this.allowed(u, q) && this.isIdle(q));
  }

  /** An idle, untickled pCPU u may run on: soft affinity first, then where it last ran, lowest. */
  protected pickIdle(u: SchedUnit): number | undefined {
    const idle = this.#pcpus.filter((q) => this.allowed(u, q) && this.isIdle(q));
    if (idle.length === 0) return undefined;
    const last = this.lastPcpuOf(u);
    const rank = (q: number) => (this.prefers(u, q) ? 0 : 2) + (q === last ? 0 : 1);
    return idle.reduce((a, b) => (rank(b) < rank(a) ? b : a));
  }

  /** Charges every running unit (other pCPUs too) up to nowNs; see `charge`. */
  protected settleAll(nowNs: number): void {
    for (const p of this.#pcpus) this.#settle(p, nowNs);
  }

  // ---- what policies implement ----

  /** Picks for p; `canRun` already checks runnable, hard affinity, not elsewhere, eligible. */
  protected abstract decide(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision;
  /** u ran on p from fromNs to toNs (called before decisions and by settleAll). */
  protected charge(_u: SchedUnit, _fromNs: number, _toNs: number, _p: number): void {}
  protected onAddPcpu(_p: number): void {}
  /** Returns pCPUs to tickle. */
  protected onRemovePcpu(_p: number): number[] {
    return [];
  }
  protected onInsert(_u: SchedUnit, _nowNs: number): void {}
  /** Returns pCPUs to tickle. */
  protected onRemove(_u: SchedUnit): number[] {
    return [];
  }
  /** u became runnable; returns the pCPUs to tickle. */
  protected abstract onWake(u: SchedUnit, nowNs: number): number[];
  protected onSleep(_u: SchedUnit, _nowNs: number): void {}
  protected onYield(_u: SchedUnit): void {}
  /** Default: preempt u where it may no longer run, or offer it an idle pCPU it may now use. */
  protected onAffinity(u: SchedUnit, _nowNs: number): number[] {
    const p = this.runningOn(u);
    if (p !== undefined) return this.allowed(u, p) ? [] : [p];
    if (!this.isRunnable(u)) return [];
    const q = this.pickIdle(u);
    return q === undefined ? [] : [q];
  }
  /** The policy's own state as plain data. */
  protected abstract savePolicy(): unknown;
  /** Validates saved policy state completely, returning what applies it (nothing changes before). */
  protected abstract loadPolicy(s: unknown): () => void;
  abstract getParams(domid: number): Record<string, number>;
  abstract setParams(domid: number, p: Record<string, number>): void;

  // ---- the interface ----

  addPcpu(p: number): void {
    intIn(`${this.name}: pcpu`, p, 0, 4095);
    if (this.#slots.has(p)) throw new Error(`${this.name}: pcpu ${p} already added`);
    this.#slots.set(p, { curr: null, lastNs: 0, startNs: 0, accNs: 0, tickled: false });
    this.#pcpus = [...this.#pcpus, p].sort((a, b) => a - b);
    this.onAddPcpu(p);
  }

  removePcpu(p: number): number[] {
    const s = this.#slot(p);
    if (s.curr !== null) {
      throw new Error(`${this.name}: pcpu ${p} still runs ${unitName(s.curr)}; idle it first`);
    }
    this.#slots.delete(p);
    this.#pcpus = this.#pcpus.filter((q) => q !== p);
    return this.#tickle(this.onRemovePcpu(p));
  }

  insert(u: SchedUnit, nowNs: number): void {
    intIn(`${this.name}: domid`, u.domid, 0, 0x7fef);
    intIn(`${this.name}: vcpu`, u.vcpu, 0, 4095);
    timeNs(`${this.name}: insert ${unitName(u)} at`, nowNs);
    const k = unitKey(u);
    if (this.#units.has(k)) throw new Error(`${this.name}: ${unitName(u)} inserted twice`);
    checkAffinity(u);
    this.#units.set(k, u);
    this.#sorted = null;
    this.onInsert(u, nowNs);
  }

  remove(u: SchedUnit): number[] {
    const k = this.#known(u);
    const p = this.#where.get(k);
    if (p !== undefined) {
      this.#slot(p).curr = null;
      this.#where.delete(k);
    }
    const more = this.onRemove(u);
    this.#runnable.delete(k);
    this.#lastPcpu.delete(k);
    this.#units.delete(k);
    this.#sorted = null;
    return this.#tickle([...new Set([...(p === undefined ? [] : [p]), ...more])]);
  }

  wake(u: SchedUnit, nowNs: number): number[] {
    const k = this.#known(u);
    timeNs(`${this.name}: wake ${unitName(u)} at`, nowNs);
    if (this.#runnable.has(k)) return [];
    this.#runnable.add(k);
    this.stats.wakes++;
    // Put to sleep and woken before its pCPU rescheduled: it just goes on (no boost, no tickle).
    if (this.#where.has(k)) return [];
    return this.#tickle(this.onWake(u, nowNs));
  }

  sleep(u: SchedUnit, nowNs: number): void {
    const k = this.#known(u);
    timeNs(`${this.name}: sleep ${unitName(u)} at`, nowNs);
    if (!this.#runnable.delete(k)) return;
    this.onSleep(u, nowNs);
  }

  yield(u: SchedUnit): void {
    this.#known(u);
    this.onYield(u);
  }

  affinityChanged(u: SchedUnit, nowNs: number): number[] {
    this.#known(u);
    checkAffinity(u);
    return this.#tickle(this.onAffinity(u, nowNs));
  }

  schedule(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    prevRunnable: boolean,
    eligible: (u: SchedUnit) => boolean,
  ): SchedDecision {
    const s = this.#slot(p);
    if (timeNs(`${this.name}: schedule pcpu ${p} at`, nowNs) < s.lastNs) {
      throw new Error(`${this.name}: pcpu ${p}: time ${nowNs} is before its last decision`);
    }
    // A prev that was removed meanwhile is gone; any other must be what we chose here.
    const known = prev !== null && this.#units.get(unitKey(prev)) === prev;
    if (known && prev !== s.curr) {
      const c = s.curr === null ? "idle" : unitName(s.curr);
      throw new Error(`${this.name}: pcpu ${p}: prev ${unitName(prev)} is not what runs (${c})`);
    }
    const ran = known ? prev : null;
    if (ran === null && s.curr !== null) {
      // The integrator did not run what we chose (e.g. it could not start it): nothing to charge.
      this.#where.delete(unitKey(s.curr));
      s.curr = null;
    }
    if (ran !== null) this.#settle(p, nowNs);
    if (ran !== null && !prevRunnable && this.#runnable.delete(unitKey(ran))) {
      this.onSleep(ran, nowNs);
    }
    if (ran !== null && prevRunnable && !this.isRunnable(ran)) {
      throw new Error(`${this.name}: pcpu ${p}: prev ${unitName(ran)} is asleep, not runnable`);
    }
    s.tickled = false;
    const canRun = (u: SchedUnit) => {
      const at = this.#where.get(unitKey(u));
      return this.isRunnable(u) && this.allowed(u, p) &&
        (u === ran || (at === undefined || at === p) && eligible(u));
    };
    const d = this.decide(p, nowNs, ran, canRun);
    if (d.next !== null && !canRun(d.next)) {
      throw new Error(`${this.name}: pcpu ${p}: chose ${unitName(d.next)}, which cannot run`);
    }
    if (!(d.until > nowNs)) {
      throw new Error(`${this.name}: pcpu ${p}: next decision ${d.until} is not after ${nowNs}`);
    }
    this.stats.decisions++;
    if (d.next !== s.curr) {
      if (s.curr !== null) this.#where.delete(unitKey(s.curr));
      s.curr = d.next;
      s.startNs = nowNs;
      // Charged up to nowNs only: another pCPU ahead in time may have settled prev beyond it.
      s.accNs = nowNs;
      if (d.next !== null) {
        const k = unitKey(d.next);
        this.#where.set(k, p);
        const last = this.#lastPcpu.get(k);
        if (last !== undefined && last !== p) this.stats.migrations++;
        this.#lastPcpu.set(k, p);
      }
    }
    s.lastNs = nowNs;
    return d;
  }

  save(): unknown {
    const keyOrNull = (u: SchedUnit | null) => (u === null ? null : unitKey(u));
    return {
      name: this.name,
      options: { ...this.options },
      units: this.allUnits().map(unitKey),
      runnable: [...this.#runnable].sort(),
      lastPcpu: [...this.#lastPcpu].sort(),
      slots: this.#pcpus.map((p) => {
        const s = this.#slot(p);
        return {
          p,
          curr: keyOrNull(s.curr),
          lastNs: s.lastNs,
          startNs: s.startNs,
          accNs: s.accNs,
          tickled: s.tickled,
        };
      }),
      stats: { ...this.stats },
      policy: this.savePolicy(),
    };
  }

  restore(state: unknown): void {
    const w = `${this.name} state`;
    const s = record(w, state);
    if (s.name !== this.name) throw new Error(`${w}: scheduler ${JSON.stringify(s.name)}`);
    const o = record(`${w}.options`, s.options);
    for (const k of ["ratelimitUs", "tsliceMs"] as const) {
      if (o[k] !== this.options[k]) throw new Error(`${w}.options.${k}: ${String(o[k])} differs`);
    }
    const keys = list(`${w}.units`, s.units);
    const mine = this.allUnits().map(unitKey);
    if (JSON.stringify(keys) !== JSON.stringify(mine)) {
      throw new Error(`${w}.units: ${JSON.stringify(keys)} are not the inserted ${mine.join(",")}`);
    }
    const unit = (what: string, k: unknown) => {
      const u = typeof k === "string" ? this.#units.get(k) : undefined;
      if (u === undefined) throw new Error(`${what}: unknown unit ${JSON.stringify(k)}`);
      return u;
    };
    const runnable = list(`${w}.runnable`, s.runnable).map((k, i) =>
      unitKey(unit(`${w}.runnable[${i}]`, k))
    );
    const lastPcpu = list(`${w}.lastPcpu`, s.lastPcpu).map((e, i) => {
      const [k, p] = list(`${w}.lastPcpu[${i}]`, e);
      return [unitKey(unit(`${w}.lastPcpu[${i}]`, k)), intIn(`${w}.lastPcpu[${i}]`, p, 0, 4095)];
    }) as [string, number][];
    const slotList = list(`${w}.slots`, s.slots);
    if (slotList.length !== this.#pcpus.length) {
      throw new Error(`${w}.slots: ${slotList.length} pCPUs, this pool has ${this.#pcpus.length}`);
    }
    const slots = slotList.map((e, i): [number, Slot] => {
      const r = record(`${w}.slots[${i}]`, e);
      const p = this.#pcpus[i];
      if (r.p !== p) throw new Error(`${w}.slots[${i}].p: ${String(r.p)}, expected ${p}`);
      if (typeof r.tickled !== "boolean") throw new Error(`${w}.slots[${i}].tickled: ${r.tickled}`);
      return [p, {
        curr: r.curr === null ? null : unit(`${w}.slots[${i}].curr`, r.curr),
        lastNs: timeNs(`${w}.slots[${i}].lastNs`, r.lastNs),
        startNs: timeNs(`${w}.slots[${i}].startNs`, r.startNs),
        accNs: timeNs(`${w}.slots[${i}].accNs`, r.accNs),
        tickled: r.tickled,
      }];
    });
    const st = record(`${w}.stats`, s.stats);
    const stats = {
      decisions: timeNs(`${w}.stats.decisions`, st.decisions),
      wakes: timeNs(`${w}.stats.wakes`, st.wakes),
      tickles: timeNs(`${w}.stats.tickles`, st.tickles),
      migrations: timeNs(`${w}.stats.migrations`, st.migrations),
    };
    const applyPolicy = this.loadPolicy(s.policy);
    this.#runnable = new Set(runnable);
    this.#lastPcpu = new Map(lastPcpu);
    this.#slots = new Map(slots);
    this.#where = new Map();
    for (const [p, sl] of slots) if (sl.curr !== null) this.#where.set(unitKey(sl.curr), p);
    Object.assign(this.stats, stats);
    applyPolicy();
  }

  // ---- internals ----

  #slot(p: number): Slot {
    const s = this.#slots.get(p);
    if (s === undefined) throw new Error(`${this.name}: pcpu ${p} is not in this pool`);
    return s;
  }

  #known(u: SchedUnit): string {
    const k = unitKey(u);
    if (this.#units.get(k) !== u) throw new Error(`${this.name}: ${unitName(u)} not inserted`);
    return k;
  }

  #settle(p: number, nowNs: number): void {
    const s = this.#slot(p);
    if (s.curr !== null && nowNs > s.accNs) this.charge(s.curr, s.accNs, nowNs, p);
    if (nowNs > s.accNs) s.accNs = nowNs;
  }

  #tickle(ps: number[]): number[] {
    for (const q of ps) this.#slot(q).tickled = true;
    this.stats.tickles += ps.length;
    return ps;
  }
}
