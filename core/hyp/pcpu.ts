/**
 * A physical CPU of the hypervisor's machine: its own time line (cycles) and the vcpus the
 * scheduler may run on it. Physical CPUs advance in lockstep rounds of a fixed quantum, each
 * running its vcpus up to the round's end, so a multi-CPU run is deterministic; an idle pCPU
 * jumps straight to the next event that can wake one of its vcpus.
 */
import type { Vcpu } from "./vcpu.ts";

/** One physical CPU. */
export class Pcpu {
  readonly id: number;
  /** Local time in cycles. */
  now = 0;
  /** The vcpu running (or idling in a native WFI) on it, or null. */
  current: Vcpu | null = null;
  /** Vcpus placed here, in round-robin order. */
  readonly vcpus: Vcpu[] = [];
  /** Cycles spent idle (nothing runnable). */
  idleCycles = 0;
  /** Cycles spent in the hypervisor with no vcpu to charge (idle wake-ups, context switches). */
  hypCycles = 0;
  /** Whose context the PE holds: switching to another vcpu costs a save and a restore. */
  loaded: Vcpu | null = null;
  #next = 0;

  constructor(id: number) {
    this.id = id;
  }

  /** The round-robin position (snapshots). */
  get rrNext(): number {
    return this.#next;
  }

  set rrNext(i: number) {
    if (!Number.isInteger(i) || i < 0) throw new Error(`pcpu ${this.id}: round-robin index ${i}`);
    this.#next = i;
  }

  /**
   * The next vcpu to run: round-robin over the runnable ones placed here (Xen's schedulers
   * arrive with the timing model; until then every pCPU shares its time equally).
   */
  pick(runnable: (v: Vcpu) => boolean): Vcpu | null {
    const n = this.vcpus.length;
    for (let k = 0; k < n; k++) {
      const v = this.vcpus[(this.#next + k) % n];
      if (runnable(v)) {
        this.#next = (this.#next + k + 1) % n;
        return v;
      }
    }
    return null;
  }
}
