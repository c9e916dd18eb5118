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
    this.#pages.delete(pfn);
  }

  /** Drops every translation. */
  clear(): void {
    this.#pages.clear();
  }
}
