/**
 * One domain's grant table, version 1 (the only version Xen offers on ARM): shared frames of
 * 512 eight-byte `grant_entry_v1` entries, allocated from the hypervisor's machine frames and
 * mapped by the guest into its own space with XENMEM_add_to_physmap(XENMAPSPACE_grant_table).
 * The table starts with one frame and grows on demand, when the guest asks for a higher frame
 * index, up to `maxFrames`. The entries live in guest-visible memory, so the guest's writes are
 * read straight from the frames; Xen's own bookkeeping (pin counts per entry, the maptrack table
 * of this domain's mappings of other domains' grants) is kept beside them.
 */
import { PAGE_SIZE, type PhysMemory } from "../../mem/phys_memory.ts";
import { XEN_EBUSY, XEN_EINVAL, XEN_ENOMEM } from "../abi/errno.ts";
import { grant_entry_v1 } from "../abi/grant_table.ts";
import { abiField } from "../abi/layout.ts";
import type { GuestPhys } from "../guest_phys.ts";
import type { MachineFrames } from "../machine_frames.ts";
import { P2M_RWX, P2M_TYPE } from "../p2m.ts";
import { hex, XenError } from "../xen_error.ts";
import { arr, int, obj, StateError } from "../state_check.ts";
import { ActiveGrants, type ActiveGrantState } from "./active_grants.ts";
import { Maptrack, type MaptrackState } from "./maptrack.ts";

/** v1 entries per 4 KiB frame (512). */
export const GRANT_ENTRIES_PER_FRAME = PAGE_SIZE / grant_entry_v1.size;
/** Frames a table starts with (Xen's INITIAL_NR_GRANT_FRAMES on ARM). */
export const INITIAL_GRANT_FRAMES = 1;
/** Default frame limit of a domain (Xen 4.17's opt_max_grant_frames; xl passes -1 = default). */
export const DEFAULT_MAX_GRANT_FRAMES = 64;
/** Default maptrack frame limit (Xen 4.17's opt_max_maptrack_frames). */
export const DEFAULT_MAX_MAPTRACK_FRAMES = 1024;
/** Highest grant table version on ARM (GNTTAB_MAX_VERSION). */
export const GRANT_MAX_VERSION = 1;
/** The xen_pfn_t setup_table reports for a frame the guest has not mapped (INVALID_GFN). */
export const INVALID_GFN = 0xffff_ffff_ffff_ffffn;

/** Byte offsets inside a v1 entry (flags u16, domid u16, frame u32). */
const FLAGS = abiField(grant_entry_v1, "flags").offset;
const DOMID = abiField(grant_entry_v1, "domid").offset;
const FRAME = abiField(grant_entry_v1, "frame").offset;

/** A v1 entry as the REPL lists it. */
export interface GrantEntryV1 {
  ref: number;
  flags: number;
  domid: number;
  frame: number;
}

/** How a table is built. */
export interface GrantTableOptions {
  /** The allocator the shared frames come from. */
  frames: MachineFrames;
  /** The owning domain's memory: its p2m receives the frames (add_to_physmap). */
  phys: GuestPhys;
  /** Frame limit (max_grant_frames); DEFAULT_MAX_GRANT_FRAMES when absent. */
  maxFrames?: number;
  /** Maptrack frame limit (max_maptrack_frames); DEFAULT_MAX_MAPTRACK_FRAMES when absent. */
  maxMaptrackFrames?: number;
}

/**
 * A grant table as plain data. The entries themselves are in the frames (machine memory, saved
 * with it); the frames' allocation is MachineFrames' state.
 */
export interface GrantTableState {
  /** Entry format version (always 1). */
  version: number;
  /** Frame limit. */
  maxFrames: number;
  /** MFN of each shared frame. */
  mfns: number[];
  /** GFN the guest last mapped each frame at, -1 when never. */
  gfns: number[];
  /** Pinned entries in ref order. */
  active: ActiveGrantState[];
  /** This domain's mappings of other domains' grants. */
  maptrack: MaptrackState;
}

/** A domain's v1 grant table. */
export class GrantTable {
  #maxFrames: number;
  #active = new ActiveGrants();
  #maptrack: Maptrack;
  readonly #alloc: MachineFrames;
  readonly #phys: GuestPhys;
  readonly #mem: PhysMemory;
  /** MFN of each shared frame. */
  #mfns: number[] = [];
  /** GFN the guest last mapped each frame at (-1: never); checked against the p2m on use. */
  #gfns: number[] = [];

  /** Allocates the initial frame; XenError(ENOMEM) when machine memory is exhausted. */
  constructor(opts: GrantTableOptions) {
    const max = opts.maxFrames ?? DEFAULT_MAX_GRANT_FRAMES;
    if (!Number.isSafeInteger(max) || max < INITIAL_GRANT_FRAMES) {
      throw new RangeError(`grant table: bad max_grant_frames ${max}`);
    }
    this.#maxFrames = max;
    this.#maptrack = new Maptrack(opts.maxMaptrackFrames ?? DEFAULT_MAX_MAPTRACK_FRAMES);
    this.#alloc = opts.frames;
    this.#phys = opts.phys;
    this.#mem = opts.phys.mem;
    if (!this.grow(INITIAL_GRANT_FRAMES)) {
      throw new XenError(XEN_ENOMEM, "grant table: no machine frame for the first grant frame");
    }
  }

  /** Frame limit of this domain. */
  get maxFrames(): number {
    return this.#maxFrames;
  }

  /** Pin counts of this domain's entries that others (or itself) have mapped or are copying. */
  get active(): ActiveGrants {
    return this.#active;
  }

  /** This domain's mappings of granted frames (handles returned by map_grant_ref). */
  get maptrack(): Maptrack {
    return this.#maptrack;
  }

  /** The table's hypervisor-side state. */
  save(): GrantTableState {
    return {
      version: this.version,
      maxFrames: this.#maxFrames,
      mfns: [...this.#mfns],
      gfns: [...this.#gfns],
      active: this.#active.list(),
      maptrack: this.#maptrack.save(),
    };
  }

  /**
   * Replaces the table's state with `state` (from save()). Allocates nothing: the frames named
   * were allocated when the state was saved (restore MachineFrames from the same snapshot).
   * Throws StateError naming the bad field, leaving the table unchanged.
   */
  restore(state: GrantTableState): void {
    const s = obj(state, "grants");
    int(s.version, "grants.version", 1, GRANT_MAX_VERSION);
    const maxFrames = int(s.maxFrames, "grants.maxFrames", INITIAL_GRANT_FRAMES, 2 ** 32);
    const mfns = arr(s.mfns, "grants.mfns", maxFrames);
    const gfns = arr(s.gfns, "grants.gfns", maxFrames);
    if (mfns.length < INITIAL_GRANT_FRAMES || gfns.length !== mfns.length) {
      throw new StateError(`grants: ${mfns.length} mfns and ${gfns.length} gfns`);
    }
    const seen = new Set<number>();
    mfns.forEach((m, i) => {
      int(m, `grants.mfns[${i}]`, 0, MAX_GFN - 1);
      if (!this.#mem.isRam((m as number) * PAGE_SIZE) || seen.has(m as number)) {
        throw new StateError(`grants.mfns[${i}]: ${hex(m as number)} is not a distinct RAM frame`);
      }
      seen.add(m as number);
    });
    gfns.forEach((g, i) => int(g, `grants.gfns[${i}]`, -1, MAX_GFN - 1));
    const active = ActiveGrants.fromState(s.active, mfns.length * GRANT_ENTRIES_PER_FRAME);
    const maptrack = Maptrack.fromState(s.maptrack);
    this.#maxFrames = maxFrames;
    this.#mfns = (mfns as number[]).slice();
    this.#gfns = (gfns as number[]).slice();
    this.#active = active;
    this.#maptrack = maptrack;
  }

  /** Entry format version; always 1 (ARM's GNTTAB_MAX_VERSION). */
  get version(): number {
    return 1;
  }

  /** Frames allocated so far. */
  get nrFrames(): number {
    return this.#mfns.length;
  }

  /** Number of entries the current frames hold (refs below it are valid). */
  get nrEntries(): number {
    return this.#mfns.length * GRANT_ENTRIES_PER_FRAME;
  }

  /**
   * Grows the table to `nr` frames (no-op when already that large). False when `nr` exceeds
   * the limit or machine memory runs out; nothing is kept from a failed growth.
   */
  grow(nr: number): boolean {
    if (!Number.isSafeInteger(nr) || nr > this.maxFrames) return false;
    const added: number[] = [];
    try {
      while (this.#mfns.length + added.length < nr) added.push(this.#alloc.alloc());
    } catch (e) {
      if (!(e instanceof XenError)) throw e;
      for (const m of added) this.#alloc.free(m);
      return false;
    }
    for (const m of added) {
      this.#mfns.push(m);
      this.#gfns.push(-1);
    }
    return true;
  }

  /**
   * MFN of shared frame `idx`, growing the table to idx + 1 frames when needed (what Xen does
   * when a guest maps a frame beyond the current size); XenError(EINVAL) beyond the limit or when
   * growth fails.
   */
  frameMfn(idx: number): number {
    if (!Number.isSafeInteger(idx) || idx < 0 || !this.grow(idx + 1)) {
      throw new XenError(
        XEN_EINVAL,
        `grant frame index ${idx} beyond the ${this.maxFrames}-frame limit`,
      );
    }
    return this.#mfns[idx];
  }

  /**
   * GFN where the guest has frame `idx` mapped, or undefined (never mapped, since removed or
   * replaced in its p2m).
   */
  frameGfn(idx: number): number | undefined {
    const gfn = this.#gfns[idx];
    if (gfn === undefined || gfn < 0) return undefined;
    return this.#phys.p2m.get(gfn)?.mfn === this.#mfns[idx] ? gfn : undefined;
  }

  /**
   * XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx, gfn) for the owning domain: grows the
   * table to cover `idx`, then maps the frame at `gfn` (read-write RAM to the guest, type xen).
   * As in Xen 4.17 on ARM a frame is mapped at one place only: XenError(EBUSY) while it is still
   * mapped elsewhere (the guest must remove it first). EINVAL for a bad idx or gfn.
   */
  addToPhysmap(idx: number, gfn: number): void {
    const mfn = this.frameMfn(idx);
    if (!Number.isSafeInteger(gfn) || gfn < 0 || gfn >= MAX_GFN) {
      throw new XenError(XEN_EINVAL, `grant frame ${idx}: gfn ${gfn} is not a guest frame`);
    }
    const at = this.frameGfn(idx);
    if (at !== undefined) {
      throw new XenError(XEN_EBUSY, `grant frame ${idx} is already mapped at gfn ${hex(at)}`);
    }
    this.#phys.p2m.map(gfn, mfn, 1, P2M_RWX, P2M_TYPE.xen);
    this.#gfns[idx] = gfn;
  }

  /** The xen_pfn_t setup_table reports for frame idx: its GFN, or INVALID_GFN when unmapped. */
  frameListEntry(idx: number): bigint {
    const gfn = this.frameGfn(idx);
    return gfn === undefined ? INVALID_GFN : BigInt(gfn);
  }

  /**
   * The MFN behind the owner's `gfn` when a grant may name it (Xen's get_paged_frame on ARM: the
   * owner's RAM or a hypervisor page shared with it; not a device, not another domain's page
   * mapped through a grant or foreign map), else undefined.
   */
  ownFrame(gfn: number): number | undefined {
    const m = this.#phys.p2m.get(gfn);
    if (m === undefined || (m.type !== P2M_TYPE.ram && m.type !== P2M_TYPE.xen)) return undefined;
    return m.mfn;
  }

  /** Live view of the frame holding `ref` and the entry's byte offset in it (ref < nrEntries). */
  #slot(ref: number): [DataView, number] {
    const page = this.#mem.page(this.#mfns[Math.floor(ref / GRANT_ENTRIES_PER_FRAME)]);
    if (page === undefined) throw new Error(`grant frame of ref ${ref} is not RAM`);
    return [page, (ref % GRANT_ENTRIES_PER_FRAME) * grant_entry_v1.size];
  }

  /** True when `ref` is an entry of the current frames. */
  validRef(ref: number): boolean {
    return Number.isSafeInteger(ref) && ref >= 0 && ref < this.nrEntries;
  }

  /** The entry `ref` as the guest last wrote it (ref must be valid). */
  entry(ref: number): GrantEntryV1 {
    const [p, o] = this.#slot(ref);
    return {
      ref,
      flags: p.getUint16(o + FLAGS, true),
      domid: p.getUint16(o + DOMID, true),
      frame: p.getUint32(o + FRAME, true),
    };
  }

  /** Writes an entry as the granting guest would (tests and the domain builder's reserved refs). */
  setEntry(ref: number, flags: number, domid: number, frame: number): void {
    if (!this.validRef(ref)) throw new RangeError(`grant ref ${ref} beyond ${this.nrEntries}`);
    const [p, o] = this.#slot(ref);
    p.setUint32(o + FRAME, frame >>> 0, true);
    p.setUint16(o + DOMID, domid & 0xffff, true);
    p.setUint16(o + FLAGS, flags & 0xffff, true);
  }

  /** Sets bits in the flags of entry `ref` (GTF_reading / GTF_writing, as Xen does). */
  setFlags(ref: number, bits: number): void {
    const [p, o] = this.#slot(ref);
    p.setUint16(o + FLAGS, p.getUint16(o + FLAGS, true) | bits, true);
  }

  /** Clears bits in the flags of entry `ref`, leaving the guest's other bits alone. */
  clearFlags(ref: number, bits: number): void {
    const [p, o] = this.#slot(ref);
    p.setUint16(o + FLAGS, p.getUint16(o + FLAGS, true) & ~bits, true);
  }

  /** Every entry whose flags are not zero (a grant, or reading/writing bits still set). */
  *entries(): Generator<GrantEntryV1> {
    for (let ref = 0; ref < this.nrEntries; ref++) {
      const e = this.entry(ref);
      if (e.flags !== 0) yield e;
    }
  }

  /** MFNs of the shared frames in index order (the REPL, domain teardown). */
  frameMfns(): readonly number[] {
    return this.#mfns;
  }
}

/** P2m's frame limit (2^40 frames). */
const MAX_GFN = 2 ** 40;
