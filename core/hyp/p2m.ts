/**
 * A domain's p2m: its stage-2 translation from guest frame numbers (GFNs, IPA pages) to machine
 * frame numbers (MFNs) with permissions and a type, like Xen's p2m_type_t. Stored as a sparse
 * table of 512-entry leaves (one per 2 MiB of IPA), so a 256 MiB domain costs 128 small typed
 * arrays. The CPU reads it on TLB misses through the `Stage2` interface; every change that removes
 * or narrows a mapping tells the listeners (the domain's vcpus drop their cached translations).
 */
import { S2_R, S2_W, S2_X, type Stage2, type Stage2Entry } from "../cpu/el2.ts";
import { int, obj, StateError, typed } from "./state_check.ts";

/** What backs a guest frame (Xen's p2m types, the ones hvlab uses). */
export const P2M_TYPE = {
  /** The domain's own RAM. */
  ram: 1,
  /** A page of the hypervisor's own heap shared with the guest (shared_info, grant frames). */
  xen: 2,
  /** A device passed through or the GIC's virtual CPU interface (GICV). */
  mmio: 3,
  /** A page of another domain mapped by privilege (a device model's foreign map). */
  foreign: 4,
  /** A page of another domain mapped through a grant. */
  grant: 5,
} as const;

/** A P2M_TYPE value. */
export type P2mType = (typeof P2M_TYPE)[keyof typeof P2M_TYPE];

/** Permissions for normal memory. */
export const P2M_RWX = S2_R | S2_W | S2_X;
/** Read-write, no execute (devices, read-write grant maps). */
export const P2M_RW = S2_R | S2_W;
/** Read-only. */
export const P2M_RO = S2_R;

const LEAF_BITS = 9;
const LEAF = 1 << LEAF_BITS;

interface Leaf {
  /** MFN per slot, -1 when unmapped. */
  mfn: Float64Array;
  perms: Uint8Array;
  type: Uint8Array;
  used: number;
}

/** One mapping, as `entries()` reports it. */
export interface P2mMapping {
  gfn: number;
  mfn: number;
  perms: number;
  type: P2mType;
}

/**
 * A p2m as plain data: runs of mappings in gfn order, run i mapping `count[i]` frames from
 * `gfn[i]` to `mfn[i]` onwards with `perms[i]` and `type[i]` (a domain's RAM is a few runs).
 */
export interface P2mState {
  /** The VMID of the table (restore refuses another domain's). */
  vmid: number;
  gfn: Float64Array;
  mfn: Float64Array;
  count: Float64Array;
  perms: Uint8Array;
  type: Uint8Array;
}

const TYPES: readonly number[] = Object.values(P2M_TYPE);

/** The stage-2 table of one domain. */
export class P2m implements Stage2 {
  readonly vmid: number;
  #leaves = new Map<number, Leaf>();
  readonly #scratch: Stage2Entry = { pfn: 0, perms: 0 };
  #count = 0;
  /** Called after a mapping was removed or changed (cached translations must go). */
  readonly onInvalidate: (() => void)[] = [];

  constructor(vmid: number) {
    this.vmid = vmid;
  }

  /** Number of mapped guest frames. */
  get size(): number {
    return this.#count;
  }

  /**
   * The translation of `gfn` or undefined. The returned object is reused by the next call (the
   * CPU reads it at once); use `get` to keep one.
   */
  lookup(gfn: number): Stage2Entry | undefined {
    const leaf = this.#leaves.get(Math.floor(gfn / LEAF));
    if (leaf === undefined) return undefined;
    const i = gfn & (LEAF - 1);
    const mfn = leaf.mfn[i];
    if (mfn < 0) return undefined;
    const e = this.#scratch;
    e.pfn = mfn;
    e.perms = leaf.perms[i];
    return e;
  }

  /** The mapping of `gfn` as a fresh object, or undefined. */
  get(gfn: number): P2mMapping | undefined {
    const leaf = this.#leaves.get(Math.floor(gfn / LEAF));
    if (leaf === undefined) return undefined;
    const i = gfn & (LEAF - 1);
    if (leaf.mfn[i] < 0) return undefined;
    return { gfn, mfn: leaf.mfn[i], perms: leaf.perms[i], type: leaf.type[i] as P2mType };
  }

  /**
   * Maps `count` frames from `gfn` to `mfn` onwards. Replacing an existing mapping is allowed
   * (Xen's add_to_physmap does it) and invalidates cached translations.
   */
  map(gfn: number, mfn: number, count: number, perms: number, type: P2mType): void {
    checkFrame("gfn", gfn, count);
    checkFrame("mfn", mfn, count);
    let replaced = false;
    for (let k = 0; k < count; k++) {
      const g = gfn + k;
      const leaf = this.#leaf(Math.floor(g / LEAF));
      const i = g & (LEAF - 1);
      if (leaf.mfn[i] >= 0) replaced = true;
      else {
        leaf.used++;
        this.#count++;
      }
      leaf.mfn[i] = mfn + k;
      leaf.perms[i] = perms;
      leaf.type[i] = type;
    }
    if (replaced) this.#invalidate();
  }

  /** Removes the mappings of `count` frames from `gfn`; returns how many were mapped. */
  unmap(gfn: number, count = 1): number {
    checkFrame("gfn", gfn, count);
    let removed = 0;
    for (let k = 0; k < count; k++) {
      const g = gfn + k, key = Math.floor(g / LEAF);
      const leaf = this.#leaves.get(key);
      if (leaf === undefined) continue;
      const i = g & (LEAF - 1);
      if (leaf.mfn[i] < 0) continue;
      leaf.mfn[i] = -1;
      leaf.perms[i] = 0;
      leaf.type[i] = 0;
      removed++;
      this.#count--;
      if (--leaf.used === 0) this.#leaves.delete(key);
    }
    if (removed > 0) this.#invalidate();
    return removed;
  }

  /** Every mapping in GFN order (for the REPL and snapshots). */
  *entries(): Generator<P2mMapping> {
    const keys = [...this.#leaves.keys()].sort((a, b) => a - b);
    for (const key of keys) {
      const leaf = this.#leaves.get(key)!;
      for (let i = 0; i < LEAF; i++) {
        if (leaf.mfn[i] < 0) continue;
        yield {
          gfn: key * LEAF + i,
          mfn: leaf.mfn[i],
          perms: leaf.perms[i],
          type: leaf.type[i] as P2mType,
        };
      }
    }
  }

  /** The mappings as runs (see P2mState). */
  save(): P2mState {
    const gfn: number[] = [], mfn: number[] = [], count: number[] = [];
    const perms: number[] = [], type: number[] = [];
    const keys = [...this.#leaves.keys()].sort((a, b) => a - b);
    let n = -1;
    for (const key of keys) {
      const leaf = this.#leaves.get(key)!;
      for (let i = 0; i < LEAF; i++) {
        const m = leaf.mfn[i];
        if (m < 0) continue;
        const g = key * LEAF + i;
        if (
          n >= 0 && gfn[n] + count[n] === g && mfn[n] + count[n] === m &&
          perms[n] === leaf.perms[i] && type[n] === leaf.type[i]
        ) {
          count[n]++;
          continue;
        }
        n++;
        gfn.push(g);
        mfn.push(m);
        count.push(1);
        perms.push(leaf.perms[i]);
        type.push(leaf.type[i]);
      }
    }
    return {
      vmid: this.vmid,
      gfn: Float64Array.from(gfn),
      mfn: Float64Array.from(mfn),
      count: Float64Array.from(count),
      perms: Uint8Array.from(perms),
      type: Uint8Array.from(type),
    };
  }

  /**
   * Replaces every mapping with those of `state` (from save()) and drops cached translations.
   * Throws StateError naming the bad run, leaving the table unchanged.
   */
  restore(state: P2mState): void {
    const s = obj(state, "p2m");
    int(s.vmid, "p2m.vmid", this.vmid, this.vmid);
    const gfn = typed(s.gfn, "p2m.gfn", Float64Array);
    const n = gfn.length;
    const mfn = typed(s.mfn, "p2m.mfn", Float64Array, n);
    const count = typed(s.count, "p2m.count", Float64Array, n);
    const perms = typed(s.perms, "p2m.perms", Uint8Array, n);
    const type = typed(s.type, "p2m.type", Uint8Array, n);
    if (mfn.length !== n || count.length !== n || perms.length !== n || type.length !== n) {
      throw new StateError(`p2m: run arrays differ in length (${n} gfns)`);
    }
    let end = 0;
    for (let r = 0; r < n; r++) {
      const c = int(count[r], `p2m.count[${r}]`, 1, MAX_FRAME);
      int(gfn[r], `p2m.gfn[${r}]`, end, MAX_FRAME - c);
      int(mfn[r], `p2m.mfn[${r}]`, 0, MAX_FRAME - c);
      int(perms[r], `p2m.perms[${r}]`, 0, P2M_RWX);
      if (!TYPES.includes(type[r])) throw new StateError(`p2m.type[${r}]: ${type[r]} is no type`);
      end = gfn[r] + c;
    }
    // Checked above: filling cannot fail half-way.
    this.#leaves = new Map();
    this.#count = 0;
    for (let r = 0; r < n; r++) this.#fill(gfn[r], mfn[r], count[r], perms[r], type[r] as P2mType);
    this.#invalidate();
  }

  #fill(gfn: number, mfn: number, count: number, perms: number, type: P2mType): void {
    for (let k = 0; k < count; k++) {
      const g = gfn + k;
      const leaf = this.#leaf(Math.floor(g / LEAF));
      const i = g & (LEAF - 1);
      leaf.used++;
      this.#count++;
      leaf.mfn[i] = mfn + k;
      leaf.perms[i] = perms;
      leaf.type[i] = type;
    }
  }

  #leaf(key: number): Leaf {
    let leaf = this.#leaves.get(key);
    if (leaf === undefined) {
      leaf = {
        mfn: new Float64Array(LEAF).fill(-1),
        perms: new Uint8Array(LEAF),
        type: new Uint8Array(LEAF),
        used: 0,
      };
      this.#leaves.set(key, leaf);
    }
    return leaf;
  }

  #invalidate(): void {
    for (const f of this.onInvalidate) f();
  }
}

/** Frames are below 2^40 (52-bit addresses). */
const MAX_FRAME = 2 ** 40;

function checkFrame(what: string, frame: number, count: number): void {
  if (!Number.isSafeInteger(frame) || frame < 0 || !Number.isSafeInteger(count) || count < 1) {
    throw new RangeError(`p2m: bad ${what} ${frame} (count ${count})`);
  }
  if (frame + count > MAX_FRAME) {
    throw new RangeError(`p2m: ${what} 0x${frame.toString(16)} + ${count} beyond 2^40 frames`);
  }
}
