/**
 * A physical CPU of the hypervisor's machine: its own time line (cycles), the vcpu its scheduler
 * chose for it, and the vcpus whose processor it is (their timers interrupt it). Physical CPUs
 * advance in lockstep rounds of a fixed quantum, so a multi-CPU run is deterministic; an idle
 * pCPU jumps straight to the next event that can wake a vcpu.
 */
import type { Vcpu } from "./vcpu.ts";

/** One physical CPU. */
export class Pcpu {
  readonly id: number;
  /** Local time in cycles. */
  now = 0;
  /** The vcpu executing on it right now (inside the run loop's slice), or null. */
  current: Vcpu | null = null;
  /** The scheduler's choice for this pCPU (Xen's `curr`), kept across rounds; null = idle. */
  curr: Vcpu | null = null;
  /** The cycle at which the scheduler wants to decide again (its slice timer). */
  sliceEnd = Infinity;
  /** A decision is due now: the current vcpu blocked or yielded, or a wake-up tickled us. */
  resched = true;
  /** A runnable vcpu ahead of this pCPU's time becomes eligible here at this cycle. */
  retryAt = Infinity;
  /** Vcpus whose processor this is (Xen's v->processor). */
  readonly vcpus: Vcpu[] = [];
  /** Cycles spent idle (nothing runnable). */
  idleCycles = 0;
  /** Cycles spent in the hypervisor with no vcpu to charge (idle wake-ups, context switches). */
  hypCycles = 0;
  /** Whose context the PE holds: switching to another vcpu costs a save and a restore. */
  loaded: Vcpu | null = null;

  constructor(id: number) {
    this.id = id;
  }
}
