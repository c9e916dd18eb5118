/**
 * Translated blocks, keyed by physical page and by (offset, translation mode) within the page,
 * so that a write to a code page drops exactly that page's blocks. Shared by every PE of a board.
 */

/** A compiled block: `fn` runs it; `n` instructions retire when it returns normally. */
export interface Block {
  readonly fn: (c: unknown) => void;
  readonly n: number;
  /** Virtual page the block was translated for (the code embeds PC-relative values). */
  readonly vpn: number;
  /** Start address (int32 halves) and translation mode, for the PE's jump cache. */
  readonly pcLo: number;
  readonly pcHi: number;
  readonly mode: number;
  /** Cleared when the block's page is written or the cache is cleared. */
  live: boolean;
}

/** Per-page table of blocks. */
export type CodePage = Map<number, Block>;

/** All translated code of a board. */
export class CodeCache {
  readonly #pages = new Map<number, CodePage>();
  /** Called with a physical page number when its code is dropped (PEs flush their write TLBs). */
  onNewCodePage: ((pfn: number) => void)[] = [];
  /** Blocks compiled so far (statistics). */
  compiled = 0;

  /** The block table of page `pfn`, created on first use. */
  page(pfn: number): CodePage {
    let p = this.#pages.get(pfn);
    if (!p) {
      p = new Map();
      this.#pages.set(pfn, p);
      for (const f of this.onNewCodePage) f(pfn);
    }
    return p;
  }

  /** True when page `pfn` holds translated code (writes to it must invalidate). */
  hasCode(pfn: number): boolean {
    return this.#pages.has(pfn);
  }

  /** Drops the translated code of page `pfn`. */
  invalidatePage(pfn: number): void {
    const p = this.#pages.get(pfn);
    if (!p) return;
    for (const b of p.values()) b.live = false;
    this.#pages.delete(pfn);
  }

  /** Drops every translation. */
  clear(): void {
    for (const p of this.#pages.values()) for (const b of p.values()) b.live = false;
    this.#pages.clear();
  }
}
