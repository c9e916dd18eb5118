/**
 * ARINC 653 (xen/common/sched/arinc653.c): a fixed cyclic schedule. A major frame is cut into
 * windows, each owned by one (domain, vcpu) for its runtime; the frame repeats forever. In a
 * window only its owner may run; if it is blocked the pCPU idles, and after the last window it
 * idles until the frame ends. Without a schedule set, Xen's default: an empty 10 ms frame to
 * which every control-domain (domid 0) vcpu adds a 10 ms window as it is created.
 * Entries name domids where Xen names domain handles (UUIDs). Xen runs a window's vcpu only on
 * the pCPU it is assigned to; here it may run on any pCPU of the pool its affinity allows.
 */
import type { SchedDecision, SchedulerOptions, SchedUnit } from "./scheduler.ts";
import { SchedulerBase } from "./sched_base.ts";
import { intIn, knownKeys, list, record, timeNs } from "./sched_check.ts";
import { unitKey } from "./unit_key.ts";

const MS = 1_000_000;
/** DEFAULT_TIMESLICE: the default frame and each control-domain window. */
export const ARINC653_DEFAULT_TIMESLICE = 10 * MS;
/** ARINC653_MAX_DOMAINS_PER_SCHEDULE (xen/include/public/sysctl.h). */
export const ARINC653_MAX_ENTRIES = 64;

/** One window of the major frame. */
export interface Arinc653Entry {
  domid: number;
  vcpu: number;
  runtimeNs: number;
}

/** A schedule as XEN_SYSCTL_SCHEDOP_putinfo passes it. */
export interface Arinc653Schedule {
  majorFrameNs: number;
  entries: Arinc653Entry[];
}

/** Checks a schedule as arinc653_sched_set does; throws naming the bad value. */
function checkSchedule(what: string, v: unknown): Arinc653Schedule {
  const s = record(what, v);
  knownKeys(what, s, ["majorFrameNs", "entries"]);
  const majorFrameNs = intIn(`${what}.majorFrameNs`, s.majorFrameNs, 1, Number.MAX_SAFE_INTEGER);
  const rows = list(`${what}.entries`, s.entries);
  intIn(`${what}.entries.length`, rows.length, 1, ARINC653_MAX_ENTRIES);
  let total = 0;
  const entries = rows.map((e, i) => {
    const r = record(`${what}.entries[${i}]`, e);
    knownKeys(`${what}.entries[${i}]`, r, ["domid", "vcpu", "runtimeNs"]);
    const runtimeNs = intIn(`${what}.entries[${i}].runtimeNs`, r.runtimeNs, 1, majorFrameNs);
    total += runtimeNs;
    return {
      domid: intIn(`${what}.entries[${i}].domid`, r.domid, 0, 0x7fef),
      vcpu: intIn(`${what}.entries[${i}].vcpu`, r.vcpu, 0, 4095),
      runtimeNs,
    };
  });
  if (total > majorFrameNs) {
    throw new Error(
      `${what}: windows total ${total} ns, more than the major frame ${majorFrameNs}`,
    );
  }
  return { majorFrameNs, entries };
}

/** The ARINC 653 policy. */
export class Arinc653Scheduler extends SchedulerBase {
  readonly name = "arinc653" as const;
  #frame: Arinc653Schedule = { majorFrameNs: ARINC653_DEFAULT_TIMESLICE, entries: [] };
  /** When the current schedule took effect: frames start at epoch + k × major frame. */
  #epochNs = 0;

  constructor(options: SchedulerOptions = {}) {
    super(options);
  }

  /** The schedule in force (a copy). */
  getSchedule(): Arinc653Schedule {
    return structuredClone(this.#frame);
  }

  /**
   * Installs a schedule; as in Xen it takes effect at once with a new major frame starting at
   * nowNs. Returns the pCPUs to reschedule now (all of the pool's).
   */
  setSchedule(frame: Arinc653Schedule, nowNs: number): number[] {
    const f = checkSchedule("arinc653 schedule", frame);
    this.#epochNs = timeNs("arinc653 setSchedule at", nowNs);
    this.#frame = f;
    return [...this.pcpus];
  }

  /** The window in force at nowNs: its entry (null = idle gap) and when it ends. */
  window(nowNs: number): { entry: Arinc653Entry | null; endNs: number } {
    const mf = this.#frame.majorFrameNs;
    const start = nowNs - ((nowNs - this.#epochNs) % mf + mf) % mf;
    let t = start;
    for (const e of this.#frame.entries) {
      if (nowNs < t + e.runtimeNs) return { entry: e, endNs: t + e.runtimeNs };
      t += e.runtimeNs;
    }
    return { entry: null, endNs: start + mf };
  }

  getParams(domid: number): Record<string, number> {
    intIn("arinc653: domid", domid, 0, 0x7fef);
    return {};
  }

  setParams(domid: number, p: Record<string, number>): void {
    throw new Error(
      `arinc653: no per-domain parameters (d${domid}: ${JSON.stringify(p)}); use setSchedule`,
    );
  }

  /** a653sched_alloc_udata: each control-domain vcpu gets a default window while slots last. */
  protected override onInsert(u: SchedUnit): void {
    const es = this.#frame.entries;
    if (u.domid !== 0 || es.length >= ARINC653_MAX_ENTRIES) return;
    es.push({ domid: 0, vcpu: u.vcpu, runtimeNs: ARINC653_DEFAULT_TIMESLICE });
    if (es.length > 1) this.#frame.majorFrameNs += ARINC653_DEFAULT_TIMESLICE;
  }

  /** Waking in its own window: offer it an idle pCPU. */
  protected onWake(u: SchedUnit, nowNs: number): number[] {
    const e = this.window(nowNs).entry;
    if (e === null || e.domid !== u.domid || e.vcpu !== u.vcpu) return [];
    const q = this.pickIdle(u);
    return q === undefined ? [] : [q];
  }

  /** a653sched_do_schedule: the window's owner if it can run, else idle; next at window end. */
  protected decide(
    _p: number,
    nowNs: number,
    _prev: SchedUnit | null,
    canRun: (u: SchedUnit) => boolean,
  ): SchedDecision {
    const w = this.window(nowNs);
    const u = w.entry === null ? undefined : this.unitByKey(unitKey(w.entry));
    return { next: u !== undefined && canRun(u) ? u : null, until: w.endNs };
  }

  protected savePolicy(): unknown {
    return { epochNs: this.#epochNs, frame: structuredClone(this.#frame) };
  }

  protected loadPolicy(state: unknown): () => void {
    const s = record("arinc653 policy", state);
    const epochNs = timeNs("arinc653 policy.epochNs", s.epochNs);
    const fr = record("arinc653 policy.frame", s.frame);
    // The default frame may have no windows yet; any set schedule has at least one.
    const frame = list("arinc653 policy.frame.entries", fr.entries).length === 0
      ? {
        majorFrameNs: intIn("arinc653 policy.frame.majorFrameNs", fr.majorFrameNs, 1, 2 ** 53),
        entries: [],
      }
      : checkSchedule("arinc653 policy.frame", fr);
    return () => {
      this.#epochNs = epochNs;
      this.#frame = frame;
    };
  }
}
