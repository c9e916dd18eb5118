/**
 * The interface every scheduling policy implements (Xen's `struct scheduler` hooks, reduced to
 * what a deterministic, virtual-time run loop needs). Policies are pure: they never read a clock;
 * the integrator passes virtual nanoseconds and calls the hooks at the moments Xen would.
 */

/** The policies the registry knows, named as Xen's `sched=` option spells them. */
export type SchedulerName = "credit" | "credit2" | "rtds" | "arinc653" | "null";

/** Every name {@link SchedulerName} admits, in registry order. */
export const SCHEDULER_NAMES: readonly SchedulerName[] = [
  "credit2",
  "credit",
  "rtds",
  "arinc653",
  "null",
];

/** The scheduler's view of one vcpu (the integrator creates one per vcpu and keeps it). */
export interface SchedUnit {
  readonly domid: number;
  readonly vcpu: number;
  /** Hard affinity: pCPUs it may run on (null = all of its pool). */
  hard: number[] | null;
  /** Soft affinity: preferred pCPUs (null = none). */
  soft: number[] | null;
}

/** What one pCPU does next. */
export interface SchedDecision {
  /** What runs next on the pCPU (null = idle). */
  next: SchedUnit | null;
  /**
   * Virtual ns at which the scheduler wants to decide again on this pCPU (Infinity = only on
   * block/yield/wake-tickle).
   */
  until: number;
}

/** Counters for reports. */
export interface SchedStats {
  /** schedule() calls. */
  decisions: number;
  /** wake() calls that made a unit runnable. */
  wakes: number;
  /** pCPUs returned by wake()/affinityChanged() for immediate rescheduling. */
  tickles: number;
  /** Decisions that started a unit on a pCPU other than the one it last ran on. */
  migrations: number;
}

/** Construction options (Xen's boot parameters of the same meaning). */
export interface SchedulerOptions {
  /** `sched_ratelimit_us` (credit, credit2): a unit runs at least this long unless it yields. */
  ratelimitUs?: number;
  /** `sched_credit_tslice_ms` (credit only): time slice; the tick is a third of it. */
  tsliceMs?: number;
}

/** One scheduling policy instance; it owns the pCPUs of one cpupool. */
export interface Scheduler {
  readonly name: SchedulerName;
  /** The options it was created with, defaults filled in. */
  readonly options: Readonly<Required<SchedulerOptions>>;
  /** The pCPUs it owns, ascending. */
  readonly pcpus: readonly number[];
  /** Takes pCPU p (idle); the integrator then calls schedule(p) on it. */
  addPcpu(p: number): void;
  /**
   * Gives pCPU p away; the integrator has made sure nothing runs on it. Returns pCPUs to tickle
   * (null: where a unit assigned to p was moved).
   */
  removePcpu(p: number): number[];
  /** vcpu created (not runnable yet). */
  insert(u: SchedUnit, nowNs: number): void;
  /**
   * vcpu destroyed. Returns pCPUs to tickle: where it was running (the integrator then passes
   * prev = null) and, for null, the pCPU it frees if a waiting unit got it.
   */
  remove(u: SchedUnit): number[];
  /**
   * u became runnable; returns pCPUs to "tickle" (preempt now: the integrator makes each call
   * schedule() at once), possibly empty.
   */
  wake(u: SchedUnit, nowNs: number): number[];
  /** u stopped being runnable (blocked, offline, paused); it may be the one running. */
  sleep(u: SchedUnit, nowNs: number): void;
  /** u asked to yield (SCHEDOP_yield / WFE). */
  yield(u: SchedUnit): void;
  /**
   * u's hard or soft affinity was changed by the integrator; returns pCPUs to tickle (where u
   * runs but may no longer, or where it may now run).
   */
  affinityChanged(u: SchedUnit, nowNs: number): number[];
  /**
   * Decide for pCPU p at nowNs. `prev` ran on p since its last decision (or null = idle);
   * prevRunnable says whether it still can run. `eligible(u)` is false for units the integrator
   * cannot start on p right now (e.g. running on another pCPU or ahead in time): skip those.
   * prev must be what the last decision on p chose (or null: it did not run, nothing is charged;
   * or a unit removed since); prevRunnable true for a unit put to sleep and not woken is an error.
   * The scheduler learns run time from nowNs minus its last decision on p.
   */
  schedule(
    p: number,
    nowNs: number,
    prev: SchedUnit | null,
    prevRunnable: boolean,
    eligible: (u: SchedUnit) => boolean,
  ): SchedDecision;
  /** Per-domain parameters as plain data (shared by the domain's units). */
  getParams(domid: number): Record<string, number>;
  /** Sets some of a domain's parameters; validates all first and throws naming the bad value. */
  setParams(domid: number, p: Record<string, number>): void;
  /** Plain-data state (units by (domid, vcpu)). */
  save(): unknown;
  /**
   * Replaces the state with a saved one. The integrator first inserts the same units (its
   * SchedUnit objects, with their affinities) and adds the same pCPUs; restore validates
   * everything before changing anything.
   */
  restore(s: unknown): void;
  /** Counters for reports. */
  readonly stats: SchedStats;
}
