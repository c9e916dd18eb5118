/**
 * Sparse guest-physical RAM: regions are declared up front and backed page by page (4 KiB
 * ArrayBuffers) on first touch, so untouched memory costs nothing. Physical addresses are plain
 * numbers: they stay below 2^52 and are therefore exact.
 *
 * Copy-on-write: `fork()` / `restoreShared()` let two memories hold the same page buffers. A
 * shared page is copied by whichever side writes it first; the last holder keeps the old buffer
 * without a copy. Three kinds of views keep this safe:
 * - `page()`: a held, writable view (back ends keep it across calls). The page is private from
 *   then on and a fork copies it eagerly, so the holder's view never needs to change.
 * - `writePage()`: a writable view valid until the memory is next shared (a PE's write TLB).
 * - `readPage()`: a view for reading, valid until `pageMoved` names its page (a PE's read TLB).
 * Caches of the last two register with `addViewCache` to hear when they go stale.
 */

/** Page size of the backing store; also the CPU's translation-cache granule. */
export const PAGE_SIZE = 4096;
/** log2(PAGE_SIZE). */
export const PAGE_SHIFT = 12;

/** One declared RAM region. */
export interface RamRegion {
  readonly name: string;
  readonly base: number;
  readonly size: number;
}

/**
 * Plain-data state of RAM: the touched pages that hold anything but zeros, packed in one buffer
 * (one large typed array clones and serializes far faster than thousands of small ones).
 */
export interface MemoryState {
  /** The declared regions (restore checks that the target has the same ones). */
  regions: RamRegion[];
  /** Page numbers, ascending; page i's bytes are data[i * PAGE_SIZE, (i + 1) * PAGE_SIZE). */
  pfns: Float64Array;
  data: Uint8Array;
}

/**
 * A cache of page views from `readPage` / `writePage` (a PE's TLBs), told when they go stale.
 */
export interface PageViewCache {
  /**
   * Pages that were private may now be shared with another memory: drop every view obtained
   * from `writePage` (and from `readPage`, unless the cache tracks which pages it read).
   */
  pagesShared(): void;
  /** Page `pfn` got a new buffer (a shared page was split): views of it are stale. */
  pageMoved(pfn: number): void;
}

/** How many memories hold one shared page buffer (one record per buffer, common to them). */
interface PageShare {
  holders: number;
}

/** A private copy of one page. */
function copyPage(p: DataView): DataView {
  return new DataView(p.buffer.slice(p.byteOffset, p.byteOffset + PAGE_SIZE));
}

/** True when the 4 KiB page viewed as int32 words is all zeros. */
function isZeroPage(w: Int32Array): boolean {
  // Eight words per test: a zero page must be read to its end, so the loop's cost is the scan.
  for (let i = 0; i < w.length; i += 8) {
    if ((w[i] | w[i + 1] | w[i + 2] | w[i + 3] | w[i + 4] | w[i + 5] | w[i + 6] | w[i + 7]) !== 0) {
      return false;
    }
  }
  return true;
}

/**
 * A memory that is collected gives up its shares, so the survivors' next writes need not copy.
 * Collection timing only decides whether a page is copied, never what it holds.
 */
const releaseShares = new FinalizationRegistry((shared: Map<number, PageShare>) => {
  for (const s of shared.values()) s.holders--;
});

/** Guest-physical RAM made of lazily allocated pages. */
export class PhysMemory {
  readonly #regions: RamRegion[] = [];
  readonly #pages = new Map<number, DataView>();
  /** Pages whose buffer other memories may hold too, with the buffer's share record. */
  readonly #shared = new Map<number, PageShare>();
  /** Pages handed out by `page()`: someone holds a writable view, so they are never shared. */
  readonly #held = new Set<number>();
  /**
   * Weak: a PE that is gone (its domain destroyed) must not be kept alive by the memory; when it
   * is collected only a flush of a dead cache is skipped, nothing a run can observe.
   */
  #viewCaches: WeakRef<PageViewCache>[] = [];

  constructor() {
    releaseShares.register(this, this.#shared);
  }

  /** Declares RAM at [base, base+size); both page aligned, no overlap with other regions. */
  addRam(name: string, base: number, size: number): RamRegion {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0) {
      throw new Error(
        `RAM region ${name}: base 0x${base.toString(16)} size 0x${
          size.toString(16)
        } not page aligned`,
      );
    }
    for (const r of this.#regions) {
      if (base < r.base + r.size && r.base < base + size) {
        throw new Error(`RAM region ${name} at 0x${base.toString(16)} overlaps ${r.name}`);
      }
    }
    const region = { name, base, size };
    this.#regions.push(region);
    return region;
  }

  /** The declared regions. */
  get regions(): readonly RamRegion[] {
    return this.#regions;
  }

  /** True when `pa` lies in declared RAM. */
  isRam(pa: number): boolean {
    for (const r of this.#regions) if (pa >= r.base && pa < r.base + r.size) return true;
    return false;
  }

  /**
   * The page holding physical page number `pfn`, allocated on first touch; undefined if not RAM.
   * A live view that the caller may keep and write through: the page stays private to this
   * memory (a fork copies it) until it is discarded.
   */
  page(pfn: number): DataView | undefined {
    const p = this.#writable(pfn);
    if (p !== undefined) this.#held.add(pfn);
    return p;
  }

  /**
   * A writable view of page `pfn` (allocated on first touch; undefined if not RAM) that stays
   * valid until the memory is next shared (`PageViewCache.pagesShared`): for a PE's write TLB
   * and one-off writes. Splits the page if it is shared.
   */
  writePage(pfn: number): DataView | undefined {
    return this.#writable(pfn);
  }

  /**
   * A view of page `pfn` for reading only (allocated on first touch; undefined if not RAM). It
   * may be a buffer shared with another memory; it is valid until `PageViewCache.pageMoved`
   * names `pfn`.
   */
  readPage(pfn: number): DataView | undefined {
    return this.#pages.get(pfn) ?? this.#allocate(pfn);
  }

  /** True when page `pfn`'s buffer may be held by another memory (a write will copy it). */
  isShared(pfn: number): boolean {
    return this.#shared.size !== 0 && this.#shared.has(pfn);
  }

  /** Registers a cache of `readPage` / `writePage` views, held weakly (see PageViewCache). */
  addViewCache(c: PageViewCache): void {
    this.#viewCaches.push(new WeakRef(c));
  }

  /**
   * Drops the backing of page `pfn`: it reads as zeros again and costs nothing until touched
   * (a freed frame; the hypervisor scrubs pages this way).
   */
  discard(pfn: number): void {
    const s = this.#shared.get(pfn);
    if (s !== undefined) {
      s.holders--;
      this.#shared.delete(pfn);
    }
    this.#pages.delete(pfn);
    this.#held.delete(pfn);
  }

  /** A private, writable page `pfn`: allocated, or split from the buffer it shares. */
  #writable(pfn: number): DataView | undefined {
    const p = this.#pages.get(pfn);
    if (p === undefined) return this.#allocate(pfn);
    if (this.#shared.size === 0) return p;
    const s = this.#shared.get(pfn);
    if (s === undefined) return p;
    this.#shared.delete(pfn);
    // The last holder keeps the buffer: the others have split or discarded theirs.
    if (s.holders === 1) return p;
    s.holders--;
    const dv = copyPage(p);
    this.#pages.set(pfn, dv);
    this.#tellCaches((c) => c.pageMoved(pfn));
    return dv;
  }

  #allocate(pfn: number): DataView | undefined {
    if (!this.isRam(pfn * PAGE_SIZE)) return undefined;
    const dv = new DataView(new ArrayBuffer(PAGE_SIZE));
    this.#pages.set(pfn, dv);
    return dv;
  }

  #tellCaches(f: (c: PageViewCache) => void): void {
    let dead = 0;
    for (const r of this.#viewCaches) {
      const c = r.deref();
      if (c === undefined) dead++;
      else f(c);
    }
    if (dead !== 0) this.#viewCaches = this.#viewCaches.filter((r) => r.deref() !== undefined);
  }

  /**
   * A copy of RAM as plain data: every touched page that is not all zeros (a zero page reads the
   * same whether backed or not).
   */
  save(): MemoryState {
    const pfns: number[] = [];
    for (const [pfn, dv] of this.#pages) {
      if (!isZeroPage(new Int32Array(dv.buffer, dv.byteOffset, PAGE_SIZE / 4))) pfns.push(pfn);
    }
    pfns.sort((a, b) => a - b);
    const data = new Uint8Array(pfns.length * PAGE_SIZE);
    pfns.forEach((pfn, i) => {
      const dv = this.#pages.get(pfn)!;
      data.set(new Uint8Array(dv.buffer, dv.byteOffset, PAGE_SIZE), i * PAGE_SIZE);
    });
    return {
      regions: this.#regions.map((r) => ({ ...r })),
      pfns: Float64Array.from(pfns),
      data,
    };
  }

  /**
   * Replaces RAM contents with `s` (made by `save()` of a memory with the same regions); checked
   * first, nothing changes on error. Pages are rewritten in place and pages absent from `s` are
   * zeroed in place, so DataViews others hold of this memory's pages stay valid. The state is
   * copied, never referenced, so it can be restored again — unless `adopt` is set: then pages
   * this memory does not have yet become views into the state's `data` (no copy; the caller
   * gives the state up, as a fork or a freshly decoded file does).
   */
  restore(s: MemoryState, adopt = false): void {
    const o = s as unknown as Record<string, unknown> | null;
    if (o === null || typeof o !== "object") {
      throw new Error(`memory state: ${String(s)} is not an object`);
    }
    this.#checkRegions(o.regions, "memory state");
    const { pfns, data } = o;
    if (!(pfns instanceof Float64Array)) {
      throw new Error(`memory state: pfns is ${String(pfns)}, not a Float64Array`);
    }
    if (!(data instanceof Uint8Array) || data.length !== pfns.length * PAGE_SIZE) {
      throw new Error(
        `memory state: data is ${String(data)} (length ${
          (data as Uint8Array | null)?.length
        }), not a Uint8Array of ${pfns.length} pages`,
      );
    }
    for (let i = 0; i < pfns.length; i++) {
      const pfn = pfns[i];
      if (
        !Number.isSafeInteger(pfn) || (i > 0 && pfn <= pfns[i - 1]) || !this.isRam(pfn * PAGE_SIZE)
      ) {
        throw new Error(`memory state: pfns[${i}] = ${pfn} is not an ascending RAM page number`);
      }
    }
    // Adopted pages are views into `data`: keep them 8-byte aligned (word views of a page must
    // be possible), copying a decoder's unaligned buffer once if need be.
    const pageData = adopt && data.byteOffset % 8 !== 0 ? data.slice() : data;
    const keep = new Set<number>();
    for (let i = 0; i < pfns.length; i++) {
      const pfn = pfns[i];
      keep.add(pfn);
      const bytes = data.subarray(i * PAGE_SIZE, (i + 1) * PAGE_SIZE);
      const dv = this.#pages.has(pfn) ? this.#writable(pfn)! : undefined;
      if (dv) new Uint8Array(dv.buffer, dv.byteOffset, PAGE_SIZE).set(bytes);
      else if (adopt) {
        this.#pages.set(
          pfn,
          new DataView(pageData.buffer, pageData.byteOffset + i * PAGE_SIZE, PAGE_SIZE),
        );
      } else this.#pages.set(pfn, new DataView(bytes.slice().buffer));
    }
    this.#zeroAllBut(keep);
  }

  /**
   * Replaces RAM contents with `src`'s (a memory with the same regions), as
   * `restore(src.save())` would but sharing `src`'s pages copy-on-write instead of copying them.
   * Pages this memory has are rewritten in place (held views stay valid); pages `src` hands out
   * through `page()` are copied, since their holders write them in place.
   */
  restoreShared(src: PhysMemory): void {
    if (src === this) throw new Error("restoreShared: a memory cannot share with itself");
    this.#checkRegions(src.#regions, "restoreShared");
    let newlyShared = false;
    for (const [pfn, p] of src.#pages) {
      if (this.#pages.has(pfn)) {
        const dv = this.#writable(pfn)!;
        new Uint8Array(dv.buffer, dv.byteOffset, PAGE_SIZE).set(
          new Uint8Array(p.buffer, p.byteOffset, PAGE_SIZE),
        );
      } else if (src.#held.has(pfn)) this.#pages.set(pfn, copyPage(p));
      else {
        let s = src.#shared.get(pfn);
        if (s === undefined) {
          s = { holders: 1 };
          src.#shared.set(pfn, s);
          newlyShared = true;
        }
        s.holders++;
        this.#pages.set(pfn, p);
        this.#shared.set(pfn, s);
      }
    }
    this.#zeroAllBut(src.#pages);
    // Already-shared pages have no writable views anywhere; newly shared ones may.
    if (newlyShared) src.#tellCaches((c) => c.pagesShared());
  }

  /**
   * A copy of this memory (same regions and contents) that shares its pages copy-on-write:
   * writes on either side are invisible to the other.
   */
  fork(): PhysMemory {
    const m = new PhysMemory();
    for (const r of this.#regions) m.addRam(r.name, r.base, r.size);
    m.restoreShared(this);
    return m;
  }

  /** Zeroes in place every page whose number is not in `keep` (held views stay valid). */
  #zeroAllBut(keep: { has(pfn: number): boolean }): void {
    for (const pfn of [...this.#pages.keys()]) {
      if (keep.has(pfn)) continue;
      const dv = this.#writable(pfn)!;
      new Uint8Array(dv.buffer, dv.byteOffset, PAGE_SIZE).fill(0);
    }
  }

  #checkRegions(regions: unknown, what: string): void {
    const same = Array.isArray(regions) && regions.length === this.#regions.length &&
      this.#regions.every((r, i) => {
        const q = regions[i] as RamRegion | null;
        return q !== null && typeof q === "object" && q.name === r.name && q.base === r.base &&
          q.size === r.size;
      });
    if (!same) {
      throw new Error(`${what}: regions differ from ${JSON.stringify(this.#regions)}`);
    }
  }

  /** Number of pages that have been touched (allocated). */
  get touchedPages(): number {
    return this.#pages.size;
  }

  /** Copies `bytes` into RAM at `pa`; throws naming the address if any byte is not RAM. */
  write(pa: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const a = pa + done;
      const page = this.#writable(Math.floor(a / PAGE_SIZE));
      if (!page) {
        throw new Error(
          `write of ${bytes.length} bytes at 0x${pa.toString(16)}: 0x${a.toString(16)} is not RAM`,
        );
      }
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      new Uint8Array(page.buffer, page.byteOffset + off, n).set(bytes.subarray(done, done + n));
      done += n;
    }
  }

  /** Reads `len` bytes of RAM at `pa`; throws naming the address if any byte is not RAM. */
  read(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const page = this.readPage(Math.floor(a / PAGE_SIZE));
      if (!page) {
        throw new Error(
          `read of ${len} bytes at 0x${pa.toString(16)}: 0x${a.toString(16)} is not RAM`,
        );
      }
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, len - done);
      out.set(new Uint8Array(page.buffer, page.byteOffset + off, n), done);
      done += n;
    }
    return out;
  }
}
