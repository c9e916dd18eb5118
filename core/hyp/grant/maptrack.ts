/**
 * A domain's maptrack table: one record per mapping it holds of a granted frame, indexed by the
 * handle map_grant_ref returns. Records come in pages of 256 (16-byte records per 4 KiB, as in
 * Xen) up to a limit of pages. Free records form a list threaded through their `ref` fields in
 * Xen's order: a new page hands out its first record and queues the rest, freed handles go to
 * the tail, and the last free record is kept as the list's sentinel. Xen keeps one such list per
 * vcpu; hvlab keeps one per domain, which gives the handles Xen gives a guest mapping from one
 * vcpu.
 */

import { int, obj, StateError, typed } from "../state_check.ts";

/** Records per maptrack page (PAGE_SIZE / sizeof(struct grant_mapping)). */
export const MAPTRACK_PER_PAGE = 256;
/** End of the free list (and "no handle"). */
const TAIL = 0xffffffff;

/** One mapping as the REPL lists it. */
export interface MaptrackEntry {
  handle: number;
  /** Granting domain. */
  domid: number;
  /** The granter's grant ref. */
  ref: number;
  /** GNTMAP_* flags still mapped (low 16 bits of the map request's flags). */
  flags: number;
}

/** A maptrack table as plain data: the record arrays and the free list's ends. */
export interface MaptrackState {
  maxPages: number;
  /** Per record: grant ref when in use, next free handle (0xffffffff: none) when free. */
  ref: Uint32Array;
  /** Per record: GNTMAP_* flags, 0 when free. */
  flags: Uint16Array;
  /** Per record: granting domain. */
  domid: Uint16Array;
  head: number;
  tail: number;
}

/** The maptrack table of one domain. */
export class Maptrack {
  /**
   * A table holding `state` (from save()). The free list must run from head to tail through
   * free records only, without loops. Throws StateError naming the bad field.
   */
  static fromState(state: unknown): Maptrack {
    const s = obj(state, "maptrack");
    const maxPages = int(s.maxPages, "maptrack.maxPages", 0, 2 ** 20);
    const max = maxPages * MAPTRACK_PER_PAGE;
    const ref = typed(s.ref, "maptrack.ref", Uint32Array, max);
    const n = ref.length;
    const flags = typed(s.flags, "maptrack.flags", Uint16Array, n);
    const domid = typed(s.domid, "maptrack.domid", Uint16Array, n);
    if (n % MAPTRACK_PER_PAGE !== 0 || flags.length !== n || domid.length !== n) {
      throw new StateError(`maptrack: ${n} refs, ${flags.length} flags, ${domid.length} domids`);
    }
    const head = s.head === TAIL ? TAIL : int(s.head, "maptrack.head", 0, n - 1);
    const tail = s.tail === TAIL ? TAIL : int(s.tail, "maptrack.tail", 0, n - 1);
    let last = TAIL, steps = 0;
    for (let h = head; h !== TAIL; h = ref[h]) {
      if (h >= n || flags[h] !== 0 || ++steps > n) {
        throw new StateError(`maptrack: free list broken at handle ${h}`);
      }
      last = h;
    }
    if (last !== tail) throw new StateError(`maptrack.tail: ${tail}, the list ends at ${last}`);
    const m = new Maptrack(maxPages);
    for (let h = 0; h < n; h++) {
      m.#ref.push(ref[h]);
      m.#flags.push(flags[h]);
      m.#domid.push(domid[h]);
    }
    m.#head = head;
    m.#tail = tail;
    return m;
  }

  /** The table as plain data. */
  save(): MaptrackState {
    return {
      maxPages: this.maxPages,
      ref: Uint32Array.from(this.#ref),
      flags: Uint16Array.from(this.#flags),
      domid: Uint16Array.from(this.#domid),
      head: this.#head,
      tail: this.#tail,
    };
  }

  /** Page limit (max_maptrack_frames). */
  readonly maxPages: number;
  /** Grant ref of an in-use record; next free handle of a free one. */
  readonly #ref: number[] = [];
  /** GNTMAP_* flags; 0 marks a free record. */
  readonly #flags: number[] = [];
  readonly #domid: number[] = [];
  #head = TAIL;
  #tail = TAIL;

  constructor(maxPages: number) {
    if (!Number.isSafeInteger(maxPages) || maxPages < 0) {
      throw new RangeError(`maptrack: bad page limit ${maxPages}`);
    }
    this.maxPages = maxPages;
  }

  /** Number of records (handles below it may be valid). */
  get limit(): number {
    return this.#ref.length;
  }

  /** A free handle, or undefined when the table is full (GNTST_no_space). */
  get(): number | undefined {
    if (this.#head !== TAIL) {
      const next = this.#ref[this.#head];
      if (next !== TAIL) {
        const h = this.#head;
        this.#head = next;
        return h;
      }
    }
    if (this.#ref.length / MAPTRACK_PER_PAGE >= this.maxPages) return undefined;
    const first = this.#ref.length;
    for (let i = 0; i < MAPTRACK_PER_PAGE; i++) {
      this.#ref.push(first + i + 1);
      this.#flags.push(0);
      this.#domid.push(0);
    }
    if (this.#tail === TAIL) this.#tail = first + MAPTRACK_PER_PAGE - 1;
    this.#ref[first + MAPTRACK_PER_PAGE - 1] = this.#head;
    this.#head = first + 1;
    return first;
  }

  /** Returns `handle` (free, flags 0) to the tail of the free list. */
  put(handle: number): void {
    this.#flags[handle] = 0;
    this.#ref[handle] = TAIL;
    const tail = this.#tail;
    this.#tail = handle;
    this.#ref[tail] = handle;
  }

  /** Fills the record of a handle from `get` (flags must not be 0). */
  set(handle: number, domid: number, ref: number, flags: number): void {
    this.#domid[handle] = domid;
    this.#ref[handle] = ref;
    this.#flags[handle] = flags;
  }

  /** The in-use record `handle`, or undefined for a free or out-of-range handle. */
  lookup(handle: number): MaptrackEntry | undefined {
    if (!Number.isSafeInteger(handle) || handle < 0 || handle >= this.#ref.length) {
      return undefined;
    }
    const flags = this.#flags[handle];
    if (flags === 0) return undefined;
    return { handle, domid: this.#domid[handle], ref: this.#ref[handle], flags };
  }

  /** Every in-use record in handle order. */
  *entries(): Generator<MaptrackEntry> {
    for (let h = 0; h < this.#ref.length; h++) {
      const e = this.lookup(h);
      if (e !== undefined) yield e;
    }
  }
}
