/**
 * Xen's active grant entries: for each entry of a granting domain that is in use, who uses it,
 * which machine frame it resolved to and how often it is pinned. The pin is one 32-bit word of
 * four 8-bit counters (host-writable, host-read-only, device-writable, device-read-only maps) as
 * in Xen; a request that could carry a counter past 127 is refused rather than wrapping.
 */

/** Pin counter increment: a writable host mapping (or a copy into the frame). */
export const GNTPIN_hstw_inc = 1 << 0;
/** Pin counter increment: a read-only host mapping (or a copy from the frame). */
export const GNTPIN_hstr_inc = 1 << 8;
/** Pin counter increment: a writable device mapping. */
export const GNTPIN_devw_inc = 1 << 16;
/** Pin counter increment: a read-only device mapping. */
export const GNTPIN_devr_inc = 1 << 24;
/** Mask of the host-writable counter. */
export const GNTPIN_hstw_mask = 0xff << 0;
/** Mask of the device-writable counter. */
export const GNTPIN_devw_mask = 0xff << 16;

/** The bits that must be clear before adding `incr` (the top bit of each counter it touches). */
export function pinOverflowMask(incr: number): number {
  return (incr << 7) >>> 0;
}

import { arr, int, obj, StateError } from "../state_check.ts";

/** One entry in use. */
export interface ActiveGrant {
  /** The four pin counters (GNTPIN_*); the record is dropped when it reaches zero. */
  pin: number;
  /** The domain the entry is pinned for (only it may add pins). */
  domid: number;
  /** Machine frame the entry's gfn resolved to when first pinned. */
  mfn: number;
  /** The granter's gfn it came from. */
  gfn: number;
}

/** One active entry as saved: its ref and record. */
export type ActiveGrantState = { ref: number } & ActiveGrant;

/** The active entries of one grant table, by grant ref. */
export class ActiveGrants {
  /**
   * Active entries holding `state` (from list(), of a table with `nrEntries` entries). Throws
   * StateError naming the bad entry.
   */
  static fromState(state: unknown, nrEntries: number): ActiveGrants {
    const a = new ActiveGrants();
    arr(state, "grants.active", nrEntries).forEach((x, i) => {
      const f = `grants.active[${i}]`;
      const o = obj(x, f);
      const ref = int(o.ref, `${f}.ref`, 0, nrEntries - 1);
      if (a.#byRef.has(ref)) throw new StateError(`${f}.ref: ${ref} is listed twice`);
      a.#byRef.set(ref, {
        pin: int(o.pin, `${f}.pin`, 1, 0xffff_ffff),
        domid: int(o.domid, `${f}.domid`, 0, 0xffff),
        mfn: int(o.mfn, `${f}.mfn`, 0, 2 ** 40 - 1),
        gfn: int(o.gfn, `${f}.gfn`, 0, 2 ** 40 - 1),
      });
    });
    return a;
  }

  readonly #byRef = new Map<number, ActiveGrant>();

  /** The active record of `ref`, or undefined when it is not pinned. */
  get(ref: number): ActiveGrant | undefined {
    return this.#byRef.get(ref);
  }

  /** Pin word of `ref` (0 when not in use). */
  pin(ref: number): number {
    return this.#byRef.get(ref)?.pin ?? 0;
  }

  /** Records `ref` as newly pinned for `domid` with `incr`. */
  start(ref: number, domid: number, mfn: number, gfn: number, incr: number): void {
    this.#byRef.set(ref, { pin: incr, domid, mfn, gfn });
  }

  /** Adds `incr` to the pin of active entry `ref`. */
  add(ref: number, incr: number): void {
    const a = this.#byRef.get(ref);
    if (a === undefined) throw new Error(`grant ref ${ref} is not active`);
    a.pin = (a.pin + incr) >>> 0;
  }

  /** Takes `incr` off the pin of `ref`; the record goes when no pin is left. Returns the pin. */
  drop(ref: number, incr: number): number {
    const a = this.#byRef.get(ref);
    if (a === undefined) throw new Error(`grant ref ${ref} is not active`);
    a.pin = (a.pin - incr) >>> 0;
    if (a.pin === 0) this.#byRef.delete(ref);
    return a.pin;
  }

  /** Every active entry in ref order (the REPL, snapshots). */
  list(): ActiveGrantState[] {
    return [...this.#byRef].sort((a, b) => a[0] - b[0]).map(([ref, a]) => ({ ref, ...a }));
  }
}
