/**
 * Sparse guest-physical RAM: regions are declared up front and backed page by page (4 KiB
 * ArrayBuffers) on first touch, so untouched memory costs nothing. Physical addresses are plain
 * numbers: they stay below 2^52 and are therefore exact.
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

/** Guest-physical RAM made of lazily allocated pages. */
export class PhysMemory {
  readonly #regions: RamRegion[] = [];
  readonly #pages = new Map<number, DataView>();

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

  /** The page holding physical page number `pfn`, allocated on first touch; undefined if not RAM. */
  page(pfn: number): DataView | undefined {
    const p = this.#pages.get(pfn);
    if (p) return p;
    if (!this.isRam(pfn * PAGE_SIZE)) return undefined;
    const dv = new DataView(new ArrayBuffer(PAGE_SIZE));
    this.#pages.set(pfn, dv);
    return dv;
  }

  /**
   * Drops the backing of page `pfn`: it reads as zeros again and costs nothing until touched
   * (a freed frame; the hypervisor scrubs pages this way).
   */
  discard(pfn: number): void {
    this.#pages.delete(pfn);
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
      const page = this.page(Math.floor(a / PAGE_SIZE));
      if (!page) {
        throw new Error(
          `write of ${bytes.length} bytes at 0x${pa.toString(16)}: 0x${a.toString(16)} is not RAM`,
        );
      }
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - done);
      new Uint8Array(page.buffer, off, n).set(bytes.subarray(done, done + n));
      done += n;
    }
  }

  /** Reads `len` bytes of RAM at `pa`; throws naming the address if any byte is not RAM. */
  read(pa: number, len: number): Uint8Array {
    const out = new Uint8Array(len);
    let done = 0;
    while (done < len) {
      const a = pa + done;
      const page = this.page(Math.floor(a / PAGE_SIZE));
      if (!page) {
        throw new Error(
          `read of ${len} bytes at 0x${pa.toString(16)}: 0x${a.toString(16)} is not RAM`,
        );
      }
      const off = a % PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, len - done);
      out.set(new Uint8Array(page.buffer, off, n), done);
      done += n;
    }
    return out;
  }
}
