/**
 * Per-domain weight (and, for credit, cap) shared by a domain's units, as Xen's
 * XEN_DOMCTL_SCHEDOP_putinfo sets them: weight 1..65535 (default 256, CSCHED_DEFAULT_WEIGHT /
 * CSCHED2_DEFAULT_WEIGHT), cap 0 (none) ..65535 percent of one pCPU.
 */
import { intIn, knownKeys, list, record } from "./sched_check.ts";

/** CSCHED_DEFAULT_WEIGHT (credit.c) = CSCHED2_DEFAULT_WEIGHT (credit2.c). */
export const DEFAULT_WEIGHT = 256;

interface Entry {
  weight: number;
  cap: number;
}

/** Weight (and optionally cap) per domid; domains never set have the defaults. */
export class DomainWeights {
  #who: string;
  #withCap: boolean;
  #m = new Map<number, Entry>();

  /** `who` names the scheduler in errors; `withCap` admits the cap parameter. */
  constructor(who: string, withCap: boolean) {
    this.#who = who;
    this.#withCap = withCap;
  }

  /** The domain's weight. */
  weightOf(domid: number): number {
    return this.#m.get(domid)?.weight ?? DEFAULT_WEIGHT;
  }

  /** The domain's cap in percent of a pCPU (0 = none). */
  capOf(domid: number): number {
    return this.#m.get(domid)?.cap ?? 0;
  }

  /** The parameters as xl sched-credit shows them. */
  get(domid: number): Record<string, number> {
    const w = this.weightOf(intIn(`${this.#who}: domid`, domid, 0, 0x7fef));
    return this.#withCap ? { weight: w, cap: this.capOf(domid) } : { weight: w };
  }

  /** Sets weight and/or cap, validating both before changing either. */
  set(domid: number, p: Record<string, number>): void {
    intIn(`${this.#who}: domid`, domid, 0, 0x7fef);
    const w = `${this.#who} d${domid} params`;
    knownKeys(w, record(w, p), this.#withCap ? ["weight", "cap"] : ["weight"]);
    const weight = intIn(`${w}.weight`, p.weight ?? this.weightOf(domid), 1, 65535);
    const cap = intIn(`${w}.cap`, p.cap ?? this.capOf(domid), 0, 65535);
    this.#m.set(domid, { weight, cap });
  }

  /** Plain data: [domid, weight, cap] rows by domid. */
  save(): number[][] {
    return [...this.#m].sort(([a], [b]) => a - b).map(([d, e]) => [d, e.weight, e.cap]);
  }

  /** Validates saved rows; returns what installs them. */
  load(s: unknown): () => void {
    const m = new Map<number, Entry>();
    for (const [i, row] of list(`${this.#who} weights`, s).entries()) {
      const [d, weight, cap] = list(`${this.#who} weights[${i}]`, row);
      m.set(intIn(`${this.#who} weights[${i}] domid`, d, 0, 0x7fef), {
        weight: intIn(`${this.#who} weights[${i}] weight`, weight, 1, 65535),
        cap: intIn(`${this.#who} weights[${i}] cap`, cap, 0, this.#withCap ? 65535 : 0),
      });
    }
    return () => {
      this.#m = m;
    };
  }
}
