/**
 * Software TLBs grouped by translation context. A context is the value of everything stage 1 and
 * stage 2 read (TTBR0/1 with their ASIDs, TCR, SCTLR, MAIR, VMID); switching contexts switches
 * sets instead of flushing, which is what ASID tagging buys real hardware. Linux rewrites TTBR0
 * on every kernel entry and user access when PAN is emulated in software, as on this v8.0 PE.
 * Any TLBI drops entries in every set (a superset of what the architecture requires).
 */
import { Tlb } from "./tlb.ts";
import type { PageViewCache } from "../../mem/phys_memory.ts";

/** Contexts kept at once; the least recently used is dropped beyond this. */
const MAX_SETS = 8;

/** The TLBs of one context: per access kind, indexed by EL. */
export class TlbSet {
  readonly rd: [Tlb, Tlb] = [new Tlb(), new Tlb()];
  readonly wr: [Tlb, Tlb] = [new Tlb(), new Tlb()];
  readonly ex: [Tlb, Tlb] = [new Tlb(), new Tlb()];

  /** Every TLB of the set. */
  all(): Tlb[] {
    return [...this.rd, ...this.wr, ...this.ex];
  }
}

/**
 * The sets of one PE, by context key, in least-recently-used order. They cache views of
 * copy-on-write memory: write entries only of private pages, so they go when pages become shared;
 * read and fetch entries of a shared page go when it splits.
 */
export class TlbSets implements PageViewCache {
  readonly #sets = new Map<string, TlbSet>();
  /**
   * TLBs that were filled with a page shared copy-on-write with another memory, by page number:
   * when that page is split its buffer changes, and only these TLBs can hold the old one.
   */
  readonly #sharedFills = new Map<number, Set<Tlb>>();

  /** The set for `key`, created (evicting the least recently used) when new. */
  select(key: string): TlbSet {
    let s = this.#sets.get(key);
    if (s) {
      this.#sets.delete(key);
    } else {
      if (this.#sets.size >= MAX_SETS) this.#sets.delete(this.#sets.keys().next().value!);
      s = new TlbSet();
    }
    this.#sets.set(key, s);
    return s;
  }

  /** Drops every entry of every set. */
  flush(): void {
    for (const s of this.#sets.values()) for (const t of s.all()) t.flush();
    this.#sharedFills.clear();
  }

  /** Notes that `t` was just filled with physical page `pfn`, whose buffer is shared. */
  noteShared(pfn: number, t: Tlb): void {
    const ts = this.#sharedFills.get(pfn);
    if (ts === undefined) this.#sharedFills.set(pfn, new Set([t]));
    else ts.add(t);
  }

  /** Memory pages became shared: drops every entry (the write entries must go). */
  pagesShared(): void {
    this.flush();
  }

  /** Drops the entries for physical page `pfn` noted by noteShared (its buffer was replaced). */
  pageMoved(pfn: number): void {
    const ts = this.#sharedFills.get(pfn);
    if (ts === undefined) return;
    this.#sharedFills.delete(pfn);
    for (const t of ts) t.flushPfn(pfn);
  }

  /** Drops one virtual page in every set. */
  flushPage(vpn: number): void {
    for (const s of this.#sets.values()) for (const t of s.all()) t.flushPage(vpn);
  }

  /** Drops the slot of virtual address `lo` in every set (all top-byte aliases of its page). */
  flushSlot(lo: number): void {
    for (const s of this.#sets.values()) for (const t of s.all()) t.flushSlot(lo);
  }

  /** Drops write entries for physical page `pfn` in every set (it now holds translated code). */
  flushWritesTo(pfn: number): void {
    for (const s of this.#sets.values()) for (const t of s.wr) t.flushPfn(pfn);
  }
}
