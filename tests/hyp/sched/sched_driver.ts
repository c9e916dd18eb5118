/**
 * A deterministic driver for scheduler policies: simulated pCPUs run synthetic vcpus
 * (CPU-bound, or periodic: X ns of work released every T ns) in virtual time, calling the
 * Scheduler interface the way the hypervisor's run loop does (wake → tickled pCPUs decide at
 * once; a vcpu that blocks → sleep + decide; `until` reached → decide), and measures run time,
 * wait after wake and where each unit ran. Decisions cost no time here.
 */
import type { Scheduler, SchedUnit } from "../../../core/hyp/sched/scheduler.ts";
import { unitKey } from "../../../core/hyp/sched/unit_key.ts";

/** What a synthetic vcpu does. */
export type Load =
  | { kind: "cpu" }
  | { kind: "periodic"; runNs: number; periodNs: number };

/** One synthetic vcpu. */
export interface SimUnitSpec {
  domid: number;
  vcpu: number;
  load?: Load;
  hard?: number[] | null;
  soft?: number[] | null;
  /** First wake (default 0); Infinity = never woken by the driver. */
  startNs?: number;
}

/** One stretch a unit ran on a pCPU. */
export interface Interval {
  p: number;
  from: number;
  to: number;
}

/** What the driver measured for one unit. */
export interface UnitReport {
  runNs: number;
  maxWaitNs: number;
  ranOn: Set<number>;
  intervals: Interval[];
}

/** Which scheduler owns each pCPU and each unit (one scheduler, or a cpupool's). */
export interface Routing {
  pcpus: number[];
  ofPcpu(p: number): Scheduler;
  ofUnit(u: SchedUnit): Scheduler;
}

/** Routing for one scheduler owning pCPUs 0..n-1 (it adds them). */
export function single(sched: Scheduler, n: number): Routing {
  const pcpus = [...Array(n).keys()];
  for (const p of pcpus) sched.addPcpu(p);
  return { pcpus, ofPcpu: () => sched, ofUnit: () => sched };
}

interface UnitSim {
  u: SchedUnit;
  load: Load;
  runnable: boolean;
  /** When a blocked unit wakes (Infinity = not scheduled). */
  wakeAt: number;
  /** Work left in the current job (periodic). */
  left: number;
  /** Release time of the current job (periodic). */
  release: number;
  /** Time of a wake not yet followed by a run. */
  pendingWake: number | null;
  report: UnitReport;
}

/** Called after each decision (tests check guarantees here). */
export type DecisionHook = (p: number, now: number, next: SchedUnit | null, until: number) => void;

/** The simulation. */
export class SchedSim {
  readonly route: Routing;
  now = 0;
  /** Rolling FNV-1a hash of every decision (p, time, choice, until). */
  hash = 0x811c9dc5;
  decisions = 0;
  #units: UnitSim[] = [];
  #curr = new Map<number, UnitSim | null>();
  #until = new Map<number, number>();
  #runStart = new Map<number, number>();
  #scripted: { at: number; seq: number; fn: () => void }[] = [];
  #seq = 0;
  #hook: DecisionHook | undefined;

  constructor(route: Routing, specs: SimUnitSpec[], hook?: DecisionHook) {
    this.route = route;
    this.#hook = hook;
    for (const p of route.pcpus) {
      this.#curr.set(p, null);
      this.#until.set(p, Infinity);
    }
    for (const s of specs) {
      const u: SchedUnit = {
        domid: s.domid,
        vcpu: s.vcpu,
        hard: s.hard ?? null,
        soft: s.soft ?? null,
      };
      const load = s.load ?? { kind: "cpu" };
      this.#units.push({
        u,
        load,
        runnable: false,
        wakeAt: s.startNs ?? 0,
        left: load.kind === "cpu" ? Infinity : load.runNs,
        release: 0,
        pendingWake: null,
        report: { runNs: 0, maxWaitNs: 0, ranOn: new Set(), intervals: [] },
      });
      route.ofUnit(u).insert(u, 0);
    }
  }

  /** The SchedUnit objects, in spec order. */
  get units(): SchedUnit[] {
    return this.#units.map((s) => s.u);
  }

  /** The SchedUnit of (domid, vcpu). */
  unit(domid: number, vcpu: number): SchedUnit {
    return this.#sim(domid, vcpu).u;
  }

  /** What the driver measured for unit (domid, vcpu). */
  report(domid: number, vcpu: number): UnitReport {
    return this.#sim(domid, vcpu).report;
  }

  /** Whether the driver's vcpu u can run (woken, not blocked). */
  isRunnable(u: SchedUnit): boolean {
    return this.#units.some((s) => s.u === u && s.runnable);
  }

  /** What runs on p now. */
  currentOn(p: number): SchedUnit | null {
    return this.#curr.get(p)?.u ?? null;
  }

  /** Runs fn at virtual time `at` (before wakes and decisions due then). */
  at(at: number, fn: () => void): void {
    this.#scripted.push({ at, seq: this.#seq++, fn });
    this.#scripted.sort((a, b) => a.at - b.at || a.seq - b.seq);
  }

  /** Destroys a unit now (as the hypervisor would: remove, then the tickled pCPUs decide). */
  removeUnit(domid: number, vcpu: number): void {
    const s = this.#sim(domid, vcpu);
    const p = this.#pcpuOf(s);
    if (p !== undefined) this.#stop(p);
    const tickles = this.route.ofUnit(s.u).remove(s.u);
    this.#units = this.#units.filter((x) => x !== s);
    this.#tickled(tickles);
  }

  /** Changes a unit's affinity now (as vcpu-pin would), rescheduling the tickled pCPUs. */
  setAffinity(domid: number, vcpu: number, hard: number[] | null, soft: number[] | null): void {
    const s = this.#sim(domid, vcpu);
    s.u.hard = hard;
    s.u.soft = soft;
    this.#tickled(this.route.ofUnit(s.u).affinityChanged(s.u, this.now));
  }

  #tickled(ps: number[]): void {
    for (const q of ps) {
      const c = this.#curr.get(q) ?? null;
      this.#decide(q, c?.u ?? null, c !== null);
    }
  }

  /** Runs until virtual time endNs. */
  run(endNs: number): void {
    for (let steps = 0;; steps++) {
      if (steps > 10_000_000) throw new Error(`driver: no progress at ${this.now}`);
      const t = this.#nextTime();
      if (t > endNs) {
        this.#advance(endNs);
        return;
      }
      this.#advance(t);
      this.#step(t);
    }
  }

  /** Records the stretches running now as intervals up to now (before reading reports). */
  closeIntervals(): void {
    for (const p of this.route.pcpus) {
      const c = this.#curr.get(p);
      if (!c) continue;
      if (this.now > this.#runStart.get(p)!) {
        c.report.intervals.push({ p, from: this.#runStart.get(p)!, to: this.now });
      }
      this.#runStart.set(p, this.now);
    }
  }

  /** Starts measuring afresh (after a warm-up). */
  resetReports(): void {
    this.closeIntervals();
    for (const s of this.#units) {
      s.report = { runNs: 0, maxWaitNs: 0, ranOn: new Set(), intervals: [] };
    }
    for (const [p, c] of this.#curr) c?.report.ranOn.add(p);
  }

  /** The driver's own state (not the schedulers'), plain data. */
  saveState(): string {
    return JSON.stringify({
      now: this.now,
      hash: this.hash,
      decisions: this.decisions,
      units: this.#units.map((s) => ({
        key: unitKey(s.u),
        runnable: s.runnable,
        wakeAt: s.wakeAt === Infinity ? null : s.wakeAt,
        left: s.left === Infinity ? null : s.left,
        release: s.release,
        pendingWake: s.pendingWake,
        runNs: s.report.runNs,
      })),
      pcpus: this.route.pcpus.map((p) => ({
        p,
        curr: this.#curr.get(p) ? unitKey(this.#curr.get(p)!.u) : null,
        until: this.#until.get(p) === Infinity ? null : this.#until.get(p),
        runStart: this.#runStart.get(p) ?? 0,
      })),
    });
  }

  /** Loads saveState()'s output into a driver built with the same specs. */
  loadState(text: string): void {
    const s = JSON.parse(text);
    this.now = s.now;
    this.hash = s.hash;
    this.decisions = s.decisions;
    for (const r of s.units) {
      const x = this.#units.find((y) => unitKey(y.u) === r.key)!;
      Object.assign(x, {
        runnable: r.runnable,
        wakeAt: r.wakeAt ?? Infinity,
        left: r.left ?? Infinity,
        release: r.release,
        pendingWake: r.pendingWake,
      });
      x.report.runNs = r.runNs;
    }
    for (const r of s.pcpus) {
      this.#curr.set(
        r.p,
        r.curr === null ? null : this.#units.find((y) => unitKey(y.u) === r.curr)!,
      );
      this.#until.set(r.p, r.until ?? Infinity);
      this.#runStart.set(r.p, r.runStart);
    }
  }

  #sim(domid: number, vcpu: number): UnitSim {
    const s = this.#units.find((x) => x.u.domid === domid && x.u.vcpu === vcpu);
    if (s === undefined) throw new Error(`driver: no unit d${domid}v${vcpu}`);
    return s;
  }

  #pcpuOf(s: UnitSim): number | undefined {
    for (const [p, c] of this.#curr) if (c === s) return p;
    return undefined;
  }

  #nextTime(): number {
    let t = this.#scripted[0]?.at ?? Infinity;
    for (const s of this.#units) if (!s.runnable) t = Math.min(t, s.wakeAt);
    for (const p of this.route.pcpus) {
      t = Math.min(t, this.#until.get(p)!);
      const c = this.#curr.get(p);
      if (c) t = Math.min(t, this.now + c.left);
    }
    return t;
  }

  #advance(t: number): void {
    const dt = t - this.now;
    if (dt < 0) throw new Error(`driver: time went back from ${this.now} to ${t}`);
    for (const p of this.route.pcpus) {
      const c = this.#curr.get(p);
      if (!c) continue;
      c.report.runNs += dt;
      c.left -= dt;
    }
    this.now = t;
  }

  /** Handles one event due at t: script, wake, job completion, then decision deadline. */
  #step(t: number): void {
    if (this.#scripted.length > 0 && this.#scripted[0].at === t) {
      this.#scripted.shift()!.fn();
      return;
    }
    const w = this.#units.find((s) => !s.runnable && s.wakeAt === t);
    if (w) {
      w.runnable = true;
      w.wakeAt = Infinity;
      w.release = t;
      if (w.load.kind === "periodic") w.left = w.load.runNs;
      w.pendingWake = t;
      this.#tickled(this.route.ofUnit(w.u).wake(w.u, t));
      return;
    }
    for (const p of this.route.pcpus) {
      const c = this.#curr.get(p);
      if (c && c.left === 0 && c.load.kind === "periodic") {
        const next = c.release + c.load.periodNs;
        if (next <= t) {
          c.release = next;
          c.left = c.load.runNs;
          return;
        }
        c.runnable = false;
        c.wakeAt = next;
        this.route.ofUnit(c.u).sleep(c.u, t);
        this.#decide(p, c.u, false);
        return;
      }
    }
    for (const p of this.route.pcpus) {
      if (this.#until.get(p) === t) {
        const c = this.#curr.get(p) ?? null;
        this.#decide(p, c?.u ?? null, c !== null);
        return;
      }
    }
    throw new Error(`driver: nothing due at ${t}`);
  }

  #stop(p: number): void {
    const c = this.#curr.get(p);
    if (c && this.now > this.#runStart.get(p)!) {
      c.report.intervals.push({ p, from: this.#runStart.get(p)!, to: this.now });
    }
    this.#curr.set(p, null);
  }

  #decide(p: number, prev: SchedUnit | null, prevRunnable: boolean): void {
    const t = this.now;
    const sched = this.route.ofPcpu(p);
    const running = (s: UnitSim) => this.#pcpuOf(s);
    const d = sched.schedule(p, t, prev, prevRunnable, (u) => {
      const s = this.#units.find((x) => x.u === u);
      if (s === undefined || !s.runnable) return false;
      const at = running(s);
      return at === undefined || at === p;
    });
    const next = d.next === null ? null : this.#units.find((x) => x.u === d.next);
    if (next === undefined) throw new Error(`driver: pcpu ${p} chose an unknown unit`);
    if (next !== null) {
      if (!next.runnable) throw new Error(`driver: pcpu ${p} chose blocked ${unitKey(next.u)}`);
      const at = running(next);
      if (at !== undefined && at !== p) {
        throw new Error(`driver: pcpu ${p} chose ${unitKey(next.u)}, running on ${at}`);
      }
    }
    const cur = this.#curr.get(p) ?? null;
    if (next !== cur) {
      this.#stop(p);
      this.#curr.set(p, next);
      this.#runStart.set(p, t);
      if (next !== null) {
        next.report.ranOn.add(p);
        if (next.pendingWake !== null) {
          next.report.maxWaitNs = Math.max(next.report.maxWaitNs, t - next.pendingWake);
        }
      }
    }
    if (next !== null) next.pendingWake = null;
    this.#until.set(p, d.until);
    this.decisions++;
    this.#mix(`${p}@${t}:${next === null ? "-" : unitKey(next.u)}<${d.until}`);
    this.#hook?.(p, t, next?.u ?? null, d.until);
  }

  #mix(s: string): void {
    let h = this.hash;
    for (let i = 0; i < s.length; i++) {
      h ^= s.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    this.hash = h;
  }
}
