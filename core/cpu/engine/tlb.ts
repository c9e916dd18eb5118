/**
 * A direct-mapped software TLB from virtual page number to a backing RAM page. Tags are virtual
 * page numbers as doubles (exact: below 2^52); -1 marks an empty slot. One TLB exists per
 * (access kind, exception level) so permissions are checked once, at fill time.
 */

/** Entries per TLB (a power of two). */
export const TLB_SIZE = 2048;
const TLB_MASK = TLB_SIZE - 1;

/** Slot index for a virtual address given as int32 halves. */
export function tlbIndex(lo: number): number {
  return (lo >>> 12) & TLB_MASK;
}

/** Virtual page number of an address given as int32 halves. */
export function vpnOf(lo: number, hi: number): number {
  return (hi >>> 0) * 1048576 + (lo >>> 12);
}

/** One software TLB. */
export class Tlb {
  readonly tag = new Float64Array(TLB_SIZE).fill(-1);
  /** Physical page number of each entry. */
  readonly pfn = new Float64Array(TLB_SIZE);
  readonly page: (DataView | null)[] = new Array(TLB_SIZE).fill(null);

  /** Installs a translation. */
  fill(vpn: number, pfn: number, page: DataView): void {
    const i = vpn % TLB_SIZE;
    this.tag[i] = vpn;
    this.pfn[i] = pfn;
    this.page[i] = page;
  }

  /** Drops every entry. */
  flush(): void {
    this.tag.fill(-1);
  }

  /** Drops the entry for one virtual page, if present. */
  flushPage(vpn: number): void {
    const i = vpn % TLB_SIZE;
    if (this.tag[i] === vpn) this.tag[i] = -1;
  }

  /**
   * Drops whatever occupies the slot of virtual address `lo`: every alias of the page that
   * differs only in VA bits 63-56 (ignored under TBI) indexes the same slot.
   */
  flushSlot(lo: number): void {
    this.tag[tlbIndex(lo)] = -1;
  }

  /** Drops every entry that maps physical page `pfn`. */
  flushPfn(pfn: number): void {
    for (let i = 0; i < TLB_SIZE; i++) {
      if (this.tag[i] !== -1 && this.pfn[i] === pfn) this.tag[i] = -1;
    }
  }
}

/** Keeps tlbIndex and the modulo in fill consistent (TLB_SIZE divides 2^20). */
export const TLB_INDEX_MASK = TLB_MASK;
