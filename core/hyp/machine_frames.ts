/**
 * The hypervisor's allocator of machine frames: domain RAM and the hypervisor's own pages
 * (shared_info, grant frames, magic pages) come from one machine RAM region. Freed frames are
 * scrubbed (their backing dropped, so they read as zeros) before reuse, as Xen scrubs pages a
 * domain gives back. Allocation is deterministic: the same requests give the same frames.
 */
import { PAGE_SIZE, type PhysMemory } from "../mem/phys_memory.ts";
import { XenError } from "./xen_error.ts";
import { XEN_ENOMEM } from "./abi/errno.ts";
import { arr, int, obj, StateError } from "./state_check.ts";

/** The allocator as plain data (frame numbers; the region itself is configuration). */
export interface MachineFramesState {
  /** First frame of the region. */
  first: number;
  /** Frame after the region. */
  end: number;
  /** First never-allocated frame. */
  next: number;
  /** Freed frames, reused last-freed first. */
  free: number[];
}

/** Allocates and frees machine frames of one RAM region. */
export class MachineFrames {
  readonly #mem: PhysMemory;
  readonly #first: number;
  readonly #end: number;
  #next: number;
  #free: number[] = [];

  /** Frames come from the RAM region [base, base + size) of `mem` (declared by the caller). */
  constructor(mem: PhysMemory, base: number, size: number) {
    if (base % PAGE_SIZE !== 0 || size % PAGE_SIZE !== 0 || size <= 0) {
      throw new RangeError(`machine frames: region 0x${base.toString(16)}+0x${size.toString(16)}`);
    }
    this.#mem = mem;
    this.#first = this.#next = base / PAGE_SIZE;
    this.#end = (base + size) / PAGE_SIZE;
  }

  /** Frames still available. */
  get available(): number {
    return this.#end - this.#next + this.#free.length;
  }

  /** Frames handed out and not freed. */
  get used(): number {
    return this.#next - this.#first - this.#free.length;
  }

  /** One zeroed frame; XenError(ENOMEM) when none is left. */
  alloc(): number {
    const f = this.#free.pop();
    if (f !== undefined) return f;
    if (this.#next >= this.#end) throw new XenError(XEN_ENOMEM, "machine memory exhausted");
    return this.#next++;
  }

  /**
   * `count` contiguous zeroed frames (domain RAM is built from these); the first MFN. Taken
   * from the never-used part so that the range is contiguous.
   */
  allocRange(count: number): number {
    if (!Number.isSafeInteger(count) || count < 1) {
      throw new RangeError(`machine frames: bad count ${count}`);
    }
    if (this.#next + count > this.#end) {
      throw new XenError(
        XEN_ENOMEM,
        `${count} frames wanted, ${this.#end - this.#next} contiguous left`,
      );
    }
    const first = this.#next;
    this.#next += count;
    return first;
  }

  /** Returns frame `mfn` to the pool, scrubbed. */
  free(mfn: number): void {
    if (!Number.isSafeInteger(mfn) || mfn < this.#first || mfn >= this.#next) {
      throw new RangeError(`machine frames: mfn 0x${mfn.toString(16)} was not allocated`);
    }
    this.#mem.discard(mfn);
    this.#free.push(mfn);
  }

  /** The allocator's state. */
  save(): MachineFramesState {
    return { first: this.#first, end: this.#end, next: this.#next, free: [...this.#free] };
  }

  /**
   * Replaces the allocation state with `state` (from save() of an allocator over the same
   * region). Frame contents are guest memory's business: nothing is scrubbed. Throws StateError
   * naming the bad field, leaving the allocator unchanged.
   */
  restore(state: MachineFramesState): void {
    const s = obj(state, "frames");
    int(s.first, "frames.first", this.#first, this.#first);
    int(s.end, "frames.end", this.#end, this.#end);
    const next = int(s.next, "frames.next", this.#first, this.#end);
    const free = arr(s.free, "frames.free", next - this.#first);
    const seen = new Set<number>();
    free.forEach((f, i) => {
      int(f, `frames.free[${i}]`, this.#first, next - 1);
      if (seen.has(f as number)) throw new StateError(`frames.free[${i}]: ${f} is freed twice`);
      seen.add(f as number);
    });
    this.#next = next;
    this.#free = free.slice() as number[];
  }
}
